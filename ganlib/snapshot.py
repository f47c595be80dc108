"""Snapshot: the immutable view of a run that the Runner publishes and the UI reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from .config import TrainConfig
from .history import Event, Frame


@dataclass(frozen=True)
class Snapshot:
    status: str                 # idle, running, paused, finished, failed
    reason: str                 # why it is paused, finished or failed ("" when running)
    config: TrainConfig
    kind: str                   # "image" or "points"
    step: int
    epoch: float
    steps_per_sec: float
    eta_seconds: float | None   # None until the speed is known
    elapsed: float              # seconds spent training
    history: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # column -> tuple (history.COLUMNS)
    events: tuple[Event, ...] = ()
    timeline: tuple[Frame, ...] = ()
    metrics: tuple[tuple[int, dict], ...] = ()     # (step, {name: value}) from the evaluator
