"""Opening a zip that someone else made: its entries are counted before they are read, and read no
further than they declare.

zipfile.ZipFile builds one Python object per entry as it opens a file, so a
small upload that claims a million entries costs hundreds of MB before anyone
looks at it. The end record, a few bytes at the end of the file, says how many
there are, so that is read first. The sizes an entry declares are what the
callers budget (torch.load allocates a tensor's, an image is read whole), never
the compressed sizes.

A declared size is only a claim, though: ZipFile.read inflates an entry whole,
up to 2 GB in one call, before it cuts the result to the declared size, so 2 MB
of deflated zeros declaring 1,000 bytes cost 2 GB and seconds of CPU. read_entry
inflates a piece at a time and stops one byte past the declared size, refusing
the entry then, and a Budget caps what all the entries of one zip may inflate.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import BinaryIO

from ganlib.settings import megabytes

PIECE = 1 << 16          # bytes inflated, and compressed bytes read, at a time: all that is held beyond the entry
_LOCAL_HEADER = struct.Struct("<4s22xHH")   # signature, then the name's and the extra field's lengths


class ZipProblem(ValueError):
    """The file is no readable zip, or it holds more entries than allowed; the message says which."""


class EntryRefused(ZipProblem):
    """One entry may not be read: larger than it declares, over the zip's budget, encrypted, or compressed in a
    way read_entry does not read. The message starts with the entry's name, as `shown` gave it."""


class EntryDamaged(ZipProblem):
    """One entry is shorter than it declares, or its data fail their checksum: unreadable, as a truncated file is."""


class Budget:
    """The bytes that all the entries read from one zip may inflate to, together."""

    def __init__(self, limit: int):
        self.limit, self.used = int(limit), 0

    def room(self) -> int:
        """Bytes that may be inflated before the next one passes the limit (that one shows it is passed)."""
        return self.limit - self.used + 1

    def take(self, n: int) -> bool:
        """Count n more bytes inflated; False once the total passes the limit."""
        self.used += n
        return self.used <= self.limit


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


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, shown: str | None = None) -> io.BytesIO:
    """One entry's bytes, in memory, having inflated at most its declared size + 1 (and what `budget` had left).

    EntryRefused when it is larger than it declares, passes the budget, is encrypted, or is neither stored nor
    deflated; EntryDamaged when it is shorter than declared or fails its CRC. `shown` is how messages name
    the entry (default: its name in the zip)."""
    what = info.filename if shown is None else shown
    if info.flag_bits & 0x1:
        raise EntryRefused(f"{what} is encrypted; only unencrypted entries are read")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        method = zipfile.compressor_names.get(info.compress_type, f"method {info.compress_type}")
        raise EntryRefused(f"{what} is compressed with {method}; only stored or deflated entries are read")
    # the entry's data read here, not through zf.open: ZipExtFile ends at the declared size without saying
    # whether more follows, and inflates a bzip2 or lzma piece whole, however large
    declared, left = info.file_size, info.compress_size
    fp = zf.fp
    fp.seek(info.header_offset)
    head = fp.read(_LOCAL_HEADER.size)
    if len(head) < _LOCAL_HEADER.size or not head.startswith(b"PK\x03\x04"):
        raise EntryDamaged(f"{what} is damaged")
    _, name_len, extra_len = _LOCAL_HEADER.unpack(head)
    fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    out, crc, pending = io.BytesIO(), 0, b""
    # declared + 1: the one byte that shows an entry is longer than it says, without inflating the rest
    while out.tell() <= declared:
        if not pending and left > 0:
            pending = fp.read(min(PIECE, left))
            left -= len(pending)
            if not pending:
                raise EntryDamaged(f"{what} is damaged (the zip ends inside it)")
        room = max(1, min(PIECE, declared + 1 - out.tell(), budget.room()))   # never 0: zlib reads 0 as "no limit"
        try:
            piece = inflate.decompress(pending, room) if inflate else pending[:room]
        except zlib.error:
            raise EntryDamaged(f"{what} is damaged") from None
        pending = inflate.unconsumed_tail if inflate else pending[room:]
        if not piece and not pending and (left <= 0 or (inflate and inflate.eof)):
            break
        out.write(piece)
        crc = zlib.crc32(piece, crc)
        if not budget.take(len(piece)):
            raise EntryRefused(f"{what} takes the zip past {megabytes(budget.limit)} unpacked; its entries may "
                               f"unpack to at most {megabytes(budget.limit)} in all")
    if out.tell() > declared or pending or left > 0 and not (inflate and inflate.eof):
        raise EntryRefused(f"{what} is larger than it declares ({declared:,} bytes); an entry may unpack to no "
                           f"more than it declares")
    if out.tell() < declared or (inflate and not inflate.eof) or crc != info.CRC:
        raise EntryDamaged(f"{what} is damaged (shorter than it declares, or its checksum is wrong)")
    out.seek(0)
    return out
