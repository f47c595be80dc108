"""The files a run can be downloaded as: its checkpoint, its loss history as CSV, its timeline as a GIF.

Toy runs have points, not pictures, so their frames are drawn onto small
canvases for the GIF.
"""
from __future__ import annotations

import numpy as np

from ganlib.charts.palette import FAKE, REAL, rgb
from ganlib.classroom.export import history_csv
from ganlib.engine.grid import gif_bytes

CANVAS = 192            # side of a toy frame in the GIF, in pixels
REAL_RGB, FAKE_RGB = rgb(REAL), rgb(FAKE)   # the colours of the Train page's points chart


def checkpoint_bytes(runner) -> bytes:
    """The run's checkpoint file as bytes, taken between two steps."""
    # here, not at the top: the Train page shows this button beside every run, and a server whose runs train in its
    # worker loads torch (the checkpoint's tensors) only when one is asked for (classroom/warm.py)
    from ganlib.run.checkpoint import checkpoint_file
    return checkpoint_file(runner.checkpoint())


def history_file(runner) -> bytes:
    """Curves and live changes as one CSV table (export.history_csv), both from one snapshot so they agree."""
    snap = runner.snapshot()
    return history_csv(snap.history, snap.events)


def timeline_gif(frames, real: np.ndarray | None = None) -> bytes:
    """An animated GIF of the fixed-z frames; `real` points (toy data) are drawn grey behind G's."""
    pictures = [np.asarray(f.picture) for f in frames]
    if pictures and pictures[0].dtype != np.uint8:
        pictures = _draw_points(pictures, real)
    return gif_bytes(pictures)


def points_picture(points: np.ndarray, real: np.ndarray | None = None) -> np.ndarray:
    """Toy points as a CANVAS x CANVAS RGB picture, G's over the real ones, in the charts' colours."""
    return _draw_points([np.asarray(points)], real)[0]


def off_picture(points: np.ndarray, real: np.ndarray) -> int:
    """How many of G's points fall outside the picture points_picture draws of them over `real`."""
    lo, hi = _frame(real)
    u = (np.asarray(points) - lo) / (hi - lo)
    return int((~((u >= 0) & (u <= 1)).all(1)).sum())


def _frame(ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of a picture of points: the real ones' box and a quarter of its size around it."""
    return ref.min(0) - 0.25 * np.ptp(ref, 0) - 1e-3, ref.max(0) + 0.25 * np.ptp(ref, 0) + 1e-3


def _draw_points(clouds: list[np.ndarray], real: np.ndarray | None) -> list[np.ndarray]:
    lo, hi = _frame(real if real is not None else clouds[-1])
    base = np.full((CANVAS, CANVAS, 3), 255, np.uint8)
    if real is not None:
        _paint(base, real, lo, hi, REAL_RGB)
    out = []
    for points in clouds:
        canvas = base.copy()
        _paint(canvas, points, lo, hi, FAKE_RGB)
        out.append(canvas)
    return out


def _paint(canvas: np.ndarray, points: np.ndarray, lo, hi, rgb) -> None:
    """2-D points as 3 x 3 dots; 1-D points as a histogram (bars up from the bottom). Points outside the frame are
    left out (off_picture counts them): clipped onto its edge, they drew a line of points where G puts none."""
    n = CANVAS - 3
    u = (points - lo) / (hi - lo)
    u = u[((u >= 0) & (u <= 1)).all(1)]
    if points.shape[1] == 1:
        counts, _ = np.histogram(u[:, 0], bins=CANVAS // 4, range=(0, 1))
        heights = (counts / max(1, counts.max()) * (CANVAS - 8)).astype(int)
        for i, h in enumerate(heights):
            if h:
                canvas[CANVAS - h:, i * 4:i * 4 + 3] = rgb
        return
    xs, ys = (u[:, 0] * n).astype(int), ((1 - u[:, 1]) * n).astype(int)  # y grows upwards in a chart
    for dx in range(3):
        for dy in range(3):
            canvas[ys + dy, xs + dx] = rgb
