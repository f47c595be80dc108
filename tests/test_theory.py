"""The Theory lab's maths (ganlib.lab: optimum, coverage, gradients, views) and the explorer's helpers."""
import math

import numpy as np
import pytest
import torch

from ganlib import LatentModel, Runner, preset
from ganlib.lab import coverage, gradients, optimum, views
from ganlib.explore import walks as ex
from ganlib.engine.grid import enlarge
from ganlib.charts import latent as latent_charts
from ganlib.charts import theory as theory_charts
from ganlib.engine.data.toys import grid25, ring8
from ganlib.engine.device import set_threads
from ganlib.engine.grid import gif_bytes
from ganlib.engine.models import build_models

set_threads()   # torch's default 2 threads crawl on shared, busy cores (see ganlib/engine/device.py)


# --- mode coverage (PacGAN protocol) ------------------------------------------
def test_exact_mode_points_cover_every_mode():
    modes = ring8().modes.numpy()
    c = coverage.mode_coverage(np.repeat(modes, 10, axis=0), modes, 0.01)
    assert c == {"modes_covered": 8, "n_modes": 8, "high_quality": 1.0, "reverse_kl": pytest.approx(0.0, abs=1e-12)}


def test_real_samples_cover_grid25_nearly_perfectly():
    data = grid25()
    c = coverage.mode_coverage(data.sample(2500, seed=1).numpy(), data.modes.numpy(), data.mode_std)
    assert c["modes_covered"] == 25
    assert c["high_quality"] > 0.98   # 3 std in 2-D holds ~98.9% of a Gaussian
    assert c["reverse_kl"] < 0.02


def test_collapsed_samples_cover_one_mode():
    modes = ring8().modes.numpy()
    points = modes[3] + 0.005 * np.random.default_rng(0).standard_normal((2500, 2))
    c = coverage.mode_coverage(points, modes, 0.01)
    assert c["modes_covered"] == 1
    assert c["reverse_kl"] == pytest.approx(math.log(8))


def test_samples_far_from_every_mode_are_low_quality():
    modes = ring8().modes.numpy()
    c = coverage.mode_coverage(np.zeros((100, 2)), modes, 0.01)   # the centre of the ring: 1 away from all
    assert c["modes_covered"] == 0 and c["high_quality"] == 0.0 and math.isinf(c["reverse_kl"])


def test_half_the_samples_off_mode_halves_quality():
    modes = ring8().modes.numpy()
    points = np.concatenate([modes[:4].repeat(5, axis=0), np.full((20, 2), 5.0)])
    c = coverage.mode_coverage(points, modes, 0.01)
    assert c["modes_covered"] == 4 and c["high_quality"] == 0.5
    assert c["reverse_kl"] == pytest.approx(math.log(2))   # even over 4 of 8 modes


# --- D*, JS, KDE ----------------------------------------------------------------
def test_optimal_d_formula():
    d = optimum.optimal_d(np.array([1.0, 3.0, 0.0, 2.0, 0.0]), np.array([1.0, 1.0, 2.0, 0.0, 0.0]))
    assert d[:4].tolist() == [0.5, 0.75, 0.0, 1.0]
    assert math.isnan(d[4])   # no mass on either side: D* is undefined


def _gauss(x, mu, s=1.0):
    return np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def test_js_of_identical_densities_is_zero_and_of_disjoint_ones_log2():
    x = np.linspace(-10, 30, 4001)
    p = _gauss(x, 0)
    assert optimum.js_divergence(p, p, x) == pytest.approx(0.0, abs=1e-9)
    assert optimum.js_divergence(p, _gauss(x, 20), x) == pytest.approx(math.log(2), abs=1e-6)
    middle = optimum.js_divergence(p, _gauss(x, 1), x)
    assert 0 < middle < math.log(2)


def test_g_loss_curves_show_minimax_saturating_in_the_logit():
    c = gradients.g_loss_curves()
    slope = lambda y: np.gradient(y, c["logit"])   # noqa: E731
    # where D rejects the fakes (logit -6), minimax's slope is -sigmoid(-6) = -0.0025, non-saturating's ~-1
    assert abs(slope(c["minimax"])[0]) < 0.01 and abs(slope(c["non_saturating"])[0]) > 0.99
    assert np.allclose(slope(c["minimax"])[1:-1], c["minimax_slope"][1:-1], atol=1e-3)
    assert np.allclose(slope(c["non_saturating"])[1:-1], c["non_saturating_slope"][1:-1], atol=1e-3)
    # against D(G(z)) itself minimax is not flat at 0: log(1 - d) has slope -1 there
    d = c["d_fake"]
    assert np.gradient(c["minimax"], d)[0] == pytest.approx(-1, abs=0.01)


