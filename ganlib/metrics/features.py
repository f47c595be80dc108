"""A Fréchet distance for any images without a trained network: your own images, fashion-mnist, cifar10.

The digit classifier knows digits only, and the usual Inception features need a download, so images other
than digits are compared on features that are fixed and random, made the same way every time from SEED:

- a thumbnail: each channel averaged over a 4 x 4 grid of blocks (16 x C numbers: layout and colour);
- textures: FILTERS random 5 x 5 filters (each of mean 0 and length 1, over all channels) applied with stride 2,
  ReLU, then averaged over the image's four quarters (FILTERS x 4 numbers: edges and strokes, and where).

feature_fd fits a Gaussian to the features of G's samples and one to the features of real images, and gives
the Fréchet distance between them (fid.py), as FID does with Inception's. The reference is the data's
even-indexed images (at most N_REFERENCE); feature_floor measures N real odd-indexed ones the same way,
the floor G's curve falls towards. Random features see less than trained ones: a run's curve is read against
its own floor, and its numbers are not comparable with the digits' Fréchet distance or with FID.
"""
from __future__ import annotations

import threading
import weakref

import torch
import torch.nn.functional as F

from ganlib.engine.data import to_unit
from ganlib.metrics.fid import Gaussian, frechet_distance

SEED = 13             # the random filters; changing it changes every number this module gives
FILTERS = 16
SIDE = 5              # of a filter
BLOCKS = 4            # the thumbnail is BLOCKS x BLOCKS per channel
N_IMAGES = 500        # G's samples per measurement (as for digits)
N_REFERENCE = 2500    # real images the reference Gaussian is fitted to, at most
BATCH = 500

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # Dataset -> its reference Gaussian
_lock = threading.Lock()


def filters(channels: int) -> torch.Tensor:
    """(FILTERS, channels, SIDE, SIDE) float32: random, each of mean 0 and Euclidean length 1."""
    w = torch.randn(FILTERS, channels, SIDE, SIDE, generator=torch.Generator().manual_seed(SEED), dtype=torch.float64)
    w = w - w.mean((1, 2, 3), keepdim=True)
    return (w / w.flatten(1).norm(dim=1)[:, None, None, None]).float()


@torch.inference_mode()
def image_features(images: torch.Tensor) -> torch.Tensor:
    """(N, C, S, S) images in [-1, 1] (S a multiple of BLOCKS) -> (N, BLOCKS^2 x C + 4 x FILTERS) float64."""
    x = torch.nan_to_num(images.detach().float().cpu(), nan=0.0).clamp(-1, 1)
    n, c, s, _ = x.shape
    if s % BLOCKS or s < 2 * SIDE:
        raise ValueError(f"image features: need square images with a side that is a multiple of {BLOCKS}; "
                         f"got {tuple(x.shape[1:])}")
    w, out = filters(c), []
    for i in range(0, n, BATCH):
        b = x[i:i + BATCH]
        thumb = F.avg_pool2d(b, s // BLOCKS).flatten(1)
        texture = F.adaptive_avg_pool2d(F.relu(F.conv2d(b, w, stride=2)), 2).flatten(1)
        out.append(torch.cat([thumb, texture], 1).double())
    return torch.cat(out) if out else torch.empty(0, c * BLOCKS ** 2 + 4 * FILTERS, dtype=torch.float64)


def reference(data) -> Gaussian:
    """The Gaussian of the features of the data's even-indexed images (all of them when there are fewer than 4)."""
    with _lock:
        if data not in _cache:
            idx = torch.arange(0, data.size, 2 if data.size >= 4 else 1)[:N_REFERENCE]
            _cache[data] = Gaussian.fit(image_features(to_unit(data.images[idx])))
        return _cache[data]


def feature_metrics(samples: torch.Tensor, data) -> dict:
    """{"feature_fd": the Fréchet distance between the features of G's samples and of the real reference}."""
    if len(samples) < 2:
        raise ValueError(f"image features: need at least 2 samples; got {len(samples)}")
    return {"feature_fd": frechet_distance(reference(data), Gaussian.fit(image_features(samples)))}


def feature_floor(data, n: int = N_IMAGES, seed: int = 0) -> float | None:
    """The same distance for n real odd-indexed images (at most as many as there are); None for fewer than 4
    images, which leave no second half to compare with."""
    if data.size < 4:
        return None
    odd = torch.arange(1, data.size, 2)
    pick = odd[torch.randperm(len(odd), generator=torch.Generator().manual_seed(seed))[:n]]
    return feature_metrics(to_unit(data.images[pick]), data)["feature_fd"]
