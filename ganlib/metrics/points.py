"""Quality of generated points on the toy data sets, where p_data is known.

- ring8, grid25 (mixtures with known modes): the protocol of the PacGAN and VEEGAN
  papers (fjxmlzn/PacGAN, MetricLogger): draw 2,500 samples; a sample is high
  quality when it lies within 3 standard deviations of its nearest mode; a mode is
  covered when it holds at least one high-quality sample; reverse_kl is
  KL(histogram of the high-quality samples over the modes || uniform). The
  counting is ganlib.lab.coverage.mode_coverage, shared with the Theory lab.
- gauss-1d (a closed-form density): js, the Jensen-Shannon divergence in nats
  (0 = same, log 2 = 0.693 = disjoint) between p_data and p_g. With G at hand
  (a live run, a checkpoint: js_of_generator) p_g is computed from G itself, as
  the Theory lab does (ganlib.lab.density: within 0.001 for a 1-D latent). From bare
  samples (points_metrics) it is the smoothed estimate: a histogram and a kernel
  of 0.05 std(p_data), p_data blurred alike; a lower bound, and at 2,500 samples
  real points themselves score 0.0007 (points_reference, seed 1; 0.0013-0.0014 on
  seeds 2 and 3), which is its noise floor.
- spiral, moons (no modes, no closed-form density): energy, the energy distance to real points
  (energy.py), read against what real points score (points_reference, energy.energy_floor).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ganlib.lab import density as De
from ganlib.engine.data import Dataset
from ganlib.lab.coverage import mode_coverage
from ganlib.lab.views import data_range as _data_support
from ganlib.metrics.energy import energy_metrics

N_POINTS = 2500       # samples per measurement, as in the PacGAN protocol

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


def js_1d(samples: np.ndarray, dataset: Dataset) -> float:
    """JS(p_data, p_g) in nats from G's samples, both densities blurred alike (ganlib.lab.density.from_samples)."""
    return De.from_samples(samples, dataset.density, *_data_support(dataset)).js


def js_of_generator(G, latent_dim: int, dataset: Dataset) -> float:
    """JS(p_data, p_g) in nats with p_g computed from G itself (ganlib.lab.density.estimate)."""
    return De.estimate(G, latent_dim, dataset.density, *_data_support(dataset)).js
