"""G's gradients: how hard each of G's losses pulls G, and where it pulls each fake.

g_gradient_norms measures G's gradient under minimax and under non-saturating from the same G and D;
g_loss_curves draws both losses and their slopes against D's logit; push_on_fakes is each fake's pull in the
plane of the data, which the 2-D view draws as arrows.
"""
from __future__ import annotations

import numpy as np
import torch

from ganlib.engine.losses import g_minimax, g_nonsaturating
from ganlib.engine.noise import random_z
from ganlib.lab.meaning import Meaning

G_LOSS_OF_OUTPUT = {   # G's loss as a function of D's output on a fake (trainer._g_loss)
    "bce": lambda o: torch.nn.functional.softplus(-o), "minimax": lambda o: -torch.nn.functional.softplus(o),
    "lsgan": lambda o: 0.5 * (o - 1) ** 2, "hinge": lambda o: -o, "wgan-gp": lambda o: -o}


def push_on_fakes(D, points: np.ndarray, m: Meaning) -> tuple[np.ndarray, np.ndarray]:
    """Where G's loss pushes each fake: minus its gradient with respect to the point, -d loss(D(x)) / dx.
    G can only move its points through its weights, but this is the direction each point is asked to go."""
    x = torch.as_tensor(np.asarray(points, dtype=np.float32)).requires_grad_(True)
    with torch.enable_grad():
        G_LOSS_OF_OUTPUT[m.loss](D(x).float()).sum().backward()
    D.zero_grad(set_to_none=True)
    return np.asarray(points, dtype=np.float64), -x.grad.double().numpy()


def g_gradient_norms(G, D, latent_dim: int, n: int = 512, seed: int = 0) -> dict[str, float]:
    """The norm of G's gradient under each of its two BCE losses, for these G and D and one fixed batch of z:
    how much G would learn from a step of minimax and of non-saturating, from the same position."""
    z = random_z(n, latent_dim, seed)
    out = {}
    for name, loss in (("minimax", g_minimax), ("non_saturating", g_nonsaturating)):
        G.zero_grad(set_to_none=True)
        with torch.enable_grad():
            loss(D(G(z)).float()).backward()
        out[name] = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in G.parameters() if p.grad is not None)))
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    return out


OWN_LOSS = {"minimax": "minimax", "bce": "non_saturating"}   # a config's loss -> its g_gradient_norms entry


def own_g_grad(v, loss: str) -> float | None:
    """The norm of G's gradient under the loss this run's G trains with (a view's g_grads), or None."""
    return v.g_grads[OWN_LOSS[loss]] if v is not None and v.g_grads and loss in OWN_LOSS else None


def g_loss_curves(points: int = 200, reach: float = 6.0) -> dict[str, np.ndarray]:
    """G's two losses and their slopes against D's logit l on a fake (D(G(z)) = sigmoid(l)).

    Minimax log(1 - D) = -softplus(l): its slope -sigmoid(l) vanishes where D rejects the fakes (l << 0).
    Non-saturating -log D = softplus(-l): its slope -(1 - sigmoid(l)) is ~-1 there. (Against D(G(z))
    itself, minimax is not flat at 0: its slope there is -1; it is the logit, which G moves, that flattens it.)"""
    logit = np.linspace(-reach, reach, points)
    d = 1 / (1 + np.exp(-logit))
    return {"logit": logit, "d_fake": d, "minimax": -np.logaddexp(0, logit), "non_saturating": np.logaddexp(0, -logit),
            "minimax_slope": -d, "non_saturating_slope": -(1 - d)}
