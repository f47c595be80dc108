"""Checkpoints: one file with everything needed to resume a run exactly.

Written atomically (files.atomic_write: a temporary file in the same folder,
fsync, then rename), so a crash mid-save never destroys the last good
checkpoint. Read with torch.load(weights_only=True): a file that carries code is refused, not run.
Files come from strangers (uploads on a shared server), so reading trusts nothing: the sizes the zip
declares are budgeted before torch.load allocates them, and every value is checked after, so one bad
file is one clear message, never a crashed page or a server out of memory.
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import time
from typing import Any, BinaryIO

import numpy as np
import torch

from ganlib.engine.config import TrainConfig
from ganlib.engine.models import build_models
from ganlib.engine.trainer import Trainer
from ganlib.engine.zips import ZipProblem, declared_bytes, open_zip
from ganlib.errors import CheckpointError
from ganlib.files import atomic_write
from ganlib.run.checkpoint_check import check_state, check_values, data_shape
from ganlib.settings import max_upload_bytes, megabytes

FORMAT, VERSION = "ganlib-checkpoint", 1
REQUIRED = ("config", "shape", "trainer")
MAX_ENTRIES = 10_000        # entries of a checkpoint's zip: one per tensor and a few more (fast-digits: 94)
TIMELINE_BYTES = 4 * 2**20  # the timeline's pictures in a checkpoint: all 60 grids of 28 x 28 digits (3.5 MB);
                            # larger pictures are thinned evenly to fit, the first and the last always kept


def make_payload(config: TrainConfig, shape, trainer: dict, history: dict | None = None,
                 events=(), preset: str = "", picture=None, metrics=(), frames=(), world_size: int = 1) -> dict:
    """A checkpoint's contents. metrics: the run's (step, {name: value}) measurements; frames: its sample
    timeline (history.Frame: uint8 grids, or points), thinned to TIMELINE_BYTES. Both come back with a resume.
    world_size: the processes that trained it together (torchrun; distributed.py); it loads the same."""
    return {
        "format": FORMAT, "version": VERSION, "created": time.time(), "preset": preset, "world_size": world_size,
        "config": config.to_dict(), "shape": list(shape), "trainer": trainer,
        "history": history or {"rows": [], "stride": 1}, "events": [list(e) for e in events],
        "picture": None if picture is None else torch.tensor(np.array(picture)),
        "metrics": [[int(step), dict(values)] for step, values in metrics],
        "timeline": [{"step": int(f.step), "seconds": float(f.seconds), "picture": torch.tensor(np.array(f.picture))}
                     for f in fit_frames(list(frames))],
    }


def fit_frames(frames: list, budget: int = TIMELINE_BYTES) -> list:
    """The frames to keep within `budget` bytes of pictures: all when they fit, else as many as fit (at least
    the first and the last), evenly spread over the run."""
    largest = max((np.asarray(f.picture).nbytes for f in frames), default=0)
    k = max(2, budget // largest) if largest else len(frames)
    if len(frames) <= k:
        return frames
    return [frames[i] for i in np.unique(np.round(np.linspace(0, len(frames) - 1, k)).astype(int))]


def halve(state):
    """float32 tensors -> float16, anywhere in a nested state (loading casts them back to the model's dtype);
    a tensor with a value beyond float16's range (65,504) stays float32: as inf it would be refused on loading."""
    if isinstance(state, dict):
        return {k: halve(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(halve(v) for v in state)
    if torch.is_tensor(state) and state.dtype == torch.float32 and state.dim() > 0:
        half = state.half()
        return half if bool(half.isfinite().all()) else state
    return state


def save_checkpoint(path: str, payload: dict) -> str:
    """Write payload to path atomically (see files.py); returns the absolute path."""
    return atomic_write(path, lambda f: torch.save(payload, f))


def checkpoint_file(payload: dict) -> bytes:
    """The bytes of payload's checkpoint file (what save_checkpoint writes), made in memory."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def load_checkpoint(source: str | bytes | BinaryIO | dict, name: str | None = None) -> dict:
    """Read and check a checkpoint from a path, bytes, a file object or a payload; CheckpointError if unusable.

    Nothing in the file is trusted: its declared sizes are checked before torch.load allocates them, and
    every value the app reads later is checked after (see _check). `name` is what messages call the
    file: by default the path given, or "the uploaded file"; the app passes a name that shows no server path.
    """
    if isinstance(source, dict):  # a payload in memory is checked like a file; a checked one passes as it is
        return source if isinstance(source.get("config"), TrainConfig) else _check(dict(source), "the payload")
    name = name or (source if isinstance(source, str) else "the uploaded file")
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        with _opened(source) as f:
            _check_container(f, name)
            payload = torch.load(f, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint: no such file: {name}") from None
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"checkpoint: {name} holds objects a ganlib checkpoint never has "
                              f"(it may carry code), so it was not loaded ({str(e).splitlines()[0][:200]})") from None
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"checkpoint: {name} is not a readable checkpoint: truncated, or not a "
                              f"PyTorch file ({type(e).__name__})") from None
    return _check(payload, name)


@contextlib.contextmanager
def _opened(source):
    if not isinstance(source, str):
        yield source
        return
    with open(source, "rb") as f:
        yield f


def _check_container(f: BinaryIO, name: str) -> None:
    """The file is a zip as torch.save writes it, and what it declares fits the budget; before torch.load reads it.

    A picture or a text file is called what it is, not 'objects that may carry code'. PyTorch's legacy
    (pre-1.6) format is refused: it declares its storages' sizes only while loading, so they cannot be
    checked first, and ganlib never wrote it.
    """
    pos = f.tell()
    head = f.read(4)
    f.seek(pos)
    if head.startswith(b"\x80"):
        raise CheckpointError(f"checkpoint: {name} is in PyTorch's legacy format (before 1.6), which ganlib "
                              f"neither writes nor reads")
    if not head.startswith(b"PK\x03\x04"):
        raise CheckpointError(f"checkpoint: {name} is not a PyTorch file (a picture, text or other data?), "
                              f"so not a ganlib checkpoint")
    try:
        with open_zip(f, MAX_ENTRIES) as zf:
            declared = declared_bytes(zf)
    except ZipProblem as e:
        if "entries" in str(e):
            raise CheckpointError(f"checkpoint: {name} {e}; a ganlib checkpoint has a few hundred") from None
        raise CheckpointError(f"checkpoint: {name} is not a readable checkpoint: truncated, or not a "
                              f"PyTorch file") from None
    finally:
        f.seek(pos)
    budget = max_upload_bytes()
    if declared > budget:
        raise CheckpointError(f"checkpoint: {name} declares {megabytes(declared)} of data; a checkpoint here "
                              f"holds at most {megabytes(budget)}")


def _check(payload: Any, name: str) -> dict:
    """Every value the app reads from a checkpoint, checked before anything uses it; CheckpointError naming it."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint: {name} is a PyTorch file but not a ganlib checkpoint")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"checkpoint: {name} has version {payload.get('version')!r}; this ganlib reads {VERSION}")
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        raise CheckpointError(f"checkpoint: {name} lacks {', '.join(missing)}")
    if not isinstance(payload["config"], dict) or not isinstance(payload["trainer"], dict):
        raise CheckpointError(f"checkpoint: {name} has a malformed config or trainer state")
    try:
        payload["config"] = TrainConfig.from_dict(payload["config"])
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"checkpoint: {name} has a bad config: {e}") from None
    try:
        payload["shape"] = data_shape(payload["shape"])
    except (ValueError, TypeError):
        raise CheckpointError(f"checkpoint: {name} has a bad data shape: {str(payload['shape'])[:100]}") from None
    try:
        check_values(payload)
        check_state(payload["config"], payload["shape"], payload["trainer"])
    except ValueError as e:
        raise CheckpointError(f"checkpoint: {name} {e}") from None
    return payload


