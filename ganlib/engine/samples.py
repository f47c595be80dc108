"""G's samples from the fixed z, and real samples to show beside them: an image grid, or a cloud of points."""
from __future__ import annotations

import numpy as np

from ganlib.engine.data import Dataset
from ganlib.engine.grid import frozen, make_grid
from ganlib.engine.kinds import DataKind

REAL_IMAGES = 64    # the same 8 x 8 as G's grid, so the two read side by side
REAL_POINTS = 1000  # enough points to see every mode of a toy mixture


def real_picture(data: Dataset, seed: int = 0) -> np.ndarray:
    """An H x W x C uint8 grid of real images, or N x D real points (read-only)."""
    if data.kind == DataKind.IMAGE:
        return frozen(make_grid(data.sample(REAL_IMAGES, seed)))
    return frozen(data.sample(REAL_POINTS, seed).numpy())




def fake_picture(trainer) -> np.ndarray:
    """G's samples from the trainer's fixed z, as a frame of the timeline keeps them: an H x W x C uint8 grid,
    or N x D points (read-only)."""
    samples = trainer.generate(trainer.fixed_z)
    return frozen(make_grid(samples) if trainer.data.kind == DataKind.IMAGE else samples.numpy())
