"""A ClassSnapshot between two processes (class_in_worker.py): what travels of it, and how it is made whole again.

The server holds the snapshot it was sent last; the next one need not carry again what that one has. A student
whose view did not change goes as its run id; G's points, when G did not move, as SAME; and a loss curve that only
grew, as the rows added (a class of 30 publishes 4 times a second, and its curves are 500 rows of 7 columns each:
about 1 MB a snapshot sent whole). The server freezes the arrays again: pickle makes them writable.
"""
from __future__ import annotations

import dataclasses
from types import MappingProxyType

from ganlib.classroom.class_view import ClassSnapshot, StudentView
from ganlib.engine.grid import frozen
from ganlib.run.wire import SAME


@dataclasses.dataclass(frozen=True)
class Tail:
    """A curve that only grew: `held` rows the server has, and the columns' rows after them."""
    held: int
    rows: dict


def shrink(snap: ClassSnapshot, had: ClassSnapshot | None) -> ClassSnapshot:
    """`snap` without what `had` (the snapshot the server holds) has already."""
    if had is None:
        return snap
    held = {s.run_id: s for s in had.students}
    return dataclasses.replace(snap, real=SAME if snap.real is had.real else snap.real,
                               students=tuple(_shrunk(s, held.get(s.run_id)) for s in snap.students))


def _shrunk(view: StudentView, had: StudentView | None):
    if had is None:
        return view
    if view is had:
        return view.run_id
    points = SAME if view.points is had.points else view.points
    history = view.history
    n = len(next(iter(had.history.values()), ()))
    if n and set(view.history) == set(had.history) and all(
            len(v) >= n and v[:n] == had.history[k] for k, v in view.history.items()):
        history = Tail(n, {k: v[n:] for k, v in view.history.items()})
    return dataclasses.replace(view, points=points, history=history)


def grow(sent: ClassSnapshot, have: ClassSnapshot) -> ClassSnapshot:
    """The whole snapshot from a shrunk one and the one the server holds (shrink's `had`)."""
    return dataclasses.replace(sent, real=have.real if isinstance(sent.real, str) else frozen(sent.real),
                               students=tuple(_grown(s, have) for s in sent.students))


def _grown(view, have: ClassSnapshot) -> StudentView:
    if isinstance(view, str):
        return have.student(view)
    had = have.student(view.run_id)
    history = view.history
    if isinstance(history, Tail):
        history = MappingProxyType({k: had.history[k] + rows for k, rows in history.rows.items()})
    return dataclasses.replace(view, points=had.points if isinstance(view.points, str) else frozen(view.points),
                               history=history)
