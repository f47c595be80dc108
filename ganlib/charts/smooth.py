"""Smoothing a curve for the training chart: TensorBoard's debiased exponential moving average.

A run's history holds up to 2,000 points per curve (ganlib/run/history.py), and
GAN losses are noisy from step to step, so drawn raw they fill a solid band in
which no trend can be seen. The chart draws this average bold over the raw
points (faint), and labels it "(smoothed)".

Why debiased: a plain EMA starts from 0 and so climbs from 0 over its first
points, which would draw a loss that starts near 0 and rises; dividing by
1 - w**n (as TensorBoard does) removes that pull. Why capped: an EMA lags,
by about w / (1 - w) points; on a short curve a fixed weight would draw a drop
that happened in one step as a slope over a large part of the chart, so the
weight used is never more than makes its window MAX_WINDOW_SHARE of the points.
"""
from __future__ import annotations

import numpy as np

SMOOTHING = 0.9           # default weight: each point keeps 90% of the average so far (TensorBoard's slider)
MAX_WINDOW_SHARE = 0.05   # the average's window, 1 / (1 - w) points, spans at most this share of the curve


def effective_weight(smoothing: float, n: int) -> float:
    """The EMA weight used on a curve of n points: `smoothing`, lowered so that the window stays within
    MAX_WINDOW_SHARE of the curve (0, no smoothing, up to 1 / MAX_WINDOW_SHARE points)."""
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing: must be at least 0 and below 1, got {smoothing}")
    cap = 1 - 1 / (MAX_WINDOW_SHARE * n) if n > 0 else 0.0
    return max(0.0, min(smoothing, cap))


def ema(values, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: last = w * last + (1 - w) * x, shown as last / (1 - w**k) after k finite values.

    Non-finite values (NaN, inf) are passed through as they are and left out of the average, as TensorBoard
    does, so one NaN shows as a gap rather than wiping out the rest of the curve."""
    x = np.asarray(values, dtype=float)
    out = np.empty_like(x)
    last, k = 0.0, 0
    for i, v in enumerate(x):
        if not np.isfinite(v):
            out[i] = v
            continue
        last = weight * last + (1 - weight) * v
        k += 1
        out[i] = last / (1 - weight ** k)
    return out
