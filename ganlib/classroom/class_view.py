"""What a class takes and shows: its commands, the fields a teacher may open, and the immutable snapshot pages read.

A class (classes.py) is many runs of one toy preset trained together by one thread; pages never touch those runs,
they send ClassCommands and read ClassSnapshots, as they do for a single run (run/snapshot.py). Torch-free: the
first page may import it before torch loads.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping

import numpy as np

from ganlib.engine.config import LIVE_FIELDS, TrainConfig
from ganlib.errors import FieldError
from ganlib.run.history import Event
from ganlib.run.state import Problem, Reason, Status
from ganlib.words import class_text as W


class ClassCommand(Enum):
    """What a student (or the teacher, for any run) asks of one run of a class; carried out at the next tick."""
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STEP = "step"       # one step, then paused (needs no slot, as a single run's Step)
    RESET = "reset"     # a fresh Trainer of the run's current config, its history cleared
    UPDATE = "update"   # changes of open fields: live ones at the next step, the others start the run over
    LEAVE = "leave"     # the run ends and leaves the wall; the same student joining again gets a new one


# Fields a teacher may open to students. Live ones (Trainer.apply) change at the next step, recorded as an event.
# The others are structural but cheap on a toy: the run starts over with a fresh Trainer (a new width, seed or
# optimizer cannot carry the weights over), and the change is its first event. Left out: what would change the
# data, the model's kind, the device or the cost of every tick (dataset, model, device, compile, d_head_start,
# sample_every, eval_every, ema_calibrate).
STRUCTURAL = ("loss", "seed", "g_width", "d_width", "latent_dim", "batch_size", "beta1", "beta2",
              "label_smoothing", "label_noise", "d_dropout", "gp_weight", "r1_weight", "ema",
              "lr_decay_after", "lr_half_life", "lr_floor")
OPENABLE = LIVE_FIELDS + STRUCTURAL


class ClassFull(ValueError):
    """A join refused: the class has as many students as the server takes (GAN_STUDIO_CLASS_SIZE), or no room
    left in a class's memory. str(e) says which, for the student's page."""


class ClassClosed(RuntimeError):
    """The class has ended (closed by its teacher, replaced by their next class, or the server stopping)."""


def checked_open_fields(fields: Iterable[str]) -> tuple[str, ...]:
    """The fields a teacher opens, in their order, each once; FieldError naming the first that cannot be."""
    if isinstance(fields, (str, bytes)) or not isinstance(fields, Iterable):
        raise FieldError("open_fields", W.NOT_A_LIST)   # "lr_g" alone would open l, r, _ and g
    out = []
    for name in fields:
        if not isinstance(name, str) or name not in OPENABLE:
            raise FieldError(str(name), W.not_openable(OPENABLE))
        if name not in out:
            out.append(name)
    return tuple(out)


@dataclass(frozen=True)
class StudentView:
    """One student's run as the wall and the student's page show it. Immutable: the arrays are read-only and
    the mappings proxies."""
    run_id: str
    name: str
    status: Status              # QUEUED while the run wants to train and the class waits for its slot
    reason: Reason
    step: int
    config: TrainConfig
    changed: Mapping[str, Any]  # the fields this student changed from the class's config -> their value now
    history: Mapping[str, tuple]   # the loss curves, as Snapshot.history (run/history.py COLUMNS)
    points: np.ndarray          # G's samples from the class's fixed z, (POINTS, D), taken at the last publish after it moved
    modes: int | None           # ring8, grid25: modes covered (of the data's), at the last measurement
    high_quality: float | None  # ring8, grid25: the share of samples near a mode
    js: float | None            # gauss-1d: JS(p_data, p_g) in nats
    energy: float | None        # spiral, moons: the energy distance to real points
    problem: Problem | None
    epoch: float = 0.0
    events: tuple[Event, ...] = ()   # its live changes (a structural change is the first event of its new start)
    away: bool = False          # its student has no tab open (it pauses after GAN_STUDIO_IDLE_MINUTES)
    starts: int = 1             # 1 + the times it started over at step 0 (a Reset, a structural change)

    @property
    def training(self) -> bool:
        return self.status is Status.RUNNING


@dataclass(frozen=True)
class ClassSnapshot:
    """Everything a class's pages show, numbered; the only thing they read of a class."""
    code: str
    version: int
    preset: str
    open_fields: tuple[str, ...]
    base: TrainConfig           # the class's config; each student's starts from it with a seed of their own
    real: np.ndarray            # real points of the class's data, read-only, shared by every view
    students: tuple[StudentView, ...]   # in the order they joined
    training: bool              # the class holds a training slot
    queued: bool                # some run wants to train and the class waits in line for a slot: nothing trains
    steps_per_sec: float        # per run, while the class trains (all its runs step together)
    seconds: float = 0.0        # the class's training time in its slot (Limits.max_run_s applies to it)
    time_up: bool = False       # that time is spent: every run is paused for good (Reason.TIME_BUDGET)
    closed: bool = False        # the class has ended: no run trains or takes commands any more
    spotlight: str | None = None   # the run the teacher puts on their watch link, if any (and still in the class)

    @property
    def ended(self) -> bool:   # as a run's Snapshot: what the training worker's publisher looks for (run/worker.py)
        return self.closed

    def student(self, run_id: str | None) -> StudentView | None:
        return next((s for s in self.students if s.run_id == run_id), None)