# --- views of a live run ----------------------------------------------------------
def _runner(name, **changes):
    return Runner(preset(name).replace(**changes))


def test_view_1d_of_a_gauss_run():
    r = _runner("gauss-1d")
    try:
        v = views.view(r, n=500)
    finally:
        r.close()
    assert isinstance(v, views.View1D)
    assert len(v.x) == len(v.p_data) == len(v.p_g) == len(v.d) == len(v.d_star)
    assert ((0 <= v.d) & (v.d <= 1)).all()
    assert 0 <= v.js <= math.log(2) + 1e-9
    assert np.trapezoid(v.p_data, v.x) == pytest.approx(1.0, abs=0.02)
    theory_charts.density_figure(v).to_dict()


def test_view_2d_of_a_ring8_run_while_it_trains():
    r = _runner("ring8")
    r.start()
    try:
        v = views.view(r, n=500, seed=1)   # copies G and D between steps: no race with the worker
    finally:
        r.close()
    assert isinstance(v, views.View2D)
    assert v.real.shape == v.fake.shape == (500, 2)
    assert v.d.shape == (len(v.ys), len(v.xs))
    assert v.coverage["n_modes"] == 8
    theory_charts.field_figure(v).to_dict()
    theory_charts.value_figure(r.snapshot().history).to_dict()
    theory_charts.g_loss_figure(gradients.g_loss_curves()).to_dict()


def test_models_copy_is_private():
    r = _runner("ring8")
    try:
        G, D = r.models_copy()
        assert not G.training and not D.training
        with torch.no_grad():
            next(G.parameters()).add_(1.0)
        G2, _ = r.models_copy()
        assert not torch.equal(next(G.parameters()), next(G2.parameters()))   # the run's G did not move
    finally:
        r.close()


def test_view_of_an_image_run_is_none():
    r = _runner("seed-mlp")
    assert views.view(r) is None


# --- the explorer's helpers ---------------------------------------------------------
def test_z_from_seed_is_reproducible_and_with_dims_copies():
    z = ex.z_from_seed(16, 7)
    assert torch.equal(z, ex.z_from_seed(16, 7)) and not torch.equal(z, ex.z_from_seed(16, 8))
    moved = ex.with_dims(z, {0: 2.5, 3: -1.0})
    assert moved[0] == 2.5 and moved[3] == -1.0 and torch.equal(moved[4:], z[4:]) and z[0] != 2.5


def test_walk_and_candidates():
    a, b = ex.z_from_seed(8, 1), ex.z_from_seed(8, 2)
    for method in ("lerp", "slerp"):
        zs = ex.walk(a, b, 6, method)
        assert zs.shape == (6, 8) and torch.allclose(zs[0], a) and torch.allclose(zs[-1], b)
    seeds, zs = ex.candidates(8, 100)
    assert seeds == list(range(100, 108)) and torch.equal(zs[3], ex.z_from_seed(8, 103))


def test_pictures_enlarge_strip_and_gif():
    cfg = preset("seed-mlp")
    G, _ = build_models(cfg, (1, 28, 28))
    model = LatentModel(G, cfg.latent_dim, (1, 28, 28))
    pics = model.pictures(ex.walk(ex.z_from_seed(100, 1), ex.z_from_seed(100, 2), 5))
    big = enlarge(pics[0], 8)
    assert big.shape == (224, 224) and (big[:8, :8] == pics[0][0, 0, 0]).all()   # crisp: whole blocks
    assert ex.strip(pics).shape == (28, 5 * 30 - 2, 1)
    assert gif_bytes(list(pics), scale=2)[:3] == b"GIF"


