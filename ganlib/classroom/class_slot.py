"""A class's one training slot: asked of the server's Slots when some run wants to train, given back when none
does, and the server's time budget, which a class spends as a whole.

A part of Class (its base class), as run/acting.py is of Runner: these run on the class's ticker thread alone.
To the server's Slots (classroom/slots.py) a class is one claim, slot key "class-CODE": one slot and one place
in line for all its runs, as a side-by-side pair is one for its two.
"""
from __future__ import annotations

from enum import Enum
from typing import Callable

from ganlib.run.state import Reason, Status


class SlotState(Enum):
    NONE = "none"       # the class holds no slot and waits for none
    QUEUED = "queued"   # in line; Slots calls the claim's grant() when a slot frees
    HELD = "held"


class SlotClaim:
    """What the server's Slots sees of a class: one slot key and one place in line for all its runs."""

    def __init__(self, code: str, grant: Callable[[], None]):
        self.run_id = self.slot_key = f"class-{code}"
        self.grant = grant   # called under Slots' lock: it only queues a note


class Slotting:
    def _mind_slot(self) -> None:
        wants = not self._spent and any(s.status is Status.RUNNING for s in self._seats.values())
        if wants and self._slot is SlotState.NONE:
            held = self._slots is None or self._slots.request(self._claim)
            self._slot, self._dirty = (SlotState.HELD if held else SlotState.QUEUED), True
        elif not wants and self._slot is not SlotState.NONE:
            self._let_go()

    def _granted(self) -> None:
        if self._slot is SlotState.QUEUED:
            self._slot = SlotState.HELD   # _mind_slot gives it back at once if no run wants it any more
        elif self._slot is SlotState.NONE:
            self._slots.release(self._claim.run_id)   # given as the class stopped waiting: the next in line gets it

    def _let_go(self) -> None:
        if self._slots is not None:
            self._slots.leave(self._claim.run_id)
            self._slots.release(self._claim.run_id)
        self._slot, self._dirty = SlotState.NONE, True

    def _mind_time(self, seconds: float) -> None:
        """The server's time budget per run (Limits.max_run_s, GAN_STUDIO_MAX_RUN_MINUTES) applies to the class
        as a whole: it counts the time the class trains in its slot, as a run's counts its own, and once spent
        every run pauses for good (Reason.TIME_BUDGET) and the slot goes back; a Reset cannot buy more."""
        self._slot_s += seconds
        if self._limits.max_run_s and self._slot_s >= self._limits.max_run_s and not self._spent:
            self._spent = True
            for seat in self._seats.values():
                if seat.status in (Status.RUNNING, Status.PAUSED, Status.IDLE):
                    seat.set(Status.PAUSED, Reason.TIME_BUDGET)
            self._let_go()
