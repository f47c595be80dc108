"""Dataset: the training data of a run, held in memory, and how to draw batches from it.

Images are kept as uint8 (N x C x H x W) and scaled to [-1, 1] per batch, so a
50,000-image set costs 150 MB, not 600. Toy sets draw fresh points from their
distribution for every batch, as the mode-collapse benchmarks do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ganlib.engine.device import data_fits
from ganlib.engine.kinds import DataKind
from ganlib.errors import DatasetError, DatasetUnavailable  # noqa: F401 (re-exported)


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    shape: tuple[int, ...]                     # one sample: (C, H, W) or (D,)
    size: int                                  # samples in one epoch
    images: torch.Tensor | None = None         # N x C x H x W uint8
    labels: torch.Tensor | None = None         # N int64, where known
    draw: Callable[[int, torch.Generator], torch.Tensor] | None = None  # toys: n fresh points
    density: Callable[[torch.Tensor], torch.Tensor] | None = None       # 1-D toys: p_data(x)
    modes: torch.Tensor | None = None          # toy mixtures: K x D centres
    mode_std: float = 0.0                      # std of each mixture component

    @property
    def kind(self) -> DataKind:
        return DataKind.IMAGE if self.images is not None else DataKind.POINTS

    def batch(self, idx: torch.Tensor) -> torch.Tensor:
        """Images at `idx`, scaled from uint8 to [-1, 1]."""
        return to_unit(self.images[idx])

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """n real samples in model space (for grids, metrics and charts)."""
        g = torch.Generator().manual_seed(seed)
        if self.images is None:
            return self.draw(n, g)
        return self.batch(torch.randperm(self.size, generator=g)[:n])


def to_unit(x_uint8: torch.Tensor) -> torch.Tensor:
    return x_uint8.float().div_(127.5).sub_(1.0)


class Batches:
    """Endless batches: shuffled passes over images, fresh draws for toys, on `device`.

    The data order and the toys' points are drawn from the run's generator, on the device it lives on.
    Images move onto the device once when they fit there (device.data_fits), so a step cuts its batch
    where it trains and copies nothing; otherwise the order is brought to the images once a pass.
    """

    def __init__(self, data: Dataset, generator: torch.Generator, device: torch.device | None = None):
        self.data, self.gen = data, generator
        self.device = device or torch.device("cpu")
        self.images = data.images
        if self.images is not None and data_fits(self.images.nbytes, self.device):
            self.images = self.images.to(self.device)
        self.order = torch.empty(0, dtype=torch.long)
        self.pos = 0

    def next(self, n: int) -> torch.Tensor:
        if self.images is None:
            return self.data.draw(n, self.gen)
        if self.pos + n > len(self.order):  # a new epoch: the leftover tail is dropped, as drop_last does
            order = torch.randperm(self.data.size, generator=self.gen, device=self.gen.device)
            self.order = order.to(self.images.device)  # a copy only when the images stayed in host memory
            self.pos = 0
        idx = self.order[self.pos:self.pos + n]
        self.pos += n
        return to_unit(self.images[idx])

    def state_dict(self) -> dict:
        return {"order": self.order.cpu().clone(), "pos": self.pos}

    def load_state_dict(self, s: dict) -> None:
        self.order, self.pos = s["order"].to(self.images.device if self.images is not None else "cpu"), int(s["pos"])
