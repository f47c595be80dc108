"""RunRecord: what a run records as it trains, one step at a time; the Runner and the command line share it.

After each Trainer.step the driver hands the step's stats to `after_step`,
which checks them and the state (lastgood.py: on a GPU the numbers are read
only when something shows them), times the step, adds the read rows to the
loss curve, takes a frame of the samples and measures quality when due. A NaN
makes it answer False, and `rollback` takes the weights, the curves and the
samples back to the last good state together, so that a resume tells one story.
"""
from __future__ import annotations

from dataclasses import dataclass

from ganlib.engine.lastgood import LastGood, clone_state
from ganlib.engine.samples import fake_picture
from ganlib.engine.stats import StepStats
from ganlib.run.checkpoint import halve, make_payload
from ganlib.run.history import MAX_MEASUREMENTS, Frame, Records, add_measurement, note_changes
from ganlib.engine.kinds import DataKind


@dataclass(frozen=True)
class Due:
    """What a step is due to do besides training: take a frame of the samples, measure quality."""
    frame: bool
    measure: bool


class RunRecord:
    def __init__(self, trainer, records: Records | None = None, evaluator=None, good_every: int | None = None):
        """trainer: built, and restored from a checkpoint if the run goes on from one; records: that
        checkpoint's (Records.from_payload); evaluator: trainer -> {metric: value}, or None."""
        self.trainer, self.evaluator = trainer, evaluator
        r = records or Records()
        self.curve, self.events, self.metrics, self.timeline = r.curve, r.events, r.metrics, r.timeline
        self.seconds = r.seconds          # training time, checkpoints and resumes included
        self.rate = 0.0                   # steps/s, a moving average
        self.last_good = LastGood(trainer, every=good_every)
        self._unread: list[tuple[int, float, StepStats]] = []   # steps whose numbers wait on the device
        if not self.timeline.frames or self.timeline.frames[-1].step != trainer.step_count:
            self.take_frame()             # the samples the run begins with, where its timeline starts

    def due(self, single: bool = False) -> Due:
        """What the step just taken is due to do; `single`: a Step button's, which shows what it changed."""
        t = self.trainer
        step, cfg = t.step_count, t.cfg
        return Due(frame=single or step % cfg.sample_every == 0,
                   measure=self.evaluator is not None and bool(cfg.eval_every) and step % cfg.eval_every == 0)

    def after_step(self, stats: StepStats, seconds: float, due: Due, read: bool = False) -> bool:
        """Record a step that took `seconds`; False when a non-finite value was found (then `rollback`).
        read: its numbers are wanted now (a snapshot, a progress line), besides a frame's or a measurement's."""
        if not self.last_good.after_step(self.trainer, stats, read=read or due.frame or due.measure):
            return False
        self.seconds += seconds
        self.rate = 1 / seconds if self.rate == 0 else 0.95 * self.rate + 0.05 / seconds
        self._unread.append((self.trainer.step_count, self.seconds, stats))
        if stats.is_read:   # lastgood.py read them, and the unread steps before: the curve gets them all
            self._add_rows()
        if due.frame:
            self.take_frame()
        if due.measure:
            self.measure()
        return True

    def catch_up(self) -> bool:
        """Read the steps' numbers not read yet; False when one is not finite (then `rollback`)."""
        if not self.last_good.read():
            return False
        self._add_rows()
        return True

    def finish(self) -> bool:
        """Before the state is written: every number read, and the state itself checked finite (a file with a
        NaN would be refused when loaded: checkpoint_check.py). False: roll back."""
        return self.catch_up() and self.last_good.keep(self.trainer)

    @property
    def unread(self) -> bool:
        return bool(self._unread)

    def rollback(self) -> tuple[int, str, float, int]:
        """Back to the last good state: the weights, and the curves and samples with them.
        Returns (bad step, what was not finite, its value, the good step gone back to)."""
        return self.rollback_from(self.last_good.bad)

    def rollback_from(self, bad: tuple[int, str, float]) -> tuple[int, str, float, int]:
        good = self.last_good.restore(self.trainer)
        self._unread.clear()
        self.curve.rows = [r for r in self.curve.rows if r[0] <= good]
        self.timeline.frames = [f for f in self.timeline.frames if f.step <= good] or self.timeline.frames[:1]
        return (*bad, good)

    def change(self, **changes) -> None:
        """Apply live changes to the trainer, each recorded as an event at the step it takes effect."""
        t = self.trainer
        old = t.cfg
        t.apply(**changes)
        note_changes(self.events, t.step_count, old, changes)

    def take_frame(self) -> None:
        self.timeline.add(Frame(self.trainer.step_count, self.seconds, fake_picture(self.trainer)))

    def measure(self) -> None:
        try:
            values = self.evaluator(self.trainer)
        except Exception as e:  # a broken metric must not end the run
            values = {"error": f"{type(e).__name__}: {e}"}
        add_measurement(self.metrics, self.trainer.step_count, values, MAX_MEASUREMENTS)

    def payload(self, preset: str = "", compact: bool = False) -> dict:
        """The run as a checkpoint payload (checkpoint.make_payload); compact: float16 tensors, for shipping."""
        t, frames = self.trainer, self.timeline.frames
        picture = frames[-1].picture if frames and t.data.kind == DataKind.IMAGE else None
        state = clone_state(t.state_dict())   # each tensor on its own: a class run's are views (lastgood.py)
        events = [(e.step, e.field, e.old, e.new) for e in self.events]
        return make_payload(t.cfg, t.data.shape, halve(state) if compact else state, self.curve.state_dict(),
                            events, preset, picture, metrics=self.metrics, frames=frames,
                            world_size=getattr(t, "world_size", 1))

    def _add_rows(self) -> None:
        for step, seconds, stats in self._unread:
            self.curve.add(step, seconds, stats.values())
        self._unread.clear()
