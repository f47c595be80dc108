"""The points a user draws (dataset=drawn): their box, their limits, their check, their file and the starting
shapes, torch-free, so that the Train page's canvas and a visitor's Space use them before torch loads.

A drawing is MIN_POINTS to MAX_POINTS points (x, y), each within the box [-BOX, BOX]^2, kept as a .npy file
(NumPy's own format: a short header naming the dtype and the shape, then the numbers) of float32 N x 2. A file
may come from anywhere (the command line reads any path; a Space keeps what its visitor drew), so read_points
checks its size on disk, then its header, then that it holds exactly the bytes the header declares, before
anything is allocated for the points; then that every point is finite and in the box. Each refusal is a
DatasetError naming data_path and what it allows, with the data as the user named it, never a server path.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
from numbers import Real

import numpy as np

from ganlib.errors import DatasetError

BOX = 4.0                 # points lie in [-BOX, BOX]^2: grid25's span, which the toy G already reaches
MIN_POINTS = 8            # fewer is no distribution to learn, only a few dots
MAX_POINTS = 2_000        # far more than anyone clicks; a shape's file stays under 20 kB
GRID = 41                 # the canvas's clickable positions per side: a step of 0.2
HEADER_BYTES = 4_096      # a .npy header is ~128 bytes; NumPy itself reads at most 10,000
MAX_FILE_BYTES = HEADER_BYTES + MAX_POINTS * 2 * 8   # float64 points are taken too (another program's .npy)
YOUR_DRAWING = "your drawing"


def check_points(points, name: str = YOUR_DRAWING) -> np.ndarray:
    """Points as the canvas or a program gives them (an N x 2 array, or a list of (x, y) pairs) -> a float32
    N x 2 copy; DatasetError naming data_path when they are not MIN_POINTS to MAX_POINTS finite points in the
    box. The count is checked before anything is copied."""
    if isinstance(points, np.ndarray):
        if points.ndim != 2 or points.shape[1] != 2 or points.dtype.kind not in "fiu":
            raise _bad(f"{name} must be N x 2 numbers (x, y); got an array of shape {points.shape} ({points.dtype})")
        _check_count(len(points), name)
        arr = points.astype(np.float64)
    elif isinstance(points, (list, tuple)):
        _check_count(len(points), name)
        for i, p in enumerate(points):
            if not (isinstance(p, (list, tuple, np.ndarray)) and len(p) == 2 and all(map(_number, p))):
                raise _bad(f"point {i + 1} of {name} is {_short(p)}; each point must be two numbers (x, y)")
        arr = np.array(points, dtype=np.float64)
    else:
        raise _bad(f"{name} must be a list of (x, y) points or an N x 2 array; got {type(points).__name__}")
    _check_values(arr, name)
    return arr.astype(np.float32)


def read_points(path: str, name: str | None = None) -> np.ndarray:
    """The checked float32 N x 2 points of a .npy file; DatasetError naming data_path. `name`: what messages
    call the file (default: `path` as given)."""
    name = name if name is not None else (str(path or "").strip() or "(empty)")
    try:
        size = os.path.getsize(path) if os.path.isfile(path) else -1
    except (OSError, TypeError, ValueError):
        size = -1
    if size < 0:
        raise _bad(f"there is no file of drawn points named {name}")
    if size > MAX_FILE_BYTES:
        raise _bad(f"{name} is {size:,} bytes; a file of drawn points holds at most {MAX_POINTS:,} points "
                   f"({MAX_FILE_BYTES:,} bytes)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)   # the file may have grown since: never more than the limit
    except OSError as e:
        raise _bad(f"{name} cannot be read ({e.strerror or type(e).__name__})") from None
    return points_from_bytes(data, name)


def points_from_bytes(data: bytes, name: str = YOUR_DRAWING) -> np.ndarray:
    """The checked points of a .npy file's bytes (read_points' check, for bytes already in memory)."""
    if len(data) > MAX_FILE_BYTES:
        raise _bad(f"{name} is {len(data):,} bytes or more; a file of drawn points holds at most "
                   f"{MAX_FILE_BYTES:,} bytes")
    f = io.BytesIO(data)
    try:
        # the header only: its shape and dtype say how many bytes should follow, checked before any are read
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran, dtype = read_header(f, max_header_size=HEADER_BYTES)
    except (ValueError, KeyError, EOFError, SyntaxError, TypeError):
        raise _bad(f"{name} is not a .npy file of points (N x 2 numbers, as numpy.save writes them)") from None
    if len(shape) != 2 or shape[1] != 2 or dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise _bad(f"{name} holds an array of shape {tuple(shape)} ({dtype}); drawn points are N x 2 float32 "
                   f"(or float64) numbers (x, y)")
    _check_count(shape[0], name)
    count = shape[0] * 2
    if len(data) - f.tell() != count * dtype.itemsize:
        raise _bad(f"{name} holds {len(data) - f.tell():,} bytes of numbers where its header declares "
                   f"{count * dtype.itemsize:,}; it is damaged")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=f.tell()).reshape(shape, order="F" if fortran else "C")
    _check_values(arr.astype(np.float64), name)
    return arr.astype(np.float32)


def to_npy(points: np.ndarray) -> bytes:
    """Checked points (check_points) as the bytes of a .npy file of float32 N x 2."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(points, dtype=np.float32), allow_pickle=False)
    return buf.getvalue()


