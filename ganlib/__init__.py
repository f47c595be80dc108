"""ganlib: a plain PyTorch library for training GANs and watching them learn.

The Streamlit app (app.py, pages/) is a thin layer over this package, which
never imports streamlit. Names are imported lazily: `import ganlib` and the
config and presets cost no torch import, so the app paints its first page
before torch (2-4 s to import on a small CPU) has loaded.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "CheckpointError": "errors", "load_checkpoint": "run.checkpoint", "save_checkpoint": "run.checkpoint",
    "LIVE_FIELDS": "engine.config", "TrainConfig": "engine.config",
    "Dataset": "engine.data", "DatasetError": "errors", "DatasetUnavailable": "errors", "load_dataset": "engine.data",
    "LastGood": "engine.lastgood",
    "LatentModel": "explore.latent", "lerp": "explore.latent", "path": "explore.latent", "random_z": "engine.noise", "slerp": "explore.latent",
    "DEFAULT_PRESET": "engine.presets", "PRESETS": "engine.presets", "preset": "engine.presets",
    "Runner": "run.runner", "Snapshot": "run.snapshot", "Runs": "classroom.runs", "Visitor": "classroom.visitor",
    "Status": "run.state", "Reason": "run.state", "Problem": "run.state", "trainer_from_checkpoint": "run.checkpoint",
    "StepStats": "engine.stats", "Trainer": "engine.trainer",
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
