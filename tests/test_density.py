"""ganlib.lab.density and the Theory lab's 1-D view, held to the truth: a G whose density is known exactly (the
quantile G of gauss-1d, a linear G of a Gaussian), and JS integrated numerically here, independently of the
estimator. The old Silverman KDE drew D* from 0.13 to 0.62 for the perfect G and read JS 0.024 (issue 10)."""
import math

import numpy as np
import pytest
import torch

from ganlib.lab import density, density_2d, optimum, views
from ganlib.engine.data import Dataset
from ganlib.engine.data.toys import GAUSS_1D, gauss_1d, gauss_1d_density
from ganlib.engine.device import set_threads

set_threads()
SUPPORT = 0.01   # "on the support": where p_data > 0.01 (its peak is 0.40); 99% of gauss-1d's mass lies there


class QuantileG(torch.nn.Module):
    """The perfect G of a 1-D mixture for z ~ N(0, I): x = F^-1(Phi(z_0)), by interpolating a fine table of F."""

    def __init__(self, comps=GAUSS_1D):
        super().__init__()
        self.x = torch.linspace(-8, 9, 400_001, dtype=torch.float64)
        self.F = sum(w * torch.special.ndtr((self.x - mu) / s) for w, mu, s in comps)

    def forward(self, z):
        u = torch.special.ndtr(z[:, 0].double())
        i = torch.searchsorted(self.F, u).clamp(1, len(self.F) - 1)
        f0, f1, x0, x1 = self.F[i - 1], self.F[i], self.x[i - 1], self.x[i]
        t = ((u - f0) / (f1 - f0).clamp_min(1e-300)).clamp(0, 1)
        return (x0 + t * (x1 - x0)).float().unsqueeze(1)


class LinearG(torch.nn.Module):
    """x = mu + sigma z_0: p_g is N(mu, sigma^2) exactly."""

    def __init__(self, mu, sigma):
        super().__init__()
        self.mu, self.sigma = mu, sigma

    def forward(self, z):
        return self.mu + self.sigma * z[:, :1]


