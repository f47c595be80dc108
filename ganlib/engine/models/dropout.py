"""Dropout that draws its masks from a torch.Generator it is given, not from torch's global RNG.

nn.Dropout draws from the process-global RNG, so two runs in two threads
interleave their draws and neither is reproducible; this one draws from the
run's own generator (the Trainer hands it its `gen`), so a run replays exactly.
It has no parameters or buffers: a D's state_dict keys are those of nn.Dropout.
"""
from __future__ import annotations

import torch
from torch import nn


class Dropout(nn.Module):
    """Zero each element with probability p while training and scale the rest by 1 / (1 - p), as nn.Dropout."""

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout: p must be in [0, 1], got {p}")
        self.p = p
        # explicitly on the CPU: under build_models' meta-device context a bare Generator() would be too
        self.generator = generator if generator is not None else torch.Generator(device="cpu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        return x * keep_mask(x, self.p, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def keep_mask(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """1 / (1 - p) where an element is kept, 0 where it is dropped, in x's dtype and on x's device."""
    # drawn where the generator lives (the CPU for a Trainer) and then moved: one stream of draws per run
    kept = torch.rand(x.shape, generator=generator, device=generator.device) >= p
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    return (kept * scale).to(device=x.device, dtype=x.dtype)


def use_generator(net: nn.Module, generator: torch.Generator) -> None:
    """Make every Dropout in net draw from generator (the run's own)."""
    for m in net.modules():
        if isinstance(m, Dropout):
            m.generator = generator
