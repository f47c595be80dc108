"""A class's door: what any thread may ask of a class (join, send a command, say a student left), and the
snapshots any thread may read.

A part of Class (its base class), as run/mailbox.py is of Runner. Everything here is checked on the caller's
thread, so a page hears at once what is refused (FieldError naming the field, ClassFull, ClassClosed), and is
then queued for the class's ticker thread, the only writer of its runs, to carry out at its next tick.
"""
from __future__ import annotations

import functools
import itertools
import secrets
import threading
from collections import deque
from enum import Enum
from typing import Any

from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_view import ClassClosed, ClassCommand, ClassFull
from ganlib.engine.config import TrainConfig, coerce
from ganlib.engine.ensemble import Ensemble
from ganlib.engine.presets import preset as preset_config
from ganlib.errors import FieldError
from ganlib.run.board import Board
from ganlib.run.budget import estimate_mb
from ganlib.run.state import Reason
from ganlib.settings import read
from ganlib.words import class_text as W

JOIN_WAIT_S = 10.0   # join returns once the run is on the wall: a tick and a toy's build, well under this
MAX_NAME = 40        # characters of a student's name on the wall
MAX_KEY = 200        # characters of a visitor key (identity.py makes them far shorter)


class Note(Enum):
    """What the ticker takes from its inbox, in the order sent; each comes as (Note, run_id, arg)."""
    JOIN = "join"         # arg: (name, config)
    COMMAND = "command"   # arg: (ClassCommand, {field: value})
    GRANT = "grant"       # the class's training slot is given to it (classroom.slots.Slots)
    AWAY = "away"         # arg: when the student's last tab closed
    BACK = "back"
    SPOTLIGHT = "spotlight"   # arg: the run the teacher's watch link shows, or None
    CLOSE = "close"       # arg: the Reason its runs stop with


def class_config(preset: str, base: TrainConfig | None = None) -> TrainConfig:
    """The config a class trains: the preset's, or `base` for it; FieldError("preset") unless it is a toy the
    batched step takes (Ensemble.refuses)."""
    cfg = preset_config(preset)   # FieldError("preset") for an unknown name
    cfg = (base if base is not None else cfg).validate()
    if not cfg.is_toy:
        raise FieldError("preset", W.not_a_toy(preset))
    if (why := Ensemble.refuses(cfg)) is not None:
        raise FieldError("preset", W.refused(why))
    return cfg


