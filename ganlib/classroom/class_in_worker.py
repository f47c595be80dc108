"""A class whose runs train in the training worker (run/worker.py), as the server holds it: PipeClass.

Why: a class's batched step in the server's interpreter waits for the GIL while its students' pages redraw
(bench/class.py: 0.72x of its quiet speed with 30 students' pages refreshing), as a single run did before it moved
to the worker (issue 24). The door (class_door.Door) stays in the server: every join, command and change is checked
there, on the caller's thread, as for a class in the server, and its note goes to the worker, where the ticker
(class_ticker.Class, the only writer of the class's runs) takes it at its next tick. Each snapshot comes back
without what the server holds already (class_wire.py) and is pinned here, where the pages read it.

The class's training slot is still the server's (classroom/slots.py): the ticker asks for it through the worker.
If the worker dies, every run of the class is FAILED (the worker was lost) and the class has ended.
"""
from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np

from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_door import Door, Note
from ganlib.classroom.class_slot import SlotClaim
from ganlib.classroom.class_ticker import Class, drawn_dataset
from ganlib.classroom.class_view import ClassClosed, ClassSnapshot
from ganlib.classroom.class_wire import grow
from ganlib.engine.config import TrainConfig
from ganlib.engine.ensemble import Ensemble
from ganlib.classroom.shutdown import register
from ganlib.run.board import Board
from ganlib.run.on_worker import WORKER
from ganlib.run.state import Problem, Reason, Status
from ganlib.run.messages import SlotsProxy
from ganlib.words import class_text as W

__all__ = ["WORKER", "PipeClass", "make_class"]   # WORKER: the server's one, where classes.py makes its classes

OPEN_S = 120.0   # the worker makes a class within this: its start (torch) and a first class's models, on a busy machine


class PipeClass(Door, Board):
    """A class of the classes.Classes registry, with the interface of class_ticker.Class, training in `host`, the
    server's training worker (on_worker.WorkerHost). On a Ray cluster, class_on_ray.SharedClass, its subclass, has
    its door in the class's actor too."""

    def __init__(self, host, code: str, preset: str, base: TrainConfig, open_fields: tuple[str, ...], *, slots=None,
                 limits: Limits | None = None, drawing=None):
        self.code, self.preset, self._clock = code, preset, time.monotonic
        limits = limits or Limits()
        self._open_door(base, open_fields, limits)
        self._host, self._slots, self._ended = host, slots, threading.Event()
        self.on_cluster = host.on_cluster   # Classes.load counts it apart: it holds none of the server's slots
        self._ens = Ensemble   # the door's static check of a change (refuses), as the worker's engine would make it
        # the server's Slots see it as the class in the server: one claim, granted by a note to the ticker
        self.claim = SlotClaim(code, lambda: self._post(Note.GRANT, ""))
        self._snap = ClassSnapshot(code=code, version=0, preset=preset, open_fields=open_fields, base=base,
                                   real=np.zeros((0, 2), np.float32), students=(), training=False, queued=False,
                                   steps_per_sec=0.0)
        hold_s = slots.hold_s if slots is not None else None
        register(host)   # the server's end tells the worker to end, as Runs does with its host (following.py)
        host.host(self.claim.run_id, self, make_class, (code, preset, base, open_fields, limits, hold_s, drawing))
        first = self.wait(lambda s: s.version > 0 or s.closed, OPEN_S)
        if first.version == 0 or first.closed:   # not made in time, or the worker could not make it, or was lost
            self.stop()
            raise ClassClosed(W.CLASS_NOT_STARTED)

    @property
    def alive(self) -> bool:
        return not self._ended.is_set()

    def close(self, timeout: float = 10.0) -> bool:
        self.stop()
        return self.join_thread(timeout)

    def join_thread(self, timeout: float | None = None) -> bool:
        """Whether the class has ended in the worker (its last snapshot here) within `timeout`."""
        return self._ended.wait(timeout)

    def _post(self, note: Note, run_id: str, arg=None) -> None:
        self._host.post(self.claim.run_id, note, run_id, arg)

    # --- what the worker sends (on the host's reading thread) ------------------------------------------------------
    def _arrive(self, sent) -> None:
        if isinstance(sent, Exception):   # the worker could not make the class
            self._lost(type(sent).__name__, str(sent))
            return
        snap = grow(sent, self.snapshot())
        self._pin(snap)
        if snap.closed:
            self._ended.set()

    def _lost(self, name: str, message: str) -> None:
        """Every run FAILED with what it last showed, and the class ended."""
        with self._cv:
            self._closed = True
        problem = Problem(name, message=message)
        snap = self.snapshot()
        students = tuple(s if s.status in (Status.STOPPED, Status.FAILED) else
                         dataclasses.replace(s, status=Status.FAILED, reason=Reason.WORKER_LOST, problem=problem)
                         for s in snap.students)
        self._pin(dataclasses.replace(snap, version=snap.version + 1, students=students, training=False,
                                      queued=False, steps_per_sec=0.0, closed=True))
        self._ended.set()


def make_class(worker, code: str, preset: str, base: TrainConfig, open_fields: tuple[str, ...], limits: Limits,
               hold_s: float | None, drawing):
    """In the worker (Msg.HOST): the class's ticker, asking the server's slots through the worker; in a Ray actor
    (worker None, hold_s None): asking none, the cluster placed it."""
    data = drawn_dataset(drawing, W.CLASS_DRAWING) if drawing is not None else None
    return Class(code, preset, base, open_fields, slots=SlotsProxy(worker, hold_s) if hold_s is not None else None,
                 limits=limits, data=data)
