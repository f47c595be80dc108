"""Bounded records of a run: loss curves, the timeline of sample grids, and quality measurements.

All stay small however long a run goes. The curve averages every `stride`
steps into one point; when it is full, neighbouring points are merged in pairs
and the stride doubles. The timeline and the measurements keep their first
entry and thin the rest. The Runner and the command line keep them alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

COLUMNS = ("step", "d_loss", "g_loss", "d_real", "d_fake", "value", "seconds")
CURVE_ROWS = 2000      # points of a loss curve, however long the run
TIMELINE_FRAMES = 60   # sample grids of a timeline (one more for a moment, while it thins)


class Curve:
    def __init__(self, capacity: int = CURVE_ROWS):
        self.capacity, self.stride = capacity, 1
        self.rows: list[tuple] = []
        self._sum = [0.0] * 5
        self._n = 0

    def add(self, step: int, seconds: float, stats: tuple[float, ...]) -> None:
        self._sum = [a + b for a, b in zip(self._sum, stats)]
        self._n += 1
        if self._n >= self.stride:
            self.rows.append((step, *(s / self._n for s in self._sum), seconds))
            self._sum, self._n = [0.0] * 5, 0
            if len(self.rows) >= self.capacity:
                self._halve()

    def _halve(self) -> None:
        pairs = zip(self.rows[0::2], self.rows[1::2])
        merged = [(b[0], *((x + y) / 2 for x, y in zip(a[1:6], b[1:6])), b[6]) for a, b in pairs]
        if len(self.rows) % 2:
            merged.append(self.rows[-1])
        self.rows, self.stride = merged, self.stride * 2

    def columns(self) -> dict[str, tuple]:
        rows = list(self.rows)  # one copy, so every column has the same length while the worker adds rows
        return {name: tuple(r[i] for r in rows) for i, name in enumerate(COLUMNS)}

    def state_dict(self) -> dict:
        return {"rows": [list(r) for r in self.rows], "stride": self.stride}

    def load_state_dict(self, s: dict) -> None:
        self.rows = [tuple(r) for r in s["rows"]]
        self.stride = int(s["stride"])


@dataclass(frozen=True)
class Frame:
    step: int
    seconds: float
    picture: Any  # read-only numpy array: an H x W x C uint8 grid, or N x D points


@dataclass(frozen=True)
class Event:
    step: int
    field: str
    old: Any
    new: Any


class Timeline:
    def __init__(self, capacity: int = TIMELINE_FRAMES):
        self.capacity = capacity
        self.frames: list[Frame] = []

    def add(self, frame: Frame) -> None:
        self.frames.append(frame)
        if len(self.frames) > self.capacity:
            # keep the first frame (where it all began) and every other one after it, and the newest
            self.frames = [self.frames[0]] + self.frames[2:-1:2] + [self.frames[-1]]


MAX_MEASUREMENTS = 400   # quality measurements a run keeps
MAX_EVENTS = 500         # live changes a run keeps


def note_changes(events: list, step: int, old, changes: dict) -> None:
    """Record live changes (field -> new value) made to the config `old` at `step`, one Event for each field
    whose value changed; past MAX_EVENTS, the oldest go."""
    events += [Event(step, k, getattr(old, k), v) for k, v in changes.items() if getattr(old, k) != v]
    del events[:-MAX_EVENTS]


def add_measurement(metrics: list, step: int, values: dict, capacity: int = MAX_MEASUREMENTS) -> None:
    """Append (step, values) to a run's measurements; past capacity, keep the first and every other one after it."""
    metrics.append((step, values))
    if len(metrics) > capacity:
        metrics[:] = metrics[:1] + metrics[2::2]


@dataclass
class Records:
    """What a run records besides its weights, as a checkpoint keeps it and a resume restores it (the Runner
    and the command line alike): the loss curve, the live changes, the quality measurements, the timeline of
    sample grids, and the training time they reached."""
    curve: Curve = field(default_factory=Curve)
    events: list = field(default_factory=list)       # Event
    metrics: list = field(default_factory=list)      # (step, {metric: value})
    timeline: Timeline = field(default_factory=Timeline)
    seconds: float = 0.0

    @classmethod
    def from_payload(cls, payload: dict) -> "Records":
        """From a checkpoint payload that checkpoint.load_checkpoint has checked; checkpoints written before
        the measurements and the timeline were kept (issue 13) have neither, and start them afresh."""
        r = cls()
        r.curve.load_state_dict(payload["history"])
        r.events = [Event(*e) for e in payload.get("events", [])]
        for step, values in payload.get("metrics", []):
            add_measurement(r.metrics, step, dict(values))
        for f in payload.get("timeline", []):
            picture = np.asarray(f["picture"].numpy())
            picture.setflags(write=False)   # snapshots stay immutable
            r.timeline.add(Frame(f["step"], f["seconds"], picture))
        r.seconds = max([row[-1] for row in r.curve.rows[-1:]] + [f.seconds for f in r.timeline.frames[-1:]],
                        default=0.0)
        return r
