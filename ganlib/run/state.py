"""A run's state as types: what it is doing (Status), why (Reason), and what went wrong (Problem); and its id.

Code asks these questions of the types (or of the Snapshot's properties);
only describe.py turns them into words.
"""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from enum import Enum

AUTO = "auto"   # Runner(evaluator=AUTO): the run measures what fits its data (metrics.evaluator_for)
_serial = itertools.count(1)


def new_run_id() -> str:
    """Unique in this process and hard to guess: a counter, so ids are never reused, and random hex."""
    return f"{next(_serial)}-{secrets.token_hex(4)}"


class Status(Enum):
    LOADING = "loading"    # the run's thread is building its data and models
    IDLE = "idle"          # built, never stepped since it was made or loaded: Start begins it
    QUEUED = "queued"      # waiting for a free training slot on this server
    RUNNING = "running"
    PAUSED = "paused"      # by the user, or after a NaN was rolled back (see Reason)
    FINISHED = "finished"  # the epoch budget is used up; raising epochs makes it resumable
    STOPPED = "stopped"    # ended for good: its thread is gone
    FAILED = "failed"      # an error ended it: its thread is gone


class Reason(Enum):
    NONE = "none"
    BY_USER = "by_user"                  # Pause or Stop was pressed
    BUDGET_DONE = "budget_done"          # the epoch budget is used up
    BUDGET_EXTENDED = "budget_extended"  # finished, then epochs were raised: Resume goes on
    NAN = "nan"                          # a loss or weight became NaN/inf; rolled back (Snapshot.problem)
    ERROR = "error"                      # an exception in a step (Snapshot.problem)
    DATA_ERROR = "data_error"            # the data or models could not be built (Snapshot.problem)
    OWNER_GONE = "owner_gone"            # its visitor left for good
    OWNER_AWAY = "owner_away"            # paused: its visitor has had no tab open for a while (Limits.away_s)
    SERVER_STOPPING = "server_stopping"  # the server process is ending (SIGTERM, Ctrl+C): Runs.shutdown
    TIME_BUDGET = "time_budget"          # the server's time budget per run is spent
    D_ALONE = "d_alone"                  # paused while D trains alone against the frozen G (Runner.train_d)
    WORKER_LOST = "worker_lost"          # the Ray worker that held the run died (on_ray.py)


class Part(Enum):
    """What a Step moves: a whole round of the game, or half of one (the Theory lab's Step D / Step G)."""
    BOTH = "both"   # D's updates, then G's: one step
    D = "d"         # one update of D alone, G frozen
    G = "g"         # one update of G alone, D frozen


# Statuses whose thread has ended: nothing can change the run any more.
ENDED = (Status.STOPPED, Status.FAILED)


@dataclass(frozen=True)
class Problem:
    """What went wrong, as data: the bad value of a NaN step, or an error's kind and message."""
    what: str = ""            # the StepStats field that became non-finite, or the exception's class name
    value: float = 0.0        # its value (NaN, inf)
    step: int = 0             # the step that went wrong
    good_step: int = 0        # the step the weights were rolled back to (Reason.WORKER_LOST: of its autosave; 0: none)
    message: str = ""         # the error's message (never a server path: see errors.py)
