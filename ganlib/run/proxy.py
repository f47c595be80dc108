"""A run that trains in another process, as the server holds it: the Runner's interface over messages.

Two kinds (run/hosts.py): on_worker.PipeRun, whose run is a thread of the server's training worker, and
on_ray.RemoteRun, whose run is a Ray actor. Both send the commands that mailbox.py checks, pin the snapshots their
run sends (Board: pages read them without waiting), and ask their run for copies. This base holds what the two
share: the first snapshot, the end of the run as the server sees it, and a lost run's last word.
"""
from __future__ import annotations

import dataclasses
import threading
from typing import Callable

from ganlib.engine.config import TrainConfig
from ganlib.engine.kinds import DataKind
from ganlib.run.mailbox import Mailbox
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import Problem, Reason, Status


class RunProxy(Mailbox):
    def _open_proxy(self, cfg: TrainConfig, run_id: str, preset: str, first: Snapshot | None,
                    status: Status) -> None:
        self.run_id, self.preset, self.slot_key = run_id, preset, run_id
        self._open_mailbox(cfg)
        self._snap = first or Snapshot(run_id=run_id, version=0, status=status, reason=Reason.NONE, config=cfg,
                                       kind=DataKind.POINTS if cfg.is_toy else DataKind.IMAGE, preset=preset)
        self._over = threading.Event()   # the server follows the run no more: it ended, was lost, or let go
        # the step of the run's last autosave, if any (Runs sets it): a lost run's message names it
        self.kept: Callable[[], int | None] = lambda: None

    # --- copies: the run makes them between two steps, in its own process ----------------------------
    def generator_copy(self):
        return self._copy("generator_copy")

    def models_copy(self, game: bool = False):
        return self._copy("models_copy", game)

    def dataset(self):
        return self._copy("dataset")

    def checkpoint(self) -> dict:
        return self._copy("checkpoint")

    # --- the end, as the server sees it -------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return not self._over.is_set()

    def join(self, timeout: float | None = None) -> bool:
        return self._over.wait(timeout)

    def close(self, timeout: float = 10.0) -> bool:
        self.stop()
        return self.join(timeout)

    def _arrive(self, snap: Snapshot) -> None:
        """Pin a snapshot the run sent; the last one ends the server's part."""
        self._pin(snap)
        if snap.ended:
            self._end()

    def _lost(self, error: str, message: str) -> None:
        """The process that trained the run is gone: the run is FAILED (Reason.WORKER_LOST), and its page keeps
        what it last sent."""
        last = self._snap
        if not last.ended:
            self._pin(dataclasses.replace(
                last, version=last.version + 1, status=Status.FAILED, reason=Reason.WORKER_LOST, steps_per_sec=0.0,
                eta_seconds=None, problem=Problem(error, step=last.step, good_step=self.kept() or 0,
                                                  message=message)))
        self._end()

    def _end(self) -> None:
        with self._cv:
            self._closed = True   # an ended run takes no more commands
        self._over.set()
