"""The GAN losses, one small named function each.

D outputs logits l, and D(x) = sigmoid(l). Identities used below:
    log D(x)       = -softplus(-l)
    log(1 - D(x))  = -softplus(l)
so BCE with labels y is softplus(-l) for y = 1 and softplus(l) for y = 0.

Each averages over the last dimension, the batch: a run's logits (B,) give its loss, and a class's (N, B), one row
per run (engine/ensemble.py), give each run's (N,) with no torch.vmap (whose own Python cost was ~5% of a class
step of 30, measured).

OBJECTIVES, at the end, pairs each loss of the config with its D and G objectives; what else the code asks of a
loss (is D's output a probability? is there a gradient penalty?) is engine/kinds.py's LOSSES, without torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ganlib.engine.kinds import LOSSES


def bce(logit: torch.Tensor, target: torch.Tensor | float) -> torch.Tensor:
    if not torch.is_tensor(target):
        target = torch.full_like(logit, target)
    return F.binary_cross_entropy_with_logits(logit, target, reduction="none").mean(-1)


def d_bce(real_logit, fake_logit, real_label=1.0, fake_label=0.0):
    """D maximises log D(x) + log(1 - D(G(z))): BCE with real -> 1, fake -> 0 (labels may be smoothed or noisy)."""
    return bce(real_logit, real_label) + bce(fake_logit, fake_label)


def g_nonsaturating(fake_logit):
    """G maximises log D(G(z)): 'make D call the fakes real'. Strong gradients while D still wins."""
    return bce(fake_logit, 1.0)


def g_minimax(fake_logit):
    """G minimises log(1 - D(G(z))), the paper's game as written; it saturates when D rejects fakes easily."""
    return -F.softplus(fake_logit).mean(-1)


def d_lsgan(real_logit, fake_logit):
    """Least squares: D regresses real -> 1, fake -> 0."""
    return 0.5 * ((real_logit - 1) ** 2).mean(-1) + 0.5 * (fake_logit ** 2).mean(-1)


def g_lsgan(fake_logit):
    """Least squares: G pulls D's output on its fakes towards the real target 1."""
    return 0.5 * ((fake_logit - 1) ** 2).mean(-1)


def d_wgan(real_score, fake_score):
    """The critic maximises E[f(x)] - E[f(G(z))], an estimate of the Wasserstein-1 distance."""
    return fake_score.mean(-1) - real_score.mean(-1)


def g_wgan(fake_score):
    """G raises the critic's score of its fakes, closing the estimated Wasserstein distance."""
    return -fake_score.mean(-1)


def gradient_penalty(D, real, fake, generator: torch.Generator):
    """WGAN-GP: push the critic's gradient norm towards 1 on points between real and fake.

    The mixing weights come from `generator` (a run's own), never from torch's global RNG."""
    a = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=generator,
                   device=generator.device).to(real.device)
    mid = (a * real + (1 - a) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(D(mid).sum(), mid, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean(-1)


def r1_penalty(real_logit, real):
    """R1 (Mescheder et al. 2018): the mean of |grad_x D(x)|^2 on real x; `real` must have required grad
    before D saw it. Zero-centred, so D is pushed to be flat on the data and G has no reason to overshoot."""
    grad, = torch.autograd.grad(real_logit.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean(-1)


def d_hinge(real_logit, fake_logit):
    """Hinge: D pushes real above +1 and fakes below -1; beyond its margins a sample costs D nothing."""
    return F.relu(1 - real_logit).mean(-1) + F.relu(1 + fake_logit).mean(-1)


def g_hinge(fake_logit):
    """G raises D's raw output on its fakes (no margin: G is never done)."""
    return -fake_logit.mean(-1)


def d_output(loss: str, logit: torch.Tensor) -> torch.Tensor:
    """D's output in its loss's meaning (ganlib/lab/meaning.py): the probability sigmoid(l) for bce and minimax,
    the raw output for lsgan and hinge, the critic's score for wgan-gp."""
    return torch.sigmoid(logit) if LOSSES[loss].probability else logit


def value(real_logit, fake_logit) -> torch.Tensor:
    """The estimate of V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]; -2 log 2 at the optimum."""
    return -F.softplus(-real_logit).mean(-1) - F.softplus(fake_logit).mean(-1)


@dataclass(frozen=True)
class Objectives:
    """A loss's two objectives. d(real_logit, fake_logit) takes the labels after them too (real, fake) where the
    loss is a probability's (kinds.Loss.probability); the gradient penalty of a penalty loss is added apart."""
    d: Callable[..., torch.Tensor]
    g: Callable[[torch.Tensor], torch.Tensor]


OBJECTIVES: dict[str, Objectives] = {
    "bce": Objectives(d_bce, g_nonsaturating),   # the paper's D, and the G it recommends in practice
    "minimax": Objectives(d_bce, g_minimax),     # the paper's game as written
    "lsgan": Objectives(d_lsgan, g_lsgan),
    "wgan-gp": Objectives(d_wgan, g_wgan),
    "hinge": Objectives(d_hinge, g_hinge),
}
