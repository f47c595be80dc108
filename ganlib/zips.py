"""Opening a zip that someone else made: its entries are counted before they are read.

zipfile.ZipFile builds one Python object per entry as it opens a file, so a
small upload that claims a million entries costs hundreds of MB before anyone
looks at it. The end record, a few bytes at the end of the file, says how many
there are, so that is read first. The sizes an entry declares are what a reader
allocates for it (torch.load for a tensor, ZipFile.read for an image), so the
callers budget those, never the compressed sizes.
"""
from __future__ import annotations

import zipfile
from typing import BinaryIO


class ZipProblem(ValueError):
    """The file is no readable zip, or it holds more entries than allowed; the message says which."""


def open_zip(source: str | BinaryIO, max_entries: int) -> zipfile.ZipFile:
    """A ZipFile of a path or a seekable binary file, once its end record claims at most max_entries entries."""
    try:
        if isinstance(source, str):
            with open(source, "rb") as f:
                n = _entries(f)
        else:
            pos = source.tell()
            n = _entries(source)
            source.seek(pos)
        if n > max_entries:
            raise ZipProblem(f"holds {n:,} entries; the limit is {max_entries:,}")
        return zipfile.ZipFile(source)
    except ZipProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise ZipProblem("is not a readable zip (damaged or incomplete?)") from None


def declared_bytes(zf: zipfile.ZipFile) -> int:
    """What reading every entry would allocate: the sum of their uncompressed sizes."""
    return sum(i.file_size for i in zf.infolist())


def _entries(f: BinaryIO) -> int:
    # zipfile's own reader of the end record (zip64 included); it reads at most the last 64 KB
    end = zipfile._EndRecData(f)
    if end is None:
        raise ZipProblem("is not a readable zip (damaged or incomplete?)")
    return int(end[zipfile._ECD_ENTRIES_TOTAL])