def test_maps_of_toy_generators():
    for name, dim in (("ring8", 2), ("gauss-1d", 1)):
        cfg = preset(name)
        G, _ = build_models(cfg, (dim,))
        model = LatentModel(G, cfg.latent_dim, (dim,))
        base = ex.z_from_seed(cfg.latent_dim, 0)
        u, v, z = ex.z_plane(base, res=10)
        assert z.shape == ((100 if cfg.latent_dim == 2 else 100), cfg.latent_dim) and len(u) == len(v) == 100
        real = ex.real_points(cfg, 200)
        assert real.shape == (200, dim)
        if dim == 2:
            latent_charts.map_figure(model.points(z), u, v, real, model.points(base[None])[0]).to_dict()
        else:
            u, line = ex.z_line(base, 50)
            latent_charts.curve_figure(u, model.points(line)[:, 0], real[:, 0], real[:, 0], (0.0, 0.0)).to_dict()
    assert ex.real_points(preset("seed-mlp")) is None


# --- GAN Lab's 2-D views: where G's loss pushes the fakes, and how G warps a grid of z -------------------
class LinearD(torch.nn.Module):
    def __init__(self, w=(2.0, -1.0), b=0.3):
        super().__init__()
        self.w, self.b = torch.tensor(w), b

    def forward(self, x):
        return x @ self.w + self.b


@pytest.mark.parametrize("loss", ["bce", "minimax", "lsgan", "hinge", "wgan-gp"])
def test_arrows_point_where_gs_loss_pushes_each_fake(loss):
    from ganlib.lab.meaning import meaning
    x = np.array([[0.0, 0.0], [1.0, 1.0], [-2.0, 0.5]])
    at, push = gradients.push_on_fakes(LinearD(), x, meaning(loss))
    o = x @ np.array([2.0, -1.0]) + 0.3
    sig = 1 / (1 + np.exp(-o))
    # minus the derivative of G's loss in D's output, times D's slope w: worked out by hand per loss
    scale = {"bce": 1 - sig, "minimax": sig, "lsgan": 1 - o, "hinge": np.ones(3), "wgan-gp": np.ones(3)}[loss]
    assert np.allclose(at, x) and np.allclose(push, scale[:, None] * np.array([2.0, -1.0]), atol=1e-5)


def test_the_warp_view_is_g_of_a_grid_of_z():
    G = torch.nn.Linear(2, 2)
    with torch.no_grad():
        G.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 0.5]]))
        G.bias.copy_(torch.tensor([1.0, -1.0]))
    lines = views.z_grid_image(G, lines=3, points=5, reach=1.0)
    assert lines.shape == (6, 5, 2)
    assert np.allclose(lines[0, :, 0], 2 * np.linspace(-1, 1, 5) + 1) and np.allclose(lines[0, :, 1], -1.5)
    assert np.allclose(lines[3, :, 0], -1.0) and np.allclose(lines[3, :, 1], 0.5 * np.linspace(-1, 1, 5) - 1)


def test_high_quality_without_coverage_is_called_mode_collapse():
    # an untrained G on grid25 (seed 0): 94.5% of its samples near a mode, all of them the same mode
    note = coverage.coverage_note({"modes_covered": 1, "n_modes": 25, "high_quality": 0.9452, "reverse_kl": 3.2})
    assert "only 1 of 25" in note and "mode collapse" in note
    assert coverage.coverage_note({"modes_covered": 25, "n_modes": 25, "high_quality": 0.95, "reverse_kl": 0.0}) == ""


def test_ds_heat_map_fills_the_axes_to_its_edges_with_no_white_strip():
    """Issue 22: D's map left white strips. Its cells are centred on xs and ys, so they reach half a cell past the
    first and last centres; the axes must show exactly that, whatever the strays and arrows beyond it, and keep
    the equal scale by shrinking the plot (constrain "domain"), not by widening one range past the map."""
    xs, ys = np.linspace(-3, 3, 61), np.linspace(-1, 1, 21)   # a wide map: an equal scale would pad y's range
    rng = np.random.default_rng(0)
    real = rng.normal(size=(50, 2))
    fake = np.vstack([real, [[9.0, -7.0]]])                     # a stray, far outside the map
    v = views.View2D(real, fake, xs, ys, rng.random((len(ys), len(xs))), None, None,
                     arrows=(fake[:5], np.full((5, 2), 40.0)))
    fig = theory_charts.field_figure(v)
    heat = next(t for t in fig.data if t.type == "heatmap")
    assert list(heat.x) == list(xs) and list(heat.y) == list(ys)
    assert list(fig.layout.xaxis.range) == pytest.approx([-3.05, 3.05])   # 0.1 apart: half a cell is 0.05
    assert list(fig.layout.yaxis.range) == pytest.approx([-1.05, 1.05])
    assert fig.layout.xaxis.constrain == fig.layout.yaxis.constrain == "domain"
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
