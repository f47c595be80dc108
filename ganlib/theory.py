"""The math of the classic GAN texts, measured on 1-D and 2-D toy runs.

For 1-D data: p_data, p_g (a KDE of G's samples), D(x), the optimal
D*(x) = p_data / (p_data + p_g) and JS(p_data, p_g), all on one grid of x.
For 2-D data: D as a heat map under the real and fake points, and mode
coverage by the PacGAN protocol. Everything works on private copies of G and
D, taken between training steps, so the live run is never raced.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .data import Dataset
from .device import set_threads
from .latent import random_z

LOG2 = math.log(2.0)
OPTIMUM_VALUE = -2 * LOG2   # V(D*, G) when p_g = p_data
SAMPLES = 2500              # as in the PacGAN protocol


# --- densities on a grid ------------------------------------------------------
def bandwidth(samples: np.ndarray) -> float:
    """Silverman's rule of thumb, floored so a collapsed G still gives a finite spike."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    spread = min(s.std(), (np.percentile(s, 75) - np.percentile(s, 25)) / 1.34) if len(s) > 1 else 0.0
    if spread <= 0:
        spread = s.std()
    return max(0.9 * spread * len(s) ** -0.2, 1e-3)


def kde(samples: np.ndarray, x: np.ndarray, h: float | None = None) -> np.ndarray:
    """Gaussian kernel density estimate of 1-D samples at the points x."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    h = bandwidth(s) if h is None else h
    u = (np.asarray(x, dtype=np.float64)[:, None] - s[None, :]) / h
    return np.exp(-0.5 * u * u).sum(1) / (len(s) * h * math.sqrt(2 * math.pi))


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


def js_from_value(value: float) -> float:
    """JS implied by V(D, G) = -log 4 + 2 JS; exact only when D = D*, otherwise a lower bound."""
    return max(0.0, (value - OPTIMUM_VALUE) / 2)


def _normalised(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 0, None)
    area = np.trapezoid(p, x)
    return p / area if area > 0 else p


def _kl_on_grid(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(p > 0, p * np.log(p / q), 0.0)   # 0 log 0 = 0
    return float(np.trapezoid(f, x))


# --- D and G on points -------------------------------------------------------
@torch.inference_mode()
def d_prob(D: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """D(x) = sigmoid(D's logit) at the points x, shape (N, dim) or (N,) for 1-D."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if t.ndim == 1:
        t = t.unsqueeze(1)
    return torch.sigmoid(D(t).float()).numpy().astype(np.float64)


@torch.inference_mode()
def fake_points(G: torch.nn.Module, latent_dim: int, n: int = SAMPLES, seed: int = 0) -> np.ndarray:
    """G's samples for a fixed z (the same seed every time, so a chart moves only when G does)."""
    return G(random_z(n, latent_dim, seed)).float().numpy()


# --- mode coverage (PacGAN protocol) -----------------------------------------
def mode_coverage(points: np.ndarray, modes: np.ndarray, std: float) -> dict:
    """Modes covered, share of high-quality samples and reverse KL of the mode histogram to uniform.

    A sample is high quality when it lies within 3 std of its nearest mode; a mode
    is covered when it holds at least one high-quality sample. reverse_kl is
    KL(histogram of high-quality samples over modes || uniform): 0 for a perfect
    spread, log K for a single mode, inf when no sample is high quality.
    """
    pts, centres = np.asarray(points, dtype=np.float64), np.asarray(modes, dtype=np.float64)
    dist = np.linalg.norm(pts[:, None, :] - centres[None, :, :], axis=2)
    nearest, good = dist.argmin(1), dist.min(1) <= 3 * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    hq = int(good.sum())
    if hq:
        freq = counts[counts > 0] / hq
        reverse_kl = float(np.sum(freq * np.log(freq * len(centres))))
    else:
        reverse_kl = math.inf
    return {"modes_covered": int((counts > 0).sum()), "n_modes": len(centres),
            "high_quality": hq / max(len(pts), 1), "reverse_kl": reverse_kl}


# --- the views the Theory lab draws -------------------------------------------
@dataclass(frozen=True)
class View1D:
    x: np.ndarray          # the grid
    p_data: np.ndarray
    p_g: np.ndarray        # KDE of G's samples
    d: np.ndarray          # D(x)
    d_star: np.ndarray     # D*(x), NaN where undefined
    js: float              # JS(p_data, p_g) in nats
    fake: np.ndarray       # G's samples


@dataclass(frozen=True)
class View2D:
    real: np.ndarray       # (N, 2)
    fake: np.ndarray       # (N, 2)
    xs: np.ndarray         # heat-map columns
    ys: np.ndarray         # heat-map rows
    d: np.ndarray          # D on the (len(ys), len(xs)) grid
    modes: np.ndarray | None
    coverage: dict | None  # mode_coverage(), for mixtures with known modes


def view_1d(G, D, data: Dataset, latent_dim: int, n: int = SAMPLES, points: int = 600, seed: int = 0) -> View1D:
    fake = fake_points(G, latent_dim, n, seed).ravel()
    real = data.sample(n, seed).numpy().ravel()
    h = bandwidth(fake)
    both = np.clip(np.concatenate([real, fake]), -50, 50)  # a runaway G must not stretch the grid to infinity
    x = np.linspace(both.min() - 3 * h - 0.5, both.max() + 3 * h + 0.5, points)
    p_data = (data.density(torch.as_tensor(x)).numpy().astype(np.float64) if data.density is not None
              else kde(real, x))
    p_g = kde(fake, x, h)
    return View1D(x, p_data, p_g, d_prob(D, x), optimal_d(p_data, p_g), js_divergence(p_data, p_g, x), fake)


def view_2d(G, D, data: Dataset, latent_dim: int, n: int = SAMPLES, res: int = 60, seed: int = 0) -> View2D:
    fake = fake_points(G, latent_dim, n, seed)
    real = data.sample(n, seed).numpy()
    xs, ys = _axis(real[:, 0], fake[:, 0], res), _axis(real[:, 1], fake[:, 1], res)
    gx, gy = np.meshgrid(xs, ys)
    d = d_prob(D, np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gy.shape)
    modes = data.modes.numpy() if data.modes is not None else None
    coverage = mode_coverage(fake, modes, data.mode_std) if modes is not None else None
    return View2D(real, fake, xs, ys, d, modes, coverage)


def span(real: np.ndarray, fake: np.ndarray) -> tuple[float, float]:
    """The range a chart of real and fake values shows: all of the real ones, the central 98% of the fakes.

    Percentiles for the fakes, so that a few strays of G do not shrink everything else to a dot.
    """
    return float(min(real.min(), np.percentile(fake, 1))), float(max(real.max(), np.percentile(fake, 99)))


def _axis(real: np.ndarray, fake: np.ndarray, res: int) -> np.ndarray:
    lo, hi = span(real, fake)
    pad = 0.15 * max(hi - lo, 1e-3)
    return np.linspace(lo - pad, hi + pad, res)


def view(runner, n: int = SAMPLES, seed: int = 0) -> View1D | View2D | None:
    """The Theory lab's view of a live run, or None when its data are images."""
    snap = runner.wait(lambda s: bool(s.shape) or s.ended, 60.0)  # a run still loading has no data yet
    if snap.kind != "points" or snap.shape not in ((1,), (2,)):
        return None
    set_threads()  # this thread's torch threads: 2 would stall on cores the training thread keeps busy
    G, D = runner.models_copy()   # private copies, taken between two training steps
    data, latent_dim = runner.dataset(), snap.config.latent_dim
    make = view_1d if data.shape[0] == 1 else view_2d
    return make(G, D, data, latent_dim, n=n, seed=seed)


def g_loss_curves(points: int = 200) -> dict[str, np.ndarray]:
    """G's two losses against D(G(z)): minimax log(1 - D) is flat where D rejects fakes, -log D is steep."""
    d = np.linspace(0.001, 0.999, points)
    return {"d_fake": d, "minimax": np.log(1 - d), "non_saturating": -np.log(d)}
