"""One student's run in a class: its Trainer and RunRecord, its state, and the view the class publishes of it.

Only the class's ticker thread touches a Seat (class_ticker.py): it steps the Trainer in the class's Ensemble and
hands each step to the RunRecord, which keeps the curves, the measurements and the last good state for a NaN's
rollback, as it does for a single run (run/record.py). A Seat's own Trainer has its own generator, seeded from
the run's own seed, so nothing one student does reaches another's numbers.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Callable

import numpy as np
import torch

from ganlib.classroom.class_view import OPENABLE, ClassCommand, StudentView
from ganlib.engine.config import TrainConfig
from ganlib.engine.data import Dataset
from ganlib.engine.grid import frozen
from ganlib.engine.trainer import Trainer
from ganlib.errors import DatasetError
from ganlib.metrics import evaluator_for
from ganlib.run.history import Curve, Records
from ganlib.run.record import RunRecord
from ganlib.run.state import Problem, Reason, Status

POINTS = 512       # G's points a view shows: enough to see every mode of a toy, cheap to take at each publish
# Points of a class's loss curve (a single run keeps 2,000): a wall of up to 60 small charts, and each curve is
# published four times a second, so a shorter one keeps both the memory and the publishing small
CURVE_ROWS = 500
# a run can go on from these after its budget or a pause (a Resume); not from TIME_BUDGET: the class's is spent
RESUMABLE = (Status.IDLE, Status.PAUSED, Status.FINISHED)


class Seat:
    def __init__(self, run_id: str, name: str, start: TrainConfig, data: Dataset):
        """A student's run of `start` (the class's config with the run's own seed) on the class's shared data
        (a toy's points are drawn from the run's own generator, so sharing the Dataset shares no randomness)."""
        self.run_id, self.name, self.start, self.data = run_id, name, start, data
        self.cfg = start                       # the config now, with every change applied
        self.status, self.reason, self.problem = Status.LOADING, Reason.NONE, None
        self.trainer: Trainer | None = None    # as the ensemble last gave it back (Ensemble.trainer)
        self.record: RunRecord | None = None
        self.singles = 0                       # Steps pressed and not taken yet
        self.starts = 0                        # builds: 1 at the join, +1 at each Reset or structural change
        self.gone_at: float | None = None      # when its student's last tab closed (Class.owner_left)
        self.moved = True                      # G changed since its points were taken
        self.dirty = True                      # its view is out of date
        self._points = frozen(np.zeros((0, *data.shape), np.float32))
        self._shown: tuple = ()                # (status shown, view) of the last publish
        self._hist: tuple = (None, 0, {})      # (the curve's rows list, rows read, columns): see _history

    # --- its Trainer -----------------------------------------------------------------------------------------
    def build(self, events: list | None = None) -> None:
        """A fresh Trainer and RunRecord of the run's config, IDLE (at join, on Reset and on a structural change;
        `events`: that change, recorded at step 0); FAILED when it cannot be built."""
        self.trainer = self.record = None
        self.singles, self.moved, self.dirty = 0, True, True
        self.starts += 1
        try:
            trainer = Trainer(self.cfg, data=self.data)
            record = RunRecord(trainer, Records(curve=Curve(CURVE_ROWS)), evaluator_for(trainer))
        except Exception as e:  # a config the model cannot be built with: this run fails, the class goes on
            reason = Reason.DATA_ERROR if isinstance(e, DatasetError) else Reason.ERROR
            return self.set(Status.FAILED, reason, Problem(type(e).__name__, message=str(e)))
        record.events += events or []
        self.trainer, self.record = trainer, record
        self.set(Status.IDLE, Reason.NONE)

    def took(self, trainer: Trainer) -> None:
        """The trainer as the ensemble holds it now (Ensemble.trainer or remove), for the record to read."""
        self.trainer = self.record.trainer = trainer

    @property
    def wants_step(self) -> bool:
        return self.trainer is not None and (self.status is Status.RUNNING or self.singles > 0)

    # --- its state ---------------------------------------------------------------------------------------------
    def set(self, status: Status, reason: Reason, problem: Problem | None = None) -> None:
        if status is not Status.PAUSED or reason is not Reason.BY_USER:
            self.singles = 0   # only a paused run steps once more: a Pause, a NaN or the end drop a Step pending
        self.status, self.reason, self.problem, self.dirty = status, reason, problem, True

    def command(self, command: ClassCommand, spent: bool) -> None:
        """START, RESUME, PAUSE or STEP, as a single run's state machine (run/machine.py) takes them; `spent`: the
        class's time budget is used up, so nothing starts or steps any more."""
        if self.trainer is None or self.status in (Status.FAILED, Status.STOPPED, Status.LOADING):
            return
        done = self.trainer.done
        if command in (ClassCommand.START, ClassCommand.RESUME):
            if not spent and self.status in RESUMABLE and self.reason is not Reason.TIME_BUDGET and not done:
                self.set(Status.RUNNING, Reason.NONE)
        elif command is ClassCommand.PAUSE:
            if self.status is Status.RUNNING:
                self.set(Status.PAUSED, Reason.BY_USER)
        elif command is ClassCommand.STEP:
            if not spent and self.status in (Status.IDLE, Status.PAUSED) and \
                    self.reason is not Reason.TIME_BUDGET and not done:
                self.set(Status.PAUSED, Reason.BY_USER)
                self.singles += 1

    def after_step(self, stats, seconds: float, read: bool) -> bool:
        """Record one step the ensemble took for this run; False when a value was not finite (then `rollback`)."""
        single = self.status is not Status.RUNNING
        if single:
            self.singles -= 1
        record = self.record
        if not record.after_step(stats, seconds, record.due(single), read=read):
            return False
        self.moved = self.dirty = True
        if self.trainer.done:   # the epoch budget is used up: FINISHED, as a single run
            record.take_frame()
            self.set(Status.FINISHED, Reason.BUDGET_DONE)
        return True

    def rollback(self) -> None:
        """Back to the last good state, paused (Reason.NAN): the weights, the curves and the samples together.
        The run must be out of the ensemble first, so that its Trainer is the one that goes back."""
        bad_step, what, value, good_step = self.record.rollback()
        self.moved = True
        self.set(Status.PAUSED, Reason.NAN, Problem(what, value, bad_step, good_step))

    def fail(self, e: Exception) -> None:
        step = self.trainer.step_count if self.trainer is not None else 0
        self.set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, step=step, message=str(e)))

    # --- its view ----------------------------------------------------------------------------------------------
    def view(self, queued: bool, z_for: Callable[[int], torch.Tensor]) -> StudentView:
        """The run as the class shows it now. Built again only when something it shows changed; G's points are
        taken once per publish, and only after G moved."""
        shown = Status.QUEUED if queued and self.status is Status.RUNNING else self.status
        if not self.dirty and self._shown and self._shown[0] is shown:
            return self._shown[1]
        t, r = self.trainer, self.record
        if t is not None and self.moved:
            self._points = frozen(t.generate(z_for(t.cfg.latent_dim)).numpy())
            self.moved = False
        last = r.metrics[-1][1] if r is not None and r.metrics else {}
        view = StudentView(
            run_id=self.run_id, name=self.name, status=shown, reason=self.reason,
            step=t.step_count if t is not None else 0, config=self.cfg,
            changed=MappingProxyType({k: getattr(self.cfg, k) for k in OPENABLE
                                      if getattr(self.cfg, k) != getattr(self.start, k)}),
            history=self._history(), points=self._points,
            modes=_number(last.get("modes_covered"), int), high_quality=_number(last.get("high_quality")),
            js=_number(last.get("js")), energy=_number(last.get("energy")), problem=self.problem,
            epoch=t.epoch if t is not None else 0.0, events=tuple(r.events) if r is not None else (),
            away=self.gone_at is not None, starts=self.starts)
        self._shown, self.dirty = (shown, view), False
        return view

    def _history(self) -> MappingProxyType:
        """The curve's columns, as Curve.columns gives them, extended by the rows added since the last publish
        (a tuple's concatenation copies pointers only); built afresh when the curve was thinned or rolled back,
        which replace its list of rows. The list itself is kept, so that a new one cannot take its id."""
        if self.record is None:
            return MappingProxyType({})
        curve = self.record.curve
        rows, read, columns = self._hist
        if rows is not curve.rows or len(curve.rows) < read:
            columns = curve.columns()
        elif len(curve.rows) > read:
            tail = curve.rows[read:]
            columns = {name: columns[name] + tuple(row[i] for row in tail) for i, name in enumerate(columns)}
        self._hist = (curve.rows, len(curve.rows), columns)
        return MappingProxyType(columns)


def _number(value, kind=float):
    """A measurement's value for a view: a finite number of its kind, or None (not measured, or failed)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        return None
    return kind(value)
