"""What an upload must be before it is kept: checked whole, in memory, before a byte of it is written.

A checkpoint: a size within the budget, a usable name, and a file that
load_checkpoint reads without complaint (which checks what it declares before
loading and every value after). Images: one .zip, or several image files packed
into one (stored, not compressed: they are compressed already), checked by
data.images.check_images as load_images will read them: each entry inflated no
further than it declares, and all of them to the upload budget at most, the
budget a Start on the kept file holds them to again (data.load_dataset). Drawn
points (dataset=drawn): as engine/drawn_points.py checks them, their count before
they are copied. Each refusal is one message naming what is wrong; a refused upload
leaves nothing behind.
"""
from __future__ import annotations

import io
import os
import zipfile

import ganlib
from ganlib.errors import DatasetError, shown
from ganlib.classroom.library import SHIPPED_PREFIX, safe_name
from ganlib.engine.drawn_points import check_points, file_name, to_npy
from ganlib.settings import max_upload_bytes, megabytes


def _last_part(filename: str) -> str:
    return str(filename).replace("\\", "/").rsplit("/", 1)[-1]


def checkpoint_upload(filename: str, data: bytes) -> str:
    """The file name an uploaded checkpoint is kept under; CheckpointError or ValueError naming what is wrong."""
    name = upload_name(filename, ".pt")
    uploaded_checkpoint(filename, data)
    return name


def uploaded_checkpoint(filename: str, data: bytes) -> dict:
    """The checked payload of an uploaded checkpoint (to keep, or only to explore)."""
    _check_size(shown(filename), len(data))
    # ganlib's lazy name (ganlib/__init__.py): torch loads once an upload is there to check, not with the first page
    return ganlib.load_checkpoint(bytes(data), name=shown(filename))


def data_upload(files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """(the .zip name to keep it under, the zip's bytes) for one uploaded .zip or several image files.

    DatasetError or ValueError naming what is wrong: sizes, names, a file that is not an image, an image
    too large to decode, a zip entry larger than it declares or images unpacking past the upload budget,
    or nothing usable at all."""
    # Pillow and torch (engine.data imports it): only once an upload is there to check, not with the first page
    from ganlib.engine.data.images import check_images, image_exts
    if not files:
        raise DatasetError("data_path: upload a .zip of images, or image files")
    _check_size(", ".join(shown(n) for n, _ in files[:3]), sum(len(d) for _, d in files))
    if len(files) == 1 and bytes(files[0][1][:4]) == b"PK\x03\x04":
        filename, data = files[0]
        name = upload_name(filename, ".zip")
    else:
        exts = image_exts()
        for filename, _ in files:
            if os.path.splitext(shown(filename))[1].lower() not in exts:
                raise DatasetError(f"data_path: {shown(filename)} is neither an image (png, jpg, ...) nor a .zip")
        name = upload_name(files[0][0], ".zip") if len(files) == 1 else "images.zip"
        data = _packed(files)
    check_images(io.BytesIO(data), name, max_upload_bytes())
    return name, data


def drawn_upload(points) -> tuple[str, bytes]:
    """(the .npy name to keep drawn points under, the file's bytes): named by their content, so the same
    drawing is one file. DatasetError naming data_path for points that are not 8 to 2,000 finite points in
    the box (drawn_points.check_points)."""
    checked = check_points(points)
    return file_name(checked), to_npy(checked)


def upload_name(filename: str, ext: str) -> str:
    """The name an upload is kept under: its file's name made safe (library.safe_name), with its own
    extension replaced by `ext`; never a shipped checkpoint's name, which could not be deleted."""
    stem = os.path.splitext(_last_part(filename))[0]
    if stem.startswith(SHIPPED_PREFIX):
        stem = "uploaded-" + stem
    try:
        return safe_name(stem, ext)
    except ValueError as e:
        if "at most" in str(e):
            raise
        return safe_name("uploaded", ext)


def _check_size(what: str, n: int) -> None:
    budget = max_upload_bytes()
    if n > budget:
        raise ValueError(f"upload: {what} is {megabytes(n)}; an upload may be at most {megabytes(budget)}")


def _packed(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i, (filename, data) in enumerate(files):
            zf.writestr(f"{i:05d}-{shown(filename)}", bytes(data))   # numbered: two files may share a name
    return buf.getvalue()
