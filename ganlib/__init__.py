"""ganlib: a plain PyTorch library for training GANs and watching them learn.

The Streamlit app (app.py, pages/) is a thin layer over this package, which
never imports streamlit. Names are imported lazily: `import ganlib` and the
config and presets cost no torch import, so the app paints its first page
before torch (2-4 s to import on a small CPU) has loaded.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "CheckpointError": "errors", "load_checkpoint": "checkpoint", "save_checkpoint": "checkpoint",
    "LIVE_FIELDS": "config", "TrainConfig": "config",
    "Dataset": "data", "DatasetError": "errors", "DatasetUnavailable": "errors", "load_dataset": "data",
    "LastGood": "lastgood",
    "LatentModel": "latent", "lerp": "latent", "path": "latent", "random_z": "latent", "slerp": "latent",
    "DEFAULT_PRESET": "presets", "PRESETS": "presets", "preset": "presets",
    "Runner": "runner", "Snapshot": "snapshot", "Runs": "runs", "Visitor": "visitor",
    "Status": "state", "Reason": "state", "Problem": "state", "trainer_from_checkpoint": "checkpoint",
    "StepStats": "stats", "Trainer": "trainer",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ganlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
