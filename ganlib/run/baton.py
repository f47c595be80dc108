"""Baton: two runs that share one training slot take turns, one step each.

A side-by-side demo trains two runs for one visitor. On a small server the pair
must cost what one run costs: one slot (runs.Slots, by a shared slot key) and one
core's worth of steps. Each Runner holds the baton around each step; while both
train, neither goes twice in a row, so their step counts stay within one of
each other and neither can starve the other (two free threads would not: the
scheduler and torch decide who runs). A run that is not training (paused,
queued, finished, ended) is not waited for: the other goes on alone.

The Runners report whether they train (`training`); `take` waits for the turn
with a timeout, so a run waiting for its turn still reads its commands (a Stop
is never stuck behind the other run's step).
"""
from __future__ import annotations

import threading


class Baton:
    def __init__(self):
        self._cv = threading.Condition()
        self._holder: str | None = None   # the run stepping now
        self._last: str | None = None     # the run that stepped last
        self._training: set[str] = set()  # runs that want a turn every step (RUNNING)

    def training(self, run_id: str, on: bool) -> None:
        """run_id trains (True) or does not any more (False): only a training run is waited for."""
        with self._cv:
            (self._training.add if on else self._training.discard)(run_id)
            self._cv.notify_all()

    def take(self, run_id: str, timeout: float) -> bool:
        """Wait up to `timeout` s for run_id's turn; True when it has the baton (give it back with give)."""
        with self._cv:
            if not self._cv.wait_for(lambda: self._may_go(run_id), timeout):
                return False
            self._holder = run_id
            return True

    def give(self, run_id: str) -> None:
        with self._cv:
            if self._holder == run_id:
                self._holder, self._last = None, run_id
                self._cv.notify_all()

    def _may_go(self, run_id: str) -> bool:
        # after a turn of its own a run waits while another one trains: that one has not had its turn yet
        return self._holder is None and not (self._last == run_id and self._training - {run_id})
