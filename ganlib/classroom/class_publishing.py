"""How a class shows itself: the numbered, immutable ClassSnapshot its ticker publishes, and its last one.

A part of Class (its base class), as run/publishing.py is of Runner: these run on the class's ticker thread
alone (and once in Class.__init__, before it starts). A publish costs little however big the class: a student's
view is made again only when something it shows changed (class_seat.Seat.view), G's points are taken once per
publish and only for the runs that moved, and the loss curves are extended, not copied.
"""
from __future__ import annotations

import dataclasses

import torch

from ganlib.classroom.class_seat import POINTS
from ganlib.classroom.class_slot import SlotState
from ganlib.classroom.class_view import ClassSnapshot
from ganlib.engine.noise import random_z
from ganlib.run.state import Reason, Status

PUBLISH_EVERY = 0.25   # seconds between snapshots: a wall of 60 runs redrawn faster would show nothing more
Z_SEED = 0             # the class's fixed z: every student's points come from the same z, so they compare


class Publishing:
    def _z_for(self, latent_dim: int) -> torch.Tensor:
        if latent_dim not in self._z:
            self._z[latent_dim] = random_z(POINTS, latent_dim, Z_SEED)
        return self._z[latent_dim]

    def _make_snapshot(self, closed: bool = False) -> ClassSnapshot:
        self._version += 1
        queued = self._slot is SlotState.QUEUED
        training = self._slot is SlotState.HELD and any(s.status is Status.RUNNING for s in self._seats.values())
        return ClassSnapshot(
            code=self.code, version=self._version, preset=self.preset, open_fields=self._open, base=self._base,
            real=self._real, students=tuple(s.view(queued, self._z_for) for s in self._seats.values()),
            training=self._slot is SlotState.HELD, queued=queued,
            steps_per_sec=self._rate if training else 0.0, seconds=self._slot_s, time_up=self._spent,
            closed=closed, spotlight=self._spot if self._spot in self._seats else None)

    def _end(self, reason: Reason | None) -> None:
        """Every run stops, the class leaves the line and gives its slot back, and the last snapshot says so."""
        with self._cv:
            self._closed = True   # no more notes: a grant in flight is undone by the release below
            self._inbox.clear()
        if self._slots is not None:
            self._slots.leave(self._claim.run_id)
            self._slots.release(self._claim.run_id)
        self._slot = SlotState.NONE
        for seat in self._seats.values():
            try:
                self._out(seat)
            except Exception:  # noqa: BLE001 - the ensemble failed: its Trainer stays as last given back
                self._in_ens.discard(seat.run_id)
            if reason is not None and seat.status is not Status.FAILED:
                seat.set(Status.STOPPED, reason)
        try:
            snap = self._make_snapshot(closed=True)
        except Exception:  # noqa: BLE001 - a view that cannot be made: the last one, saying the class ended
            snap = dataclasses.replace(self._snap, version=self._snap.version + 1, closed=True)
        self._pin(snap)
