"""A snapshot between two processes: how it pickles, and how it travels in parts (run/on_ray.py).

A follower in another process holds the snapshot it was sent last; the next
one need not carry again what that one has: G's weights and the real samples
go as SAME, and the timeline's frames it holds as their steps (shrink), and
the follower puts them back (grow).
"""
from __future__ import annotations

import copyreg
import dataclasses
from types import MappingProxyType

from ganlib.run.snapshot import Snapshot

SAME = "same"       # in a shrunk snapshot: this part is the one the follower holds


def _read_only(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


# A snapshot's history and G's weights are read-only mappings, which pickle cannot send. This registers how, for
# that one type; the app and every worker that runs a RunActor import this module (through on_ray.py), so both
# ends know it.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


def shrink(snap: Snapshot, had: Snapshot | None) -> Snapshot:
    """`snap` without the large parts that the snapshot `had` (the one the follower holds) already has: G's weights
    and the real samples as SAME, and the timeline's frames it holds as their steps. A fast-digits snapshot is
    ~4 MB pickled (G's weights 2.2 MB, the timeline 1.6 MB), published 4 times a second; shrunk, ~80 KB and a
    new frame now and then."""
    if had is None:
        return snap
    held = {id(f) for f in had.timeline}
    return dataclasses.replace(
        snap, g_weights=SAME if snap.g_weights is not None and snap.g_weights is had.g_weights else snap.g_weights,
        real=SAME if snap.real is not None and snap.real is had.real else snap.real,
        timeline=tuple(f.step if id(f) in held else f for f in snap.timeline))


def grow(sent: Snapshot, have: Snapshot) -> Snapshot:
    """The whole snapshot from a shrunk one and the snapshot the follower holds (shrink's `had`)."""
    frames = {f.step: f for f in have.timeline}
    return dataclasses.replace(
        sent, g_weights=have.g_weights if isinstance(sent.g_weights, str) else sent.g_weights,
        real=have.real if isinstance(sent.real, str) else sent.real,
        timeline=tuple(frames[f] if isinstance(f, int) else f for f in sent.timeline))
