"""A user's own images: a folder (searched recursively) or a .zip, as a square uint8 Dataset.

Each image is scaled so its shorter side is `size`, then center-cropped to
size x size, so photos of any shape and format Pillow reads can be mixed.
Unreadable files are skipped rather than failing the run; only when nothing
usable remains is it an error, and then the message says how many were skipped.
"""
from __future__ import annotations

import io
import os
import zipfile
from contextlib import contextmanager

import numpy as np
import torch
from PIL import Image, ImageOps

from .dataset import Dataset, DatasetError

MAX_IMAGES = 100_000  # all images are held in memory at once
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
KINDS = "png, jpg, jpeg, bmp, gif, webp, ..."


def load_images(path: str, size: int, channels: int) -> Dataset:
    """Every image under `path` as N x C x size x size uint8; channels 0 picks 1 or 3 from the files."""
    _check_args(size, channels)
    root = _root(path)
    with _archive(root) as (names, read):
        files = _image_files(names)
        if len(files) > MAX_IMAGES:
            raise DatasetError(f"data_path: {root} holds {len(files):,} images; the limit is "
                               f"{MAX_IMAGES:,} (all are kept in memory). Use a smaller folder.")
        decoded = [d for d in (_decode(read, n, size) for n in files) if d is not None]
    if not decoded:
        raise DatasetError(_nothing_usable(root, len(names)))
    c = channels or (3 if any(colour for _, colour in decoded) else 1)
    mode = "RGB" if c == 3 else "L"
    arr = np.stack([np.asarray(img.convert(mode)).reshape(size, size, c) for img, _ in decoded])
    images = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
    return Dataset("folder", (c, size, size), len(images), images=images)


def count_images(path: str) -> int:
    """How many files under `path` load_images would decode, found without reading any; DatasetError as load_images."""
    with _archive(_root(path)) as (names, _):
        return len(_image_files(names))


def _root(path) -> str:
    return os.path.expanduser(str(path or "").strip())


def _image_files(names: list[str]) -> list[str]:
    exts = _image_exts()
    return [n for n in names if os.path.splitext(n)[1].lower() in exts]


def _check_args(size, channels) -> None:
    if not isinstance(size, int) or size < 1:
        raise DatasetError(f"image_size: must be a positive whole number of pixels, got {size!r}")
    if channels not in (0, 1, 3):
        raise DatasetError(f"channels: must be 0 (auto), 1 (grayscale) or 3 (RGB), got {channels!r}")


def _image_exts() -> set[str]:
    # Only extensions Pillow can open, so a folder of large non-image files is never read.
    return {e for e, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}


def _visible(name: str) -> bool:
    """False for hidden files and macOS zip litter (__MACOSX/, ._foo, .DS_Store)."""
    parts = name.replace("\\", "/").split("/")
    return not any(p.startswith(".") or p == "__MACOSX" for p in parts if p)


@contextmanager
def _archive(root: str):
    """(sorted file names, read(name) -> binary file) for a folder or a .zip."""
    if not root or not os.path.exists(root):
        raise DatasetError(f"data_path: no such folder or .zip: {root or '(empty)'}")
    if os.path.isdir(root):
        yield _walk(root), lambda n: open(os.path.join(root, n), "rb")
    elif zipfile.is_zipfile(root):
        with zipfile.ZipFile(root) as zf:
            names = sorted(i.filename for i in zf.infolist() if not i.is_dir() and _visible(i.filename))
            yield names, lambda n: io.BytesIO(zf.read(n))
    elif root.lower().endswith(".zip"):
        raise DatasetError(f"data_path: {root} is not a readable .zip file (damaged or incomplete?)")
    else:
        raise DatasetError(f"data_path: {root} is not a folder or a .zip")


def _walk(root: str) -> list[str]:
    names = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if _visible(x)]  # prune, so hidden trees are not even walked
        names += [os.path.relpath(os.path.join(d, f), root) for f in files if _visible(f)]
    return sorted(names)


def _decode(read, name: str, size: int):
    """(size x size image in L or RGB, is it colour?) or None when the file cannot be read."""
    try:
        with read(name) as f, Image.open(f) as img:
            img.draft(img.mode, (size, size))  # JPEG: decode at reduced scale, much faster for photos
            img = ImageOps.exif_transpose(img)  # phone photos store rotation as a tag
            colour = img.mode not in GREY_MODES
            img = _flatten(img, colour)
            return ImageOps.fit(img, (size, size), Image.Resampling.LANCZOS), colour
    except Exception:  # any decoder failure (truncated, bomb, wrong extension) means skip the file
        return None


def _flatten(img: Image.Image, colour: bool) -> Image.Image:
    """8-bit L or RGB; transparency over white, 16-bit and float scaled instead of clipped."""
    if img.mode.startswith(("I", "F")):
        a = np.asarray(img, dtype=np.float32)
        a = a / 257.0 if a.max() > 255 else a
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if "A" in img.mode or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return img.convert("RGB" if colour else "L")


def _nothing_usable(root: str, n_files: int) -> str:
    where = f"the folder {root}" if os.path.isdir(root) else f"the .zip {root}"
    if n_files == 0:
        return f"data_path: {where} has no images ({KINDS})"
    return (f"data_path: {where} has no usable images: skipped {n_files} file(s) that are "
            f"not images or could not be read ({KINDS})")
