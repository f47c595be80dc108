"""Turning samples into pictures: [-1, 1] tensors -> uint8 image grids (numpy, H x W x C)."""
from __future__ import annotations

import math

import numpy as np
import torch


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> (N, H, W, C) uint8."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def make_grid(x: torch.Tensor, cols: int | None = None, pad: int = 2) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> one (rows*(H+pad)+pad, cols*(W+pad)+pad, C) uint8 picture."""
    imgs = to_uint8(x)
    n, h, w, c = imgs.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), 40, np.uint8)  # dark frame between tiles
    for i, img in enumerate(imgs):
        r, k = divmod(i, cols)
        y, x0 = pad + r * (h + pad), pad + k * (w + pad)
        out[y:y + h, x0:x0 + w] = img
    return out


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view, so that snapshots stay immutable."""
    a = np.asarray(a)
    a.setflags(write=False)
    return a