def build_generator(payload: dict, use_ema: bool = True) -> torch.nn.Module:
    """G from a checkpoint (its EMA when it has one), on the CPU, in eval mode."""
    cfg = payload["config"]
    try:
        G, _ = build_models(cfg, payload["shape"])
    except ValueError as e:
        raise CheckpointError(f"checkpoint: its data shape {payload['shape']} does not fit its config ({e})") from None
    state = payload["trainer"]
    try:
        weights = state.get("ema") if use_ema and state.get("ema") is not None else state["G"]
        G.load_state_dict(weights)
    except (RuntimeError, KeyError) as e:
        raise CheckpointError(f"checkpoint: its weights do not fit the model its config describes "
                              f"({str(e).splitlines()[0][:200]})") from None
    return G.eval()


def trainer_from_checkpoint(source, data=None):
    """(Trainer, payload) that carries on where the checkpoint stopped."""
    payload = source if isinstance(source, dict) else load_checkpoint(source)
    trainer = Trainer(payload["config"], data)
    restore_trainer(trainer, payload)
    return trainer, payload


def restore_trainer(trainer, payload: dict) -> None:
    try:
        trainer.load_state_dict(payload["trainer"])
    except (RuntimeError, KeyError, ValueError) as e:
        raise CheckpointError(f"checkpoint: its state does not fit the model its config describes "
                              f"({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None


def summary(path: str) -> dict:
    """What the Checkpoints page lists: name, preset, step, date, size."""
    p = load_checkpoint(path, name=os.path.basename(path))   # a listing shows no server folder
    return {"name": os.path.splitext(os.path.basename(path))[0], "path": path, "preset": p.get("preset", ""),
            "dataset": p["config"].dataset, "step": int(p["trainer"]["step"]), "created": p.get("created"),
            "size": os.path.getsize(path), "picture": p.get("picture"), "world_size": p.get("world_size", 1)}
