"""A folder of checkpoints as a listing, and the rule for the names users give files.

Listing never raises for a file: one that cannot be read, whatever is wrong
with it, is listed with its error, so one bad file never breaks the page for
the others. Who may read, write or delete which folder is spaces.Space's
business; this module only reads.
"""
from __future__ import annotations

import functools
import os

import numpy as np

from ganlib.engine.grid import flat_grey
from ganlib.errors import FieldError

SHIPPED_PREFIX = "pretrained-"
MAX_NAME = 64   # characters of a name users give: a listing shows it on one line


def safe_name(name: str, ext: str = ".pt") -> str:
    """The file name a name typed or uploaded by a user becomes: letters, digits, '-', '_', '.' and spaces
    (anything else is dropped, '/' included, so it names a file directly in its folder), at most MAX_NAME
    of them, ending in `ext`. FieldError (a ValueError) naming the field when nothing, or too much, is left."""
    clean = "".join(c for c in str(name).strip() if c.isalnum() or c in "-_ .").strip(" .")
    clean = clean.removesuffix(ext).strip(" .")
    if not clean:
        raise FieldError("name", "use letters, digits, '-', '_', '.' or spaces")
    if len(clean) > MAX_NAME:
        raise FieldError("name", f"at most {MAX_NAME} characters; this one has {len(clean)}")
    return clean + ext


def checkpoint_path(folder: str, name: str) -> str:
    """A safe file path for a checkpoint name typed by a user."""
    return os.path.join(folder, safe_name(name))


def save_target(folder: str, name: str) -> str:
    """Where a run saved under a typed name goes; FieldError for a bad name or a shipped checkpoint's."""
    path = checkpoint_path(folder, name)
    if is_shipped(path):
        raise FieldError("name", f"{SHIPPED_PREFIX}... names belong to the checkpoints that ship with GAN Studio")
    return path


def is_shipped(path: str) -> bool:
    return os.path.basename(path).startswith(SHIPPED_PREFIX)


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
    # torch: with the first listing, not with the first page
    from ganlib.run.checkpoint import summary
    try:
        s = summary(path)
        if s["picture"] is not None:
            s["picture"] = flat_grey(np.asarray(s["picture"], dtype=np.uint8))
    except Exception as e:   # whatever is wrong with one file is that file's problem, not the listing's
        name = os.path.splitext(os.path.basename(path))[0]
        return {"name": name, "path": path, "preset": "", "dataset": "", "step": None,
                "created": mtime_ns / 1e9, "size": size, "picture": None, "shipped": is_shipped(path),
                "error": str(e).replace(path, os.path.basename(path))}   # the server's folders are nobody's business
    return {**s, "shipped": is_shipped(path), "error": ""}
