"""Runs: every training run of this server process, who owns each one, and a reaper for the ended ones.

Nothing trains that Runs does not know of. A run is made and registered under
one lock, and only for an owner that is still here, so a tab that closes or
reloads while Start is still loading leaves no orphan: either the run was
registered first and `owner_gone` stops it, or the owner was gone first and
`create` refuses. Leaving only says so: stopping is a queued command, and the
reaper joins ended threads on its own thread, never on the server's event loop.
Kept behind this small interface so that a shared store can replace it for
several app replicas.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .state import Reason, Status

if TYPE_CHECKING:
    from .config import TrainConfig
    from .runner import Runner
    from .snapshot import Snapshot

REAP_EVERY_S = 0.5


class Owner(Protocol):
    key: str       # who owns a run: a visitor's key
    closed: bool   # set by Runs.owner_gone, under the registry's lock
    # and, optionally, `space` (a spaces.Space): its runs read data_path through it, so they reach only
    # the owner's own uploads


class OwnerGone(RuntimeError):
    """The session that asked for a run has closed meanwhile; no run was made."""


@dataclass
class _Entry:
    runner: Runner
    owner: str
    retired: bool = False   # stopped and let go by its owner: the reaper drops it once its thread ends


class Runs:
    def __init__(self, reap_every: float = REAP_EVERY_S):
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._reap_every = reap_every
        self._reaper: threading.Thread | None = None

    def create(self, owner: Owner, cfg: TrainConfig | None = None, *, payload: dict | None = None,
               preset: str = "", metrics: bool = True) -> Runner:
        """A new run for `owner`, of `cfg` or of a checkpoint payload; its thread starts building at once.
        Raises OwnerGone if the owner has left, ValueError for a bad config."""
        from .runner import AUTO, Runner  # torch: imported with the first run, not with the first page
        with self._lock:
            if owner.closed:
                raise OwnerGone("the session that asked for this run has closed")
            space = getattr(owner, "space", None)
            runner = Runner(cfg, payload=payload, evaluator=AUTO if metrics else None, preset=preset,
                            data_paths=space.data_path if space is not None else None)
            self._entries[runner.run_id] = _Entry(runner, owner.key)
        return runner

    def get(self, run_id: str | None) -> Runner | None:
        with self._lock:
            e = self._entries.get(run_id) if run_id else None
            return e.runner if e is not None and not e.retired else None

    def retire(self, run_id: str | None, reason: Reason = Reason.BY_USER) -> None:
        """Stop a run and let it go (its owner replaced or reset it); returns at once."""
        with self._lock:
            self._retire_locked(run_id, reason)

    def owner_gone(self, owner: Owner) -> None:
        """The owner's session has ended: stop and let go of all its runs; returns at once."""
        with self._lock:
            owner.closed = True
            for run_id, e in list(self._entries.items()):
                if e.owner == owner.key:
                    self._retire_locked(run_id, Reason.OWNER_GONE)

    def _retire_locked(self, run_id: str | None, reason: Reason) -> None:
        e = self._entries.get(run_id) if run_id else None
        if e is not None and not e.retired:
            e.retired = True
            e.runner.stop(reason)
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap_until_none_left, name="ganlib-reaper", daemon=True)
                self._reaper.start()

    # --- what the server carries -----------------------------------------------------------
    def snapshots(self) -> list[Snapshot]:
        """The latest snapshot of every run this process holds, retired ones still ending included."""
        with self._lock:
            runners = [e.runner for e in self._entries.values()]
        return [r.snapshot() for r in runners]

    def threads_alive(self) -> int:
        with self._lock:
            return sum(e.runner.alive for e in self._entries.values())

    def training(self) -> int:
        return sum(s.status is Status.RUNNING for s in self.snapshots())

    # --- the reaper ---------------------------------------------------------------------------
    def reap(self) -> int:
        """Join and drop retired runs whose threads have ended; returns how many are still ending."""
        with self._lock:
            done = [k for k, e in self._entries.items() if e.retired and not e.runner.alive]
            ending = sum(e.retired for e in self._entries.values()) - len(done)
            for k in done:
                self._entries.pop(k).runner.join(0)
        return ending

    def _reap_until_none_left(self) -> None:
        while True:
            time.sleep(self._reap_every)
            self.reap()
            with self._lock:
                if not any(e.retired for e in self._entries.values()):
                    self._reaper = None
                    return
