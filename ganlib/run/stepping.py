"""How a run's thread trains: a step, a half-step, a chunk of D alone, and the rollback after a NaN.

A part of Runner (its base class), as building.py is: these run on the run's
thread alone. The numbers each step leaves go to its RunRecord (record.py),
which the command line shares.
"""
from __future__ import annotations

import math
import time

import torch

from ganlib.engine.d_alone import D_ALONE_LR
from ganlib.run.state import Part, Problem, Reason, Status

D_ALONE_CHUNK = 25     # D-alone updates between looks at the commands (~50 ms on a busy core)
TURN_WAIT_S = 0.1      # with a Baton: how long a run waits for its turn before it looks at its commands again
PUBLISH_EVERY = 0.25   # seconds between snapshots while running


class Stepping:
    def _one_step(self) -> None:
        if self._baton is None:
            return self._step_once()
        if self._baton.take(self.run_id, TURN_WAIT_S):   # not yet: back to the commands, then ask again
            try:
                self._step_once()
            finally:
                self._baton.give(self.run_id)

    def _step_once(self) -> None:
        t, record = self._trainer, self._record
        single = self._state.status is not Status.RUNNING
        if single:
            self._change(singles=self._state.singles - 1)
        if t.done:
            self._frame()
            return self._set(Status.FINISHED, Reason.BUDGET_DONE)
        if self._max_seconds and record.seconds >= self._max_seconds:
            self._frame()
            return self._set(Status.PAUSED, Reason.TIME_BUDGET)
        t0 = time.perf_counter()
        if self._state.pace:   # due one interval after this one began (not after it ended): p steps a second
            self._change(next_due=max(self._state.next_due + 1 / self._state.pace, self._clock()))
        try:
            stats = t.step()
        except Exception as e:  # a crash ends the run and says why; the weights stay for a download
            return self._fail(e)
        due = record.due(single)
        dt = time.perf_counter() - t0
        # the numbers are read when something shows them: a frame, a measurement, a snapshot, the end
        read = (t.done or self._clock() - self._published_at > PUBLISH_EVERY
                or bool(self._max_seconds and record.seconds + dt >= self._max_seconds))
        if not record.after_step(stats, dt, due, read=read):
            return self._rollback()
        if due.frame:
            self._publish_g()   # G as the frame shows it (published.py)
        self._dirty |= single or bool(self._state.pace)   # in slow motion every step is published: each one shows

    def _half_step(self, part: Part) -> None:
        t = self._trainer
        try:
            loss = float(t.step_d() if part is Part.D else t.step_g())   # one read: a button press, not a loop
        except Exception as e:  # as a step's crash
            return self._fail(e)
        if not math.isfinite(loss):
            return self._rollback((t.step_count, "d_loss" if part is Part.D else "g_loss", loss))
        d, g = self._half_steps
        self._half_steps = (d + 1, g) if part is Part.D else (d, g + 1)
        self._set(Status.PAUSED, Reason.BY_USER)

    def _d_alone_chunk(self) -> None:
        t, losses, s = self._trainer, [], self._state
        left = s.d_left
        for _ in range(min(D_ALONE_CHUNK, left)):
            # the rate falls linearly to 0: at a fixed rate D hovers around D* at a distance set by the rate
            losses.append(t.train_d(D_ALONE_LR * left / s.d_total))
            left -= 1
        self._change(d_left=left)
        # the chunk's losses are read in one transfer, as a step's StepStats are: a read per update would make
        # a GPU wait each time. A NaN is found at the chunk's end; the weights go back to the last good state
        bad = next((v for v in torch.stack(losses).tolist() if not math.isfinite(v)), None)
        if bad is not None:
            self._change(d_left=0)
            return self._rollback((t.step_count, "d_loss", bad))
        if not left:
            self._set(*s.after_d)

    def _frame(self) -> None:
        self._record.take_frame()
        self._publish_g()   # G as the frame shows it: a page builds its own from this (published.py)

    def _catch_up(self) -> None:
        """Read the steps' numbers not read yet (on a GPU: lastgood.py), rolling back if one is not finite."""
        if not self._record.catch_up():
            self._rollback()

    def _rollback(self, bad: tuple[int, str, float] | None = None) -> None:
        """Back to the last good state, paused (Reason.NAN). bad: (step, field, value) of what was not finite;
        by default what the last good state's reads found (LastGood.bad)."""
        record = self._record
        bad_step, what, value, good_step = record.rollback_from(bad) if bad else record.rollback()
        self._g_at = None   # G went back: published again as the run stands still (_make_snapshot)
        self._change(singles=0)
        self._set(Status.PAUSED, Reason.NAN, Problem(what, value, bad_step, good_step))

    def _fail(self, e: Exception) -> None:
        step = self._trainer.step_count if self._trainer is not None else 0
        self._set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, step=step, message=str(e)))
