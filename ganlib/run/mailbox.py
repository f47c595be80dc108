"""A run's mailbox: the commands any thread may send it, and the snapshots any thread may read.

A part of Runner (its base class). Commands are queued, in the order sent, for
the run's thread to carry out between two steps (machine.py says what each
does); a call that wants an answer (a copy of G, a checkpoint) waits on a
Future. Once the run's thread has ended, nothing changes its Trainer any more,
so a call is then answered on the caller's thread.
"""
from __future__ import annotations

import copy
import threading
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable

from ganlib.engine.config import LIVE_FIELDS, TrainConfig, coerce
from ganlib.errors import FieldError, NoModels
from ganlib.run.board import Board
from ganlib.run.machine import Command
from ganlib.run.state import Part, Reason

MAX_D_ALONE = 20_000   # ~40 s on a busy core: D-alone runs outside the training slots, so it is kept short
MAX_PACE = 100.0       # steps/s: the slowest pace above full speed that Runner.pace takes
CALL_TIMEOUT_S = 120.0
NO_MODELS = "the run has no models: it never built them (it waited for a slot), or they could not be built"
LET_GO = "the run has ended and its models were let go"


class Mailbox(Board):
    def _open_mailbox(self, cfg: TrainConfig) -> None:
        self._cv = threading.Condition()     # guards the command queue and the published snapshot
        self._commands: deque = deque()
        self._wanted = cfg                   # the config with every accepted live change, to check the next
        self._closed = False                 # the thread has ended: copies are taken on the caller's thread
        self._direct = threading.Lock()

    # --- commands: queued, carried out by the run's thread between steps --------------------------
    def start(self) -> None:
        self._send(Command.START)

    def pause(self, reason: Reason = Reason.BY_USER) -> None:
        """Pause between two steps. A user's pause keeps the training slot a while (machine.PAUSE_HOLD_S);
        Reason.OWNER_AWAY (runs.Runs: the owner has no tab open) gives it back at once, also one a paused run holds."""
        self._send(Command.PAUSE, reason)

    def resume(self) -> None:
        self._send(Command.RESUME)

    def step(self, part: Part = Part.BOTH) -> None:
        """One step, then paused (also before the first start). Part.D or Part.G: half a step, one update of D
        alone or of G alone (Trainer.step_d, step_g), from idle or paused only. A half-step changes the weights
        but is no step: the step count, the epoch budget and the curves count whole rounds of the game, and
        Snapshot.half_steps counts the half-steps (D's, G's) apart."""
        self._send(Command.STEP, Part(part))

    def train_d(self, steps: int) -> None:
        """Freeze G and train D alone for `steps` updates on fresh samples (Trainer.train_d), paused meanwhile
        (Reason.D_ALONE); from idle, paused, running or finished, and back to paused (finished) after. Pause,
        Resume, Step or Stop end it early. Raises FieldError for a count outside 1..MAX_D_ALONE."""
        if not 1 <= int(steps) <= MAX_D_ALONE:
            raise FieldError("steps", f"must be between 1 and {MAX_D_ALONE:,}; got {steps!r}")
        self._send(Command.TRAIN_D, int(steps))

    def pace(self, steps_per_s: float) -> None:
        """Train at most this many steps a second (slow motion: each step's change shows), or 0 for full speed.
        The run's thread waits between steps on its commands, so a Pause or Stop meanwhile is taken at once.
        Raises FieldError outside 0..MAX_PACE."""
        if not 0 <= float(steps_per_s) <= MAX_PACE:
            raise FieldError("pace", f"must be between 0 (full speed) and {MAX_PACE} steps/s; got {steps_per_s!r}")
        self._send(Command.PACE, float(steps_per_s))

    def grant(self) -> None:
        """A training slot is this run's now (called by classroom.slots.Slots for a queued run)."""
        self._send(Command.GRANT)

    def stop(self, reason: Reason = Reason.BY_USER) -> None:
        """End the run for good; returns at once (join() waits for the thread)."""
        self._send(Command.STOP, reason)

    def update(self, **changes) -> None:
        """Change live fields (lr_g, lr_d, d_steps, epochs) at the next step, each recorded as an event.
        Raises FieldError naming the field when a value is not allowed; nothing is queued then."""
        bad = sorted(set(changes) - set(LIVE_FIELDS))
        if bad:
            raise FieldError(bad[0], f"cannot change while training; live fields are {', '.join(LIVE_FIELDS)}")
        changes = {k: coerce(k, v) for k, v in changes.items()}  # 1 -> 1.0, numpy -> Python (checkpoints)
        with self._cv:
            self._wanted = self._wanted.replace(**changes).validate()
            self._send_locked(Command.UPDATE, changes)

    def _send(self, command: Command, arg: Any = None) -> None:
        with self._cv:
            self._send_locked(command, arg)

    def _send_locked(self, command: Command, arg: Any) -> None:
        if not self._closed:  # an ended run takes no more commands
            self._commands.append((command, arg))
            self._cv.notify_all()

    # --- reading --------------------------------------------------------------------------------
    @property
    def settings(self) -> TrainConfig:
        """The config in force from the next step on: the run's, with every live change update() accepted
        (a snapshot shows a change only once the run's thread has applied it)."""
        with self._cv:
            return self._wanted

    # --- copies, taken between two steps ------------------------------------------------------------
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
        return self._call(lambda t: self._record.payload(self.preset))

    def save(self, path: str) -> str:
        """Write the run's checkpoint to `path` atomically; safe while it trains."""
        # here, not at the top: a run in the worker is a Mailbox in the server too, and a server whose runs train
        # there loads no torch for them (checkpoint.py's) until a page needs it
        from ganlib.run.checkpoint import save_checkpoint
        return save_checkpoint(path, self.checkpoint())

    def _call(self, fn: Callable):
        box: Future | None = None
        with self._cv:
            if not self._closed:
                box = Future()
                self._commands.append((Command.CALL, (fn, box)))
                self._cv.notify_all()
        if box is not None:
            return box.result(CALL_TIMEOUT_S)
        with self._direct:
            return fn(self._built())

    def _built(self):
        if self._trainer is None:
            raise NoModels(NO_MODELS)
        return self._trainer


def fulfil(request, trainer) -> None:
    fn, box = request
    try:
        if trainer is None:
            raise NoModels(NO_MODELS)
        box.set_result(fn(trainer))
    except Exception as e:
        box.set_exception(e)
