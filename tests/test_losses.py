"""The named losses at points where their values and gradients are known."""
import math

import pytest
import torch
from torch import nn

from ganlib.engine import losses as L
from ganlib.engine.config import field_meta
from ganlib.engine.kinds import LOSSES

LOG2 = math.log(2.0)



def t(*v):
    return torch.tensor(v, dtype=torch.float32)


def test_bce_at_zero_logits():
    assert L.bce(t(0.0, 0.0), 1.0).item() == pytest.approx(LOG2)
    assert L.bce(t(0.0, 0.0), 0.0).item() == pytest.approx(LOG2)
    assert L.bce(t(0.0, 0.0), t(1.0, 0.0)).item() == pytest.approx(LOG2)


def test_d_bce():
    zero = torch.zeros(5)
    assert L.d_bce(zero, zero).item() == pytest.approx(2 * LOG2)
    # a confident, correct D has a loss near 0; a confident, wrong one a large loss
    assert L.d_bce(t(20.0), t(-20.0)).item() == pytest.approx(0.0, abs=1e-6)
    assert L.d_bce(t(-20.0), t(20.0)).item() == pytest.approx(40.0, rel=1e-4)
    # smoothed real labels: the real term is BCE(0, 0.9) = log 2 as well at logit 0
    assert L.d_bce(zero, zero, real_label=0.9).item() == pytest.approx(2 * LOG2)
    # at logit l, BCE with label y is softplus(l) - y l
    l, y = 1.5, 0.9
    expected = math.log1p(math.exp(l)) - y * l + math.log1p(math.exp(-2.0))
    assert L.d_bce(t(l), t(-2.0), real_label=y).item() == pytest.approx(expected, rel=1e-5)


def test_value_at_the_optimum_and_elsewhere():
    zero = torch.zeros(3)
    assert L.value(zero, zero).item() == pytest.approx(-2 * LOG2)
    # V = E log D(x) + E log(1 - D(G(z))) with D = sigmoid
    r, f = 1.0, -0.5
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    expected = math.log(sig(r)) + math.log(1 - sig(f))
    assert L.value(t(r), t(f)).item() == pytest.approx(expected, rel=1e-5)
    # D's BCE loss is -V when labels are 1 and 0
    assert L.d_bce(t(r), t(f)).item() == pytest.approx(-expected, rel=1e-5)


def test_generator_losses_at_zero():
    zero = torch.zeros(4)
    assert L.g_nonsaturating(zero).item() == pytest.approx(LOG2)
    assert L.g_minimax(zero).item() == pytest.approx(-LOG2)  # log(1 - 1/2)
    assert L.g_lsgan(zero).item() == pytest.approx(0.5)
    assert L.g_hinge(t(2.0, -1.0)).item() == pytest.approx(-0.5)
    assert L.g_wgan(t(2.0, -1.0)).item() == pytest.approx(-0.5)


def test_minimax_equals_log_one_minus_d():
    logits = t(-3.0, -0.2, 0.0, 1.7)
    d = torch.sigmoid(logits)
    assert L.g_minimax(logits).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-5)
    assert L.g_nonsaturating(logits).item() == pytest.approx(-torch.log(d).mean().item(), rel=1e-5)


def _grad(fn, logit):
    x = torch.tensor([logit], requires_grad=True)
    fn(x).backward()
    return x.grad.item()


def test_minimax_saturates_where_nonsaturating_does_not():
    """When D rejects a fake confidently (logit -10), minimax gives G almost no gradient."""
    mm, ns = _grad(L.g_minimax, -10.0), _grad(L.g_nonsaturating, -10.0)
    assert abs(mm) < 1e-4
    assert abs(ns) > 0.99
    # both push the fake logit up (a gradient step lowers the loss by raising the logit)
    assert mm < 0 and ns < 0
    # where D is fooled, it is the other way round
    assert abs(_grad(L.g_minimax, 10.0)) > 0.99
    assert abs(_grad(L.g_nonsaturating, 10.0)) < 1e-4


def test_lsgan():
    assert L.d_lsgan(t(1.0), t(0.0)).item() == 0.0
    assert L.d_lsgan(t(0.0), t(1.0)).item() == pytest.approx(1.0)
    assert L.g_lsgan(t(1.0)).item() == 0.0


