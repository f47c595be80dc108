"""Datasets by name: load_dataset(config) -> Dataset."""
from __future__ import annotations

from .dataset import Batches, Dataset, DatasetError, DatasetUnavailable, to_unit
from .digits import digits
from .toys import TOYS

__all__ = ["Batches", "Dataset", "DatasetError", "DatasetUnavailable", "load_dataset", "to_unit"]


def load_dataset(cfg) -> Dataset:
    """The data a TrainConfig names; DatasetError (or DatasetUnavailable offline) says what is wrong."""
    name = cfg.dataset
    if name == "digits":
        return digits()
    if name in TOYS:
        return TOYS[name]()
    if name in ("mnist", "fashion-mnist", "cifar10"):
        from .online import load_online
        return load_online(name)
    if name == "folder":
        from .images import load_images
        return load_images(cfg.data_path, cfg.image_size, cfg.channels)
    raise DatasetError(f"dataset: unknown {name!r}")
