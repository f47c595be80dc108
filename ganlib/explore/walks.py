"""What the Latent explorer computes: z vectors to show, and pictures sized for a screen.

Every z here comes from a seed, so what a student sees can be found again by
typing the seed. A picture is H x W x C uint8 (from LatentModel.pictures).
"""
from __future__ import annotations

import numpy as np
import torch

from ganlib.engine.data import load_dataset
from ganlib.errors import DatasetError
from ganlib.engine.grid import gif_bytes, tile, whole_scale
from ganlib.engine.kinds import StrEnum
from ganlib.engine.noise import random_z
from ganlib.explore.latent import LatentModel, path
from ganlib.run.state import Status



class Source(StrEnum):
    """Where the explorer's G comes from (its words: words/describe.SOURCE_LABELS)."""
    RUN = "run"         # the run this session trains or watches, as of its latest snapshot
    FILE = "file"       # a saved checkpoint: the visitor's own or a shared one
    UPLOAD = "upload"   # a checkpoint file from the visitor's computer


LIMIT = 3.0   # slider range of each z dimension: almost all of N(0, 1)
GIF_SIZES = (256, 384, 512)   # the walk GIF's frame width at least, in pixels: the explorer's choices
WALK_SECONDS = 2.56           # the walk GIF from A to B (then it holds B a moment): 32 frames of 0.08 s, as it was


def z_from_seed(latent_dim: int, seed: int) -> torch.Tensor:
    """The z (latent_dim,) a seed names."""
    return random_z(1, latent_dim, seed)[0]


def with_dims(z: torch.Tensor, values: dict[int, float]) -> torch.Tensor:
    """A copy of z with some dimensions set: {dim: value}."""
    z = z.clone()
    for d, v in values.items():
        z[d] = float(v)
    return z


@torch.no_grad()
def strongest_dims(model, z: torch.Tensor, k: int = 8) -> list[int]:
    """The k dimensions of z whose moves (from -LIMIT to +LIMIT) change G(z) most, in order of index.

    With 32 or 64 dimensions most single ones barely change a picture, and sliders on
    z[0..7] looked broken to a new user; these are the ones worth a slider.
    """
    n = model.latent_dim
    zs = z.repeat(2 * n, 1)                                   # (2n, latent): row 2d is z with z[d] = -LIMIT,
    dims = torch.arange(n)                                    # row 2d + 1 is z with z[d] = +LIMIT
    zs[2 * dims, dims], zs[2 * dims + 1, dims] = -LIMIT, LIMIT
    out = model(zs).flatten(1)
    change = (out[0::2] - out[1::2]).abs().mean(1)            # (n,)
    return sorted(change.topk(min(k, n)).indices.tolist())


def candidates(latent_dim: int, first_seed: int, n: int = 8) -> tuple[list[int], torch.Tensor]:
    """n candidate endpoints, seeds first_seed .. first_seed + n - 1, as (seeds, (n, latent_dim) z)."""
    seeds = [first_seed + i for i in range(n)]
    return seeds, torch.stack([z_from_seed(latent_dim, s) for s in seeds])


def walk(a: torch.Tensor, b: torch.Tensor, frames: int, method: str = "slerp") -> torch.Tensor:
    """frames z vectors from a to b, both ends included."""
    return path(torch.stack([a, b]), max(frames - 1, 1), method)


def z_line(base: torch.Tensor, n: int = 200, dim: int = 0) -> tuple[np.ndarray, torch.Tensor]:
    """z moving along one dimension from -LIMIT to LIMIT, the others held at base: (u, z)."""
    u = torch.linspace(-LIMIT, LIMIT, n)
    z = base.repeat(n, 1)
    z[:, dim] = u
    return u.numpy(), z


def z_plane(base: torch.Tensor, res: int = 25) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A res x res grid of z over dims 0 and 1 (the others held at base): (u, v, z).

    With a 1-D latent space the grid degenerates to a line (v = 0).
    """
    if len(base) == 1:
        u, z = z_line(base, res * res)
        return u, np.zeros_like(u), z
    t = torch.linspace(-LIMIT, LIMIT, res)
    uu, vv = torch.meshgrid(t, t, indexing="ij")
    z = base.repeat(res * res, 1)
    z[:, 0], z[:, 1] = uu.ravel(), vv.ravel()
    return uu.ravel().numpy(), vv.ravel().numpy(), z


def real_points(cfg, n: int = 2000, seed: int = 0, data_paths=None) -> np.ndarray | None:
    """n real samples of a toy run's data, to draw under G's map; None for image data, and for data this visitor
    cannot read (someone else's drawn points, in a run they watch or a checkpoint they were given)."""
    if not cfg.is_toy:
        return None
    try:
        return load_dataset(cfg, data_paths).sample(n, seed).numpy()
    except DatasetError:
        return None


def scale_for(picture: np.ndarray, target: int = 224) -> int:
    """The whole-number scale that brings the picture's side nearest to target pixels."""
    return max(1, round(target / max(picture.shape[:2])))


def strip(pictures: np.ndarray, pad: int = 2) -> np.ndarray:
    """(N, H, W, C) pictures side by side, with a dark gap between them."""
    return tile(pictures, cols=len(pictures), pad=pad, border=False)


def from_payload(payload: dict, name: str):
    """(LatentModel, config, caption) for a loaded checkpoint."""
    cfg = payload["config"]
    return LatentModel.from_checkpoint(payload), cfg, f"{name}: {cfg.dataset}, step {int(payload['trainer']['step']):,}"


def is_default(ref: str) -> bool:
    """The checkpoint the explorer opens on when there is no run: the shipped digits."""
    return ref == "shared/pretrained-digits.pt"


def from_runner(runner):
    """(LatentModel, config, caption) for the current run's G as its snapshot last published it (at a frame, a pause)."""
    snap = runner.wait(lambda s: s.g_weights is not None or s.status is not Status.LOADING, 60.0)
    step = snap.g_weights.step if snap.g_weights is not None else snap.step
    return LatentModel.from_snapshot(snap), snap.config, f"G of the current run, as published at step {step:,}"


def saved_checkpoints(entries: list[dict]) -> tuple[list[str], str | None]:
    """The refs of a listing's loadable checkpoints (spaces.Space.list), and the one to open first (the
    shipped digits when it is there)."""
    refs = [e["ref"] for e in entries if not e["error"]]
    return refs, next((r for r in refs if is_default(r)), refs[0] if refs else None)


def walk_gif(model, a: torch.Tensor, b: torch.Tensor, method: str, frames: int = 8, size: int = GIF_SIZES[0]) -> bytes:
    """The walk from a to b in `frames` frames (the explorer's Frames slider) as an animated GIF, each frame at
    least `size` pixels wide (a 28 x 28 digit at 256: 280 x 280), enlarged by whole pixels, nearest-neighbour: a
    slide or a chat shrinks a 112-pixel GIF to a smudge, and a smoothed enlargement blurs the strokes the walk is
    about. The walk takes WALK_SECONDS whatever the frames: 3 frames at the 32 frames' pace flashed by."""
    if size not in GIF_SIZES:
        raise ValueError(f"size: one of {', '.join(map(str, GIF_SIZES))} pixels; got {size!r}")
    pictures = model.pictures(walk(a, b, frames, method))
    return gif_bytes(list(pictures), WALK_SECONDS / frames, scale=whole_scale(max(pictures.shape[1:3]), size))
