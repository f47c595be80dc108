"""Turning samples into pictures: [-1, 1] tensors -> uint8 image grids (numpy, H x W x C), and pictures for a screen.

A picture is H x W x C uint8 everywhere in ganlib; only at the edge where it is
shown or written (st.image, PNG, GIF) does a grey one lose its channel axis,
through flat_grey.
"""
from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    import torch

GAP = 40   # grey level of the gaps between tiles: one value, so grids and the explorer's strips look alike


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> (N, H, W, C) uint8. In numpy, with torch's float32 bits (round half to even, as
    torch's): this module loads no torch, so a server whose runs train in its worker shows their pictures without it
    (classroom/warm.py)."""
    a = ((np.clip(x.detach().float().cpu().numpy(), -1, 1) + 1) * np.float32(127.5)).round()
    return np.nan_to_num(a, nan=0.0).astype(np.uint8).transpose(0, 2, 3, 1)   # a NaN sample: 0, as torch's cast gave


def make_grid(x: torch.Tensor, cols: int | None = None, pad: int = 2) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> one (rows*(H+pad)+pad, cols*(W+pad)+pad, C) uint8 picture."""
    return tile(to_uint8(x), cols, pad)


def grid_shape(n: int, sample: tuple[int, ...], cols: int | None = None, pad: int = 2) -> tuple[int, int, int]:
    """The (H, W, C) of make_grid's picture of n samples of shape (C, h, w), without making it."""
    c, h, w = sample
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    return rows * (h + pad) + pad, cols * (w + pad) + pad, c


def tile(pictures: np.ndarray, cols: int | None = None, pad: int = 2, border: bool = True) -> np.ndarray:
    """(N, H, W, C) uint8 pictures as one picture, `cols` to a row (about square by default), dark gaps between.

    border=False leaves out the frame around the whole, for a strip that sits inside other content.
    """
    n, h, w, c = pictures.shape
    cols = cols or math.ceil(math.sqrt(n))
    edge = pad if border else 0
    out = np.full(tile_shape(n, h, w, c, cols, pad, border), GAP, np.uint8)
    for i, img in enumerate(pictures):
        r, k = divmod(i, cols)
        y, x0 = edge + r * (h + pad), edge + k * (w + pad)
        out[y:y + h, x0:x0 + w] = img
    return out


def tile_shape(n: int, h: int, w: int, c: int, cols: int | None = None, pad: int = 2,
               border: bool = True) -> tuple[int, int, int]:
    """The shape of tile()'s picture of n h x w x c pictures, without making it."""
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    edge = pad if border else 0
    return rows * (h + pad) - pad + 2 * edge, cols * (w + pad) - pad + 2 * edge, c


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view, so that snapshots stay immutable."""
    a = np.asarray(a)
    a.setflags(write=False)
    return a


def flat_grey(picture: np.ndarray) -> np.ndarray:
    """An H x W x 1 picture as H x W; any other picture as it is.

    PIL, and so st.image and the GIF writer, take grey as H x W only: H x W x 1 is refused or misread.
    """
    return picture[..., 0] if picture.ndim == 3 and picture.shape[-1] == 1 else picture


def whole_scale(side: int, size: int) -> int:
    """The smallest whole-number enlargement that makes a picture `side` pixels wide at least `size` wide."""
    return max(1, math.ceil(size / side))


def png_bytes(picture: np.ndarray, width: int = 0) -> bytes:
    """A picture as PNG bytes (a grey one as one channel), made `width` pixels wide if it is wider (bilinear, as
    st.image(width=...) would do it again for every session that shows it)."""
    image = Image.fromarray(flat_grey(np.asarray(picture)))
    if 0 < width < image.width:
        image = image.resize((width, round(image.height * width / image.width)), resample=Image.BILINEAR)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def enlarge(picture: np.ndarray, scale: int = 2) -> np.ndarray:
    """The picture `scale` times larger, nearest-neighbour, ready to show (grey as H x W).

    Whole-pixel blocks on purpose: a browser smooths a small picture it enlarges, and 28 x 28 digits turn to mush.
    """
    p = flat_grey(np.asarray(picture))
    return np.repeat(np.repeat(p, scale, axis=0), scale, axis=1)


def gif_bytes(pictures: list[np.ndarray], seconds_per_frame: float = 0.2, scale: int = 2,
              hold_last: float = 1.5) -> bytes:
    """H x W x C uint8 pictures -> an endlessly looping GIF, enlarged `scale` times with crisp pixels."""
    if not len(pictures):
        raise ValueError("pictures: need at least one frame for a GIF")
    frames = [Image.fromarray(enlarge(p, scale)) for p in pictures]
    ms = int(seconds_per_frame * 1000)
    durations = [ms] * (len(frames) - 1) + [int(max(hold_last, seconds_per_frame) * 1000)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buf.getvalue()
