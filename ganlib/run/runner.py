"""Runner: the only writer of one run. Commands go in as messages; numbered snapshots come out.

One thread per run does everything to its Trainer: it builds the data and the
models (at once, or when first needed: building.py; either way a Start that is
still loading can be stopped like any run), takes
the commands queued between steps, steps, and publishes each Snapshot. Pages
and watchers send commands and read snapshots; `wait` is the one way to wait
for a run to get somewhere. After the thread ends (Stop, an error) nothing
changes the Trainer any more, so copies are then taken on the caller's thread.
"""
from __future__ import annotations

import copy
import ctypes
import itertools
import math
import secrets
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from types import MappingProxyType
from typing import Any, Callable

import torch

from ganlib.run import published
from ganlib.run.building import AUTO, Building, builds_late  # noqa: F401  (AUTO: callers import it from here)
from ganlib.run.checkpoint import load_checkpoint, make_payload, save_checkpoint
from ganlib.engine.config import LIVE_FIELDS, TrainConfig, coerce
from ganlib.engine.d_alone import D_ALONE_LR
from ganlib.run.history import MAX_MEASUREMENTS, Curve, Event, Frame, Timeline, add_measurement
from ganlib.engine.samples import fake_picture
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import ENDED, Part, Problem, Reason, Status
from ganlib.engine.trainer import Trainer

PAUSE_HOLD_S = 120.0   # a paused run keeps its training slot this long: a teacher who paused to explain found the
                       # slot given to a student on Resume, and the class watched the run wait in line (class trial)
PUBLISH_EVERY = 0.25   # seconds between snapshots while running
MAX_EVENTS = 500
MAX_METRICS = MAX_MEASUREMENTS
THREAD_NAME = "ganlib-runner"
D_ALONE_CHUNK = 25     # D-alone updates between looks at the commands (~50 ms on a busy core)
MAX_D_ALONE = 20_000   # ~40 s on a busy core: D-alone runs outside the training slots, so it is kept short
CALL_TIMEOUT_S = 120.0
MAX_PACE = 100.0       # steps/s: the slowest pace above full speed that Runner.pace takes
TURN_WAIT_S = 0.1      # with a Baton: how long a run waits for its turn before it looks at its commands again
NO_MODELS = "the run has no models: it never built them (it waited for a slot), or they could not be built"

_serial = itertools.count(1)


def new_run_id() -> str:
    """Unique in this process and hard to guess: a counter, so ids are never reused, and random hex."""
    return f"{next(_serial)}-{secrets.token_hex(4)}"


