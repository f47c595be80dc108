"""Runner: the only writer of one run. Commands go in as messages; numbered snapshots come out.

One thread per run does everything to its Trainer: it builds the data and the
models (at once, or when first needed: building.py), takes the commands queued
between steps (mailbox.py), lets the state machine decide what each does
(machine.py), steps (stepping.py, recording each step in a RunRecord), and
publishes each Snapshot. Pages and watchers send commands and read snapshots;
`wait` is the one way to wait for a run to get somewhere.
"""
from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections import deque
from typing import Callable

from ganlib.engine.config import TrainConfig
from ganlib.engine.trainer import Trainer
from ganlib.run.building import Building, builds_late
from ganlib.run.checkpoint import load_checkpoint
from ganlib.run.machine import Command, RunState, let_slot_go, pace_wait, wants_step
from ganlib.run.mailbox import Mailbox, fulfil
from ganlib.run.acting import Acting
from ganlib.run.publishing import Publishing
from ganlib.run.state import AUTO, ENDED, Problem, Reason, Status, new_run_id  # noqa: F401  (AUTO: callers import it from here)
from ganlib.run.stepping import PUBLISH_EVERY, Stepping

THREAD_NAME = "ganlib-runner"

class Runner(Mailbox, Acting, Building, Stepping, Publishing):
    detached = False   # it ends with this process (on_ray.RemoteRun's run does not)

    def __init__(self, cfg: TrainConfig | None = None, *, trainer: Trainer | None = None, payload: dict | None = None,
                 evaluator: Callable | str | None = None, preset: str = "", run_id: str | None = None,
                 slots=None, max_seconds: float = 0.0, data_paths: Callable[[str], str] | None = None,
                 slot_key: str | None = None, baton=None, clock: Callable[[], float] = time.monotonic):
        """A run of `cfg`, of a built `trainer`, or of a checkpoint `payload` (as load_checkpoint returns it).
        Its thread starts at once and builds the models; the run waits, IDLE, for start() or step().
        slots: the server's training slots (classroom.slots.Slots), asked before training; None trains at once.
        With a cap, a run of `cfg` builds only when it first needs its models (building.py).
        max_seconds: training time after which the run pauses for good (0: no limit).
        data_paths: what data_path may name (a visitor's Space.data_path; see data.load_dataset).
        slot_key: the slot it trains in (default its own run_id); a side-by-side twin names its lead's, and rides
        that slot. baton: a baton.Baton shared with that twin: the two take turns, a step each.
        clock: seconds, for the pause hold and slow motion (the state machine is given it, never reads one)."""
        self._cfg = (trainer.cfg if trainer is not None else payload["config"] if payload is not None
                     else cfg.validate())
        self.run_id = run_id or new_run_id()
        self.preset = preset or (payload or {}).get("preset", "")
        self._build_args = (trainer, payload, evaluator, data_paths)
        self._slots, self._max_seconds, self._clock = slots, max_seconds, clock
        self.slot_key, self._baton = slot_key or self.run_id, baton
        self._open_mailbox(self._cfg)
        # from here on, written by the run's thread alone
        self._trainer: Trainer | None = None
        self._record = None                  # record.RunRecord, once built
        self._early_events: list = []        # live changes made before the models were built
        late = builds_late(trainer, payload, slots)
        self._state = RunState(Status.IDLE if late else Status.LOADING)
        self._built_late = False
        self._g, self._g_at = None, None     # G's weights as published (published.py), and (step, half-steps) then
        self._half_steps = (0, 0)            # updates of D alone and of G alone by Step D / Step G (Part)
        self._real, self._fid_floor, self._device = None, None, ""
        self._version, self._dirty, self._published_at = 0, False, 0.0
        self._snap = self._make_snapshot()
        self._thread = threading.Thread(target=self._work, name=THREAD_NAME, daemon=True)
        self._thread.start()

    @classmethod
    def from_checkpoint(cls, source, **kw) -> Runner:
        """A run that carries on where a checkpoint (path, bytes or payload) stopped, its curves, live changes,
        quality history and sample timeline included. Raises CheckpointError naming what is wrong."""
        return cls(payload=load_checkpoint(source), **kw)

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

    def release(self) -> None:
        """The server needs the run no more: its models go with the last reference to it (hosts.py: a run in the
        worker or on a cluster has its own release)."""

    # --- the run's thread ---------------------------------------------------------------------
    def _work(self) -> None:
        _name_os_thread(THREAD_NAME)
        try:
            if self._state.status is Status.IDLE or self._build():   # IDLE: it builds when it first needs to
                self._set(Status.IDLE, Reason.NONE)
                self._loop()
        except Exception as e:  # a bug of ours: end the run and say so, rather than hang its pages
            self._set(Status.FAILED, Reason.ERROR, Problem(type(e).__name__, message=str(e)))
        finally:
            self._close()

    def _loop(self) -> None:
        while self._state.status not in ENDED:
            commands = self._next_commands()
            if self._state.held_until is not None and self._clock() >= self._state.held_until:
                self._effects(let_slot_go(self._state))
            if commands and self._record is not None and self._record.unread:
                self._catch_up()   # what a command acts on (a pause, a save) includes every step's numbers
            for command, arg in commands:
                self._do(command, arg)
            if self._state.status in ENDED:
                return
            if self._built_late:   # it built just now: a Stop sent meanwhile comes before any step
                self._built_late = False
                continue
            if self._state.d_left:
                self._d_alone_chunk()
            elif wants_step(self._state) and pace_wait(self._state, self._clock()) <= 0:
                self._one_step()
            if self._dirty or self._clock() - self._published_at > PUBLISH_EVERY:
                self._publish()

    def _next_commands(self) -> list:
        with self._cv:
            while not (self._commands or self._dirty):
                s = self._state
                if not wants_step(s):
                    if s.held_until is None:
                        self._cv.wait()
                    elif not self._cv.wait(max(0.0, s.held_until - self._clock())):
                        break   # the paused run's hold on its slot is up
                elif (wait := pace_wait(s, self._clock())) > 0:   # slow motion: a command wakes it before the step
                    self._cv.wait(wait)
                else:
                    break
            taken, self._commands = list(self._commands), deque()
        return taken

    def _close(self) -> None:
        with self._cv:
            self._closed = True
            left, self._commands = list(self._commands), deque()
        with self._direct:
            for command, arg in left:
                if command is Command.CALL:
                    fulfil(arg, self._trainer)
                elif command is Command.GRANT:   # a slot given as it ended: the next in line gets it
                    self._slots.release(self.run_id)
        self._publish()


def _name_os_thread(name: str) -> None:
    """Give the OS thread the same name, so a server's training threads can be counted from outside
    (top -H, /proc/PID/task/*/comm; the tests do)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # 15 = PR_SET_NAME
        except (OSError, AttributeError):
            pass
