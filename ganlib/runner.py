"""Runner: drives a Trainer from a background thread, and publishes snapshots.

The UI never touches the Trainer. It sends commands (start, pause, resume,
step, update, stop) and reads `snapshot()`, an immutable view that the worker
thread publishes under a lock a few times a second. One Runner per browser
session; several can live in one process.
"""
from __future__ import annotations

import copy
import math
import threading
import time
from types import MappingProxyType
from typing import Any, Callable

import torch

from .config import LIVE_FIELDS, TrainConfig, coerce
from .device import set_threads
from .grid import frozen, make_grid
from .history import Curve, Event, Frame, Timeline
from .snapshot import Snapshot
from .trainer import Trainer

PUBLISH_EVERY = 0.25   # seconds between snapshots while running
GOOD_EVERY = 200       # steps between copies of the last good state (for NaN recovery)
MAX_EVENTS = 500
MAX_METRICS = 400

NAN_ADVICE = ("Training was paused and the weights were rolled back to step {good}. "
              "Try a lower learning rate (lr_d, lr_g), a smaller batch, or another loss, then Resume.")


class Runner:
    def __init__(self, cfg: TrainConfig | None = None, trainer: Trainer | None = None,
                 evaluator: Callable[[Trainer], dict] | None = None, preset: str = ""):
        self.trainer = trainer if trainer is not None else Trainer(cfg)
        self.preset = preset
        self.evaluator = evaluator
        self.curve, self.timeline = Curve(), Timeline()
        self.events: list[Event] = []
        self.metrics: list[tuple[int, dict]] = []
        self._lock = threading.Condition()   # guards the command fields and the published snapshot
        self._model_lock = threading.Lock()  # held while the worker changes the models
        self._status, self._reason = "idle", ""
        self._pending: dict[str, Any] = {}
        self._single_steps = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._elapsed, self._rate = 0.0, 0.0
        self._last_good = (self.trainer.step_count, self._copy_state())
        self._take_frame()
        self._snap = self._build_snapshot()

    # --- commands (called from the UI thread) -------------------------------
    def start(self) -> None:
        with self._lock:
            if self._stopping:  # stopped for good: its worker thread is gone
                return
            if self._thread is not None:
                return self._resume_locked()
            self._status, self._reason = "running", ""
            self._thread = threading.Thread(target=self._work, name="ganlib-runner", daemon=True)
            self._thread.start()
            self._publish_locked()  # so the next snapshot() says "running", not "idle"

    def pause(self) -> None:
        with self._lock:
            if self._status == "running":
                self._status, self._reason = "paused", "paused by you"
                self._publish_locked()

    def resume(self) -> None:
        with self._lock:
            self._resume_locked()

    def step_once(self) -> None:
        """One step while paused (or before starting)."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._status, self._reason = "paused", "paused by you"
                self._thread = threading.Thread(target=self._work, name="ganlib-runner", daemon=True)
                self._thread.start()
                self._publish_locked()
            if self._status in ("paused",):
                self._single_steps += 1
                self._lock.notify_all()

    def update(self, **changes) -> None:
        """Change live fields (lr_g, lr_d, d_steps, epochs); applied before the next step and recorded as events."""
        bad = sorted(set(changes) - set(LIVE_FIELDS))
        if bad:
            raise ValueError(f"{bad[0]}: cannot change while training; live fields are {', '.join(LIVE_FIELDS)}")
        changes = {k: coerce(k, v) for k, v in changes.items()}  # 1 -> 1.0, numpy -> Python (checkpoints)
        with self._lock:
            self.trainer.cfg.replace(**{**self._pending, **changes}).validate()
            self._pending.update(changes)
            apply_now = self._thread is None or self._status != "running"
            self._lock.notify_all()
        if apply_now:
            # Lock order is always _model_lock, then _lock (as in the worker's _one_step);
            # taking them the other way round deadlocked against a step in flight.
            with self._model_lock, self._lock:
                self._apply_pending_locked()
                self._publish_locked()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker and join it; safe to call twice."""
        with self._lock:
            self._stopping = True
            if self._status in ("running", "paused"):
                self._status, self._reason = "finished", "stopped by you"
            self._lock.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._lock:
            self._publish_locked()

    close = stop

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def republish(self) -> None:
        """Publish a fresh snapshot now (after restoring history from a checkpoint)."""
        with self._lock:
            self._publish_locked()

    # --- reading (any thread) ------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snap

    def generator_copy(self) -> torch.nn.Module:
        """A private copy of the current G (or its EMA) for the latent explorer."""
        with self._model_lock:
            return self.trainer.generator_copy()

    def models_copy(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        """Private CPU copies of (the sampling G, D) in eval mode, for charts that probe both."""
        with self._model_lock:
            G, D = copy.deepcopy(self.trainer.sampler()), copy.deepcopy(self.trainer.D)
        return G.eval().cpu(), D.eval().cpu()

    def checkpoint_state(self) -> dict:
        """Everything a checkpoint needs, copied consistently between steps."""
        with self._model_lock:
            state = copy.deepcopy(self.trainer.state_dict())
            cfg = self.trainer.cfg
            history = self.curve.state_dict()
            events = [(e.step, e.field, e.old, e.new) for e in self.events]
        return {"config": cfg, "trainer": state, "history": history, "events": events, "preset": self.preset}

    # --- the worker thread ----------------------------------------------------
    def _work(self) -> None:
        set_threads(self.trainer.cfg.threads)
        while True:
            with self._lock:
                while not self._stopping and not self._should_step_locked():
                    self._lock.wait()
                if self._stopping:
                    return
                single = self._status != "running"
                if single:
                    self._single_steps -= 1
            self._one_step()
            if single:
                with self._lock:
                    self._publish_locked()

    def _should_step_locked(self) -> bool:
        return self._status == "running" or (self._status == "paused" and self._single_steps > 0)

    def _one_step(self) -> None:
        t0 = time.perf_counter()
        try:
            with self._model_lock:
                with self._lock:
                    self._apply_pending_locked()
                if self.trainer.done:
                    return self._finish("finished: the epoch budget is used up")
                stats = self.trainer.step()
        except Exception as e:  # a crash is reported, the weights stay
            return self._fail(f"{type(e).__name__}: {e}")
        values = (stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake, stats.value)
        if not all(math.isfinite(v) for v in values):
            return self._rollback(stats)
        dt = time.perf_counter() - t0
        self._elapsed += dt
        self._rate = 1 / dt if self._rate == 0 else 0.95 * self._rate + 0.05 / dt
        step = self.trainer.step_count
        self.curve.add(step, self._elapsed, values)
        if step % self.trainer.cfg.sample_every == 0:
            self._take_frame()
        if step % GOOD_EVERY == 0:
            self._last_good = (step, self._copy_state())
        every = self.trainer.cfg.eval_every
        if self.evaluator is not None and every and step % every == 0:
            self._measure(step)
        with self._lock:
            if self._status != "running" or time.monotonic() - self._published_at > PUBLISH_EVERY:
                self._publish_locked()

    def _measure(self, step: int) -> None:
        try:
            with self._model_lock:
                values = self.evaluator(self.trainer)
        except Exception as e:  # a broken metric must not end the training thread
            values = {"error": f"{type(e).__name__}: {e}"}
        self.metrics.append((step, values))
        if len(self.metrics) > MAX_METRICS:  # thin the old ones, keep the first
            self.metrics[:] = self.metrics[:1] + self.metrics[2::2]

    def _apply_pending_locked(self) -> None:
        if not self._pending:
            return
        old = self.trainer.cfg
        self.trainer.apply(**self._pending)
        for name, new in self._pending.items():
            if getattr(old, name) != new:
                self.events.append(Event(self.trainer.step_count, name, getattr(old, name), new))
        del self.events[:-MAX_EVENTS]
        self._pending = {}
        if self._status == "finished" and not self.trainer.done and self._reason.startswith("finished"):
            self._reason = "the epoch budget was extended: press Resume to go on"

    def _resume_locked(self) -> None:
        if self._stopping:  # after stop() the worker has returned; "running" would be a lie
            return
        if self._status == "paused" or (self._status == "finished" and not self.trainer.done):
            self._status, self._reason = "running", ""
            self._publish_locked()
            self._lock.notify_all()

    def _finish(self, reason: str) -> None:
        self._take_frame()
        with self._lock:
            self._status, self._reason = "finished", reason
            self._publish_locked()

    def _fail(self, reason: str) -> None:
        with self._lock:
            self._status, self._reason = "failed", reason
            self._publish_locked()

    def _rollback(self, stats) -> None:
        good_step, state = self._last_good
        bad_step = self.trainer.step_count  # the step that just produced the NaN/inf
        with self._model_lock:
            self.trainer.load_state_dict(copy.deepcopy(state))
        # the curves and samples go back with the weights, so that Resume continues one story
        self.curve.rows = [r for r in self.curve.rows if r[0] <= good_step]
        self.timeline.frames = [f for f in self.timeline.frames if f.step <= good_step] or self.timeline.frames[:1]
        bad = next(n for n, v in stats.__dict__.items() if not math.isfinite(v))
        with self._lock:
            self._status = "paused"
            self._reason = (f"The {bad.replace('_', ' ')} became {getattr(stats, bad)} at step "
                            f"{bad_step}. " + NAN_ADVICE.format(good=good_step))
            self._publish_locked()

    def _copy_state(self) -> dict:
        return copy.deepcopy(self.trainer.state_dict())

    def _take_frame(self) -> None:
        t = self.trainer
        samples = t.generate(t.fixed_z)
        picture = make_grid(samples) if t.data.kind == "image" else samples.numpy()
        self.timeline.add(Frame(t.step_count, self._elapsed, frozen(picture)))

    def _publish_locked(self) -> None:
        self._snap = self._build_snapshot()

    def _build_snapshot(self) -> Snapshot:
        t = self.trainer
        eta = t.steps_left() / self._rate if self._rate > 0 else None
        self._published_at = time.monotonic()
        return Snapshot(
            status=self._status, reason=self._reason, config=t.cfg, kind=t.data.kind,
            step=t.step_count, epoch=t.epoch, steps_per_sec=self._rate, eta_seconds=eta,
            elapsed=self._elapsed, history=MappingProxyType(self.curve.columns()), events=tuple(self.events),
            timeline=tuple(self.timeline.frames), metrics=tuple(self.metrics),
        )