class Door(Board):
    detached = False   # the class ends with this process (class_on_ray.SharedClass's trains on in the cluster)

    def _open_door(self, base: TrainConfig, open_fields: tuple[str, ...], limits: Limits) -> None:
        self._cv = threading.Condition()    # guards the inbox, the fields below and the published snapshot
        self._inbox: deque = deque()
        self._closed = False                # stop() was called: no more joins or commands
        self._wanted: dict[str, TrainConfig] = {}   # run id -> its config with every change accepted so far
        self._owners: dict[str, str] = {}   # owner key -> run id; never published (a key is its owner's secret)
        self._joined = itertools.count(1)   # each join's number: the run's seed and default name
        self._base, self._open, self._limits = base, open_fields, limits
        _mb(_seedless(base))   # the first estimate takes seconds (run/budget.py's meta models): here, not at a join

    # --- students -----------------------------------------------------------------------------------------
    def join(self, owner_key: str, name: str = "") -> str:
        """The run id of `owner_key`'s run in this class, made now (IDLE, on the wall when this returns) if it
        has none: the same owner joining again gets the same run. Each run starts from the class's config with
        a seed of its own. Raises FieldError for a bad key or name, ClassFull, or ClassClosed."""
        key, name = _checked_key(owner_key), _checked_name(name)
        with self._cv:
            if self._closed:
                raise ClassClosed(W.CLASS_CLOSED)
            run_id = self._owners.get(key)
            if run_id is None:
                size = read("GAN_STUDIO_CLASS_SIZE")
                if len(self._owners) >= size:
                    raise ClassFull(W.class_full(size))
                number = next(self._joined)
                cfg = self._base.replace(seed=(self._base.seed + number - 1) % 2**31)
                if (need := self._need_mb(extra=cfg)) > self._limit_mb():
                    raise ClassFull(W.class_memory(need, self._limit_mb()))
                run_id = f"{number}-{secrets.token_hex(4)}"
                self._owners[key], self._wanted[run_id] = run_id, cfg
                self._post(Note.JOIN, run_id, (name or W.default_name(number), cfg))
        snap = self.wait(lambda s: s.closed or s.student(run_id) is not None, JOIN_WAIT_S)
        if snap.student(run_id) is None and snap.closed:
            raise ClassClosed(W.CLASS_CLOSED)
        return run_id

    def run_of(self, owner_key: str) -> str | None:
        """The run id of `owner_key`'s run in this class, if it has joined (and not left)."""
        with self._cv:
            return self._owners.get(owner_key) if isinstance(owner_key, str) else None

    def send(self, run_id: str, command: ClassCommand, **changes) -> None:
        """A command for one run, carried out at the next tick. UPDATE takes changes of the class's open fields
        only, checked now: FieldError names the first field that is closed, unknown or refused (its value, the
        batched step, the class's memory), and nothing is queued then."""
        if not isinstance(command, ClassCommand):
            raise FieldError("command", W.COMMANDS_HELP)
        if changes and command is not ClassCommand.UPDATE:
            raise FieldError(next(iter(changes)), W.ONLY_WITH_UPDATE)
        with self._cv:
            if self._closed:
                raise ClassClosed(W.CLASS_CLOSED)
            if not isinstance(run_id, str) or run_id not in self._wanted:
                raise FieldError("run_id", W.UNKNOWN_RUN)
            if command is ClassCommand.UPDATE:
                changes = self._checked_changes(run_id, changes)
            elif command is ClassCommand.LEAVE:
                del self._wanted[run_id]
                self._owners = {k: r for k, r in self._owners.items() if r != run_id}
            self._post(Note.COMMAND, run_id, (command, changes))

    def spotlight(self, run_id: str | None) -> None:
        """Show this run on the teacher's watch link (None: the teacher's own run again), from the next tick."""
        with self._cv:
            if self._closed:
                raise ClassClosed(W.CLASS_CLOSED)
            if run_id is not None and (not isinstance(run_id, str) or run_id not in self._wanted):
                raise FieldError("run_id", W.UNKNOWN_RUN)
            self._post(Note.SPOTLIGHT, run_id or "", run_id)

    def owner_left(self, owner_key: str, now: float | None = None) -> None:
        """The student's last tab closed: their run pauses (Reason.OWNER_AWAY) once they have been gone for
        Limits.idle_s (GAN_STUDIO_IDLE_MINUTES), unless owner_back comes first."""
        self._owner_note(owner_key, Note.AWAY, self._clock() if now is None else now)

    def owner_keys(self) -> set[str]:
        """The keys of the class's students, for the server's registry (classes.Classes) only: a key is its
        owner's secret, never shown."""
        with self._cv:
            return set(self._owners)

    def owner_back(self, owner_key: str) -> None:
        self._owner_note(owner_key, Note.BACK, None)

    def _owner_note(self, owner_key: str, note: Note, arg: Any) -> None:
        with self._cv:
            run_id = self._owners.get(owner_key) if isinstance(owner_key, str) else None
            if run_id is not None and not self._closed:
                self._post(note, run_id, arg)

    def stop(self, reason: Reason = Reason.BY_USER) -> None:
        """End the class: every run stops at the next tick and the slot goes back; returns at once."""
        with self._cv:
            if not self._closed:
                self._closed = True
                self._post(Note.CLOSE, "", reason)

    # --- on the caller's thread, under the lock ----------------------------------------------------------------
    def _post(self, note: Note, run_id: str, arg: Any = None) -> None:
        self._inbox.append((note, run_id, arg))
        self._cv.notify_all()

    def _checked_changes(self, run_id: str, changes: dict) -> dict:
        for name in changes:
            if name not in self._open:
                raise FieldError(name, W.closed_field(self._open))
        changes = {k: coerce(k, v) for k, v in changes.items()}   # 1 -> 1.0, numpy -> Python (checkpoints)
        cfg = self._wanted[run_id].replace(**changes).validate()
        first = next(iter(changes), "")
        if (why := self._ens.refuses(cfg)) is not None:   # a static check of the class's own engine
            raise FieldError(first, W.refused(why))
        if (need := self._need_mb(extra=cfg, instead_of=run_id)) > self._limit_mb():
            raise FieldError(first, W.class_memory(need, self._limit_mb()))
        self._wanted[run_id] = cfg
        return changes

    def _need_mb(self, extra: TrainConfig, instead_of: str | None = None) -> float:
        """MB the class's runs would hold together with `extra` (in place of run `instead_of`'s config)."""
        return _mb(_seedless(extra)) + sum(_mb(_seedless(c)) for r, c in self._wanted.items() if r != instead_of)

    def _limit_mb(self) -> float:
        # a class trains in one slot, as one run does: all its runs together get what one run may take
        return self._limits.max_run_mb or float("inf")


@functools.lru_cache(maxsize=256)
def _mb(cfg: TrainConfig) -> float:
    """What one run of cfg holds at its peak (run/budget.py), once per config: the estimate builds G and D on
    the meta device (milliseconds), and a class of 60 mostly shares a few configs."""
    return estimate_mb(cfg).total


def _checked_key(key) -> str:
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
        raise FieldError("owner_key", W.BAD_KEY)
    return key


def _checked_name(name) -> str:
    if not isinstance(name, str) or len(name.strip()) > MAX_NAME or not name.isprintable():
        raise FieldError("name", W.bad_name(MAX_NAME))
    return name.strip()


def _seedless(cfg: TrainConfig) -> TrainConfig:
    """cfg as its memory goes: each run has its own seed, and the seed changes nothing of its size."""
    return cfg.replace(seed=0)
