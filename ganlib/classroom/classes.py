"""Classes: the server's open classes, each found by a short code a teacher reads out, and the names pages use.

A teacher opens a class (a toy preset, and the fields students may change); each student who opens the class
link joins it and gets a run of their own at once; all of a class's runs train in one batched step on one
training slot of the server (class_ticker.Class, the only writer of its runs), in the server's training worker
by default (class_in_worker.PipeClass: the door here, the ticker there). On a Ray cluster each class is an actor
of the cluster, door and ticker, that every replica finds by its code (class_on_ray.SharedClass). Pages send
ClassCommands and read ClassSnapshots (class_view.py), as they do for a single run.

Torch-free at import, as the rest of classroom/: the first page may build Classes beside the server's Runs; torch
comes with the first class opened.
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable, Iterable

from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_memory import EndedClasses
from ganlib.classroom.class_view import (
    OPENABLE, ClassClosed, ClassCommand, ClassFull, ClassSnapshot, StudentView, checked_open_fields)
from ganlib.classroom.codes import ALPHABET, CLASS_CODES
from ganlib.classroom.presence import Presence
from ganlib.classroom.shutdown import register
from ganlib.classroom.slots import Slots
from ganlib.errors import FieldError
from ganlib.run.state import Reason
from ganlib.settings import read
from ganlib.words import class_text as W

if TYPE_CHECKING:
    from ganlib.classroom.class_ticker import Class
    from ganlib.classroom.runs import Runs
    from ganlib.engine.config import TrainConfig
    from ganlib.engine.ensemble import Ensemble

__all__ = ["ALPHABET", "OPENABLE", "ClassClosed", "ClassCommand", "ClassFull", "ClassSnapshot", "Classes",
           "StudentView", "new_code", "parse_code"]   # what pages import from here (the class_* modules are parts)

# A class's code: 6 symbols of the one alphabet of codes (codes.py says why, and how typed codes are read).
new_code, parse_code = CLASS_CODES.new, CLASS_CODES.parse


class Classes:
    def __init__(self, runs: Runs | None = None, *, ensemble: Callable[[], Ensemble] | None = None,
                 slots: Slots | None = None):
        """The classes of a server whose runs are `runs` (classroom.runs.Runs): a class keeps to their Limits, and
        asks `slots` for its one training slot: by default the classes' own (GAN_STUDIO_MAX_CLASSES), apart from
        the runs', so that no class waits for the teacher's own run (settings.py says why). runs None: a server
        of its own, with no cap (tests, a script). ensemble: makes each class's batched step (default
        engine.ensemble.Ensemble)."""
        self.runs = runs
        self.limits: Limits = runs.limits if runs is not None else Limits()
        self._slots = slots if slots is not None else Slots(read("GAN_STUDIO_MAX_CLASSES"), self.limits.hold_s) \
            if runs is not None else None
        self._ensemble = ensemble
        self._lock = threading.Lock()
        self._by_code: dict[str, Class] = {}
        self._teachers: dict[str, str] = {}     # code -> the key of its teacher (at most one class per teacher)
        self._reserved: set[str] = set()        # codes of classes being made
        self._ended: list[Class] = []           # stopped, their threads perhaps still ending
        self._presence = Presence()
        self.past = EndedClasses()   # what the pages of a class that ended lately still show (class_memory.py)
        self._closing = False
        register(self)   # its classes stop with the process, as Runs' runs do (shutdown.py)

    def open(self, teacher_key: str, preset: str, open_fields: Iterable[str] = (), *,
             base: TrainConfig | None = None, drawing=None) -> Class:
        """A new class of `preset` (or of `base`, a config of that preset's kind) whose students may change
        `open_fields`; it replaces the teacher's open class, if any, which ends. `drawing`: 2-D points the
        teacher drew (engine/drawn_points.py checks them whole), which every student's run learns instead of the
        preset's data. FieldError names what is refused: "preset" (unknown, no toy, or not one the batched step
        takes), a field that cannot be opened, "data_path" (the drawing) or "teacher_key"; ClassClosed once the
        server is stopping."""
        from ganlib.classroom import class_in_worker, class_ticker  # torch: with the first class, not the first page
        if not isinstance(teacher_key, str) or not teacher_key:
            raise FieldError("teacher_key", W.BAD_KEY)
        cfg = class_ticker.class_config(preset, base)
        data = None
        if drawing is not None:   # checked whole before anything is made: DatasetError is a FieldError
            data = class_ticker.drawn_dataset(drawing, W.CLASS_DRAWING)
            cfg = cfg.replace(dataset="drawn", data_path=W.CLASS_DRAWING).validate()
        fields = checked_open_fields(open_fields)
        shared = self._shared(strict=True)   # a cluster that does not answer: the teacher is told why
        if shared is not None:
            self.of_teacher(teacher_key)   # their class, made through another replica: it ends below, as one here
        with self._lock:
            if self._closing:
                raise ClassClosed(W.CLASS_CLOSED)
            code = new_code(set(self._by_code) | self._reserved)
            self._reserved.add(code)
        try:   # made outside the lock: a first class takes seconds to make (class_door.py), and pages look up codes
            if shared is not None:   # the cluster places an actor that every replica finds: no slot of ours
                made = shared.SharedClass.open(self.runs.host, code, preset, cfg, fields, teacher_key,
                                               limits=self.limits, drawing=drawing)
                made.present = lambda: self._here(code)
            elif (host := self._host()) is not None:
                made = class_in_worker.PipeClass(host, code, preset, cfg, fields, limits=self.limits, drawing=drawing,
                                                 slots=self._slots)
            else:
                made = class_ticker.Class(code, preset, cfg, fields, slots=self._slots, limits=self.limits,
                                          ensemble=self._ensemble() if self._ensemble is not None else None,
                                          data=data)
        finally:
            with self._lock:
                self._reserved.discard(code)
        with self._lock:
            closing = self._closing   # the server began stopping meanwhile: close_all joins it with the rest
            old = [] if closing else self._pop_locked(lambda c, teacher: teacher == teacher_key)
            if closing:
                self._ended.append(made)
            else:
                self._by_code[code], self._teachers[code] = made, teacher_key
        for cls in old:
            cls.stop()
        if closing:
            made.stop(Reason.SERVER_STOPPING)
            raise ClassClosed(W.CLASS_CLOSED)
        return made

    def _host(self):
        """Where a class trains, as a server's runs do, when not on a cluster (_shared): the training worker
        (GAN_STUDIO_WORKER, the default); None for a thread of this server (GAN_STUDIO_WORKER=0, or a registry
        without runs or with an ensemble of its own: tests, scripts)."""
        if self.runs is None or self._ensemble is not None:
            return None
        host = self.runs.host_now()
        return host if host.hosts_boards else None

    def _shared(self, strict: bool = False):
        """class_on_ray when runs train on a Ray cluster (GAN_STUDIO_RAY_ADDRESS), where each class is an actor
        that every replica finds; else None. strict: ConnectionError for a cluster that does not answer (else
        None: the pages that need no class still work)."""
        if self.runs is None or self._ensemble is not None or self.runs.cluster(strict=strict) is None:
            return None
        from ganlib.classroom import class_on_ray  # ray: only on a cluster
        return class_on_ray

    def get(self, code) -> Class | None:
        """The open class of a code as typed; None for an unknown, ended or malformed one. On a cluster, one made
        through another replica too, followed from here on."""
        code = parse_code(code)
        if code is None:
            return None
        with self._lock:
            cls = self._by_code.get(code)
            if cls is not None and cls.detached and not cls.alive:   # ended through another replica
                self._pop_locked(lambda c, teacher: c is cls)
                cls = None
        if cls is None and (shared := self._shared()) is not None:
            cls = self._follow(shared, code)
        return cls

    def _follow(self, shared, code: str):
        made = shared.SharedClass.find(self.runs.host, code)
        if made is None:
            return None
        with self._lock:
            had = self._by_code.get(code)
            if had is not None or self._closing:   # followed meanwhile by another session of this replica
                made.release()
                return had
            self._by_code[code], self._teachers[code] = made, ""   # "": its teacher is not known here yet
        made.present = lambda: self._here(code)
        return made

    def _here(self, code: str) -> bool:
        """Whether the class's teacher, or a student who came to it through this replica, has a page open here (the
        actor of a class on a cluster asks every replica: class_on_ray.py)."""
        with self._lock:
            cls = self._by_code.get(code)
            keys = {self._teachers.get(code, "")} | (cls.members_here if cls is not None else set())
            return any(self._presence.here(k) for k in keys if k)

    def of_teacher(self, teacher_key: str) -> Class | None:
        with self._lock:
            mine = next((self._by_code[c] for c, t in self._teachers.items() if t == teacher_key), None)
        if mine is not None and (mine.alive or not mine.detached):
            return mine
        if (shared := self._shared()) is None or not isinstance(teacher_key, str):
            return None
        code = self.runs.cluster(strict=False).teaching(teacher_key)   # their class, made through another replica
        mine = self.get(code) if code else None
        if mine is not None:
            with self._lock:
                if self._by_code.get(code) is mine:
                    self._teachers[code] = teacher_key
        return mine

    def spotlit(self, teacher_key: str | None):
        """(class snapshot, student view) while `teacher_key`'s open class has put a student's run on the teacher's
        watch link (the wall's "Show it on my watch link"); else None."""
        klass = self.of_teacher(teacher_key) if teacher_key else None
        snap = klass.snapshot() if klass is not None else None
        me = snap.student(snap.spotlight) if snap is not None and snap.spotlight else None
        return (snap, me) if me is not None else None

    def of_student(self, owner_key: str) -> tuple[Class, str] | None:
        """The class `owner_key` has a run in, and that run's id (the first such, as a visitor is in one). On a
        cluster, one they joined through another replica too."""
        with self._lock:
            classes = [c for c in self._by_code.values() if c.alive]
        seat = next(((cls, run_id) for cls in classes if (run_id := cls.run_of(owner_key)) is not None), None)
        if seat is not None or (shared := self._shared()) is None or not isinstance(owner_key, str):
            return seat
        code = self.runs.cluster(strict=False).learning(owner_key)
        cls = self.get(code) if code else None
        run_id = cls.run_of(owner_key) if cls is not None else None
        if run_id is None:
            return None
        cls.members_here.add(owner_key)
        cls.owner_back(owner_key)   # their last replica may have said they left: this page is theirs
        return cls, run_id

    def load(self) -> tuple[int, int]:
        """(classes training, classes waiting in line for a slot), for the sidebar's line."""
        training, waiting = self._slots.counts() if self._slots is not None else (0, 0)
        with self._lock:
            elsewhere = [c for c in self._by_code.values() if c.on_cluster]   # on a CPU of the cluster, not a slot
        return training + sum(c.snapshot().training for c in elsewhere), waiting

    def close(self, teacher_key: str, timeout: float = 10.0) -> bool:
        """End the teacher's open class (every run stops, its slot goes back); True when its thread has ended
        within `timeout`, or there was none."""
        self.of_teacher(teacher_key)   # on a cluster, one made through another replica: followed, then ended here
        with self._lock:
            ended = self._pop_locked(lambda c, teacher: teacher == teacher_key)
        return all([cls.close(timeout) for cls in ended])

    # --- who is there -------------------------------------------------------------------------------------------
    def owner_back(self, owner_key: str) -> None:
        """A session of visitor `owner_key` opened (a tab, a reload): call it where Runs.attach is called."""
        with self._lock:
            self._presence.back(owner_key)
            classes = list(self._by_code.values())
        for cls in classes:
            cls.owner_back(owner_key)

    def owner_left(self, owner_key: str) -> None:
        """A session of `owner_key` closed (where Runs.owner_gone is called). When it was their last, their run
        in each class pauses after Limits.idle_s; and a class whose teacher and students have all been gone that
        long ends (OWNER_GONE), as nobody is left to watch it or to close it."""
        now = time.monotonic()
        with self._lock:
            last = self._presence.left(owner_key, now)
            classes = list(self._by_code.values())
        if last:
            for cls in classes:
                cls.owner_left(owner_key, now)
        self.reap(now)

    def reap(self, now: float | None = None) -> None:
        """End the classes nobody has attended for Limits.idle_s (see owner_left); pages may call it any time."""
        now = time.monotonic() if now is None else now
        with self._lock:
            members = {code: {self._teachers[code], *c.owner_keys()} for code, c in self._by_code.items()}
            self._presence.keep_only(set().union(*members.values()))
            deserted = {code for code, keys in members.items()
                        if self._presence.deserted(keys, now, self.limits.idle_s)}
            ended = self._pop_locked(lambda c, teacher: c.code in deserted)
        for cls in ended:
            cls.stop(Reason.OWNER_GONE)

    # --- the end ------------------------------------------------------------------------------------------------
    def close_all(self, timeout: float) -> bool:
        """The process is ending: stop every class (Reason.SERVER_STOPPING) and wait for their threads, `timeout`
        seconds in all; True when all have ended. No class opens after it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closing = True
            live = self._pop_locked(lambda c, teacher: True)
            every = [c for c in self._ended if not c.detached]
        for cls in live:
            if cls.detached:
                cls.release()   # it trains on in the cluster for the other replicas, and ends once nobody is left
            else:
                cls.stop(Reason.SERVER_STOPPING)
        return all([c.join_thread(max(0.0, deadline - time.monotonic())) for c in every])

    shutdown = close_all   # what shutdown.stop_all calls on each registry it holds

    def _pop_locked(self, which: Callable[[Class, str], bool]) -> list[Class]:
        """Take the open classes `which(class, teacher key)` picks out of the registry (the caller stops them)."""
        self._ended = [c for c in self._ended if c.alive]
        codes = [code for code, cls in self._by_code.items() if which(cls, self._teachers[code])]
        popped = [self._by_code.pop(code) for code in codes]
        for code, cls in zip(codes, popped):
            self.past.remember(cls, self._teachers.pop(code))
        self._ended += popped
        return popped
