"""MLP models: the GAN of the classic PyTorch text, and the small nets for toy data.

D returns a logit, not a probability: the sigmoid lives in the loss
(BCE-with-logits), which is the same function but never takes log(0).
"""
from __future__ import annotations

import math

from torch import nn

from ganlib.engine.models.dropout import Dropout


class MLPGenerator(nn.Module):
    """z (N, latent) -> 256 ReLU -> prod(shape) Tanh -> (N, *shape)."""

    def __init__(self, latent_dim: int, shape: tuple[int, ...], width: int = 256):
        super().__init__()
        self.shape = shape
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width), nn.ReLU(),
            nn.Linear(width, math.prod(shape)), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z).view(-1, *self.shape)


class FastMLPGenerator(nn.Module):
    """Ours for 2 CPU cores: z (N, latent) -> w -> 2w (batch norm, ReLU) -> prod(shape) Tanh.

    On a small CPU a step of this G costs a fraction of a conv G's (three matmuls,
    no convolutions), so in a minute it gets ~4x the steps, and with the MLP D it
    reaches better digits per second than any conv G we tried (bench/race.py).
    """

    def __init__(self, latent_dim: int, shape: tuple[int, ...], width: int = 256):
        super().__init__()
        self.shape = shape
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width), nn.BatchNorm1d(width), nn.ReLU(),        # (N, 256)
            nn.Linear(width, 2 * width), nn.BatchNorm1d(2 * width), nn.ReLU(),     # (N, 512)
            nn.Linear(2 * width, math.prod(shape)), nn.Tanh(),                     # (N, 784)
        )

    def forward(self, z):
        return self.net(z).view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    """x (N, *shape) -> flatten -> 256 LeakyReLU(0.2) -> 1 logit."""

    def __init__(self, shape: tuple[int, ...], width: int = 256, dropout: float = 0.0, depth: int = 1):
        super().__init__()
        layers, n_in = [nn.Flatten()], math.prod(shape)
        for _ in range(depth):
            layers += [nn.Linear(n_in, width), nn.LeakyReLU(0.2), Dropout(dropout)]
            n_in = width
        self.net = nn.Sequential(*layers, nn.Linear(n_in, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


class ToyGenerator(nn.Module):
    """z (N, latent) -> 3 x [width ReLU] -> (N, dim): no tanh, toy data is not bounded."""

    def __init__(self, latent_dim: int, dim: int, width: int = 128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width), nn.ReLU(),
            nn.Linear(width, width), nn.ReLU(),
            nn.Linear(width, width), nn.ReLU(),
            nn.Linear(width, dim),
        )

    def forward(self, z):
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """x (N, dim) -> 2 x [width LeakyReLU] -> 1 logit."""

    def __init__(self, dim: int, width: int = 128, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, width), nn.LeakyReLU(0.2), Dropout(dropout),
            nn.Linear(width, width), nn.LeakyReLU(0.2), Dropout(dropout),
            nn.Linear(width, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(1)