class Runner(Building):
    def __init__(self, cfg: TrainConfig | None = None, *, trainer: Trainer | None = None, payload: dict | None = None,
                 evaluator: Callable | str | None = None, preset: str = "", run_id: str | None = None,
                 slots=None, max_seconds: float = 0.0, data_paths: Callable[[str], str] | None = None,
                 slot_key: str | None = None, baton=None):
        """A run of `cfg`, of a built `trainer`, or of a checkpoint `payload` (as load_checkpoint returns it).
        Its thread starts at once and builds the models; the run waits, IDLE, for start() or step().
        slots: the server's training slots (runs.Slots), asked before training; None trains at once. With a cap,
        a run of `cfg` builds only when it first needs its models (building.py).
        max_seconds: training time after which the run pauses for good (0: no limit).
        data_paths: what data_path may name (a visitor's Space.data_path; see data.load_dataset).
        slot_key: the slot it trains in (default its own run_id); a side-by-side twin names its lead's, and rides
        that slot (runs.Slots). baton: a baton.Baton shared with that twin: the two take turns, a step each."""
        self._cfg = (trainer.cfg if trainer is not None else payload["config"] if payload is not None
                     else cfg.validate())
        self.run_id = run_id or new_run_id()
        self.preset = preset or (payload or {}).get("preset", "")
        self._build_args = (trainer, payload, evaluator, data_paths)
        self._slots, self._max_seconds = slots, max_seconds
        self.slot_key, self._baton = slot_key or self.run_id, baton
        self._cv = threading.Condition()     # guards the command queue and the published snapshot
        self._commands: deque = deque()
        self._wanted = self._cfg             # the config with every accepted live change, to check the next
        self._closed = False                 # the thread has ended: copies are taken on the caller's thread
        self._direct = threading.Lock()
        # from here on, written by the run's thread alone
        self._trainer: Trainer | None = None
        self._evaluator = None
        self._status = Status.IDLE if builds_late(trainer, payload, slots) else Status.LOADING
        self._reason, self._problem, self._built_late = Reason.NONE, None, False
        self._g, self._g_at = None, None     # G's weights as published (published.py), and (step, half-steps) then
        self._singles, self._d_left, self._d_total, self._after_d = 0, 0, 0, None
        self._half_steps = (0, 0)            # updates of D alone and of G alone by Step D / Step G (Part)
        self._pace, self._next_due = 0.0, 0.0   # steps/s (0: full speed); when the next paced step is due
        self._held_until: float | None = None    # paused, but keeping its slot until then (PAUSE_HOLD_S)
        self._curve, self._timeline = Curve(), Timeline()
        self._unread: list[tuple] = []       # (step, seconds, StepStats) not yet read (lastgood.py says when)
        self._events: list[Event] = []
        self._metrics: list[tuple[int, dict]] = []
        self._real, self._fid_floor, self._device = None, None, ""
        self._elapsed, self._rate = 0.0, 0.0
        self._version, self._dirty, self._published_at = 0, False, 0.0
        self._snap = self._make_snapshot()
        self._thread = threading.Thread(target=self._work, name=THREAD_NAME, daemon=True)
        self._thread.start()

    @classmethod
    def from_checkpoint(cls, source, **kw) -> Runner:
        """A run that carries on where a checkpoint (path, bytes or payload) stopped, its curves, live changes,
        quality history and sample timeline included. The file is read and checked here; raises CheckpointError
        naming what is wrong."""
        return cls(payload=load_checkpoint(source), **kw)

    # --- commands (any thread): queued, carried out by the run's thread between steps --------
    def start(self) -> None:
        self._send("start")

    def pause(self, reason: Reason = Reason.BY_USER) -> None:
        """Pause between two steps. A user's pause keeps the training slot a while (PAUSE_HOLD_S);
        Reason.OWNER_AWAY (runs.Runs: the owner has no tab open) gives it back at once, also one a paused run holds."""
        self._send("pause", reason)

    def resume(self) -> None:
        self._send("resume")

    def step(self, part: Part = Part.BOTH) -> None:
        """One step, then paused (also before the first start). Part.D or Part.G: half a step, one update of D
        alone or of G alone (Trainer.step_d, step_g), from idle or paused only. A half-step changes the weights
        but is no step: the step count, the epoch budget and the curves count whole rounds of the game, and
        Snapshot.half_steps counts the half-steps (D's, G's) apart."""
        self._send("step", Part(part))

    def train_d(self, steps: int) -> None:
        """Freeze G and train D alone for `steps` updates on fresh samples (Trainer.train_d), paused meanwhile
        (Reason.D_ALONE); from idle, paused, running or finished, and back to paused (finished) after. Pause,
        Resume, Step or Stop end it early. Raises ValueError for a count outside 1..MAX_D_ALONE."""
        if not 1 <= int(steps) <= MAX_D_ALONE:
            raise ValueError(f"steps: must be between 1 and {MAX_D_ALONE:,}; got {steps!r}")
        self._send("train_d", int(steps))

    def pace(self, steps_per_s: float) -> None:
        """Train at most this many steps a second (slow motion: each step's change shows), or 0 for full speed.
        The run's thread waits between steps on its commands, so a Pause or Stop meanwhile is taken at once.
        Raises ValueError outside 0..MAX_PACE."""
        if not 0 <= float(steps_per_s) <= MAX_PACE:
            raise ValueError(f"pace: must be between 0 (full speed) and {MAX_PACE} steps/s; got {steps_per_s!r}")
        self._send("pace", float(steps_per_s))

    def grant(self) -> None:
        """A training slot is this run's now (called by runs.Slots for a queued run)."""
        self._send("grant")

    def stop(self, reason: Reason = Reason.BY_USER) -> None:
        """End the run for good; returns at once (join() waits for the thread)."""
        self._send("stop", reason)

    def update(self, **changes) -> None:
        """Change live fields (lr_g, lr_d, d_steps, epochs) at the next step, each recorded as an event.
        Raises ValueError naming the field when a value is not allowed; nothing is queued then."""
        bad = sorted(set(changes) - set(LIVE_FIELDS))
        if bad:
            raise ValueError(f"{bad[0]}: cannot change while training; live fields are {', '.join(LIVE_FIELDS)}")
        changes = {k: coerce(k, v) for k, v in changes.items()}  # 1 -> 1.0, numpy -> Python (checkpoints)
        with self._cv:
            self._wanted = self._wanted.replace(**changes).validate()
            self._send_locked("update", changes)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run's thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self, timeout: float = 10.0) -> bool:
        self.stop()
        return self.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _send(self, kind: str, arg: Any = None) -> None:
        with self._cv:
            self._send_locked(kind, arg)

    def _send_locked(self, kind: str, arg: Any) -> None:
        if not self._closed:  # an ended run takes no more commands
            self._commands.append((kind, arg))
            self._cv.notify_all()

    # --- reading (any thread) -------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._cv:
            return self._snap

    @property
    def settings(self) -> TrainConfig:
        """The config in force from the next step on: the run's, with every live change update() accepted
        (a snapshot shows a change only once the run's thread has applied it)."""
        with self._cv:
            return self._wanted

    def wait(self, predicate: Callable[[Snapshot], bool], timeout: float) -> Snapshot:
        """The first snapshot for which predicate holds, or the latest one when `timeout` seconds pass first."""
        with self._cv:
            self._cv.wait_for(lambda: predicate(self._snap), timeout)
            return self._snap

    def generator_copy(self):
        """A private copy of the sampling G (its EMA when there is one), for the latent explorer."""
        return self._call(lambda t: t.generator_copy())

    def models_copy(self, game: bool = False):
        """Private CPU copies of (G, D) in eval mode, for charts that probe both. G is the sampling G (its EMA
        when there is one), or with game=True the raw G that D trains against (D* is a reply to that one)."""
        return self._call(lambda t: (copy.deepcopy(t.G if game else t.sampler()).eval().cpu(),
                                     copy.deepcopy(t.D).eval().cpu()))

    def dataset(self):
        """The run's data (a Dataset never changes once built)."""
        return self._call(lambda t: t.data)

    def checkpoint(self) -> dict:
        """A checkpoint payload of the run as it is now, taken between two steps."""
        return self._call(self._payload)

    def save(self, path: str) -> str:
        """Write the run's checkpoint to `path` atomically; safe while it trains."""
        return save_checkpoint(path, self.checkpoint())

    def _call(self, fn: Callable[[Trainer], Any]):
        box: Future | None = None
        with self._cv:
            if not self._closed:
                box = Future()
                self._commands.append(("call", (fn, box)))
                self._cv.notify_all()
        if box is not None:
            return box.result(CALL_TIMEOUT_S)
        with self._direct:
            return fn(self._built())

    def _built(self) -> Trainer:
        if self._trainer is None:
            raise RuntimeError(NO_MODELS)
        return self._trainer

    # --- the run's thread ---------------------------------------------------------------------
    def _work(self) -> None:
        _name_os_thread(THREAD_NAME)
        try:
            if self._status is Status.IDLE or self._build():   # IDLE: it builds when it first needs to
                self._set(Status.IDLE, Reason.NONE)
                self._loop()
        except Exception as e:  # a bug of ours: end the run and say so, rather than hang its pages
            self._set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, message=str(e)))
        finally:
            self._close()

    def _loop(self) -> None:
        while self._status not in ENDED:
            commands = self._next_commands()
            if self._held_until is not None and time.monotonic() >= self._held_until:
                self._let_slot_go()
            if commands and self._unread:  # what a command acts on (a pause, a save) includes every step's numbers
                self._catch_up()
            for kind, arg in commands:
                self._handle(kind, arg)
            if self._status in ENDED:
                return
            if self._built_late:   # it built just now: a Stop sent meanwhile comes before any step
                self._built_late = False
                continue
            if self._d_left:
                self._d_alone_chunk()
            elif self._wants_step() and self._pace_wait() <= 0:
                self._one_step()
            if self._dirty or time.monotonic() - self._published_at > PUBLISH_EVERY:
                self._publish()

    def _next_commands(self) -> list:
        with self._cv:
            while not (self._commands or self._dirty):
                if not self._wants_step():
                    if self._held_until is None:
                        self._cv.wait()
                    elif not self._cv.wait(max(0.0, self._held_until - time.monotonic())):
                        break   # the paused run's hold on its slot is up
                    else:
                        continue
                elif (wait := self._pace_wait()) > 0:   # slow motion: a command wakes it before the next step
                    self._cv.wait(wait)
                else:
                    break
            taken, self._commands = list(self._commands), deque()
        return taken

    def _pace_wait(self) -> float:
        """Seconds until the next step is due at the run's pace; 0 at full speed, for Step and for D alone."""
        if not self._pace or self._status is not Status.RUNNING or self._d_left:
            return 0.0
        return self._next_due - time.monotonic()

    def _wants_step(self) -> bool:
        return (self._status is Status.RUNNING or (self._status is Status.PAUSED and self._singles > 0)
                or self._d_left > 0)

    def _handle(self, kind: str, arg: Any) -> None:
        if self._d_left and kind in ("pause", "resume", "start", "step", "stop"):
            self._end_d_alone()
        s = self._status
        if kind == "call":
            self._models()   # a copy of a run that waited without its models builds them (failed: the call raises)
            _fulfil(arg, self._trainer)
        elif kind == "stop":
            self._set(Status.STOPPED, arg)
        elif kind == "update":
            self._apply(arg)
        elif kind == "grant":
            self._granted()
        elif kind == "pace":
            self._pace, self._next_due, self._dirty = arg, time.monotonic(), True
        elif kind == "pause" and s in (Status.RUNNING, Status.QUEUED):
            self._set(Status.PAUSED, arg or Reason.BY_USER)
        elif kind == "pause" and arg is Reason.OWNER_AWAY and self._held_until is not None:
            self._let_slot_go()   # the hold waits for a Resume, and nobody is there to press it
        elif (kind == "start" and s is Status.IDLE) or (kind in ("start", "resume") and self._can_resume()):
            if self._slots is None or self._slots.request(self):
                self._train()
            else:
                self._set(Status.QUEUED, Reason.NONE)
        # D alone and a Step need no slot, but the models: building them first if the run waited without
        elif kind == "train_d" and s in (Status.IDLE, Status.PAUSED, Status.RUNNING, Status.FINISHED) \
                and self._reason is not Reason.TIME_BUDGET and self._models():
            self._start_d_alone(arg)
        elif kind == "step" and s in (Status.IDLE, Status.PAUSED) and self._reason is not Reason.TIME_BUDGET \
                and self._models():
            if arg in (None, Part.BOTH):
                self._singles += 1
                self._set(Status.PAUSED, Reason.BY_USER)
            else:
                self._half_step(arg)

    def _can_resume(self) -> bool:
        if self._status is Status.PAUSED:
            return self._reason is not Reason.TIME_BUDGET
        return self._status is Status.FINISHED and not self._trainer.done

    def _granted(self) -> None:
        if self._status is Status.QUEUED:
            self._train()
        else:  # paused or stopped while the grant was on its way: the slot goes to the next in line
            self._slots.release(self.run_id)

    def _apply(self, changes: dict) -> None:
        t = self._trainer
        old = t.cfg if t is not None else self._cfg
        if t is None:   # not built yet: it will be built with them
            self._cfg = old.replace(**changes).validate()
        else:
            t.apply(**changes)
        step = t.step_count if t is not None else 0
        self._events += [Event(step, k, getattr(old, k), v) for k, v in changes.items() if getattr(old, k) != v]
        del self._events[:-MAX_EVENTS]
        if self._status is Status.FINISHED and not t.done:
            self._reason = Reason.BUDGET_EXTENDED
        self._dirty = True

    def _one_step(self) -> None:
        if self._baton is None:
            return self._step_once()
        if self._baton.take(self.run_id, TURN_WAIT_S):   # not yet: back to the commands, then ask again
            try:
                self._step_once()
            finally:
                self._baton.give(self.run_id)

    def _step_once(self) -> None:
        t = self._trainer
        single = self._status is not Status.RUNNING
        if single:
            self._singles -= 1
        if t.done:
            self._take_frame()
            return self._set(Status.FINISHED, Reason.BUDGET_DONE)
        if self._max_seconds and self._elapsed >= self._max_seconds:
            self._take_frame()
            return self._set(Status.PAUSED, Reason.TIME_BUDGET)
        t0 = time.perf_counter()
        if self._pace:   # due one interval after this one began (not after it ended): p steps a second
            self._next_due = max(self._next_due + 1 / self._pace, time.monotonic())
        try:
            stats = t.step()
        except Exception as e:  # a crash ends the run and says why; the weights stay for a download
            return self._set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, step=t.step_count, message=str(e)))
        step = t.step_count
        frame = single or step % t.cfg.sample_every == 0  # a Step shows what it changed
        measure = self._evaluator is not None and t.cfg.eval_every and step % t.cfg.eval_every == 0
        # the numbers are read when something shows them: a frame, a measurement, a snapshot, the end
        due = (frame or measure or t.done or time.monotonic() - self._published_at > PUBLISH_EVERY
               or (self._max_seconds and self._elapsed + time.perf_counter() - t0 >= self._max_seconds))
        if not self._last_good.after_step(t, stats, read=due):
            return self._rollback()
        dt = time.perf_counter() - t0
        self._elapsed += dt
        self._rate = 1 / dt if self._rate == 0 else 0.95 * self._rate + 0.05 / dt
        self._unread.append((step, self._elapsed, stats))
        if stats.is_read:
            self._add_rows()
        if frame:
            self._take_frame()
        if measure:
            self._measure(step)
        self._dirty |= single or bool(self._pace)   # in slow motion every step is published: each one shows

    def _half_step(self, part: Part) -> None:
        t = self._trainer
        try:
            loss = float(t.step_d() if part is Part.D else t.step_g())   # one read: a button press, not a loop
        except Exception as e:  # as a step's crash
            return self._set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, step=t.step_count, message=str(e)))
        if not math.isfinite(loss):
            return self._rollback((t.step_count, "d_loss" if part is Part.D else "g_loss", loss))
        d, g = self._half_steps
        self._half_steps = (d + 1, g) if part is Part.D else (d, g + 1)
        self._set(Status.PAUSED, Reason.BY_USER)

    def _add_rows(self) -> None:
        for step, seconds, stats in self._unread:
            self._curve.add(step, seconds, stats.values())
        self._unread.clear()

    def _catch_up(self) -> None:
        """Read the steps' numbers not read yet (on a GPU: lastgood.py), rolling back if one is not finite."""
        if self._last_good.read():
            self._add_rows()
        else:
            self._rollback()

    def _start_d_alone(self, steps: int) -> None:
        if not self._d_left:   # where to go back to: a running run comes back paused, a finished one finished
            self._after_d = (self._status, self._reason) if self._status is Status.FINISHED else \
                (Status.PAUSED, Reason.BY_USER)
        self._d_left, self._d_total, self._singles = steps, steps, 0
        self._trainer.start_d_alone()
        self._set(Status.PAUSED, Reason.D_ALONE)

    def _d_alone_chunk(self) -> None:
        t, losses = self._trainer, []
        for _ in range(min(D_ALONE_CHUNK, self._d_left)):
            # the rate falls linearly to 0: at a fixed rate D hovers around D* at a distance set by the rate
            losses.append(t.train_d(D_ALONE_LR * self._d_left / self._d_total))
            self._d_left -= 1
        # the chunk's losses are read in one transfer, as a step's StepStats are: a read per update would make
        # a GPU wait each time. A NaN is found at the chunk's end; the weights go back to the last good state
        bad = next((v for v in torch.stack(losses).tolist() if not math.isfinite(v)), None)
        if bad is not None:
            self._d_left = 0
            return self._rollback((t.step_count, "d_loss", bad))
        if not self._d_left:
            self._end_d_alone()

    def _end_d_alone(self) -> None:
        self._d_left = 0
        self._set(*self._after_d)

    def _rollback(self, bad: tuple[int, str, float] | None = None) -> None:
        """Back to the last good state, paused (Reason.NAN). bad: (step, field, value) of what was not finite;
        by default what the last good state's reads found (LastGood.bad)."""
        bad_step, what, value = bad or self._last_good.bad
        good_step = self._last_good.restore(self._trainer)
        self._g_at = None   # G went back: published again as the run stands still (_make_snapshot)
        # the curves and samples go back with the weights, so that Resume continues one story
        self._unread.clear()
        self._curve.rows = [r for r in self._curve.rows if r[0] <= good_step]
        self._timeline.frames = [f for f in self._timeline.frames if f.step <= good_step] or self._timeline.frames[:1]
        self._singles = 0
        self._set(Status.PAUSED, Reason.NAN, Problem(what, value, bad_step, good_step))

    def _measure(self, step: int) -> None:
        try:
            values = self._evaluator(self._trainer)
        except Exception as e:  # a broken metric must not end the run
            values = {"error": f"{type(e).__name__}: {e}"}
        add_measurement(self._metrics, step, values, MAX_METRICS)

    def _take_frame(self) -> None:
        self._timeline.add(Frame(self._trainer.step_count, self._elapsed, fake_picture(self._trainer)))
        self._publish_g()   # G as the frame shows it: a page builds its own from this (published.py)

    def _publish_g(self) -> None:
        t = self._trainer
        self._g, self._g_at = published.copy_of(t), (t.step_count, self._half_steps)

    def _payload(self, t: Trainer) -> dict:
        frames = self._timeline.frames
        picture = frames[-1].picture if frames and t.data.kind == "image" else None
        events = [(e.step, e.field, e.old, e.new) for e in self._events]
        return make_payload(t.cfg, t.data.shape, copy.deepcopy(t.state_dict()), self._curve.state_dict(),
                            events, self.preset, picture, metrics=self._metrics, frames=frames)

    def _set(self, status: Status, reason: Reason, problem: Problem | None = None) -> None:
        was, self._status, self._reason, self._problem = self._status, status, reason, problem
        self._dirty = True
        if self._baton is not None and (was is Status.RUNNING) != (status is Status.RUNNING):
            self._baton.training(self.run_id, status is Status.RUNNING)
        if self._slots is not None and was is not status:
            if was is Status.RUNNING and status is Status.PAUSED and reason not in (Reason.TIME_BUDGET,
                                                                                   Reason.OWNER_AWAY):
                self._held_until = time.monotonic() + PAUSE_HOLD_S   # a pause to explain keeps the slot a while
            elif was is Status.RUNNING:    # finished, stopped, failed or out of time: free the slot
                self._slots.release(self.run_id)
            elif was is Status.QUEUED:     # no longer waiting: lose the place in line
                self._slots.leave(self.run_id)
            if status is Status.RUNNING:   # resumed within the hold: Slots.request found its slot still held
                self._held_until = None
            elif was is Status.PAUSED and self._held_until is not None:
                self._let_slot_go()

    def _let_slot_go(self) -> None:
        """A paused run's hold on its training slot is up (or it ended): the next in line gets it."""
        self._held_until = None
        self._slots.release(self.run_id)

    def _close(self) -> None:
        with self._cv:
            self._closed = True
            left, self._commands = list(self._commands), deque()
        with self._direct:
            for kind, arg in left:
                if kind == "call":
                    _fulfil(arg, self._trainer)
                elif kind == "grant":   # a slot given as it ended: the next in line gets it
                    self._slots.release(self.run_id)
        self._publish()

    def _publish(self) -> None:
        snap = self._make_snapshot()
        with self._cv:
            self._snap = snap
            self._cv.notify_all()
        self._dirty, self._published_at = False, time.monotonic()

    def _make_snapshot(self) -> Snapshot:
        t, self._version = self._trainer, self._version + 1
        if t is not None and self._g_at != (t.step_count, self._half_steps) and \
                self._status not in (Status.RUNNING, Status.FAILED):
            self._publish_g()   # it stands still with a G newer than the last frame's (a pause, a Step G)
        cfg = t.cfg if t is not None else self._cfg
        running = self._status is Status.RUNNING
        rate = min(self._rate, self._pace) if self._pace else self._rate   # slow motion keeps to its pace
        eta = t.steps_left() / rate if t is not None and running and rate > 0 else None
        return Snapshot(
            run_id=self.run_id, version=self._version, status=self._status, reason=self._reason, config=cfg,
            kind="points" if cfg.is_toy else "image", shape=tuple(t.data.shape) if t else (), step=t.step_count if t else 0, epoch=t.epoch if t else 0.0,
            steps_per_sec=rate if running else 0.0, eta_seconds=eta, elapsed=self._elapsed,
            history=MappingProxyType(self._curve.columns()), events=tuple(self._events),
            timeline=tuple(self._timeline.frames), metrics=tuple(self._metrics), real=self._real,
            fid_floor=self._fid_floor, problem=self._problem, preset=self.preset,
            device=self._device, d_alone_left=self._d_left, half_steps=self._half_steps, pace=self._pace,
            g_weights=self._g)


def _fulfil(request, trainer) -> None:
    fn, box = request
    try:
        if trainer is None:
            raise RuntimeError(NO_MODELS)
        box.set_result(fn(trainer))
    except Exception as e:
        box.set_exception(e)


def _name_os_thread(name: str) -> None:
    """Give the OS thread the same name, so a server's training threads can be counted from outside
    (top -H, /proc/PID/task/*/comm; the tests do)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # 15 = PR_SET_NAME
        except (OSError, AttributeError):
            pass