def gauss(x, mu, s):
    return np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def js_density(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """JS(p, q)'s integrand at each point, in nats: its integral over x is the JS divergence."""
    m = (p + q) / 2
    with np.errstate(all="ignore"):
        return 0.5 * np.where(p > 0, p * np.log(p / m), 0) + 0.5 * np.where(q > 0, q * np.log(q / m), 0)


def integrated_js(mu, sigma):
    """JS(N(0, 1), N(mu, sigma^2)) by the trapezoid rule on 900,001 points: the truth the estimator is held to."""
    x = np.linspace(-25, 30, 900_001)
    return float(np.trapezoid(js_density(gauss(x, 0, 1), gauss(x, mu, sigma)), x))


def unit_gaussian():
    return Dataset("unit-gauss", (1,), 10_000, draw=lambda n, g: torch.randn(n, 1, generator=g),
                   density=lambda x: torch.as_tensor(gauss(np.asarray(x, dtype=np.float64), 0, 1)))


def gauss_range():
    return views.data_range(gauss_1d())


@pytest.mark.parametrize("latent_dim,tolerance", [(1, 0.005), (2, 0.02)])
def test_a_perfect_g_gets_d_star_one_half_and_js_zero(latent_dim, tolerance):
    e = density.estimate(QuantileG(), latent_dim, gauss_1d_density, *gauss_range())
    assert e.method == ("pushforward" if latent_dim == 1 else "smoothed")
    d_star = optimum.optimal_d(e.p_ref, e.p_g)
    on = e.p_data > SUPPORT
    assert np.abs(d_star[on] - 0.5).max() < tolerance
    assert e.js < 0.005
    assert np.trapezoid(e.p_g, e.x) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("mu,sigma", [(1.0, 0.5), (0.3, 1.2), (3.0, 0.3), (8.0, 1.0)])
@pytest.mark.parametrize("latent_dim,tolerance", [(1, 0.01), (2, 0.05)])
def test_js_of_two_gaussians_matches_the_integral(mu, sigma, latent_dim, tolerance):
    data = unit_gaussian()
    js = density.estimate(LinearG(mu, sigma), latent_dim, data.density, *views.data_range(data)).js
    assert js == pytest.approx(integrated_js(mu, sigma), rel=tolerance)


def test_a_collapsed_or_broken_g_is_disjoint_from_the_data():
    lo, hi, std = gauss_range()
    point = density.estimate(lambda z: torch.full((len(z), 1), 1.0), 1, gauss_1d_density, lo, hi, std).js
    assert 0.6 < point <= math.log(2) + 1e-9         # a point mass hardly overlaps a density
    nan = density.estimate(lambda z: torch.full((len(z), 1), float("nan")), 1, gauss_1d_density, lo, hi, std)
    assert nan.js == pytest.approx(math.log(2), abs=1e-6) and nan.outside == pytest.approx(1.0)


def test_v_of_the_best_d_integrated_on_the_grid_is_minus_log4_plus_2js():
    e = density.estimate(LinearG(1.0, 0.5), 1, gauss_1d_density, *gauss_range())
    d_star = np.clip(optimum.optimal_d(e.p_ref, e.p_g), 1e-12, 1 - 1e-12)
    logit = np.log(d_star / (1 - d_star))
    logit[~np.isfinite(logit)] = 0.0   # where neither has mass: no weight either
    assert optimum.value_on_grid(logit, e.p_ref, e.p_g) == pytest.approx(optimum.value_at_optimum(e.js), abs=2e-3)
    # and any other D scores less
    assert optimum.value_on_grid(np.zeros_like(logit), e.p_ref, e.p_g) < optimum.value_at_optimum(e.js) - 0.05


class ConstantD(torch.nn.Module):
    def __init__(self, logit=0.0):
        super().__init__()
        self.logit = logit

    def forward(self, x):
        return torch.full((len(x),), self.logit)


def test_the_view_of_a_perfect_g_draws_d_star_one_half_and_says_g_has_won():
    v = views.view_1d(QuantileG(), ConstantD(), gauss_1d(), latent_dim=1)
    on = v.p_data > SUPPORT
    assert np.abs(v.d_star[on] - 0.5).max() < 0.005 and v.js < 0.001
    assert v.gap < 0.01 and v.value == pytest.approx(optimum.OPTIMUM_VALUE, abs=1e-3)
    assert "G has won" in views.verdict_1d(v)


def test_a_flat_d_against_a_wrong_g_is_called_weak_not_beaten():
    v = views.view_1d(LinearG(0.0, 1.0), ConstantD(), gauss_1d(), latent_dim=1)   # D = 1/2, G far from p_data
    assert v.js > 0.1 and v.gap > 0.1
    text = views.verdict_1d(v)
    assert "weak" in text and "won" not in text


def test_the_lab_draws_d_star_of_the_raw_g_that_d_plays():
    from ganlib import Runner, preset
    r = Runner(preset("gauss-1d").replace(ema=0.9))
    try:
        r.step()
        r.wait(lambda s: s.step >= 1, 60)
        raw, _ = r.models_copy(game=True)
        ema, _ = r.models_copy()
        G = r.checkpoint()["trainer"]["G"]       # the weights D trains against
        same = lambda a: all(torch.equal(a.state_dict()[k], G[k]) for k in G)  # noqa: E731
        assert same(raw) and not same(ema)
    finally:
        r.close()


def test_the_train_pages_js_is_computed_from_g_itself():
    from ganlib import Trainer, preset
    from ganlib.metrics import evaluator_for
    t = Trainer(preset("gauss-1d"))
    t.step()
    data = gauss_1d()
    want = density.estimate(t.sampler().eval(), 1, data.density, *views.data_range(data)).js
    assert evaluator_for(t)(t)["js"] == pytest.approx(want, rel=1e-5)


@pytest.mark.science
@pytest.mark.parametrize("loss", ["bce", "lsgan"])
def test_training_d_alone_brings_d_to_d_star(loss):
    """The lab's "Train D to the optimum": G frozen, D alone; D's curve closes in on D* of this loss."""
    from ganlib import Runner, Status, Trainer, preset
    from ganlib.run.state import Reason
    t = Trainer(preset("gauss-1d").replace(loss=loss))
    for _ in range(600):   # a fixed state (a wall-clock pause landed on different steps and states)
        t.step()
    r = Runner(trainer=t)
    try:
        r.wait(lambda s: s.status is Status.IDLE, 60)
        before = views.view(r)
        step = r.snapshot().step
        r.train_d(2000)
        assert r.wait(lambda s: s.reason is Reason.D_ALONE, 10).reason is Reason.D_ALONE
        after_snap = r.wait(lambda s: s.reason is not Reason.D_ALONE, 120)
        after = views.view(r)
    finally:
        r.close()
    assert (after_snap.status, after_snap.reason, after_snap.step) == (Status.PAUSED, Reason.BY_USER, step) == \
        (Status.PAUSED, Reason.BY_USER, 600)
    assert after.js == pytest.approx(before.js, abs=1e-9)          # G did not move
    assert after.gap < 0.5 * before.gap and after.gap < 0.05, (before.gap, after.gap)   # measured 0.102 -> 0.022


def pushed_forward(G, lo: float, hi: float, width: float, zs: int = 4_000_001):
    """p_g of a 1-D G of one latent, averaged over bins `width` wide across [lo, hi], here and independently of
    ganlib.lab.density (its fixed quantile and even z, and its closed-form spreading): the exact normal mass of zs
    evenly spaced z on [-8, 8] (trapezoid weights) carried through G and counted in the bin each lands in."""
    z = torch.linspace(-8, 8, zs, dtype=torch.float64)
    w = np.exp(-0.5 * z.numpy() ** 2) / math.sqrt(2 * math.pi) * (16 / (zs - 1))
    w[[0, -1]] /= 2
    with torch.inference_mode():
        x = torch.cat([G(c.float().unsqueeze(1)) for c in z.split(500_000)]).double().numpy().ravel()
    edges = np.arange(lo, hi + width, width)
    mass, _ = np.histogram(x, edges, weights=w)
    return (edges[:-1] + edges[1:]) / 2, mass / width


def verdict_truth(G, data, lo: float, hi: float, width: float) -> tuple[float, tuple[float, float]]:
    """(JS in nats, D*'s least and most where either density exceeds views.SUPPORT x p_data's peak) on bins
    `width` wide, from pushed_forward and p_data's exact density (averaged over each bin by the CDF's of its
    components would differ by < 1e-5 here: the bins are 1/30 of the narrowest component's std or less)."""
    x, q = pushed_forward(G, lo, hi, width)
    p = data.density(torch.as_tensor(x)).double().numpy()
    on = np.maximum(p, q) > views.SUPPORT * p.max()
    ratio = p[on] / (p[on] + q[on])
    return float(np.sum(js_density(p, q)) * width), (float(ratio.min()), float(ratio.max()))


@pytest.mark.science
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gauss_1d_converges_in_the_steps_the_app_runs_in_a_minute_and_the_lab_says_so_truly(seed):
    """The preset's raw G (the one the lab draws) and its EMA (the Train page's) reach JS <= 0.01 by 6,000 steps:
    fewer than the Theory lab runs in its first 60 s in the app (6,765 / 7,371 / 7,806 on seeds 0-2 in the training
    worker on 2 cores, bench/lab_gauss1d.py, which times the minute; this test pins what the steps reach). With the
    lr halving every 1,000 steps after 1,500, the raw G measured 0.0062-0.0070 at 6,000 and 0.0057-0.0059 at 8,000
    (without the halving: 0.0074-0.0109 at 8,000). The lab's verdict on that G ("G has won" or not, and the D*
    range it quotes) is held to G's push-forward computed here (verdict_truth)."""
    from ganlib import Trainer, preset
    t = Trainer(preset("gauss-1d").replace(seed=seed))
    for _ in range(6000):
        t.step()
    data = t.data
    lo, hi, _ = views.data_range(data)
    v = views.view_1d(t.G, t.D, data, latent_dim=1)
    lab_width = (hi - lo) / density.BINS    # the lab's bins (0.007 wide here)
    truth = {k: verdict_truth(G, data, lo - 3, hi + 3, lab_width / f)
             for k, G, f in (("raw", t.G.eval(), 1), ("fine", t.G.eval(), 4), ("ema", t.sampler().eval(), 1))}
    (js, (d_lo, d_hi)), (_, (f_lo, f_hi)), (ema_js, _) = truth["raw"], truth["fine"], truth["ema"]
    print(f"gauss-1d seed {seed} at 6,000 steps: raw G JS {js:.4f}, D* {d_lo:.3f}-{d_hi:.3f} ({f_lo:.3f}-{f_hi:.3f} "
          f"on bins 4x finer); EMA {ema_js:.4f}; the lab: JS {v.js:.4f}, D* {v.ratio_range[0]:.3f}-{v.ratio_range[1]:.3f}")
    assert js <= 0.01 and ema_js <= 0.01
    assert v.js == pytest.approx(js, rel=0.05)
    # (a bin that straddles a jump of p_g, at a kink of a ReLU G, reads its average, which depends on where the
    # edges fall: 0.253 against 0.208 on seed 2)
    assert v.ratio_range == pytest.approx((d_lo, d_hi), abs=0.05)
    # finer bins find D* straying further (a ReLU G's nearly flat pieces pile mass into narrow spikes): the range
    # the lab quotes is one D* reaches at least, never more than it does
    assert f_lo <= v.ratio_range[0] + 0.01 and v.ratio_range[1] <= f_hi + 0.01
    text = views.verdict_1d(v)
    for lo_, hi_ in ((d_lo, d_hi), (f_lo, f_hi)):
        truly_won = js < views.WON_JS and max(abs(lo_ - 0.5), abs(hi_ - 0.5)) < views.WON_D
        assert ("G has won" in text) == truly_won and ("has not won" in text) == (not truly_won)


# --- 2-D: D* on ring8 and grid25, against an exact mixture and two Gaussians ------------------------------
class MixtureG(torch.nn.Module):
    """The perfect G of an equal-weight mixture of N(mode, std^2 I), for z ~ N(0, I_3): z_2 picks the mode
    (through Phi, evenly), z_0 and z_1 the offset. Its samples are exact samples of p_data."""

    def __init__(self, modes, std):
        super().__init__()
        self.modes, self.std = torch.as_tensor(modes, dtype=torch.float32), std

    def forward(self, z):
        k = (torch.special.ndtr(z[:, 2]) * len(self.modes)).long().clamp(0, len(self.modes) - 1)
        return self.modes[k] + self.std * z[:, :2]


class FlatD(torch.nn.Module):
    """A D with one output everywhere that a gradient still flows through (the 2-D view draws G's pull)."""

    def __init__(self, value=0.0):
        super().__init__()
        self.value = value

    def forward(self, x):
        return 0 * x[:, 0] + self.value


def mixture_density(gx, gy, modes, std):
    return sum(np.exp(-0.5 * ((gx - mx) ** 2 + (gy - my) ** 2) / std ** 2) for mx, my in modes) / (
        len(modes) * 2 * math.pi * std ** 2)


def ratio_2d(e, points):
    """The estimate's p_data / (p_data + p_g) at the points, NaN where it is unsure (as the lab's map)."""
    ratio, spread = density_2d.ratio_and_spread(*e.masses(points))
    return np.where(spread <= optimum.UNSURE, ratio, np.nan)


# measured (2^18 Sobol samples, adaptive squares centred on each point) at 5,000 real points: ring8 max 0.018, 99th
# percentile 0.012, mean 0.0025; grid25 max 0.026, 99th percentile 0.019, mean 0.0054 (squares of whole bins from
# 200,000 samples: 0.026 / 0.014 / 0.003 and 0.037 / 0.024 / 0.007; the kernel estimate before them: 0.05 / 0.03 /
# 0.004 and 0.10 / 0.06 / 0.008 on its grid)
@pytest.mark.parametrize("name,worst,p99", [("ring8", 0.06, 0.03), ("grid25", 0.08, 0.05)])
def test_2d_a_perfect_g_gets_d_star_one_half_where_the_data_lie(name, worst, p99):
    from ganlib.engine.data.toys import TOYS
    data = TOYS[name]()
    modes, std = data.modes.numpy(), data.mode_std
    e = density_2d.estimate_2d(MixtureG(modes, std), 3, modes, std)
    real = data.sample(5000, seed=3).numpy()
    err = np.abs(ratio_2d(e, real) - 0.5)
    assert np.isfinite(err).mean() > 0.99
    err = err[np.isfinite(err)]
    assert err.max() < worst and np.percentile(err, 99) < p99 and err.mean() < 0.012, (err.max(), err.mean())
    assert e.outside == 0.0
    # and the lab's view of it: D* drawn near 1/2 (bce and lsgan), mean |D - D*| of a D = 1/2 is the error alone
    from ganlib.lab.meaning import meaning
    for loss in ("bce", "lsgan"):
        v = views.view_2d(MixtureG(modes, std), FlatD(0.0 if loss == "bce" else 0.5), data, 3, m=meaning(loss))
        assert v.gap < 0.02
        drawn = v.d_star[np.isfinite(v.d_star)]   # the map: near 1/2 where drawn, unknown where unsure (a floor
        assert len(drawn) and np.abs(drawn - 0.5).max() < worst   # on p_data + p_g drew 0.016 from a stray sample)


# two Gaussians at ring8's and grid25's scale: p_data = N(0, 0.05^2 I), p_g = N(mu, sd^2 I), D* = p / (p + q)
# exactly. Measured mean |error| over points drawn half from each: 0.006, 0.006, 0.004, 0.009, 95th percentiles
# 0.014-0.024 (the kernel estimate this replaced, weighted alike on its grid: 0.031, 0.036, 0.017, 0.075, its
# blur's bias)
@pytest.mark.parametrize("mu,sd", [((0.05, 0.0), 0.05), ((0.0, 0.0), 0.1), ((0.15, 0.05), 0.05), ((0.02, 0.0), 0.03)])
def test_2d_d_star_of_two_gaussians_matches_the_formula(mu, sd):
    G = lambda z: torch.tensor(mu) + sd * z   # noqa: E731
    e = density_2d.estimate_2d(G, 2, np.zeros((1, 2)), 0.05)
    rng = np.random.default_rng(5)
    x = np.concatenate([0.05 * rng.standard_normal((2000, 2)), np.array(mu) + sd * rng.standard_normal((2000, 2))])
    p, q = gauss(x[:, 0], 0, 0.05) * gauss(x[:, 1], 0, 0.05), gauss(x[:, 0], mu[0], sd) * gauss(x[:, 1], mu[1], sd)
    got = ratio_2d(e, x)
    assert np.isfinite(got).mean() > 0.99
    err = np.abs(got - p / (p + q))[np.isfinite(got)]
    assert err.mean() < 0.015 and np.percentile(err, 95) < 0.04, (err.mean(), np.percentile(err, 95))


def test_2d_view_has_no_d_star_for_a_critic_nor_for_data_of_unknown_density():
    from ganlib.engine.data.toys import ring8, spiral
    from ganlib.lab.meaning import meaning
    G = lambda z: 0.5 * z   # noqa: E731
    critic = views.view_2d(G, FlatD(), ring8(), 2, n=200, m=meaning("wgan-gp"))
    assert critic.d_star is None and math.isnan(critic.gap)
    unknown = views.view_2d(G, FlatD(), spiral(), 2, n=200)
    assert unknown.d_star is None and math.isnan(unknown.gap)
    bce = views.view_2d(G, FlatD(), ring8(), 2, n=200)
    assert bce.d_star.shape == bce.d.shape and 0 < bce.gap < 1


@pytest.mark.science
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_d_alone_brings_ds_map_to_d_star_in_2d(seed):
    """ "Train D to the optimum" on ring8: mean |D - D*| over the real and fake points falls by a clear factor.
    Measured at step 300, 2,000 updates (bce, 1 thread): seed 0 0.469 -> 0.113, seed 1 0.474 -> 0.040, seed 2
    0.441 -> 0.000 (seed 0 was 0.48 -> 0.056 before D's one pass over real and fake changed the game's path:
    how far D gets depends on the G it meets); lsgan 0.46 -> 0.15."""
    from ganlib import Runner, Status, Trainer, preset
    from ganlib.run.state import Reason
    t = Trainer(preset("ring8").replace(loss="bce", seed=seed))
    for _ in range(300):
        t.step()
    r = Runner(trainer=t)
    try:
        r.wait(lambda s: s.status is Status.IDLE, 60)
        before = views.view(r)
        r.train_d(2000)
        assert r.wait(lambda s: s.reason is Reason.D_ALONE, 10).reason is Reason.D_ALONE
        r.wait(lambda s: s.reason is not Reason.D_ALONE, 120)
        after = views.view(r)
    finally:
        r.close()
    assert np.array_equal(before.fake, after.fake)                 # G did not move
    assert after.gap < 0.3 * before.gap and after.gap < 0.15, (before.gap, after.gap)
    # the map itself moved toward D*'s, where the points lie
    assert np.nanmean(np.abs(after.d - after.d_star)) < np.nanmean(np.abs(before.d - before.d_star))
