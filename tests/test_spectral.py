"""Spectral norm of D (models/spectral.py) against torch.linalg's own singular values, and D's one pass over
real and fake together (Trainer.one_pass) against two."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganlib import Trainer, preset
from ganlib.engine.models import build_models
from ganlib.engine.models.spectral import SpectralNorm, spectral_norm


def true_sigma(layer) -> float:
    return float(torch.linalg.matrix_norm(layer.weight.detach().flatten(1), 2))


def fresh(layer, seed=0):
    sn = SpectralNorm(layer)
    sn.u = F.normalize(torch.randn(sn.u.shape, generator=torch.Generator().manual_seed(seed)), dim=0)
    return sn


LAYERS = {"linear": (lambda: nn.Linear(200, 64), (8, 200)), "conv": (lambda: nn.Conv2d(3, 16, 3, padding=1), (4, 3, 8, 8))}


@pytest.mark.parametrize("kind", LAYERS)
def test_training_forwards_find_the_top_singular_value_and_divide_by_it(kind):
    # made here, after the seed: made at collection, from the global RNG as the other tests had left it, a layer once
    # had its top two singular values too close for 300 power iterations to part them to 1e-3 (the quick tier)
    torch.manual_seed(0)
    make, shape = LAYERS[kind]
    layer, x = make(), torch.randn(shape)
    sn = fresh(layer)
    for _ in range(300):
        sn(x)
    sigma = true_sigma(layer)
    assert float(sn.sigma().detach()) == pytest.approx(sigma, rel=1e-3)
    w = layer.weight.detach() / sigma   # the layer as it would be with the exact normalised weight
    want = F.linear(x, w, layer.bias) if isinstance(layer, nn.Linear) else F.conv2d(x, w, layer.bias, padding=1)
    assert torch.allclose(sn(x), want, atol=1e-4)


def test_sigma_follows_a_weight_that_moves():
    torch.manual_seed(0)
    sn, x = fresh(nn.Linear(100, 50)), torch.randn(8, 100)
    opt = torch.optim.Adam(sn.parameters(), 1e-2)
    for _ in range(200):
        opt.zero_grad()
        (-sn(x).square().mean()).backward()   # grows the weight: sigma must keep up
        opt.step()
    assert float(sn.sigma().detach()) == pytest.approx(true_sigma(sn.layer), rel=0.01)
    assert true_sigma(sn.layer) > 1.5 * 0.57   # it did move (kaiming-uniform's sigma is about 0.57 here)


def test_gradient_flows_through_sigma_as_through_the_normalised_weight():
    torch.manual_seed(0)
    layer = nn.Linear(30, 20)
    sn = fresh(layer)
    x = torch.randn(5, 30)
    for _ in range(500):
        sn(x)
    sn.eval()   # u stays put, so both sides see the same sigma
    sn(x).sum().backward()
    ours = layer.weight.grad.clone()
    layer.weight.grad = None
    w = layer.weight
    F.linear(x, w / torch.linalg.matrix_norm(w, 2), layer.bias).sum().backward()
    assert torch.allclose(ours, layer.weight.grad, atol=1e-4)


def test_drawing_d_without_gradients_or_in_eval_mode_never_moves_u():
    sn, x = fresh(nn.Linear(10, 6)), torch.randn(3, 10)
    u = sn.u.clone()
    with torch.no_grad():
        sn(x)
    sn.eval()
    sn(x)
    assert torch.equal(sn.u, u)
    sn.train()
    sn(x)
    assert not torch.equal(sn.u, u)


def test_only_linear_and_conv_layers_are_wrapped():
    with pytest.raises(TypeError, match="Linear and Conv"):
        SpectralNorm(nn.BatchNorm1d(4))
    net = spectral_norm(nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(), nn.Sequential(nn.Linear(8, 1))))
    assert [type(m).__name__ for m in net.modules()].count("SpectralNorm") == 2


@pytest.mark.parametrize("name", ["fast-digits", "tf-dcgan", "ring8"])
def test_the_config_wraps_every_layer_of_d_and_none_of_g_from_the_seed(name):
    cfg = preset(name).replace(spectral_norm=True)
    shape = (2,) if cfg.is_toy else (1, 28, 28)
    G, D = build_models(cfg, shape)
    G2, D2 = build_models(cfg, shape)
    layers = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    wrapped = [m.layer for m in D.modules() if isinstance(m, SpectralNorm)]
    assert layers and len(wrapped) == len(layers)
    assert not any(isinstance(m, SpectralNorm) for m in G.modules())
    for a, b in zip(D.state_dict().values(), D2.state_dict().values()):
        assert torch.equal(a, b)   # u too is drawn from the seed
    assert all(float(m.u.norm()) == pytest.approx(1.0) for m in D.modules() if isinstance(m, SpectralNorm))


def test_one_pass_over_real_and_fake_is_the_same_update_as_two():
    # without spectral norm: with it, two passes would also make two steps of its power iteration
    cfg = preset("fast-digits").replace(batch_size=16, d_width=32, ema=0.0, spectral_norm=False)
    a, b = Trainer(cfg), Trainer(cfg)
    assert a.one_pass
    b.one_pass = False
    for _ in range(3):
        sa, sb = a.step().values(), b.step().values()
        assert sa == pytest.approx(sb, rel=1e-4, abs=1e-6)
    for p, q in zip(a.D.parameters(), b.D.parameters()):
        assert torch.allclose(p, q, atol=1e-5)


def test_a_d_with_batch_norm_judges_real_and_fake_apart():
    # batch norm over a mixed batch would let D tell real from fake by the batch's statistics
    assert not Trainer(preset("dcgan-upsample").replace(batch_size=8, g_width=16, d_width=8)).one_pass


def test_the_run_line_says_when_d_has_spectral_norm():
    from ganlib.words.describe import config_summary
    assert "fast-mlp G and D with spectral norm on digits" in config_summary(preset("fast-digits"))
    assert "toy-mlp G and D on ring8" in config_summary(preset("ring8"))
