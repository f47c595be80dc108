"""Slots: the training slots of a server, and the line of runs waiting for one.

A run asks for a slot before it trains (Runner), and gives it back when it
stops training; Runs makes one Slots with the server's cap (GAN_STUDIO_MAX_RUNS).
"""
from __future__ import annotations

import threading
from collections import deque

from ganlib.run.machine import PAUSE_HOLD_S


class Slots:
    """The training slots: a run asks for one to train, waits in line when all are busy, and gives it back
    when it stops training (pause, finish, stop, a failure, its time budget).

    A slot is held by a slot key (Runner.slot_key, by default its run_id): the two runs of a side-by-side
    demo share one key, so the pair takes one slot (and takes turns in it: baton.py). The second to ask
    rides the slot the first holds; when the key waits in line both wait, and one grant lets both in; the
    slot frees when the last of them stops training."""

    def __init__(self, limit: int, hold_s: float = PAUSE_HOLD_S):
        """limit: runs that train at once (0: no limit); hold_s: how long a paused run keeps its slot."""
        self.limit, self.hold_s = limit, hold_s
        self._lock = threading.Lock()
        self._held: dict[str, set[str]] = {}   # slot key -> the run ids training in that slot
        self._line: deque = deque()

    def request(self, runner) -> bool:
        """True: train now. False: queued; runner.grant() is called when a slot frees."""
        key = _key(runner)
        with self._lock:
            if key in self._held or not self.limit or (len(self._held) < self.limit and not self._line):
                self._held.setdefault(key, set()).add(runner.run_id)
                return True
            if all(r.run_id != runner.run_id for r in self._line):
                self._line.append(runner)
            return False

    def release(self, run_id: str) -> None:
        with self._lock:
            for key in [k for k, ids in self._held.items() if run_id in ids]:
                self._held[key].discard(run_id)
                if not self._held[key]:
                    del self._held[key]
            while self._line and (not self.limit or len(self._held) < self.limit):
                key = _key(self._line[0])
                granted = [r for r in self._line if _key(r) == key]   # the next in line, and its twin if queued
                self._line = deque(r for r in self._line if _key(r) != key)
                self._held[key] = {r.run_id for r in granted}
                for r in granted:
                    r.grant()   # queued: the run turns its QUEUED into RUNNING (or hands the slot back)

    def leave(self, run_id: str) -> None:
        """A queued run that no longer wants to train loses its place."""
        with self._lock:
            self._line = deque(r for r in self._line if r.run_id != run_id)

    def place(self, run_id: str) -> int | None:
        """1 for the next in line; None when not queued. A queued pair is one place."""
        with self._lock:
            keys = list(dict.fromkeys(_key(r) for r in self._line))
            key = next((_key(r) for r in self._line if r.run_id == run_id), None)
            return keys.index(key) + 1 if key is not None else None

    def counts(self) -> tuple[int, int]:
        """(slots in use, places in line)."""
        with self._lock:
            return len(self._held), len({_key(r) for r in self._line})


def _key(runner) -> str:
    return getattr(runner, "slot_key", runner.run_id)
