"""The training worker's messages (worker.py, on_worker.py): what goes down the pipe and up it, and the server's
training slots as a run in the worker asks for them (SlotsProxy: each call a SLOTS message).

Their own module, so that both ends pickle them under one name, whichever of them runs as __main__.
"""
from __future__ import annotations

import enum


class Msg(enum.Enum):
    NEW = "new"
    SEND = "send"
    CALL = "call"
    DROP = "drop"
    ANSWER = "answer"
    EXIT = "exit"
    HOST = "host"
    POST = "post"
    READY = "ready"
    SNAP = "snap"
    SLOTS = "slots"


class SlotAsk(enum.Enum):
    REQUEST = "request"
    RELEASE = "release"
    LEAVE = "leave"


class SlotsProxy:
    """The server's Slots (classroom/slots.py) as a run in the worker (worker.Worker) sees them: each call is a
    SLOTS message."""

    def __init__(self, worker, hold_s: float):
        self._worker, self.hold_s = worker, hold_s

    def request(self, runner) -> bool:
        return self._worker.ask(SlotAsk.REQUEST, runner.run_id)

    def release(self, run_id: str) -> None:
        self._worker.tell(Msg.SLOTS, None, SlotAsk.RELEASE, run_id)

    def leave(self, run_id: str) -> None:
        self._worker.tell(Msg.SLOTS, None, SlotAsk.LEAVE, run_id)
