"""Quality of generated points on the toy data sets, where p_data is known.

- ring8, grid25 (mixtures with known modes): the protocol of the PacGAN and VEEGAN
  papers (fjxmlzn/PacGAN, MetricLogger): draw 2,500 samples; a sample is high
  quality when it lies within 3 standard deviations of its nearest mode; a mode is
  covered when it holds at least one high-quality sample; reverse_kl is
  KL(histogram of the high-quality samples over the modes || uniform). The
  counting is ganlib.theory.mode_coverage, shared with the Theory lab.
- gauss-1d (a closed-form density): js, the Jensen-Shannon divergence in nats
  (0 = same, log 2 = 0.693 = disjoint) between p_data and p_g on a grid. p_g is a
  Gaussian KDE of the samples and p_data is smoothed by the same kernel, so the
  smoothing cancels out: samples from p_data itself give js ~ 0.001 at 2,500
  samples, instead of the ~0.02 that smoothing only p_g would leave.
- spiral, moons (no modes, no closed-form density): energy, the energy distance to real points
  (energy.py), read against what real points score (points_reference, energy.energy_floor).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..data import Dataset
from ..theory import js_divergence, mode_coverage
from .energy import energy_metrics

N_POINTS = 2500       # samples per measurement, as in the PacGAN protocol
GRID = 2000           # points of the 1-D grid
BANDWIDTH = 0.05      # KDE bandwidth for js, as a share of the std of p_data (0.1 for gauss-1d)

_support: dict[str, tuple[float, float, float]] = {}


def points_metrics(points, dataset: Dataset) -> dict:
    """The metrics that fit `dataset` for G's samples `points` (N, D); {} when none does."""
    pts = np.asarray(torch.as_tensor(points).detach().cpu().double(), dtype=np.float64)
    pts = pts.reshape(len(pts), -1)
    if not np.isfinite(pts).all():
        pts = np.nan_to_num(pts, nan=1e6, posinf=1e6, neginf=-1e6)  # a broken G scores as far away
    if dataset.density is not None and pts.shape[1] == 1:
        return {"js": js_1d(pts[:, 0], dataset)}
    if dataset.modes is not None and dataset.mode_std > 0:
        return modes_metrics(pts, dataset.modes.numpy(), dataset.mode_std)
    if dataset.draw is not None:
        return energy_metrics(torch.from_numpy(pts), dataset)
    return {}


def points_reference(dataset: Dataset, n: int = N_POINTS, seed: int = 1) -> dict:
    """The same metrics for n real points: the best a G can expect at this n (real-vs-real)."""
    return {"n": n, "real": points_metrics(dataset.sample(n, seed=seed), dataset)}


def modes_metrics(points: np.ndarray, modes: np.ndarray, std: float) -> dict:
    """modes_covered, n_modes, high_quality (share) and reverse_kl (None when no sample is high quality)."""
    m = mode_coverage(points, modes, std)
    rk = m["reverse_kl"]
    return {"modes_covered": int(m["modes_covered"]), "n_modes": int(m["n_modes"]),
            "high_quality": float(m["high_quality"]), "reverse_kl": float(rk) if math.isfinite(rk) else None}


def _data_support(dataset: Dataset) -> tuple[float, float, float]:
    """(lo, hi, std) of p_data, from 20,000 real draws; cached per data set."""
    if dataset.name not in _support:
        real = dataset.sample(20_000, seed=0).double().numpy().ravel()
        _support[dataset.name] = (float(real.min()), float(real.max()), float(real.std()))
    return _support[dataset.name]


def js_1d(samples: np.ndarray, dataset: Dataset) -> float:
    """JS(p_data * K, p_g * K) in nats on a grid, K a Gaussian kernel of BANDWIDTH x std(p_data)."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    lo, hi, std = _data_support(dataset)
    span = hi - lo
    s = np.clip(s, lo - span, hi + span)  # far-away samples pile up at the grid's edge: still no overlap
    h = BANDWIDTH * std
    x = np.linspace(min(lo, s.min()) - 4 * h, max(hi, s.max()) + 4 * h, GRID)
    dx = x[1] - x[0]
    h = max(h, 2 * dx)
    k = np.arange(-math.ceil(4 * h / dx), math.ceil(4 * h / dx) + 1) * dx
    kernel = np.exp(-0.5 * (k / h) ** 2)
    kernel /= kernel.sum()
    p_data = dataset.density(torch.as_tensor(x)).double().numpy()
    edges = np.concatenate([x - dx / 2, x[-1:] + dx / 2])
    hist = np.histogram(s, bins=edges)[0] / (len(s) * dx)
    p = np.convolve(p_data, kernel, mode="same")
    q = np.convolve(hist, kernel, mode="same")
    return js_divergence(p, q, x)
