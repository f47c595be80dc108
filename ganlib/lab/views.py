"""The Theory lab's views of a toy run: what it draws, and what that says about the game.

For 1-D data: p_data, p_g, D(x), the optimal D*(x), JS(p_data, p_g) and V(D, G), all on one fine grid of x
(ganlib.lab.optimum; p_g from ganlib.lab.density, which computes G's density rather than smoothing a few
samples: see there for how accurate it is). For 2-D data: D as a heat map under the real and fake points, D*
where p_data is known, G's pull on the fakes, and mode coverage by the PacGAN protocol (ganlib.lab.coverage).
G is always the raw G that D trains against, never its EMA (which the Train page samples from): D* is the best
reply to the G that D actually faces. Everything works on private copies of G and D, taken between training
steps, so the live run is never raced.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from ganlib.engine.data import Dataset
from ganlib.engine.device import set_threads
from ganlib.engine.kinds import DataKind
from ganlib.engine.noise import random_z
from ganlib.lab import density, density_2d
from ganlib.lab.coverage import mode_coverage
from ganlib.lab.gradients import g_gradient_norms, push_on_fakes
from ganlib.lab.meaning import Meaning, OutputKind, meaning, of_config, optimal, output
from ganlib.lab.optimum import (HINGE_TIE, UNSURE, distance_on_points, distance_to_optimum, optimal_2d,
                                value_at_optimum, value_on_grid, wasserstein)

SAMPLES = 2500              # as in the PacGAN protocol
CHART_POINTS = 600          # points of the 1-D chart's curves (the estimate's grid is ~3,000 bins)
PROBE = 4096                # points per forward pass of D on a grid
ARROWS = 150                # fakes that get an arrow (more hide the map)

_ranges: dict[str, tuple[float, float, float]] = {}


@torch.inference_mode()
def d_logit(D: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """D's raw output at the points x, shape (N, dim) or (N,) for 1-D."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if t.ndim == 1:
        t = t.unsqueeze(1)
    return torch.cat([D(t[i:i + PROBE]).float() for i in range(0, len(t), PROBE)]).numpy().astype(np.float64)


@torch.inference_mode()
def fake_points(G: torch.nn.Module, latent_dim: int, n: int = SAMPLES, seed: int = 0) -> np.ndarray:
    """G's samples for a fixed z (the same seed every time, so a chart moves only when G does)."""
    return G(random_z(n, latent_dim, seed)).float().numpy()


@dataclass(frozen=True)
class View1D:
    x: np.ndarray          # the chart's grid (every k-th bin of the estimate's)
    p_data: np.ndarray
    p_g: np.ndarray        # G's density (ganlib.lab.density)
    d: np.ndarray          # D(x), in its loss's meaning (ganlib/lab/meaning.py)
    d_star: np.ndarray     # D*(x) in the same units, NaN where undefined (everywhere for a critic; for hinge
    #                        where p_data and p_g tie within optimum.HINGE_TIE, as in 2-D)
    js: float              # JS(p_data, p_g) in nats
    fake: np.ndarray       # G's samples
    method: str = "pushforward"   # how p_g was estimated (density.describe)
    value: float = math.nan       # V(D, G) of this D, integrated on the grid (bce, minimax)
    gap: float = math.nan         # mean |D - D*| where the data and G's samples lie
    meaning: Meaning = meaning("bce")
    w1: float = math.nan          # Wasserstein-1 distance of p_data and p_g, integral of |F_data - F_g|
    critic_gap: float = math.nan  # E_data[D] - E_g[D] on the grid: a critic's estimate of w1
    g_grads: dict | None = None   # g_gradient_norms at this G and D (bce, minimax)
    js_ema: float = math.nan      # JS of G's EMA (what the Train page measures), where the run keeps one
    ratio_range: tuple[float, float] = (0.5, 0.5)   # p_data / (p_data + p_g) at its least and most where the data
    #                                                 or G's samples lie (on_support): D*'s range, for verdict_1d

    @property
    def value_star(self) -> float:
        """V(D*, G) = -log 4 + 2 JS: what the best detective would score against this G."""
        return value_at_optimum(self.js)


