"""Datasets by name: load_dataset(config) -> Dataset."""
from __future__ import annotations

from typing import Callable

from .dataset import Batches, Dataset, DatasetError, DatasetUnavailable, to_unit
from .digits import digits
from .toys import TOYS

__all__ = ["Batches", "Dataset", "DatasetError", "DatasetUnavailable", "load_dataset", "to_unit"]


def load_dataset(cfg, data_paths: Callable[[str], str] | None = None) -> Dataset:
    """The data a TrainConfig names; DatasetError (or DatasetUnavailable offline) says what is wrong.

    data_paths turns data_path into the file to read (a visitor's Space: their own uploads only, see
    spaces.py); without one, data_path is a path on this machine, as the command line takes it.
    Messages name data_path as it was given, never the file it became."""
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
        path = data_paths(cfg.data_path) if data_paths is not None else cfg.data_path
        return load_images(path, cfg.image_size, cfg.channels, name=cfg.data_path)
    raise DatasetError(f"dataset: unknown {name!r}")
