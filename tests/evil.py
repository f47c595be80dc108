"""Malicious and broken checkpoint files, made from a good one, each with what its refusal must say.

One list for the library's, the spaces' and the pages' tests: every file in it
broke the Checkpoints page, the explorer or the server's memory before it was
refused (issue 9), or is a close cousin of one that did.
"""
from __future__ import annotations

import copy
import io
import zipfile

import torch

BOMB_BYTES = 16000 * 16000 * 3   # the 16000 x 16000 picture: 732 MB (of 2**20 bytes) once torch.load allocates it


def _saved(payload, **kw) -> bytes:
    buf = io.BytesIO()
    torch.save(payload, buf, **kw)
    return buf.getvalue()


def _changed(good: dict, change) -> bytes:
    p = copy.deepcopy(good)
    change(p)
    return _saved(p)


def _declaring(data: bytes, size: int) -> bytes:
    """The same zip plus one entry that declares `size` bytes: what torch.load would allocate for it (the zip's
    central directory is what PyTorch's reader believes). A deflated bomb of zeros says the same in 0.1% of it."""
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("archive/data/999", b"\0" * 64)
        zf.infolist()[-1].file_size = size
    return buf.getvalue()


def _many_entries(data: bytes, n: int = 20_000) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        for i in range(n):
            zf.writestr(f"x/{i}", b"")
    return buf.getvalue()


def evil_files(good_bytes: bytes) -> dict[str, tuple[bytes, str]]:
    """{name: (file bytes, a regex its error message matches)} from a good checkpoint's bytes."""
    good = torch.load(io.BytesIO(good_bytes), weights_only=True)

    def picture(shape, dtype=torch.uint8):
        # a view of one byte: the file is tiny, the picture is not (np.asarray and st.image would make it whole)
        return lambda p: p.__setitem__("picture", torch.zeros(1, dtype=dtype).expand(*shape))

    def trainer(key, value):
        return lambda p: p["trainer"].__setitem__(key, value)

    return {
        "step-inf": (_changed(good, trainer("step", float("inf"))), r"bad trainer\.step: 'inf'"),
        "step-negative": (_changed(good, trainer("step", -5)), r"bad trainer\.step"),
        "batches-nan": (_changed(good, trainer("batches_seen", float("nan"))), r"bad trainer\.batches_seen"),
        "created-yesterday": (_changed(good, lambda p: p.__setitem__("created", "yesterday")), "bad created time"),
        "created-inf": (_changed(good, lambda p: p.__setitem__("created", float("inf"))), "bad created time"),
        "world-size-0": (_changed(good, lambda p: p.__setitem__("world_size", 0)), "bad world_size: '0'"),
        "picture-16000": (_changed(good, picture((16000, 16000, 3))), r"bad picture \(\(16000, 16000, 3\)"),
        "picture-float": (_changed(good, picture((8, 8, 3), torch.float32)), "bad picture"),
        "picture-bomb": (_declaring(good_bytes, BOMB_BYTES), r"declares 73\d MB of data; .* at most"),
        "many-entries": (_many_entries(good_bytes), "holds 20,0.. entries"),
        "history-nan": (_changed(good, lambda p: p["history"]["rows"].append([1, float("nan"), 0, 0, 0, 0, 0])),
                        "bad loss history"),
        "events-bad": (_changed(good, lambda p: p.__setitem__("events", [[0, "seed", 1, 2]])), "bad live-change"),
        # the quality history and the sample timeline a resume restores (issue 13)
        "metrics-nan": (_changed(good, lambda p: p.__setitem__("metrics", [[1, {"fid": float("nan")}]])),
                        "bad quality history"),
        "timeline-bomb": (_changed(good, lambda p: p.__setitem__("timeline", [
            {"step": 0, "seconds": 0.0, "picture": torch.zeros(1, dtype=torch.uint8).expand(16000, 16000, 3)}])),
            "bad sample timeline"),
        "timeline-nan": (_changed(good, lambda p: p.__setitem__("timeline", [
            {"step": 0, "seconds": 0.0, "picture": torch.full((64, 2), float("nan"))}])), "bad sample timeline"),
        "shape-huge": (_changed(good, lambda p: p.__setitem__("shape", [3, 100000, 100000])), "bad data shape"),
        "weights-misfit": (_changed(good, lambda p: p["config"].__setitem__("g_width", 2048)), "do not fit"),
        "config-bad": (_changed(good, lambda p: p["config"].__setitem__("lr_g", float("nan"))), "bad config"),
        "legacy-format": (_saved(good, _use_new_zipfile_serialization=False), "legacy format"),
        "truncated": (good_bytes[: len(good_bytes) // 2], "truncated"),
        "text": (b"hello, this is text", "not a PyTorch file"),
        "other-torch": (_saved({"weights": torch.zeros(2)}), "not a ganlib checkpoint"),
    }