@dataclass(frozen=True)
class View2D:
    real: np.ndarray       # (N, 2)
    fake: np.ndarray       # (N, 2)
    xs: np.ndarray         # heat-map columns
    ys: np.ndarray         # heat-map rows
    d: np.ndarray          # D on the (len(ys), len(xs)) grid, in its loss's meaning
    modes: np.ndarray | None
    coverage: dict | None  # mode_coverage(), for mixtures with known modes
    meaning: Meaning = meaning("bce")
    g_grads: dict | None = None   # g_gradient_norms at this G and D (bce, minimax)
    arrows: tuple | None = None   # (points (K, 2), G's pull on them (K, 2)): push_on_fakes
    warp: np.ndarray | None = None  # G of a grid of z: (lines, points, 2), for a 2-D latent
    d_star: np.ndarray | None = None  # D* on the grid in the loss's units, NaN where undefined; None when there
    #                                   is none to draw (a critic, or data whose density is not known)
    gap: float = math.nan         # mean |D - D*| over the real and fake points (where the data and G's samples lie)
    value_star: float = math.nan  # V(D*, G) = E_data[log D*] + E_g[log(1 - D*)] over those points (value_2d)


def view_1d(G, D, data: Dataset, latent_dim: int, n: int = SAMPLES, points: int = CHART_POINTS,
            seed: int = 0, m: Meaning | None = None) -> View1D:
    m = m or meaning("bce")
    e = density.estimate(G, latent_dim, data.density, *data_range(data), seed=seed)
    logit = d_logit(D, e.x)
    d, d_star = output(m, logit), optimal(m, e.p_ref, e.p_g, tie=HINGE_TIE)   # hinge: ties blanked, as in 2-D
    if d_star is None:   # a critic: no pointwise optimum
        d_star = np.full_like(d, np.nan)
    k = max(1, len(e.x) // points)
    value = value_on_grid(logit, e.p_ref, e.p_g) if m.kind is OutputKind.PROBABILITY else math.nan
    gap = distance_to_optimum(d, d_star, e.p_ref, e.p_g) if m.kind is not OutputKind.CRITIC else math.nan
    return View1D(e.x[::k], e.p_data[::k], e.p_g[::k], d[::k], d_star[::k], e.js,
                  fake_points(G, latent_dim, n, seed).ravel(), e.method, value, gap, m,
                  wasserstein(e.p_ref, e.p_g, e.x), _mean(d, e.p_ref) - _mean(d, e.p_g),
                  ratio_range=_ratio_range(e.p_ref, e.p_g))


def _ratio_range(p_data: np.ndarray, p_g: np.ndarray) -> tuple[float, float]:
    """The least and the most of p_data / (p_data + p_g) where either density exceeds SUPPORT x p_data's peak."""
    on = np.maximum(p_data, p_g) > SUPPORT * p_data.max()
    ratio = p_data[on] / (p_data[on] + p_g[on])
    return float(ratio.min()), float(ratio.max())


def _mean(d: np.ndarray, p: np.ndarray) -> float:
    return float(np.sum(d * p) / max(p.sum(), 1e-300))


def data_range(data: Dataset) -> tuple[float, float, float]:
    """(lo, hi, std) of 20,000 real points, once per data set."""
    if data.name not in _ranges:
        _ranges[data.name] = density.data_range(data.density, lambda k: data.sample(k, seed=0).numpy())
    return _ranges[data.name]


def view_2d(G, D, data: Dataset, latent_dim: int, n: int = SAMPLES, res: int = 90, seed: int = 0,
            m: Meaning | None = None, with_d_star: bool = True) -> View2D:
    """with_d_star=False leaves D* out: its density estimate is ~99% of the view's time (ring8: 0.8 s of 0.81,
    session 17)."""
    m = m or meaning("bce")
    fake = fake_points(G, latent_dim, n, seed)
    real = data.sample(n, seed).numpy()
    xs, ys = _axis(real[:, 0], fake[:, 0], res), _axis(real[:, 1], fake[:, 1], res)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    d = output(m, d_logit(D, grid)).reshape(gy.shape)
    modes = data.modes.numpy() if data.modes is not None else None
    coverage = mode_coverage(fake, modes, data.mode_std) if modes is not None else None
    d_star, gap, value_star = None, math.nan, math.nan
    # p_data known exactly (a mixture), and a loss with a pointwise optimum
    if modes is not None and m.kind is not OutputKind.CRITIC and with_d_star:
        e = density_2d.estimate_2d(G, latent_dim, modes, data.mode_std, seed=seed)
        d_star = optimal_2d(m, e, grid).reshape(gy.shape)
        points = np.concatenate([real, fake])
        gap = distance_on_points(output(m, d_logit(D, points)), optimal_2d(m, e, points))
        value_star = value_2d(e, real, fake)
    return View2D(real, fake, xs, ys, d, modes, coverage, m, arrows=push_on_fakes(D, fake[:ARROWS], m),
                  warp=z_grid_image(G) if latent_dim == 2 else None, d_star=d_star, gap=gap, value_star=value_star)


def value_2d(e: density_2d.Estimate2D, real: np.ndarray, fake: np.ndarray) -> float:
    """V(D*, G) = E_data[log D*(x)] + E_g[log(1 - D*(G(z)))], D* = p_data / (p_data + p_g) of the 2-D estimate,
    averaged over the real and fake points where D* is known: -2 log 2 when p_g = p_data, 0 when they are apart."""
    parts = []
    for pts, side in ((real, lambda r: r), (fake, lambda r: 1 - r)):
        ratio, spread = density_2d.ratio_and_spread(*e.masses(pts))
        known = spread <= UNSURE
        if not known.any():
            return math.nan
        parts.append(float(np.mean(np.log(np.clip(side(ratio[known]), 1e-6, 1.0)))))
    return sum(parts)


@torch.inference_mode()
def z_grid_image(G, lines: int = 11, points: int = 41, reach: float = 2.5) -> np.ndarray:
    """G of the lines of a grid over z in [-reach, reach]^2 (both directions): how G warps the plane of z.
    Shape (2 * lines, points, 2); rows of the grid first, then its columns."""
    u, t = np.linspace(-reach, reach, lines), np.linspace(-reach, reach, points)
    rows = [np.stack([t, np.full_like(t, c)], 1) for c in u]
    cols = [np.stack([np.full_like(t, c), t], 1) for c in u]
    z = torch.as_tensor(np.concatenate(rows + cols), dtype=torch.float32)
    return G(z).float().numpy().astype(np.float64).reshape(2 * lines, points, 2)


def span(real: np.ndarray, fake: np.ndarray) -> tuple[float, float]:
    """The range a chart of real and fake values shows: all of the real ones, the central 98% of the fakes.

    Percentiles for the fakes, so that a few strays of G do not shrink everything else to a dot.
    """
    return float(min(real.min(), np.percentile(fake, 1))), float(max(real.max(), np.percentile(fake, 99)))


def _axis(real: np.ndarray, fake: np.ndarray, res: int) -> np.ndarray:
    lo, hi = span(real, fake)
    pad = 0.15 * max(hi - lo, 1e-3)
    return np.linspace(lo - pad, hi + pad, res)


def view(runner, n: int = SAMPLES, seed: int = 0, with_d_star: bool = True) -> View1D | View2D | None:
    """The Theory lab's view of a live run, or None when its data are images. with_d_star=False: a 2-D view
    without D* (view_2d), for the side-by-side demo, which draws two views at once and only D."""
    snap = runner.wait(lambda s: bool(s.shape) or s.ended, 60.0)  # a run still loading has no data yet
    if snap.kind != DataKind.POINTS or snap.shape not in ((1,), (2,)):
        return None
    set_threads()  # this thread's torch threads: 2 would stall on cores the training thread keeps busy
    G, D = runner.models_copy(game=True)   # private copies of the G that D plays and of D, between two steps
    data, latent_dim = runner.dataset(), snap.config.latent_dim
    m = of_config(snap.config)
    if data.shape[0] == 1:
        v = view_1d(G, D, data, latent_dim, n=n, seed=seed, m=m)
        if snap.config.ema > 0:   # the Train page's JS is of G's EMA: the lab shows both, each by its name
            ema = runner.models_copy()[0]
            v = dataclasses.replace(v, js_ema=density.estimate(ema, latent_dim, data.density, *data_range(data)).js)
    else:
        v = view_2d(G, D, data, latent_dim, n=n, seed=seed, m=m, with_d_star=with_d_star)
    if m.kind is OutputKind.PROBABILITY:
        v = dataclasses.replace(v, g_grads=g_gradient_norms(G, D, latent_dim, seed=seed))
    return v


def won(v: View1D) -> bool:
    """G has won when p_g matches p_data by both measures: JS below WON_JS and D* within WON_D of 1/2 wherever
    the data or G's samples lie. JS alone is not enough: at JS 0.009 the exact D* ran from 0.25 to 0.79 (issue 23)."""
    return v.js < WON_JS and max(abs(r - 0.5) for r in v.ratio_range) < WON_D


def verdict_1d(v: View1D) -> str:
    """What the 1-D view says about the game, in one or two sentences: "G has won" only when p_g matches p_data
    (won), never for a flat but weak D."""
    level = v.meaning.level
    flat = level is not None and _mean_distance_to(v.d, level, v.p_data, v.p_g) < FLAT
    lo, hi = v.ratio_range
    if won(v):
        return (f"p_g matches p_data: JS is {v.js:.4f} nats (below {WON_JS}) and the best D* stays between {lo:.2f} "
                f"and {hi:.2f} wherever the data or G's samples lie (within {WON_D} of 1/2). There is nothing left "
                "for any D to tell apart: here G has won.")
    close = "" if v.js >= WON_JS else (
        f"JS is small ({v.js:.4f} nats, below {WON_JS}), but G has not won: the best D* still runs from {lo:.2f} "
        f"to {hi:.2f} where the data or G's samples lie; a G that has won keeps it within {WON_D} of 1/2. ")
    if v.meaning.kind is OutputKind.CRITIC:
        return close + (f"JS is {v.js:.3f} nats and the Wasserstein distance {v.w1:.3f}; the critic's gap E f(real) - "
                        f"E f(fake) reads {v.critic_gap:.3f} (an estimate of it while f's slope stays within 1).")
    if v.gap < NEAR and flat:   # a flat D drawn beside a curved D*: "as well as anyone can" read as false there
        return close + (f"D sits near {level:g}, and against this G that is close to the best D* (mean |D - D*| = "
                        f"{v.gap:.2f}, weighted by where the data and G's samples lie): D* is near {level:g} where "
                        f"most of their mass is. G still has JS = {v.js:.3f} nats to go.")
    if v.gap < NEAR:
        return close + (f"D is close to the best D* (mean |D - D*| = {v.gap:.2f}): it tells real from fake as well "
                        f"as anyone can against this G. G still has JS = {v.js:.3f} nats to go.")
    if flat:
        return close + (f"D sits near {level:g}, but JS is {v.js:.3f}: p_g is not p_data. D is weak (it has not "
                        f"caught up with G, mean |D - D*| = {v.gap:.2f}), not beaten: the best D* would still tell "
                        "them apart.")
    return close + f"D has not caught up with G yet: mean |D - D*| = {v.gap:.2f}, and JS is {v.js:.3f} nats."


FLAT, NEAR = 0.05, 0.05      # verdict_1d's: mean |D - level| of a flat D, mean |D - D*| of a D near its optimum
WON_JS, WON_D = 0.01, 0.1    # won's: JS in nats, and the most D* may stray from 1/2 where the data or G lie
SUPPORT = 0.025              # "where the data or G's samples lie": either density above this x p_data's peak
#                              (0.01 for gauss-1d, whose peak is 0.40; 99% of its mass lies there)


def _mean_distance_to(d: np.ndarray, level: float, p_data: np.ndarray, p_g: np.ndarray) -> float:
    return distance_to_optimum(d, np.full_like(d, level), p_data, p_g)
