"""The 2-D D* map (ganlib.lab.density_2d) against an accurate reference, on trained ring8 and grid25 Gs (issue 23).

The reference is independent of the estimator: 10^7 fresh samples of G (random z, not the estimator's Sobol z),
counted in a square 0.2 std wide centred on each point, against p_data's exact mass in the same
square. Points: 2,500 real and 2,500 of G's, where the map is read. Targets: mean |error| <= 0.02, 95th
percentile <= 0.1, and D* unknown at under 1% of them.
Measured (seeds 0 / 1 / 2, on a 2-core AMD EPYC with AVX-512; the kernel estimate it replaced in brackets, seeds
0 / 1): ring8 (bce, 3,000 steps) mean 0.0083 / 0.0018 / 0.0012, 95th percentile 0.033 / 0.006 / 0.002 (0.064 /
0.014, 0.25 / 0.06); grid25 (4,000 steps) 0.0166 / 0.0176 / 0.0142, 0.062 / 0.071 / 0.050 (0.060 / 0.059, 0.26 /
0.26); unknown 0-0.02%. Squares of whole bins rather than centred on the point gave grid25 0.024 / 0.027 / 0.020
on the same Gs.
"""
import numpy as np
import pytest
import torch
from test_density import js_density

from ganlib import Trainer, preset
from ganlib.engine.device import set_threads
from ganlib.lab import density_2d, optimum

set_threads()
REFERENCE = 10_000_000
HALF = 0.1          # the reference's square: HALF x std either side of the point


def count_in_squares(xs: np.ndarray, points: np.ndarray, h: float) -> np.ndarray:
    """How many of xs lie in the closed square of half-width h around each point: a strip of xs sorted by x,
    then y within it: the same counts as a k-d tree, in ~5 s for 5,000 points among 10^7."""
    xs = xs[np.argsort(xs[:, 0], kind="stable")]
    x, y = xs[:, 0], xs[:, 1]
    lo, hi = np.searchsorted(x, points[:, 0] - h, "left"), np.searchsorted(x, points[:, 0] + h, "right")
    return np.array([np.count_nonzero(np.abs(y[a:b] - py) <= h) for a, b, py in zip(lo, hi, points[:, 1])])


