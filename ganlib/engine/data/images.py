"""A user's own images: a folder (searched recursively) or a .zip, as a square uint8 Dataset.

Each image is scaled so its shorter side is `size`, then center-cropped to
size x size, so photos of any shape and format Pillow reads can be mixed.
Unreadable files are skipped rather than failing the run; only when nothing
usable remains is it an error, and then the message says how many were skipped.

The files may come from a stranger (an upload on a shared server), so every size
is checked before anything is allocated for it: a zip's entries are counted
before it is opened, the bytes each file has (or a zip entry declares) before it
is read, and an image's pixels from its header (Image.open reads only that)
before it is decoded. A zip entry is inflated no further than it declares
(zips.read_entry), and all of a zip's entries together no further than `max_bytes`,
so an entry that lies about its size is refused having cost one byte more than its
claim. check_images applies the same rules to an upload before it is kept, refusing
what load_images would skip; a Start on that upload reads it as the check did, with
the same budget. Messages name the data as the user gave it (`name`), never by a
path on the server.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps

from ganlib.errors import shown
from ganlib.settings import MB, megabytes
from ganlib.engine.zips import Budget, EntryRefused, ZipProblem, open_zip, read_entry
from ganlib.engine.data.dataset import Dataset, DatasetError

MAX_IMAGES = 100_000             # all images are held in memory at once
MAX_ENTRIES = 2 * MAX_IMAGES     # entries of a zip, images or not, counted before it is opened
MAX_SIDE = 4096                  # pixels on either side, read from the header: decoding one costs up to 64 MB
MAX_FILE_BYTES = 100 * MB        # one image file (a zip entry is read whole before it is decoded)
MAX_TOTAL_BYTES = 2_000 * MB     # all the image files together: reading them is what a Start waits for; an upload's
                                 # budget (limits.max_upload_bytes) is far smaller, its caller passes that
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
KINDS = "png, jpg, jpeg, bmp, gif, webp, ..."
_TOO_BIG = "too big"


def load_images(path: str, size: int, channels: int, name: str | None = None,
                max_bytes: int | None = None) -> Dataset:
    """Every image under `path` as N x C x size x size uint8; channels 0 picks 1 or 3 from the files.
    `name` is what messages call the data (default: `path` as given); `max_bytes`: what the image files may
    come to, and a zip's entries inflate to, in all (default MAX_TOTAL_BYTES; an upload: the budget check_images
    held it to)."""
    _check_args(size, channels)
    max_bytes = MAX_TOTAL_BYTES if max_bytes is None else max_bytes
    root = os.path.expanduser(str(path or "").strip())
    name = name if name is not None else (str(path or "").strip() or "(empty)")
    with _archive(root, name, max_bytes) as (n_files, images, read):
        _check_sizes(images, name, max_bytes)
        results = [_decode(read, n, size) if nbytes <= MAX_FILE_BYTES else _TOO_BIG for n, nbytes in images]
    decoded = [r for r in results if isinstance(r, tuple)]
    if not decoded:
        raise DatasetError(_nothing_usable(name, os.path.isdir(root), n_files, results.count(_TOO_BIG)))
    c = channels or (3 if any(colour for _, colour in decoded) else 1)
    mode = "RGB" if c == 3 else "L"
    arr = np.stack([np.asarray(img.convert(mode)).reshape(size, size, c) for img, _ in decoded])
    images_t = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
    return Dataset("folder", (c, size, size), len(images_t), images=images_t)


def check_images(source: str | BinaryIO, name: str, max_bytes: int | None = None) -> int:
    """How many images a folder or a zip (a path, or a binary file of one) holds, checked from their headers;
    DatasetError naming the first that load_images would skip for its size, a zip entry larger than it
    declares, images past `max_bytes` in all, or when none can be read. A zip's image entries are inflated
    whole (within max_bytes, default MAX_TOTAL_BYTES), since only that shows one is no larger than it declares."""
    max_bytes = MAX_TOTAL_BYTES if max_bytes is None else max_bytes
    with _archive(source, name, max_bytes) as (n_files, images, read):
        _check_sizes(images, name, max_bytes)
        readable = 0
        for n, nbytes in images:
            dims = _header(read, n) if nbytes <= MAX_FILE_BYTES else _TOO_BIG
            if dims == _TOO_BIG or (dims is not None and max(dims) > MAX_SIDE):
                what = f"{dims[0]:,} x {dims[1]:,} pixels" if isinstance(dims, tuple) else "too large"
                raise DatasetError(f"data_path: {n} in {name} is {what}; an image may be at most "
                                   f"{MAX_SIDE:,} x {MAX_SIDE:,} pixels and {megabytes(MAX_FILE_BYTES)}")
            readable += dims is not None
    if not readable:
        raise DatasetError(_nothing_usable(name, isinstance(source, str) and os.path.isdir(source), n_files, 0))
    return readable


def count_images(path: str, name: str | None = None) -> int:
    """How many files under `path` load_images would decode, found without reading any; DatasetError as load_images."""
    root = os.path.expanduser(str(path or "").strip())
    name = name if name is not None else (str(path or "").strip() or "(empty)")
    with _archive(root, name, 0) as (_, images, __):   # 0: nothing is read
        return len(images)


def _check_args(size, channels) -> None:
    if not isinstance(size, int) or size < 1:
        raise DatasetError(f"image_size: must be a positive whole number of pixels, got {size!r}")
    if channels not in (0, 1, 3):
        raise DatasetError(f"channels: must be 0 (auto), 1 (grayscale) or 3 (RGB), got {channels!r}")


def image_exts() -> set[str]:
    # Only extensions Pillow can open, so a folder of large non-image files is never read.
    return {e for e, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}


def _visible(name: str) -> bool:
    """False for hidden files and macOS zip litter (__MACOSX/, ._foo, .DS_Store)."""
    parts = name.replace("\\", "/").split("/")
    return not any(p.startswith(".") or p == "__MACOSX" for p in parts if p)


@contextmanager
def _archive(source: str | BinaryIO, name: str, max_bytes: int):
    """(files seen, [(image file, its bytes)], read(file) -> binary file) for a folder or a zip, the sizes
    as the file system or the zip's directory tell them, before anything is read. A zip's read inflates
    all its entries together to at most max_bytes, each to at most what it declares: DatasetError otherwise."""
    if isinstance(source, str) and os.path.isdir(source):
        files = _walk(source)
        yield len(files), _images([(f, os.path.getsize(os.path.join(source, f))) for f in files]), \
            lambda n: open(os.path.join(source, n), "rb")
        return
    if isinstance(source, str) and (not source or not os.path.exists(source)):
        raise DatasetError(f"data_path: no such folder or .zip: {name}")
    if isinstance(source, str) and not source.lower().endswith(".zip") and not _is_zip(source):
        raise DatasetError(f"data_path: {name} is not a folder or a .zip")
    try:
        zf = open_zip(source, MAX_ENTRIES)
    except ZipProblem as e:
        raise DatasetError(f"data_path: {name} {e}".replace("readable zip", "readable .zip file")) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and _visible(i.filename)]
        by_name, budget = {i.filename: i for i in infos}, Budget(max_bytes)   # a name twice: the last, as zf.read
        yield len(infos), _images(sorted((i.filename, i.file_size) for i in infos)), \
            lambda n: _entry(zf, by_name[n], budget, name)


def _entry(zf, info, budget: Budget, name: str):
    """A zip entry's bytes as a binary file; DatasetError for one zips.read_entry refuses, while a damaged one
    raises as any unreadable file does (and is skipped)."""
    try:
        return read_entry(zf, info, budget, f"{shown(info.filename)} in {name}")
    except EntryRefused as e:
        raise DatasetError(f"data_path: {e}") from None


def _is_zip(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _images(files: list[tuple[str, int]]) -> list[tuple[str, int]]:
    exts = image_exts()
    return [(n, size) for n, size in files if os.path.splitext(n)[1].lower() in exts]


def _check_sizes(images: list[tuple[str, int]], name: str, max_bytes: int) -> None:
    if len(images) > MAX_IMAGES:
        raise DatasetError(f"data_path: {name} holds {len(images):,} images; the limit is "
                           f"{MAX_IMAGES:,} (all are kept in memory). Use fewer.")
    total = sum(nbytes for _, nbytes in images)
    if total > max_bytes:
        raise DatasetError(f"data_path: the images in {name} come to {megabytes(total)}; the limit is "
                           f"{megabytes(max_bytes)}. Use fewer or smaller images.")


def _walk(root: str) -> list[str]:
    names = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if _visible(x)]  # prune, so hidden trees are not even walked
        names += [os.path.relpath(os.path.join(d, f), root) for f in files if _visible(f)]
    return sorted(names)


def _header(read, name: str):
    """(width, height) from the file's header, nothing decoded; _TOO_BIG for one Pillow itself calls a
    decompression bomb; None when Pillow cannot read it."""
    try:
        with read(name) as f, Image.open(f) as img:
            return img.size
    except Image.DecompressionBombError:
        return _TOO_BIG
    except DatasetError:   # a zip entry refused (zips.read_entry): the whole zip is, not just this file
        raise
    except Exception:  # not an image after all, or truncated: load_images skips it too
        return None


def _decode(read, name: str, size: int):
    """(size x size image in L or RGB, is it colour?); _TOO_BIG, or None when the file cannot be read."""
    try:
        with read(name) as f, Image.open(f) as img:
            if max(img.size) > MAX_SIDE:   # known from the header: nothing is decoded yet
                return _TOO_BIG
            img.draft(img.mode, (size, size))  # JPEG: decode at reduced scale, much faster for photos
            img = ImageOps.exif_transpose(img)  # phone photos store rotation as a tag
            colour = img.mode not in GREY_MODES
            img = _flatten(img, colour)
            return ImageOps.fit(img, (size, size), Image.Resampling.LANCZOS), colour
    except Image.DecompressionBombError:
        return _TOO_BIG
    except DatasetError:
        raise
    except Exception:  # any decoder failure (truncated, wrong extension) means skip the file
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


def _nothing_usable(name: str, is_folder: bool, n_files: int, too_big: int) -> str:
    where = f"the folder {name}" if is_folder else f"the .zip {name}"
    if n_files == 0:
        return f"data_path: {where} has no images ({KINDS})"
    big = (f", {too_big} of them larger than {MAX_SIDE:,} x {MAX_SIDE:,} pixels or "
           f"{megabytes(MAX_FILE_BYTES)}") if too_big else ""
    return (f"data_path: {where} has no usable images: skipped {n_files} file(s) that are "
            f"not images or could not be read{big} ({KINDS})")
