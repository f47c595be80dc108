"""What one server carries: the limits on its runs (from the server's settings) and the load it carries now.

Torch-free: the first page builds the server's Runs from Limits.from_env() before torch loads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ganlib.run.machine import PAUSE_HOLD_S
from ganlib.settings import read


@dataclass(frozen=True)
class Limits:
    max_runs: int = 0            # runs training at once; 0 = no cap
    max_run_s: float = 0.0       # training seconds per run before it pauses for good; 0 = none
    idle_s: float = 0.0          # how long a run outlives its owner's last session
    max_run_mb: float = 0.0      # the memory one run may take (budget.py), checked before it is made; 0 = none
    away_s: float = 30.0         # how long a run trains on with no tab of its owner open, before it pauses: a
                                 # reload rejoins it running, and a tab left closed does not keep the slot
    hold_s: float = PAUSE_HOLD_S  # how long a paused run keeps its training slot (run/machine.py says why)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The server's limits as its settings give them (ganlib/settings.py), read from `env` (default: the
        environment as it is now); a bad value raises a ValueError naming its variable."""
        return cls(max_runs=read("GAN_STUDIO_MAX_RUNS", env),
                   max_run_s=60 * read("GAN_STUDIO_MAX_RUN_MINUTES", env),
                   idle_s=60 * read("GAN_STUDIO_IDLE_MINUTES", env),
                   max_run_mb=read("GAN_STUDIO_MAX_RUN_MB", env))


@dataclass(frozen=True)
class Load:
    """What the server carries, for the sidebar's one line."""
    training: int       # training slots in use (a side-by-side pair holds one)
    slots: int          # 0 = no cap
    queued: int
    watching: int
