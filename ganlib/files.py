"""Writing files so that no reader ever sees half of one: every file ganlib writes goes through here.

A file is written in full to a hidden temporary file in its own folder (same
file system, so the last step is a rename, never a copy), flushed to disk, and
only then given its name. A crash or an error midway leaves the old file as it
was and no temporary file behind. Listings skip names that start with a dot,
so a write in progress is never listed.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import BinaryIO, Callable, Iterator, Union

Content = Union[bytes, bytearray, memoryview, Callable[[BinaryIO], None]]


def atomic_write(path: str, content: Content) -> str:
    """Write `content` (bytes, or a function that writes to a binary file) to `path`, replacing any old file
    in one step. Returns the absolute path; the folder is made when missing."""
    path = os.path.abspath(path)
    with _complete_temp(path, content) as tmp:
        os.replace(tmp, path)
    return path


def write_new(path: str, content: Content) -> str:
    """Like atomic_write, but never replaces a file: when `path` exists, the first free stem-2.ext, stem-3.ext...
    Returns the path used. Two writers of one name at once both succeed, under different names."""
    path = os.path.abspath(path)
    stem, ext = os.path.splitext(path)
    with _complete_temp(path, content) as tmp:
        try:
            n = 1
            while True:
                try:
                    os.link(tmp, path)   # unlike a rename, a link fails when the name is taken
                    return path
                except FileExistsError:
                    n += 1
                    path = f"{stem}-{n}{ext}"
        finally:
            os.unlink(tmp)   # the file lives on under its new name


@contextlib.contextmanager
def _complete_temp(path: str, content: Content) -> Iterator[str]:
    """A finished, synced temporary file beside `path`, for the caller to give a name; removed if anything fails."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; what we write are ordinary files others may read
        yield tmp
    except BaseException:    # KeyboardInterrupt too: a temporary file must not outlive a failed write
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
