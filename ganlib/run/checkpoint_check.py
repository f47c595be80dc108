"""A checkpoint's values, checked before anything uses them (checkpoint.py reads the file and calls these).

Every number the listing, the charts and a resumed run read is whole, finite and in range, and every list is
bounded (check_values). Each tensor of the trainer's state has the shape of the model its config describes (G,
D, the EMA of G, both Adams' moments), so that what is later built for real is only as large as the config says;
and all are finite, so that a run that went NaN before it was saved is refused with its tensor named, not loaded
(or resumed, and "rolled back" to itself) as good (check_state). Each raises ValueError with the rest of a
"checkpoint: NAME ..." message.
"""
from __future__ import annotations

import math

import torch

from ganlib.engine.config import LIVE_FIELDS, TrainConfig, field_meta
from ganlib.engine.grid import grid_shape
from ganlib.engine.lastgood import non_finite
from ganlib.engine.models import meta_models
from ganlib.engine.trainer import GRID
from ganlib.run.history import COLUMNS

MAX_PICTURE_SIDE = 1024     # the listing's picture: an 8 x 8 grid of 64-pixel samples is 530 pixels wide
MAX_COUNT = 2**53           # step, batches_seen: exact as a float, and printed at once
MAX_CREATED = 2**33         # seconds since 1970 (the year 2242): time.localtime overflows on far larger ones
MAX_WORLD = 2**20           # processes that trained a checkpoint together (torchrun)
MAX_ROWS = 10_000           # loss history rows and live-change events (runs keep at most 2,000 and 500)
MAX_FRAMES = 60             # the sample timeline (history.Timeline keeps 60)
MAX_QUALITY_ROWS = 1_000    # quality measurements (a run keeps at most 400: history.MAX_MEASUREMENTS)
MAX_METRIC_KEYS = 32        # metrics in one measurement (digits: 5), each a number, none, a short list or an error
MAX_METRIC_LIST = 64        # numbers in one metric's list (the class histogram: 10)
MAX_TEXT = 500              # characters of a measurement's error message


def data_shape(shape) -> tuple[int, ...]:
    """(D,) points with D 1 or 2, or (C, S, S) images with C 1 or 3 and S one of image_size's choices."""
    if not isinstance(shape, (list, tuple)) or not all(type(s) is int for s in shape):
        raise ValueError
    sizes = field_meta("image_size")["choices"]
    if tuple(shape) in ((1,), (2,)) or (len(shape) == 3 and shape[0] in (1, 3) and shape[1] == shape[2] in sizes):
        return tuple(shape)
    raise ValueError


def check_values(p: dict) -> None:
    """The numbers the listing, the charts and a resumed run read: whole, finite and in range."""
    state = p["trainer"]
    for key in ("step", "batches_seen"):
        _count(f"trainer.{key}", state.get(key))
    batches = state.get("batches")
    if not (isinstance(batches, dict) and torch.is_tensor(batches.get("order")) and batches["order"].dim() == 1
            and batches["order"].dtype == torch.int64):
        raise ValueError("has a bad data order (trainer.batches)")
    _count("trainer.batches.pos", batches.get("pos"))
    created = p.get("created")
    if created is not None and not (_is_number(created) and 0 <= created <= MAX_CREATED):
        raise ValueError(f"has a bad created time: {str(created)[:40]!r} (seconds since 1970, or none)")
    if not (type(ws := p.get("world_size", 1)) is int and 1 <= ws <= MAX_WORLD):
        raise ValueError(f"has a bad world_size: {str(ws)[:40]!r} (a whole number from 1 to {MAX_WORLD:,})")
    if not isinstance(p.get("preset", ""), str) or len(p.get("preset", "")) > 64:
        raise ValueError("has a bad preset name (text of at most 64 characters)")
    pic = p.get("picture")
    if pic is not None and not (torch.is_tensor(pic) and pic.dtype == torch.uint8 and pic.dim() == 3
                                and pic.shape[2] in (1, 3) and max(pic.shape[:2]) <= MAX_PICTURE_SIDE
                                and min(pic.shape[:2]) > 0):
        what = f"{tuple(pic.shape)} {pic.dtype}" if torch.is_tensor(pic) else type(pic).__name__
        raise ValueError(f"has a bad picture ({what}): it must be H x W x 1 or 3 uint8, at most "
                         f"{MAX_PICTURE_SIDE} x {MAX_PICTURE_SIDE}")
    history = p.get("history", {"rows": [], "stride": 1})
    rows = history.get("rows") if isinstance(history, dict) else None
    if not (isinstance(rows, list) and len(rows) <= MAX_ROWS and _count("history.stride", history.get("stride"))
            and all(isinstance(r, (list, tuple)) and len(r) == len(COLUMNS) and all(map(_is_number, r))
                    for r in rows)):
        raise ValueError(f"has a bad loss history: at most {MAX_ROWS:,} rows of {len(COLUMNS)} finite numbers")
    events = p.get("events", [])
    if not (isinstance(events, list) and len(events) <= MAX_ROWS and all(
            isinstance(e, (list, tuple)) and len(e) == 4 and type(e[0]) is int and e[0] >= 0 and e[1] in LIVE_FIELDS
            and _is_number(e[2]) and _is_number(e[3]) for e in events)):
        raise ValueError("has bad live-change events: [step, one of " + ", ".join(LIVE_FIELDS) + ", old, new]")
    _check_metrics(p.get("metrics", []))
    _check_timeline(p.get("timeline", []), p["shape"])


