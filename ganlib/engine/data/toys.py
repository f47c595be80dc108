"""Toy data in 1-D and 2-D, where p_data is known and mode collapse can be counted.

ring8 and grid25 are the standard benchmarks of the PacGAN and VEEGAN papers:
8 Gaussians on the unit circle (std 0.01) and 25 Gaussians at {-4,-2,0,2,4}^2
(std 0.05). gauss-1d is a mixture with a closed-form density, so the app can
draw p_data and the optimal D*(x) = p_data / (p_data + p_g).
"""
from __future__ import annotations

import math

import torch

from ganlib.engine.data.dataset import Dataset

EPOCH = 10_000  # nominal points per epoch; the points themselves are drawn fresh

# gauss-1d: weights, means, stds of the mixture
GAUSS_1D = ((0.5, -2.0, 0.5), (0.3, 1.0, 0.4), (0.2, 3.0, 0.3))

# Points are drawn where the generator lives (the run's device: see trainer.py), so a step on a GPU
# copies nothing from the host.


# Each draw is a small object or a module-level function, not a closure: a run's Dataset crosses from the
# training worker to the server (run/on_worker.py: the Theory lab reads p_data), and pickle takes no closure.


class OnDevice:
    """A table on a device, copied there once: a copy from the host each draw would make the host wait for the
    GPU to finish its queue (a blocking copy from pageable memory synchronises the stream)."""

    def __init__(self, table: torch.Tensor):
        self.table, self._copies = table, {}

    def __call__(self, device: torch.device) -> torch.Tensor:
        if device not in self._copies:
            self._copies[device] = self.table.to(device)
        return self._copies[device]

    def __getstate__(self) -> dict:
        return {"table": self.table, "_copies": {}}   # the copies stay on the devices of the process that made them


class Mixture:
    """n points of equal Gaussians of `std` around each row of `modes` (K x D)."""

    def __init__(self, modes: torch.Tensor, std: float):
        self.modes, self.std, self.modes_on = modes, std, OnDevice(modes)

    def __call__(self, n: int, g: torch.Generator) -> torch.Tensor:
        k = torch.randint(len(self.modes), (n,), generator=g, device=g.device)
        return self.modes_on(g.device)[k] + self.std * torch.randn(n, self.modes.shape[1], generator=g,
                                                                    device=g.device)


def ring8() -> Dataset:
    a = torch.arange(8) * (2 * math.pi / 8)
    modes = torch.stack([a.cos(), a.sin()], 1)
    return Dataset("ring8", (2,), EPOCH, draw=Mixture(modes, 0.01), modes=modes, mode_std=0.01)


def grid25() -> Dataset:
    v = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    modes = torch.cartesian_prod(v, v)
    return Dataset("grid25", (2,), EPOCH, draw=Mixture(modes, 0.05), modes=modes, mode_std=0.05)


def _spiral(n: int, g: torch.Generator) -> torch.Tensor:
    t = torch.rand(n, generator=g, device=g.device).sqrt() * 3 * math.pi
    x = torch.stack([t * t.cos(), t * t.sin()], 1) / (3 * math.pi) * 2
    return x + 0.03 * torch.randn(n, 2, generator=g, device=g.device)


def spiral() -> Dataset:
    return Dataset("spiral", (2,), EPOCH, draw=_spiral)


def _moons(n: int, g: torch.Generator) -> torch.Tensor:
    t = torch.rand(n, generator=g, device=g.device) * math.pi
    upper = torch.rand(n, generator=g, device=g.device) < 0.5
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    return torch.stack([x - 0.5, y - 0.25], 1) + 0.05 * torch.randn(n, 2, generator=g, device=g.device)


def moons() -> Dataset:
    return Dataset("moons", (2,), EPOCH, draw=_moons)


def gauss_1d_density(x: torch.Tensor) -> torch.Tensor:
    p = torch.zeros_like(x, dtype=torch.float32)
    for w, mu, s in GAUSS_1D:
        p = p + w * torch.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    return p


def gauss_1d() -> Dataset:
    w = torch.tensor([c[0] for c in GAUSS_1D])
    mu = torch.tensor([c[1] for c in GAUSS_1D])
    s = torch.tensor([c[2] for c in GAUSS_1D])
    return Dataset("gauss-1d", (1,), EPOCH, draw=Weighted1D(torch.stack([w, mu, s])), density=gauss_1d_density,
                   modes=mu.unsqueeze(1))


class Weighted1D:
    """n points of a 1-D mixture of Gaussians of the given weights, means and stds (the rows of `table`)."""

    def __init__(self, table: torch.Tensor):
        self.table = OnDevice(table)

    def __call__(self, n: int, g: torch.Generator) -> torch.Tensor:
        w_, mu_, s_ = self.table(g.device)
        k = torch.multinomial(w_, n, replacement=True, generator=g)
        return (mu_[k] + s_[k] * torch.randn(n, generator=g, device=g.device)).unsqueeze(1)


TOYS = {"ring8": ring8, "grid25": grid25, "spiral": spiral, "moons": moons, "gauss-1d": gauss_1d}
