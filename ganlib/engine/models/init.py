"""Weight initialisation from a torch.Generator: PyTorch's default init for each layer, replayed without the global RNG.

A layer's constructor draws its weights from torch's process-global RNG, so
seeding a run meant seeding that global RNG, which races with every other
thread. build_models builds on the meta device (nothing drawn) and then calls
init_weights with a generator seeded from the config: the same distributions
as PyTorch's own reset_parameters, in the same order, so a seed gives the
weights it gave before.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.modules.batchnorm import _NormBase
from torch.nn.modules.conv import _ConvNd

from ganlib.engine.models.spectral import SpectralNorm


def init_weights(net: nn.Module, generator: torch.Generator) -> nn.Module:
    """Fill every parameter and buffer of net (in module order) from generator; returns net."""
    for m in net.modules():
        init_layer(m, generator)
    return net


def init_layer(m: nn.Module, generator: torch.Generator) -> None:
    if isinstance(m, (nn.Linear, _ConvNd)):
        default_uniform(m, generator)
    elif isinstance(m, SpectralNorm):
        m.u = nn.functional.normalize(torch.randn(m.u.shape, generator=generator), dim=0)
    elif isinstance(m, _NormBase):
        m.reset_parameters()  # weight 1, bias 0, running mean 0 and variance 1: nothing random
    elif has_own_state(m):
        # a layer without a rule here would keep whatever memory to_empty left in it
        raise TypeError(f"init_weights: no initialisation rule for {type(m).__name__}")


def default_uniform(m: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's Linear/Conv init: kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in)) for weight and bias alike."""
    nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
    if m.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(m.bias, -bound, bound, generator=generator)


def has_own_state(m: nn.Module) -> bool:
    return any(True for _ in m.parameters(recurse=False)) or any(True for _ in m.buffers(recurse=False))
