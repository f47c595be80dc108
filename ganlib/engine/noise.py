"""z, the noise G reads: the same seed gives the same z, in every process and on every page.

A seeded z is how a sample is found again: the Latent explorer's seeds, the Theory lab's fixed fakes and
the command line's samples all draw it here, on the CPU with a generator of their own.
"""
from __future__ import annotations

import torch


def random_z(n: int, latent_dim: int, seed: int) -> torch.Tensor:
    """n standard-normal z of latent_dim, the same for the same seed (a private generator: no global state)."""
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(int(seed)))