def _check_metrics(metrics) -> None:
    """Quality measurements, as the runner keeps them: [step, {name: a number, none, a list of numbers or
    an error's text}], in order of step; old checkpoints have none."""
    def value_ok(v):
        return (v is None or _is_number(v) or (isinstance(v, str) and len(v) <= MAX_TEXT)
                or (isinstance(v, list) and len(v) <= MAX_METRIC_LIST and all(map(_is_number, v))))
    ok = isinstance(metrics, list) and len(metrics) <= MAX_QUALITY_ROWS and all(
        isinstance(m, (list, tuple)) and len(m) == 2 and type(m[0]) is int and 0 <= m[0] <= MAX_COUNT
        and isinstance(m[1], dict) and len(m[1]) <= MAX_METRIC_KEYS
        and all(isinstance(k, str) and len(k) <= 40 and value_ok(v) for k, v in m[1].items()) for m in metrics)
    if not ok or any(a[0] > b[0] for a, b in zip(metrics, metrics[1:])):
        raise ValueError(f"has a bad quality history: at most {MAX_QUALITY_ROWS:,} measurements [step, "
                         f"{{metric: a finite number, none, a list of at most {MAX_METRIC_LIST} or a short text}}], "
                         "in order of step")


def _check_timeline(frames, shape: tuple[int, ...]) -> None:
    """The sample timeline: at most MAX_FRAMES frames {step, seconds, picture} in order of step, each picture
    exactly what the run draws for data of `shape`: the uint8 grid of its fixed z, or its float32 points."""
    image = len(shape) == 3
    want = grid_shape(GRID, shape) if image else (GRID, shape[0])
    kind = f"{want[0]} x {want[1]} x {want[2]} uint8 grids" if image else f"{GRID} x {shape[0]} finite float32 points"
    message = f"has a bad sample timeline: at most {MAX_FRAMES} frames {{step, seconds, picture}} of {kind}, in order"
    if not (isinstance(frames, list) and len(frames) <= MAX_FRAMES):
        raise ValueError(message)
    last = -1
    for f in frames:
        if not (isinstance(f, dict) and set(f) == {"step", "seconds", "picture"} and type(f["step"]) is int
                and max(last, 0) <= f["step"] <= MAX_COUNT and _is_number(f["seconds"]) and f["seconds"] >= 0):
            raise ValueError(message)
        pic, last = f["picture"], f["step"]
        if not (torch.is_tensor(pic) and tuple(pic.shape) == want
                and pic.dtype == (torch.uint8 if image else torch.float32) and (image or bool(pic.isfinite().all()))):
            raise ValueError(message)


def _count(what: str, v) -> bool:
    if type(v) is not int or not 0 <= v <= MAX_COUNT:
        raise ValueError(f"has a bad {what}: {str(v)[:40]!r} (a whole number from 0 to {MAX_COUNT:,})")
    return True


def _is_number(v) -> bool:
    return type(v) in (int, float) and math.isfinite(v)




def check_state(cfg: TrainConfig, shape: tuple[int, ...], state: dict) -> None:
    """ValueError, its message for "checkpoint: NAME ...", when a tensor of the trainer's state does not fit the
    model or is not finite."""
    _check_weights(cfg, shape, state)
    found = non_finite(state, "trainer")   # one pass over every float tensor: weights, buffers, EMA, Adam
    if found is not None:
        name, value = found
        raise ValueError(f"has a non-finite value in {name} ({value}): the run had gone NaN when it was saved, "
                         f"so nothing can train on from it or sample from it; load one saved before")


def _check_weights(cfg: TrainConfig, shape: tuple[int, ...], state: dict) -> None:
    """Every tensor has the shape of the models the config builds (built on the meta device: nothing allocated)."""
    try:
        G, D = meta_models(cfg, shape)
    except ValueError as e:
        raise ValueError(f"has a data shape {shape} that does not fit its config ({e})") from None
    for key, net in (("G", G), ("D", D)) + ((("ema", G),) if state.get("ema") is not None else ()):
        _check_tensors(key, state.get(key), net)
    _check_adam("opt_g", state.get("opt_g"), G)
    _check_adam("opt_d", state.get("opt_d"), D)


def _check_tensors(key: str, got, net: torch.nn.Module) -> None:
    want = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    if not isinstance(got, dict) or set(got) != set(want):
        raise ValueError(f"has weights (trainer.{key}) that do not fit the model its config describes")
    for k, t in got.items():
        if not torch.is_tensor(t) or tuple(t.shape) != want[k]:
            have = tuple(t.shape) if torch.is_tensor(t) else type(t).__name__
            raise ValueError(f"has weights that do not fit the model its config describes: {key}.{k} is "
                             f"{have}, not {want[k]}")


def _check_adam(key: str, opt, net: torch.nn.Module) -> None:
    """Adam's moments have their parameter's shape (load_state_dict checks only how many there are)."""
    shapes = [tuple(p.shape) for p in net.parameters()]
    if not (isinstance(opt, dict) and isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list)):
        raise ValueError(f"has a malformed optimizer state (trainer.{key})")
    for i, moments in opt["state"].items():
        if type(i) is not int or not 0 <= i < len(shapes) or not isinstance(moments, dict):
            raise ValueError(f"has a malformed optimizer state (trainer.{key})")
        for k, t in moments.items():
            want = () if k == "step" else shapes[i]
            if not torch.is_tensor(t) or tuple(t.shape) != want:
                raise ValueError(f"has an optimizer state that does not fit the model its config describes "
                                 f"(trainer.{key}, parameter {i}, {k})")
