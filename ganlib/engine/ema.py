"""An exponential moving average of G's weights: a smoother G for samples, at no cost to training."""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

CHUNK = 256  # z per forward pass when recalibrating: a few training batches' worth of memory, never more


def make_ema(G: nn.Module) -> nn.Module:
    ema = copy.deepcopy(G).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema: nn.Module, G: nn.Module, decay: float, step: int | None = None) -> None:
    """Move the EMA towards G. With `step`, the decay warms up as (1 + step) / (10 + step), so that
    early samples follow G instead of staying near its random initial weights for ~1/(1-decay) steps."""
    if step is not None:
        decay = min(decay, (1 + step) / (10 + step))
    ema_p = list(ema.parameters())
    torch._foreach_lerp_(ema_p, [p.detach() for p in G.parameters()], 1.0 - decay)
    # batch norm's running statistics are averaged too, so that they come near those of the averaged
    # weights: copying G's made fast-digits' Frechet distance jump between 43 and 66 from one 500 steps
    # to the next (3,000-5,000 steps); averaged, it stayed between 48 and 57 (measured, one seed).
    # recalibrate (below) computes them for the averaged weights exactly, where a preset asks for it
    for b_ema, b in zip(ema.buffers(), G.buffers()):
        if b_ema.is_floating_point():
            b_ema.lerp_(b, 1.0 - decay)
        else:
            b_ema.copy_(b)  # num_batches_tracked


@torch.no_grad()
def recalibrate(net: nn.Module, z: torch.Tensor) -> None:
    """Set net's batch-norm statistics to those of its own weights: each batch norm's running mean and
    variance become its input's over a pass of z (in chunks of CHUNK, averaged), as torch.optim.swa_utils.
    update_bn does for averaged weights. An EMA's averaged statistics are only near its weights' own: G's
    were measured on G's weights of the last ~1/(1 - decay) steps, not on their average. Nothing else in net
    changes (its other layers keep their mode); a net without batch norm is left as it is."""
    norms = [m for m in net.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        return
    saved = [(m.momentum, m.training) for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the chunks, not a moving one
        m.train()
    try:
        for chunk in z.split(CHUNK):
            net(chunk)
    finally:
        for m, (momentum, training) in zip(norms, saved):
            m.momentum = momentum
            m.train(training)
