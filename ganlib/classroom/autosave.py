"""Autosaves: a cluster run's checkpoint kept in its owner's space every few minutes (GAN_STUDIO_AUTOSAVE_MINUTES).

A run on a Ray cluster (run/on_ray.py) lives in a worker process that can be
lost (killed, out of memory, its machine gone), and its weights with it. Its
actor keeps its checkpoint as NAME in its owner's space (Space.save), on the shared
/data every replica reads, so such a loss costs at most that many minutes of
training; the failed run's page names the autosave's step.
"""
from __future__ import annotations

from ganlib.errors import CheckpointError

NAME = "autosave"


def kept_step(space) -> int | None:
    """The step of the owner's autosave, or None when there is none (or it cannot be read)."""
    try:
        return int(space.load(space.save_target(NAME))["trainer"]["step"])
    except (ValueError, OSError, CheckpointError, KeyError):
        return None
