"""Checkpoints: one file with everything needed to resume a run exactly.

Written atomically (files.atomic_write: a temporary file in the same folder,
fsync, then rename), so a crash mid-save never destroys the last good
checkpoint. Read with torch.load(weights_only=True): a file that carries code is refused, not run.
"""
from __future__ import annotations

import io
import os
import pickle
import time
from typing import Any, BinaryIO

import numpy as np
import torch

from .config import TrainConfig
from .errors import CheckpointError
from .files import atomic_write
from .models import build_models
from .trainer import Trainer

FORMAT, VERSION = "ganlib-checkpoint", 1
REQUIRED = ("config", "shape", "trainer")


def make_payload(config: TrainConfig, shape, trainer: dict, history: dict | None = None,
                 events=(), preset: str = "", picture=None) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "created": time.time(), "preset": preset,
        "config": config.to_dict(), "shape": list(shape), "trainer": trainer,
        "history": history or {"rows": [], "stride": 1}, "events": [list(e) for e in events],
        "picture": None if picture is None else torch.tensor(np.array(picture)),
    }


def halve(state):
    """float32 tensors -> float16, anywhere in a nested state (loading casts them back to the model's dtype)."""
    if isinstance(state, dict):
        return {k: halve(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(halve(v) for v in state)
    if torch.is_tensor(state) and state.dtype == torch.float32 and state.dim() > 0:
        return state.half()
    return state


def save_checkpoint(path: str, payload: dict) -> str:
    """Write payload to path atomically (see files.py); returns the absolute path."""
    return atomic_write(path, lambda f: torch.save(payload, f))


def load_checkpoint(source: str | bytes | BinaryIO | dict) -> dict:
    """Read and check a checkpoint from a path, bytes, a file object or a payload; CheckpointError if unusable."""
    if isinstance(source, dict):  # a payload in memory is checked like a file; a checked one passes as it is
        return source if isinstance(source.get("config"), TrainConfig) else _check(dict(source), "the payload")
    name = source if isinstance(source, str) else "the uploaded file"
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        if not _looks_like_torch(source):
            raise CheckpointError(f"checkpoint: {name} is not a PyTorch file (a picture, text or other data?), "
                                  f"so not a ganlib checkpoint")
        payload = torch.load(source, map_location="cpu", weights_only=True)
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


def _looks_like_torch(source) -> bool:
    """torch.save writes a zip (PK..) or, in its legacy format, a pickle (0x80..); anything else is not ours.

    Checked first so that a picture or a text file is called what it is, not 'objects that may carry code'.
    """
    if isinstance(source, str):
        with open(source, "rb") as f:
            head = f.read(4)
    else:
        pos = source.tell()
        head = source.read(4)
        source.seek(pos)
    return head.startswith((b"PK\x03\x04", b"\x80"))


def _check(payload: Any, name: str) -> dict:
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
        payload["shape"] = tuple(int(s) for s in payload["shape"])
    except (ValueError, TypeError):
        raise CheckpointError(f"checkpoint: {name} has a bad data shape: {payload['shape']!r}") from None
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
    p = load_checkpoint(path)
    return {"name": os.path.splitext(os.path.basename(path))[0], "path": path, "preset": p.get("preset", ""),
            "dataset": p["config"].dataset, "step": int(p["trainer"]["step"]), "created": p.get("created"),
            "size": os.path.getsize(path), "picture": p.get("picture")}