def test_hinge():
    assert L.d_hinge(t(1.0, 2.0), t(-1.0, -3.0)).item() == 0.0  # beyond the margins: no loss
    assert L.d_hinge(t(0.0), t(0.0)).item() == pytest.approx(2.0)
    assert L.d_hinge(t(-1.0), t(0.5)).item() == pytest.approx(2.0 + 1.5)


def test_wgan():
    assert L.d_wgan(t(3.0, 1.0), t(0.5, 0.5)).item() == pytest.approx(0.5 - 2.0)
    assert L.g_wgan(t(0.5, 1.5)).item() == pytest.approx(-1.0)


def _linear_critic(in_features, norm):
    D = nn.Linear(in_features, 1)
    with torch.no_grad():
        w = torch.randn(1, in_features)
        D.weight.copy_(norm * w / w.norm())
    return lambda x: D(x.flatten(1)).squeeze(1)


@pytest.mark.parametrize("shape", [(2,), (1, 6, 6)])
def test_gradient_penalty_zero_for_unit_norm_linear_critic(shape):
    torch.manual_seed(0)
    n = 16
    d = int(torch.tensor(shape).prod())
    real, fake = torch.randn(n, *shape), torch.randn(n, *shape)
    gp = L.gradient_penalty(_linear_critic(d, 1.0), real, fake, torch.Generator().manual_seed(0))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    # with weight norm 3 the gradient norm is 3 everywhere: (3 - 1)^2 = 4
    gp3 = L.gradient_penalty(_linear_critic(d, 3.0), real, fake, torch.Generator().manual_seed(0))
    assert gp3.item() == pytest.approx(4.0, rel=1e-5)


def test_gradient_penalty_is_differentiable():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    real, fake, gen = torch.randn(8, 2), torch.randn(8, 2), torch.Generator().manual_seed(0)
    gp = L.gradient_penalty(lambda x: D(x).squeeze(1), real, fake, gen)
    gp.backward()
    # every weight gets a gradient (the last bias cannot: it does not change D's slope)
    for p in (D[0].weight, D[0].bias, D[2].weight):
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0


@pytest.mark.parametrize("shape", [(2,), (1, 6, 6)])
def test_r1_penalty_is_squared_slope_on_real_data(shape):
    """A linear D with weight norm 3 has slope 3 everywhere: R1 = 3^2 = 9; a flat D gives 0."""
    torch.manual_seed(0)
    d = int(torch.tensor(shape).prod())
    real = torch.randn(16, *shape).requires_grad_(True)
    assert L.r1_penalty(_linear_critic(d, 3.0)(real), real).item() == pytest.approx(9.0, rel=1e-5)
    assert L.r1_penalty(_linear_critic(d, 0.0)(real), real).item() == pytest.approx(0.0, abs=1e-12)


def test_r1_penalty_is_differentiable():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    real = torch.randn(8, 2).requires_grad_(True)
    L.r1_penalty(D(real).squeeze(1), real).backward()
    for p in (D[0].weight, D[0].bias, D[2].weight):
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0


def test_one_table_of_losses_the_config_offers_and_the_trainer_plays():
    """Every loss of the config has its facts (kinds.LOSSES) and its two objectives (losses.OBJECTIVES), and
    the facts the code branches on are the ones the texts state."""
    assert field_meta("loss")["choices"] == tuple(LOSSES) == tuple(L.OBJECTIVES)
    assert [n for n, f in LOSSES.items() if f.probability] == ["bce", "minimax"]
    assert [n for n, f in LOSSES.items() if f.targets_1_0] == ["bce", "minimax", "lsgan"]
    assert [n for n, f in LOSSES.items() if f.saturating] == ["minimax"]
    assert [n for n, f in LOSSES.items() if f.penalty] == ["wgan-gp"]
    assert L.OBJECTIVES["bce"].g is L.g_nonsaturating and L.OBJECTIVES["minimax"].g is L.g_minimax


def test_d_output_is_a_probability_for_the_probability_losses_only():
    logit = t(-1.0, 0.0, 2.0)
    for name, facts in LOSSES.items():
        expected = torch.sigmoid(logit) if facts.probability else logit
        assert torch.equal(L.d_output(name, logit), expected), name
