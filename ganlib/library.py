"""The checkpoints folder: list it, store uploads in it, read and delete files from it.

The folder is shared by every browser session of one server, so names typed or
uploaded by users go through checkpoint_path, never overwrite another
file, and no operation reaches outside the folder. Shipped checkpoints
(pretrained-*.pt) cannot be deleted from the app.
"""
from __future__ import annotations

import functools
import os
import time

import numpy as np

from .checkpoint import CheckpointError, load_checkpoint, summary
from .files import write_new
from .grid import flat_grey

SHIPPED_PREFIX = "pretrained-"


def checkpoint_path(folder: str, name: str) -> str:
    """A safe file path for a checkpoint name typed by a user."""
    clean = "".join(c for c in name.strip() if c.isalnum() or c in "-_ .").strip(" .")
    if not clean:
        raise ValueError("name: use letters, digits, '-', '_', '.' or spaces")
    return os.path.join(folder, clean.removesuffix(".pt") + ".pt")


def list_checkpoints(folder: str) -> list[dict]:
    """One dict per *.pt file, newest first: summary() fields, picture as a numpy array, error ("" if fine).

    A file that cannot be read is listed with its error instead of raising.
    """
    if not os.path.isdir(folder):
        return []
    entries = []
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".pt") and not name.startswith(".") and os.path.isfile(path):
            st = os.stat(path)
            entries.append(dict(_entry(path, st.st_mtime_ns, st.st_size)))
    return sorted(entries, key=lambda e: (e["created"] or 0, e["name"]), reverse=True)


@functools.lru_cache(maxsize=256)
def _entry(path: str, mtime_ns: int, size: int) -> dict:
    # keyed by mtime and size, so a rewritten file is read again; pages rerun often, files change rarely
    try:
        s = summary(path)
    except (CheckpointError, OSError, KeyError, TypeError, ValueError) as e:
        name = os.path.splitext(os.path.basename(path))[0]
        return {"name": name, "path": path, "preset": "", "dataset": "", "step": None,
                "created": mtime_ns / 1e9, "size": size, "picture": None, "shipped": is_shipped(path),
                "error": str(e).replace(path, os.path.basename(path))}   # the server's folders are nobody's business
    if s["picture"] is not None:
        s["picture"] = flat_grey(np.asarray(s["picture"], dtype=np.uint8))
    return {**s, "shipped": is_shipped(path), "error": ""}


def describe(entry: dict) -> str:
    """One line for a listing: preset · dataset · step · date · size."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["created"])) if entry["created"] else "?"
    dataset = entry["dataset"] if entry["dataset"] != entry["preset"] else ""   # toy presets share their data's name
    parts = [entry["preset"], dataset, f"step {entry['step']:,}" if entry["step"] is not None else "",
             when, human_size(entry["size"])]
    return " · ".join(p for p in parts if p)


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def save_target(folder: str, name: str) -> str:
    """Where a run saved under a typed name goes; ValueError for a bad name or a shipped checkpoint's."""
    path = checkpoint_path(folder, name)
    if is_shipped(path):
        raise ValueError(f"name: {SHIPPED_PREFIX}... names belong to the checkpoints that ship with GAN Studio")
    return path


def is_shipped(path: str) -> bool:
    return os.path.basename(path).startswith(SHIPPED_PREFIX)


def inside(folder: str, path: str) -> str:
    """The real path of `path` if it is a file directly in `folder`; ValueError otherwise."""
    real = os.path.realpath(path)
    if os.path.dirname(real) != os.path.realpath(folder):
        raise ValueError(f"path: {os.path.basename(path)} is not in the checkpoints folder")
    return real


def read_bytes(folder: str, path: str) -> bytes:
    """The raw file, for a download."""
    with open(inside(folder, path), "rb") as f:
        return f.read()


def delete_checkpoint(folder: str, path: str) -> None:
    """Remove one checkpoint of the folder; shipped ones are refused with ValueError."""
    real = inside(folder, path)
    if is_shipped(real):
        raise ValueError(f"{os.path.basename(real)} ships with GAN Studio and cannot be deleted here")
    if not real.endswith(".pt"):
        raise ValueError(f"{os.path.basename(real)} is not a checkpoint")
    os.remove(real)


def store_upload(folder: str, filename: str, data: bytes) -> str:
    """Check that `data` is a ganlib checkpoint (CheckpointError if not) and save it under a fresh name.

    Returns the new file's path. The name comes from the uploaded file's name,
    made safe; when a file of that name exists, it gets a -2, -3 ... suffix instead.
    """
    load_checkpoint(data)
    stem = os.path.splitext(os.path.basename(filename))[0]
    if stem.startswith(SHIPPED_PREFIX):   # an upload must not pass for a shipped, undeletable file
        stem = "uploaded-" + stem
    try:
        path = checkpoint_path(folder, stem)
    except ValueError:
        path = checkpoint_path(folder, "uploaded")
    # write_new, not atomic_write: two uploads of one name at once must not overwrite each other
    return write_new(path, data)