def digest(points: np.ndarray) -> str:
    """12 hex digits of the points' float32 bytes: the same drawing, the same name (its file, its Dataset's)."""
    return hashlib.sha256(np.ascontiguousarray(points, dtype=np.float32).tobytes()).hexdigest()[:12]


def file_name(points: np.ndarray) -> str:
    """The file a drawing is kept under in a visitor's space: named by its content, so saving it twice is one file."""
    return f"drawn-{digest(points)}.npy"


def grid() -> np.ndarray:
    """The canvas's GRID x GRID clickable positions, (GRID^2, 2), rows of x for each y."""
    t = np.linspace(-BOX, BOX, GRID)
    xx, yy = np.meshgrid(t, t)
    return np.stack([xx.ravel(), yy.ravel()], 1)


def snap(x: float, y: float) -> tuple[float, float]:
    """The grid position nearest to (x, y), inside the box: a click adds a point there."""
    step = 2 * BOX / (GRID - 1)
    return tuple(float(np.clip(round(v / step) * step, -BOX, BOX)) for v in (x, y))


# --- the starting shapes: a user begins in one click, then edits -------------------------------------------------
def _arc(cx: float, cy: float, r: float, a0: float, a1: float, n: int) -> np.ndarray:
    a = np.linspace(a0, a1, n, endpoint=not math.isclose(a1 - a0, 2 * math.pi))
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], 1)


def _ring() -> np.ndarray:
    return _arc(0.0, 0.0, 2.5, 0.0, 2 * math.pi, 48)


def _blobs() -> np.ndarray:
    # a fixed generator: the same button gives the same points on every server
    r = np.random.default_rng(20)
    return np.concatenate([r.normal((-2.0, -1.5), 0.45, (30, 2)), r.normal((2.0, 1.5), 0.45, (30, 2))])


def _smile() -> np.ndarray:
    eye = _arc(0.0, 0.0, 0.3, 0.0, 2 * math.pi, 8)
    return np.concatenate([_arc(0.0, 0.0, 3.4, 0.0, 2 * math.pi, 56),     # the face
                           eye + (-1.2, 1.1), eye + (1.2, 1.1),            # the eyes
                           _arc(0.0, 0.3, 1.9, 1.15 * math.pi, 1.85 * math.pi, 20)])   # the mouth


SHAPES = {"ring": _ring, "blobs": _blobs, "smile": _smile}


def shape(name: str) -> np.ndarray:
    """A starting shape's points (float32, in the box, 2 decimals); KeyError for a name not in SHAPES."""
    return np.clip(np.round(SHAPES[name](), 2), -BOX, BOX).astype(np.float32)


# --- the checks ------------------------------------------------------------------------------------------------
def _bad(message: str) -> DatasetError:
    return DatasetError(f"data_path: {message}")


def _number(v) -> bool:
    return isinstance(v, (Real, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_count(n: int, name: str) -> None:
    if not MIN_POINTS <= n <= MAX_POINTS:
        raise _bad(f"{name} has {n:,} points; a drawing needs at least {MIN_POINTS} and at most {MAX_POINTS:,}")


def _check_values(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr).all(1)
    if bad.any():
        raise _bad(f"point {int(bad.argmax()) + 1} of {name} is not a finite number (NaN or infinite); "
                   f"every x and y must be a number between {-BOX:g} and {BOX:g}")
    out = (np.abs(arr) > BOX).any(1)
    if out.any():
        i = int(out.argmax())
        raise _bad(f"point {i + 1} of {name}, ({arr[i, 0]:.3g}, {arr[i, 1]:.3g}), lies outside the box: every "
                   f"x and y must be between {-BOX:g} and {BOX:g}")
