"""A class on a Ray cluster, as every app replica holds it: SharedClass.

Why: behind a load balancer, a teacher's replica and a student's need not be the same, and either may be killed.
So the whole class lives in one named, detached actor of the cluster (run/ray_boards.py), found by its code: the
ticker (class_ticker.Class, the only writer of its runs) and its door (class_door.Door), where every join and
change is checked, whichever replica it came through. A replica holds a SharedClass: door calls go to the actor
and are answered (a FieldError names its field, as at a class in the server); snapshots come back as a
training worker's do, pinned here for the pages. The cluster's registry (cluster.py) says which class a teacher
teaches and which a student is in, so a visitor who comes back through another replica finds theirs.

Imported only on a cluster (classes.Classes._shared): the first page, and a server without Ray, never import ray.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from ganlib.classroom import cluster
from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_door import JOIN_WAIT_S
from ganlib.classroom.class_in_worker import OPEN_S, PipeClass, make_class
from ganlib.classroom.class_view import ClassClosed, ClassCommand, ClassSnapshot
from ganlib.engine.config import TrainConfig
from ganlib.run.state import Reason
from ganlib.words import class_text as W


class SharedClass(PipeClass):
    """A class of the classes.Classes registry, with class_ticker.Class's interface, in an actor of the cluster."""
    detached = True   # it trains on when this replica ends: release() lets it go, stop() ends it

    def __init__(self, host, code: str, first: ClassSnapshot):
        self.code, self.preset, self._clock = code, first.preset, time.monotonic
        self._cv, self._closed = threading.Condition(), False
        self._host, self._ended, self._snap = host, threading.Event(), first
        self.on_cluster = True
        self.key = f"class-{code}"   # its actor's name in the cluster, as its slot key was in a server
        # whether a member of the class has a page open in this replica (Classes sets it): while no replica has one
        # for idle_s, the actor ends the class
        self.present: Callable[[], bool] = lambda: True
        self.members_here: set[str] = set()   # the students who came to it through this replica (Classes._here)

    @classmethod
    def open(cls, host, code: str, preset: str, base: TrainConfig, open_fields: tuple[str, ...], teacher_key: str, *,
             limits: Limits, drawing=None) -> SharedClass:
        """A new class in an actor of its own; ClassClosed when it could not start (ValueError: its code is taken
        in the cluster, a one in a billion chance; the teacher opens it again)."""
        made = cls(host, code, ClassSnapshot(code=code, version=0, preset=preset, open_fields=open_fields, base=base,
                                             real=np.zeros((0, 2), np.float32), students=(), training=False,
                                             queued=False, steps_per_sec=0.0))
        host.boards.share(made.key, made, make_class, (code, preset, base, open_fields, limits, None, drawing),
                         limits.idle_s)
        first = made.wait(lambda s: s.version > 0 or s.closed, OPEN_S)
        if first.version == 0 or first.closed:
            made.stop()
            raise ClassClosed(W.CLASS_NOT_STARTED)
        cluster.teach(teacher_key, code)
        return made

    @classmethod
    def find(cls, host, code: str) -> SharedClass | None:
        """The open class of `code` another replica made, now followed here too; None once it has ended."""
        return host.boards.follow(f"class-{code}", lambda first: cls(host, code, first))

    # --- the door, in the actor ---------------------------------------------------------------------------------
    def join(self, owner_key: str, name: str = "") -> str:
        run_id = self._door("join", owner_key, name)
        self.members_here.add(owner_key)
        cluster.learn(owner_key, self.code)   # the student's next replica finds their class by their key
        # on the wall here too when this returns, as at a class in the server: the page draws the run at once, and
        # read a snapshot from before the join as "the class has ended" (a browser test on two replicas)
        self.wait(lambda s: s.closed or s.student(run_id) is not None, JOIN_WAIT_S)
        return run_id

    def run_of(self, owner_key: str) -> str | None:
        try:   # asked by every page of a visitor without a run (the sidebar): a class just lost has no seat to give
            return self._door("run_of", owner_key)
        except ClassClosed:
            return None

    def send(self, run_id: str, command: ClassCommand, **changes) -> None:
        self._door("send", run_id, command, **changes)

    def spotlight(self, run_id: str | None) -> None:
        self._door("spotlight", run_id)

    def owner_left(self, owner_key: str, now: float | None = None) -> None:
        self._quiet("owner_left", owner_key)   # stamped by the actor's clock: `now` is this process's

    def owner_back(self, owner_key: str) -> None:
        self._quiet("owner_back", owner_key)

    def owner_keys(self) -> set[str]:
        try:
            return self._door("owner_keys") if not self._closed else set()
        except ClassClosed:
            return set()

    def stop(self, reason: Reason = Reason.BY_USER) -> None:
        with self._cv:
            self._closed = True
        self._quiet("stop", reason)

    def release(self) -> None:
        """Follow the class no more: it trains on in the cluster for the other replicas (this one is ending)."""
        self._host.boards.release(self)

    def _door(self, name: str, *args, **kw):
        if self._closed:
            raise ClassClosed(W.CLASS_CLOSED)
        try:
            return self._host.boards.door(self, name, *args, **kw)
        except ConnectionError:   # the actor is gone: its worker, or the whole cluster
            raise ClassClosed(W.CLASS_CLOSED) from None

    def _quiet(self, name: str, *args) -> None:
        """A door call whose refusal nobody waits for: a class that has ended has nothing to pause or end."""
        try:
            self._host.boards.door(self, name, *args)
        except (ConnectionError, ValueError, RuntimeError):
            pass

