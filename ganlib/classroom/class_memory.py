"""The classes that ended lately on this server, as their pages last showed them.

A student's tab keeps their run's last picture when the class ends, but a reload is a new session: it found no
class under the code and said "No class is open", and the picture was gone (a class pass). A projector on the
teacher's watch link, where a student's run was put, fell back to "Nothing to show yet". So the registry
(classes.Classes) gives each class it lets go to this memory: its last snapshot, its teacher, and which run was
whose. Visitor keys stay here, never in what a page gets.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping

from ganlib.classroom.class_view import ClassSnapshot, StudentView
from ganlib.run.state import Status

if TYPE_CHECKING:
    from ganlib.classroom.class_ticker import Class

ENDED_KEEP_S = 3600.0   # a lesson's length: a student who reloads or comes back after it has its picture no more
ENDED_KEPT = 8          # classes remembered at most, each ~0.3 MB: 60 students' snapshot took 1.5 MB (pickled) at
                        # 2,800 steps, most of it their loss curves, of which one run's is kept (remember)


@dataclass(frozen=True)
class Ended:
    snapshot: ClassSnapshot          # as published last, marked as ended
    teacher: str                     # the teacher's key ("" when this replica did not know it)
    seats: Mapping[str, str]         # student key -> their run id
    at: float                        # time.monotonic() when it ended here


class EndedClasses:
    def __init__(self, keep_s: float = ENDED_KEEP_S, kept: int = ENDED_KEPT):
        self.keep_s, self.kept = keep_s, kept
        self._lock = threading.Lock()
        self._by_code: OrderedDict[str, Ended] = OrderedDict()

    def remember(self, cls: Class, teacher_key: str, now: float | None = None) -> None:
        """`cls` ends now. Reads what this process has of it only: a class on a cluster (detached) keeps its seats in
        its actor, which may be gone, so its students here get the end without their picture."""
        snap = cls.snapshot()
        if snap is None:
            return
        seats = {} if cls.detached else {key: run_id for key in cls.owner_keys()
                                         if (run_id := cls.run_of(key)) is not None}
        # as it ends: nothing trains or waits, and a run that had not finished or failed has ended; only the run on
        # the watch link keeps its loss curves, which the projector draws (a student's page shows the picture only)
        students = tuple(replace(s, status=s.status if s.status in (Status.FINISHED, Status.FAILED) else Status.STOPPED,
                                 history=s.history if s.run_id == snap.spotlight else {})
                         for s in snap.students)
        last = replace(snap, students=students, closed=True, training=False, queued=False, steps_per_sec=0.0)
        now = time.monotonic() if now is None else now
        with self._lock:
            self._by_code[snap.code] = Ended(last, teacher_key or "", seats, now)
            self._by_code.move_to_end(snap.code)
            self._forget_locked(now)

    def seat(self, code: str, owner_key: str) -> tuple[ClassSnapshot, StudentView | None] | None:
        """The class of `code` if it ended lately, and `owner_key`'s run in it (None when they had none here)."""
        with self._lock:
            self._forget_locked(time.monotonic())
            ended = self._by_code.get(code)
        if ended is None:
            return None
        return ended.snapshot, ended.snapshot.student(ended.seats.get(owner_key))

    def spot(self, teacher_key: str) -> tuple[ClassSnapshot, StudentView] | None:
        """The run that `teacher_key`'s last class, ended lately, had on their watch link when it ended."""
        with self._lock:
            self._forget_locked(time.monotonic())
            ended = next((e for e in reversed(self._by_code.values()) if e.teacher == teacher_key), None)
        if not teacher_key or ended is None or ended.snapshot.spotlight is None:
            return None
        me = ended.snapshot.student(ended.snapshot.spotlight)
        return (ended.snapshot, me) if me is not None else None

    def _forget_locked(self, now: float) -> None:
        while self._by_code and (len(self._by_code) > self.kept
                                 or now - next(iter(self._by_code.values())).at > self.keep_s):
            self._by_code.popitem(last=False)
