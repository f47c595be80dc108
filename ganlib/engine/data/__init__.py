"""Datasets by name: load_dataset(config) -> Dataset, and plan(config): its shape and size without loading it."""
from __future__ import annotations

import importlib
from typing import Callable

from ganlib.engine.data.dataset import Batches, Dataset, DatasetError, DatasetUnavailable, to_unit
from ganlib.engine.data.digits import SHAPE as DIGITS_SHAPE, SIZE as DIGITS_SIZE, digits
from ganlib.engine.data.drawn import load_drawn
from ganlib.engine.data.toys import TOYS
from ganlib.settings import local_paths, max_upload_bytes

__all__ = ["Batches", "Dataset", "DatasetError", "DatasetUnavailable", "load_dataset", "plan", "to_unit"]

# each online set's train split: one image's shape and how many there are (torchvision's files), here so that
# plan (budget.py) knows them without importing torchvision
ONLINE = {"mnist": ((1, 28, 28), 60_000), "fashion-mnist": ((1, 28, 28), 60_000), "cifar10": ((3, 32, 32), 50_000)}
# The loaders that bring more than torch, imported by name for the data asked for only: torchvision (online.py)
# and Pillow (images.py) then cost a toy or digits run nothing. A table for importlib rather than import
# statements in functions, so the one place says which module serves which data.
LOADERS = {**dict.fromkeys(ONLINE, "ganlib.engine.data.online"), "folder": "ganlib.engine.data.images"}


def _loader(name: str):
    return importlib.import_module(LOADERS[name])


def load_dataset(cfg, data_paths: Callable[[str], str] | None = None) -> Dataset:
    """The data a TrainConfig names; DatasetError (or DatasetUnavailable offline) says what is wrong.

    data_paths turns data_path into the file to read (a visitor's Space: their own uploads only, see
    spaces.py); without one, data_path is a path on this machine, as the command line takes it.
    A drawing (dataset=drawn) is read as drawn.load_drawn checks it, wherever it comes from.
    A visitor's upload is read within the budget uploads.data_upload checked it against, so a file changed
    on disk since, or a zip entry larger than it declares, is refused as the upload would have been; a path
    of this machine (the command line, GAN_STUDIO_LOCAL_PATHS) within images.MAX_TOTAL_BYTES.
    Messages name data_path as it was given, never the file it became."""
    name = cfg.dataset
    if name == "digits":
        return digits()
    if name in TOYS:
        return TOYS[name]()
    if name in ONLINE:
        return _loader(name).load_online(name)
    if name == "folder":
        path = data_paths(cfg.data_path) if data_paths is not None else cfg.data_path
        uploaded = data_paths is not None and not local_paths()
        return _loader(name).load_images(path, cfg.image_size, cfg.channels, name=cfg.data_path,
                                         max_bytes=max_upload_bytes() if uploaded else None)
    if name == "drawn":
        return load_drawn(data_paths(cfg.data_path) if data_paths is not None else cfg.data_path, name=cfg.data_path)
    raise DatasetError(f"dataset: unknown {name!r}")


def plan(cfg) -> tuple[tuple[int, ...], int]:
    """(one sample's shape, images held in memory) that load_dataset(cfg) would give, found without loading
    or downloading anything. Toys (a drawing too) hold no images: their points are drawn for each batch. A
    folder counts its image files (0 when it cannot be read: loading will say why), with 3 channels when
    `channels` is 0 (auto), the most the files can decide."""
    name = cfg.dataset
    if name == "digits":
        return DIGITS_SHAPE, DIGITS_SIZE
    if name in TOYS:
        return TOYS[name]().shape, 0  # a few modes' worth of tensors, nothing of the batch's size
    if name == "drawn":
        return (2,), 0                # at most drawn_points.MAX_POINTS points: 16 kB
    if name in ONLINE:
        return ONLINE[name]
    if name == "folder":
        images = _loader(name)
        try:
            n = min(images.count_images(cfg.data_path), images.MAX_IMAGES)  # more is refused when loading
        except DatasetError:
            n = 0
        return (cfg.channels or 3, cfg.image_size, cfg.image_size), n
    raise DatasetError(f"dataset: unknown {name!r}")
