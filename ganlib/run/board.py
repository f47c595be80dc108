"""A board: where an owner thread pins its latest numbered, immutable snapshot for every other thread to read.

A Runner (run/runner.py) and a Class (classroom/class_ticker.py) each have one: their own thread alone pins
(`_publish`, `_pin`), pages read (`snapshot`, `wait`). The owner provides `_cv` (a Condition, which also guards its
inbox), `_snap`, `_make_snapshot()`, `_clock()` and the `_dirty` / `_published_at` pair its publishing keeps.
"""
from __future__ import annotations

from typing import Any, Callable


class Board:
    def snapshot(self) -> Any:
        with self._cv:
            return self._snap

    def wait(self, predicate: Callable[[Any], bool], timeout: float) -> Any:
        """The first snapshot for which predicate holds, or the latest one when `timeout` seconds pass first."""
        with self._cv:
            self._cv.wait_for(lambda: predicate(self._snap), timeout)
            return self._snap

    def _pin(self, snap: Any) -> None:
        with self._cv:
            self._snap = snap
            self._cv.notify_all()

    def _publish(self) -> None:
        self._pin(self._make_snapshot())
        self._dirty, self._published_at = False, self._clock()
