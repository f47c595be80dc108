"""Snapshot: the immutable, numbered view of a run that its Runner publishes and every page reads.

Each one carries everything a page shows, so a page never asks the Runner
anything else while it draws; and the questions the UI asks (can it resume?
does it take live changes?) are properties here, answered from the types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ganlib.engine.config import TrainConfig
from ganlib.engine.kinds import DataKind
from ganlib.run.history import Event, Frame
from ganlib.run.state import ENDED, Problem, Reason, Status


# here, not in published.py (which makes and reads them with torch): a snapshot that comes from the training worker
# is unpickled in a server that loads no torch for it (classroom/warm.py), and unpickling imports a class's module
@dataclass(frozen=True, eq=False)   # compared as the one copy it is: arrays have no single truth value
class GWeights:
    """G as a run publishes it (run/published.py)."""
    step: int                  # the run's step these weights are G's at
    state: MappingProxyType    # G's state_dict as read-only CPU arrays: name -> np.ndarray


@dataclass(frozen=True)
class Snapshot:
    run_id: str
    version: int                # grows by one with each snapshot the run publishes
    status: Status
    reason: Reason
    config: TrainConfig
    kind: DataKind              # (a plain "image" or "points" is taken too, and made one)
    shape: tuple[int, ...] = ()        # one sample's shape, once the data is loaded
    step: int = 0
    epoch: float = 0.0
    steps_per_sec: float = 0.0
    eta_seconds: float | None = None   # None until the speed is known
    elapsed: float = 0.0               # seconds spent training
    history: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # column -> tuple (history.COLUMNS)
    events: tuple[Event, ...] = ()
    timeline: tuple[Frame, ...] = ()
    metrics: tuple[tuple[int, dict], ...] = ()     # (step, {name: value}) from the evaluator
    real: Any = None                   # read-only real samples to show beside G's (a grid, or points)
    fid_floor: float | None = None     # what real samples score on the run's distance (fid, energy or
                                       # feature_fd: metrics.Evaluator.floor), where it has one
    problem: Problem | None = None     # with Reason.NAN, ERROR or DATA_ERROR
    preset: str = ""
    device: str = ""                   # where it computes, in words: "cuda: NVIDIA H200", "cpu: 1 thread of 2 cores"
    d_alone_left: int = 0              # D's updates still to go while it trains alone (Reason.D_ALONE)
    half_steps: tuple[int, int] = (0, 0)   # updates of D alone, of G alone, by Step D / Step G (not in `step`)
    pace: float = 0.0                  # steps/s the run keeps to while it trains (slow motion); 0: full speed
    g_weights: GWeights | None = None  # the sampling G's weights, read-only, as of its last frame or standstill
                                       # (published.py); None until the models are built

    def __post_init__(self):
        object.__setattr__(self, "kind", DataKind(self.kind))   # frozen: the one way to set it here

    @property
    def epochs_left(self) -> bool:
        return self.epoch < self.config.epochs

    @property
    def can_resume(self) -> bool:
        """Resume would train on: paused, or finished with its budget raised since."""
        if self.status is Status.PAUSED:
            return self.reason is not Reason.TIME_BUDGET   # the server's time for this run is spent
        return self.status is Status.FINISHED and self.epochs_left

    @property
    def accepts_live_changes(self) -> bool:
        """lr_g, lr_d, d_steps and epochs can still change this run (also a finished one, to extend it)."""
        return self.status not in ENDED

    @property
    def is_active(self) -> bool:
        """The run can still go on; while it can, the Train page shows live controls instead of a new-run form."""
        return self.status in (Status.LOADING, Status.IDLE, Status.QUEUED, Status.RUNNING, Status.PAUSED) \
            or self.can_resume

    @property
    def is_training(self) -> bool:
        """Its pages should refresh by themselves."""
        return self.status in (Status.LOADING, Status.QUEUED, Status.RUNNING) or self.reason is Reason.D_ALONE

    @property
    def ended(self) -> bool:
        return self.status in ENDED
