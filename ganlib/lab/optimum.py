"""The best D and what it measures: D*(x) = p_data / (p_data + p_g), V(D, G), JS and W1, and D* in 2-D.

In 1-D all of it is computed on one fine grid of x, from p_data and G's density (ganlib.lab.density) rather than
from a few samples. V(D*, G) = -log 4 + 2 JS(p_data, p_g): -2 log 2 is the value of the game once p_g = p_data.
In 2-D, D* comes from an estimate of p_g (ganlib.lab.density_2d), left blank where that estimate is unsure.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ganlib.lab import density_2d
from ganlib.lab.meaning import Meaning, optimal

LOG2 = math.log(2.0)
OPTIMUM_VALUE = -2 * LOG2   # V(D*, G) when p_g = p_data


def optimal_d(p_data: np.ndarray, p_g: np.ndarray, floor: float = 1e-4) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g); NaN where neither has mass (D* is undefined there)."""
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p + q
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > floor, p / total, np.nan)


def js_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """JS(p, q) in nats (0 when equal, log 2 when disjoint) of two densities sampled on the grid x."""
    p, q = _normalised(p, x), _normalised(q, x)
    m = 0.5 * (p + q)
    return float(max(0.0, 0.5 * _kl_on_grid(p, m, x) + 0.5 * _kl_on_grid(q, m, x)))


def value_at_optimum(js: float) -> float:
    """V(D*, G) = -log 4 + 2 JS(p_data, p_g): the most any D can score against this G."""
    return OPTIMUM_VALUE + 2 * js


def value_on_grid(logit: np.ndarray, p_data: np.ndarray, p_g: np.ndarray) -> float:
    """V(D, G) = E_data[log D] + E_g[log(1 - D)] for this D, integrated over the grid (no mini-batch noise)."""
    p, q = p_data / p_data.sum(), p_g / max(p_g.sum(), 1e-300)
    t = torch.as_tensor(logit, dtype=torch.float64)
    log_d, log_1md = torch.nn.functional.logsigmoid(t).numpy(), torch.nn.functional.logsigmoid(-t).numpy()
    return float(np.sum(p * log_d) + np.sum(q * log_1md))


def distance_to_optimum(d: np.ndarray, d_star: np.ndarray, p_data: np.ndarray, p_g: np.ndarray) -> float:
    """Mean |D - D*| where the data and G's samples lie: weighted by (p_data + p_g) / 2."""
    w = (p_data / p_data.sum() + p_g / max(p_g.sum(), 1e-300)) / 2
    ok = np.isfinite(d_star)
    return float(np.sum(w[ok] * np.abs(d[ok] - d_star[ok])) / max(w[ok].sum(), 1e-300))


def wasserstein(p_data: np.ndarray, p_g: np.ndarray, x: np.ndarray) -> float:
    """W1 of two densities on a uniform grid: the integral of |F_data - F_g| (exact in 1-D)."""
    dx = x[1] - x[0]
    f = np.cumsum(p_data) / p_data.sum() - np.cumsum(p_g) / max(p_g.sum(), 1e-300)
    return float(np.abs(f).sum() * dx)


# D* is unknown (NaN) where p_g's sampling noise alone could move p_data / (p_data + p_g) over a range wider
# than this (density_2d.ratio_and_spread) even in the largest square: far from the data and from G's samples,
# where neither has the mass to say. A floor on p_data + p_g of 1e-4 x p_data's peak drew a perfect G's D* at
# 0.016 5.5 std from a ring8 mode, from one stray sample
UNSURE = density_2d.SETTLED
HINGE_TIE = 0.1     # hinge's D* is any value in [-1, 1] where the ratio is this near 1/2 (meaning.optimal)


def optimal_2d(m: Meaning, e: density_2d.Estimate2D, points: np.ndarray) -> np.ndarray:
    """D* at the points, in the loss's units, from a 2-D estimate (ganlib.lab.density_2d.estimate_2d): the ratio
    of p_data's and p_g's masses in a square around each point; NaN where the estimate is unsure (UNSURE)."""
    data, g, noise = e.masses(points)
    d = optimal(m, data, g, floor=0.0, tie=HINGE_TIE)
    d[density_2d.ratio_and_spread(data, g, noise)[1] > UNSURE] = np.nan
    return d


def distance_on_points(d: np.ndarray, d_star: np.ndarray) -> float:
    """Mean |D - D*| over points drawn half from p_data and half from p_g, i.e. weighted by (p_data + p_g) / 2,
    as distance_to_optimum weights a grid; points where D* is undefined are left out."""
    ok = np.isfinite(d_star)
    return float(np.abs(d[ok] - d_star[ok]).mean()) if ok.any() else math.nan


def _normalised(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 0, None)
    area = np.trapezoid(p, x)
    return p / area if area > 0 else p


def _kl_on_grid(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(p > 0, p * np.log(p / q), 0.0)   # 0 log 0 = 0
    return float(np.trapezoid(f, x))
