"""How a run shows itself: the numbered, immutable Snapshot its thread publishes, with G's weights beside it.

A part of Runner (its base class), as building.py and stepping.py are: these
run on the run's thread alone (and once in Runner.__init__, before it starts).
"""
from __future__ import annotations

from types import MappingProxyType

from ganlib.engine.kinds import DataKind
from ganlib.run import published
from ganlib.run.history import Curve
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import Status


class Publishing:
    def _publish_g(self) -> None:
        t = self._trainer
        self._g, self._g_at = published.copy_of(t), (t.step_count, self._half_steps)

    def _make_snapshot(self) -> Snapshot:
        t, r, s, self._version = self._trainer, self._record, self._state, self._version + 1
        if t is not None and self._g_at != (t.step_count, self._half_steps) and \
                s.status not in (Status.RUNNING, Status.FAILED):
            self._publish_g()   # it stands still with a G newer than the last frame's (a pause, a Step G)
        cfg, running = (t.cfg if t is not None else self._cfg), s.status is Status.RUNNING
        rate = r.rate if r is not None else 0.0
        rate = min(rate, s.pace) if s.pace else rate   # slow motion keeps to its pace
        eta = t.steps_left() / rate if t is not None and running and rate > 0 else None
        return Snapshot(
            run_id=self.run_id, version=self._version, status=s.status, reason=s.reason, config=cfg,
            kind=DataKind.POINTS if cfg.is_toy else DataKind.IMAGE, shape=tuple(t.data.shape) if t else (),
            step=t.step_count if t else 0, epoch=t.epoch if t else 0.0,
            steps_per_sec=rate if running else 0.0, eta_seconds=eta, elapsed=r.seconds if r else 0.0,
            history=MappingProxyType((r.curve if r else Curve()).columns()),
            events=tuple(r.events if r else self._early_events), timeline=tuple(r.timeline.frames if r else ()),
            metrics=tuple(r.metrics if r else ()), real=self._real, fid_floor=self._fid_floor,
            problem=s.problem, preset=self.preset, device=self._device, d_alone_left=s.d_left,
            half_steps=self._half_steps, pace=s.pace, g_weights=self._g)
