"""dataset=drawn: the 2-D points a user drew on the canvas, as a toy Dataset.

The file is read and checked by engine/drawn_points.py (its size, its header, the count of points, before
anything is allocated for them; then finite and in the box). Each batch draws from the points with a little
Gaussian jitter, JITTER: a kernel density estimate of the drawing rather than the drawing itself. Forty clicks
are forty atoms, and a GAN trained on atoms can only learn to hit them exactly, which its smooth G cannot,
so D, sure of every point between them, keeps G circling; blurred, the points are a distribution (a ring, a
smile) that G can match and the charts can show it matching. The blur is one step of the canvas's grid, so
neighbouring clicks merge into a line while shapes a grid step apart stay apart.

Like every toy, the points and the jitter come from the run's generator only (Batches passes it), on its
device, so a seed repeats a run's batches exactly.
"""
from __future__ import annotations

import torch

from ganlib.engine.data.dataset import Dataset
from ganlib.engine.data.toys import EPOCH, Mixture
from ganlib.engine.drawn_points import BOX, GRID, YOUR_DRAWING, check_points, digest, read_points

JITTER = 2 * BOX / (GRID - 1)   # one step of the canvas's grid: 0.2, 5% of the box's half-side


def load_drawn(path: str, name: str | None = None) -> Dataset:
    """The drawing in the .npy file at `path` (messages call it `name`, default `path` as given); DatasetError
    naming data_path when the file is not MIN_POINTS to MAX_POINTS finite points in the box."""
    return drawn_dataset(read_points(path, name))


def drawn_dataset(points, name: str = YOUR_DRAWING) -> Dataset:
    """A Dataset that draws from `points` (N x 2, checked by drawn_points.check_points) with JITTER.

    Its name carries the points' digest: the energy distance keeps one real reference per Dataset name
    (metrics/energy.py), and two drawings must not share one."""
    table = torch.from_numpy(check_points(points, name))
    # a mixture of the points, each blurred by JITTER: toys.py's, as ring8's of its 8 modes
    return Dataset(f"drawn-{digest(table.numpy())}", (2,), EPOCH, draw=Mixture(table, JITTER))
