"""ganlib: a plain PyTorch library for training GANs and watching them learn.

The Streamlit app (app.py, pages/) is a thin layer over this package, which
never imports streamlit.
"""
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import LIVE_FIELDS, TrainConfig
from .data import Dataset, DatasetError, DatasetUnavailable, load_dataset
from .latent import LatentModel, lerp, path, random_z, slerp
from .presets import DEFAULT_PRESET, PRESETS, preset
from .runner import Runner, Snapshot
from .runs import runner_from_checkpoint, save_run, trainer_from_checkpoint
from .trainer import StepStats, Trainer

__all__ = [
    "CheckpointError", "Dataset", "DatasetError", "DatasetUnavailable", "DEFAULT_PRESET", "LIVE_FIELDS",
    "LatentModel", "PRESETS", "Runner", "Snapshot", "StepStats", "TrainConfig", "Trainer",
    "lerp", "load_checkpoint", "load_dataset", "path", "preset", "random_z", "runner_from_checkpoint",
    "save_checkpoint", "save_run", "slerp", "trainer_from_checkpoint",
]
