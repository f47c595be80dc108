"""Who runs belong to: the Owner that asks Runs for a run, and the records Runs keeps of runs and of owners.

An owner is a browser session (a Visitor) known by its visitor key; several sessions of one key (tabs, a
reload) are one owner. Torch-free: only the names of a run's types are needed here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ganlib.run.runner import Runner


class Owner(Protocol):
    key: str       # who owns a run: a visitor's key
    closed: bool   # this session has ended (set by Runs.owner_gone, under the registry's lock)
    # and, optionally, `space` (a spaces.Space): its runs read data_path through it, so they reach only
    # the owner's own uploads


class OwnerGone(RuntimeError):
    """The session that asked for a run has closed meanwhile; no run was made."""


@dataclass
class Entry:
    """One run in the registry."""
    runner: Runner
    owner: str
    retired: bool = False   # stopped and let go: the reaper drops it once its thread ends
    lead: str | None = None   # a side-by-side twin: the run_id of the run it rides with (create_pair)


@dataclass
class OwnerRecord:
    """One owner in the registry: its open sessions, since when it has none, and who watches it."""
    sessions: int = 0
    gone_at: float | None = None   # when its last session closed
    away: bool = False             # its runs were paused for it (Limits.away_s) since then
    code: str = ""                 # its watch code, once it shared its run
    watchers: set = field(default_factory=set)   # keys of the sessions watching it