def reference(G, latent_dim: int, modes: np.ndarray, std: float, points: np.ndarray) -> np.ndarray:
    """p_data / (p_data + p_g) at the points from REFERENCE samples of G in a square 2 HALF std wide."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)    # 10^7 samples through G: 25 s on one thread, the test's largest cost
    with torch.inference_mode():
        xs = np.concatenate([G(torch.randn(1_000_000, latent_dim, generator=torch.Generator().manual_seed(100 + k)))
                             .double().numpy() for k in range(REFERENCE // 1_000_000)])
    torch.set_num_threads(threads)
    h = HALF * std
    q = count_in_squares(xs, points, h) / REFERENCE
    ndtr = lambda x: torch.special.ndtr(torch.as_tensor(x, dtype=torch.float64)).numpy()   # noqa: E731
    p = sum((ndtr((points[:, 0] + h - mx) / std) - ndtr((points[:, 0] - h - mx) / std))
            * (ndtr((points[:, 1] + h - my) / std) - ndtr((points[:, 1] - h - my) / std)) for mx, my in modes)
    p = p / len(modes)
    with np.errstate(invalid="ignore"):
        return p / (p + q)


@pytest.mark.science
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name,steps,loss", [("ring8", 3000, "bce"), ("grid25", 4000, None)])
def test_the_2d_d_star_of_a_trained_g_matches_ten_million_samples(name, steps, loss, seed):
    cfg = preset(name).replace(seed=seed, **({"loss": loss} if loss else {}))
    t = Trainer(cfg)
    for _ in range(steps):
        t.step()
    G = t.G.eval()
    data = t.data
    modes, std = data.modes.numpy(), data.mode_std
    with torch.inference_mode():
        fake = G(torch.randn(2500, cfg.latent_dim, generator=torch.Generator().manual_seed(7))).double().numpy()
    points = np.concatenate([data.sample(2500, 7).numpy().astype(np.float64), fake])
    truth = reference(G, cfg.latent_dim, modes, std, points)
    e = density_2d.estimate_2d(G, cfg.latent_dim, modes, std)
    ratio, spread = density_2d.ratio_and_spread(*e.masses(points))
    known = spread <= optimum.UNSURE
    defined = np.isfinite(truth)
    assert (~known & defined).mean() < 0.01
    err = np.abs(ratio - truth)[known & defined]
    print(f"{name} seed {seed}: mean {err.mean():.4f}, 95th percentile {np.percentile(err, 95):.4f}, "
          f"unknown {(~known & defined).mean():.4f}")
    # the target; measured at most 0.018 and 0.071 (grid25 seed 1: docs/theory.md). Another CPU's kernels
    # train another G from the same seed: whole-bin squares measured 0.016-0.020 on one, 0.020-0.027 on this one
    assert err.mean() <= 0.02 and np.percentile(err, 95) <= 0.1
    # the best D's line on the V chart: V(D*, G) at the same real and fake points, from the reference's D*
    from ganlib.lab import views
    real, fake = points[:2500], points[2500:]
    ok = known & defined
    v_true = (np.mean(np.log(np.clip(truth[:2500][ok[:2500]], 1e-6, 1)))
              + np.mean(np.log(np.clip(1 - truth[2500:][ok[2500:]], 1e-6, 1))))
    v_shown = views.value_2d(e, real, fake)
    print(f"  V(D*, G): shown {v_shown:.4f}, reference {v_true:.4f}")
    # measured 0.005-0.032 apart on seeds 0-2 (V runs from -2 log 2 to 0; the logs weigh D*'s errors near 0 and 1)
    assert v_shown == pytest.approx(v_true, abs=0.05)


def test_d_star_is_unknown_far_from_the_data_and_from_g():
    """Far from every mode and every sample of G the map says "unknown", not a number."""
    modes = np.array([[0.0, 0.0]])
    e = density_2d.from_samples_2d(0.05 * np.random.default_rng(0).standard_normal((50_000, 2)), modes, 0.05)
    ratio, spread = density_2d.ratio_and_spread(*e.masses(np.array([[0.0, 0.0], [0.6, 0.6], [30.0, 0.0]])))
    assert spread[0] <= optimum.UNSURE and abs(ratio[0] - 0.5) < 0.1
    assert spread[1] > optimum.UNSURE and spread[2] > optimum.UNSURE


def test_a_tight_blob_beside_a_mode_keeps_its_sharp_d_star():
    """G as a blob 0.4 std wide 1.5 std off the mode (what a trained ring8 G makes): D* is ~0 in the blob and ~1
    on the far side of the mode; the kernel estimate read 0.1-0.3 there where the truth is ~1 (issue 23)."""
    std, sd, mu = 0.01, 0.004, np.array([0.015, 0.0])
    rng = np.random.default_rng(1)
    e = density_2d.from_samples_2d(mu + sd * rng.standard_normal((200_000, 2)), np.zeros((1, 2)), std)
    x = np.concatenate([std * rng.standard_normal((3000, 2)), mu + sd * rng.standard_normal((3000, 2))])
    gauss = lambda x, m, s: np.exp(-0.5 * ((x - m) ** 2).sum(1) / s ** 2) / (2 * np.pi * s ** 2)   # noqa: E731
    p, q = gauss(x, 0, std), gauss(x, mu, sd)
    ratio, spread = density_2d.ratio_and_spread(*e.masses(x))
    ok = spread <= optimum.UNSURE
    assert ok.mean() > 0.99
    err = np.abs(ratio - p / (p + q))[ok]
    assert err.mean() < 0.02 and np.percentile(err, 95) < 0.1, (err.mean(), np.percentile(err, 95))


@pytest.mark.parametrize("mu,sd", [((0.0, 0.0), 0.05), ((0.05, 0.0), 0.05), ((0.15, 0.05), 0.03)])
def test_the_best_ds_value_in_2d_is_minus_log4_plus_2js(mu, sd):
    """V(D*, G) of the 2-D view (views.value_2d, drawn as the best D's line) against -log 4 + 2 JS, JS of two
    Gaussians integrated on a fine grid here."""
    from ganlib.lab import views
    std = 0.05
    rng = np.random.default_rng(4)
    G = lambda z: torch.tensor(mu) + sd * z   # noqa: E731
    e = density_2d.estimate_2d(G, 2, np.zeros((1, 2)), std)
    real, fake = std * rng.standard_normal((2500, 2)), np.array(mu) + sd * rng.standard_normal((2500, 2))
    g = np.linspace(-0.5, 0.5, 2001)
    gx, gy = np.meshgrid(g, g)
    normal = lambda m, s: np.exp(-0.5 * ((gx - m[0]) ** 2 + (gy - m[1]) ** 2) / s ** 2) / (2 * np.pi * s ** 2)  # noqa
    js = float(np.nansum(js_density(normal((0, 0), std), normal(mu, sd))) * (g[1] - g[0]) ** 2)
    # measured: off by 0.0001, 0.013 and 0.004 (2,500 points each side)
    assert views.value_2d(e, real, fake) == pytest.approx(optimum.value_at_optimum(js), abs=0.02)
