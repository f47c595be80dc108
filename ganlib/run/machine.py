"""A run's state machine, pure: which command, in which state, does what.

`transition(state, command, arg, facts)` returns the next RunState and the
effects the Runner must carry out (build the models, ask for a slot, step...);
`to(state, status, ...)` is every change of status, with the slot and baton
policy that goes with it. Nothing here touches a thread, a clock, a Trainer or
a slot: the time comes in as `Facts.now`, so the rules are tested step by step
without threads (tests/test_machine.py). The Runner (runner.py) owns the state
and does the effects.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ganlib.run.state import Part, Problem, Reason, Status

# a paused run keeps its training slot this long: a teacher who paused to explain found the slot given to a
# student on Resume, and the class watched the run wait in line (class trial). classroom.slots.Slots.hold_s
PAUSE_HOLD_S = 120.0


class Command(Enum):
    """What a page (or the server) asks of a run; carried out between two steps, in the order sent."""
    START = "start"
    PAUSE = "pause"         # arg: a Reason (BY_USER; OWNER_AWAY also gives a held slot back)
    RESUME = "resume"
    STEP = "step"           # arg: a Part
    TRAIN_D = "train_d"     # arg: how many updates of D alone
    PACE = "pace"           # arg: steps/s, 0 for full speed
    GRANT = "grant"         # a training slot is the run's now (classroom.slots.Slots)
    STOP = "stop"           # arg: a Reason
    UPDATE = "update"       # arg: {live field: value}
    CALL = "call"           # arg: (fn, Future): run fn(trainer) between two steps
    SLOT = "slot"           # the answer to Effect.ASK_SLOT; arg: True when the slot is the run's


class Effect(Enum):
    """What the Runner does after a transition, in order; each comes as (Effect, arg)."""
    CALL = "call"                  # arg: the (fn, Future) to fulfil, building the models first if need be
    APPLY = "apply"                # arg: the live changes
    ASK_SLOT = "ask_slot"          # ask the slots; the answer comes back as Command.SLOT
    TRAIN = "train"                # build if need be, then RUNNING (or FAILED, and the slot goes back)
    BUILD = "build"                # the models are needed now; the effects after it wait for them
    D_ALONE = "d_alone"            # arg: the updates; the Trainer freezes G
    HALF_STEP = "half_step"        # arg: Part.D or Part.G
    RELEASE_SLOT = "release_slot"  # the next in line gets it
    LEAVE_LINE = "leave_line"      # no longer waiting for a slot
    BATON = "baton"                # arg: True when the run starts training, False when it stops (baton.py)


@dataclass(frozen=True)
class RunState:
    status: Status = Status.IDLE
    reason: Reason = Reason.NONE
    problem: Problem | None = None
    singles: int = 0                    # Steps pressed and not yet taken
    d_left: int = 0                     # D-alone updates still to do, of d_total
    d_total: int = 0
    after_d: tuple = (Status.PAUSED, Reason.BY_USER)   # (status, reason) once D alone ends
    held_until: float | None = None     # paused, and keeping its slot until then (PAUSE_HOLD_S)
    pace: float = 0.0                   # steps/s; 0: full speed
    next_due: float = 0.0               # when the next paced step is due


@dataclass(frozen=True)
class Facts:
    """What a transition needs to know of the world, read by the Runner as it hands the command over."""
    now: float = 0.0                    # the Runner's clock (time.monotonic unless a test gives another)
    done: bool = False                  # the epoch budget is used up (Trainer.done)
    slots: bool = False                 # the server has training slots to ask (classroom.slots.Slots)
    baton: bool = False                 # the run takes turns with a twin (baton.py)
    hold_s: float = PAUSE_HOLD_S


Effects = list[tuple[Effect, Any]]
ENDS_D_ALONE = (Command.PAUSE, Command.RESUME, Command.START, Command.STEP, Command.STOP)


def transition(s: RunState, command: Command, arg: Any = None, facts: Facts = Facts()) -> tuple[RunState, Effects]:
    effects: Effects = []
    if s.d_left and command in ENDS_D_ALONE:   # a Pause, Resume, Step or Stop ends D alone first
        s = _then(to(replace(s, d_left=0), *s.after_d, facts=facts), effects)
    status, budget_spent = s.status, s.reason is Reason.TIME_BUDGET
    if command is Command.CALL:
        effects.append((Effect.CALL, arg))
    elif command is Command.STOP:
        s = _then(to(s, Status.STOPPED, arg, facts=facts), effects)
    elif command is Command.UPDATE:
        effects.append((Effect.APPLY, arg))
    elif command is Command.GRANT:
        effects.append((Effect.TRAIN, None) if status is Status.QUEUED else (Effect.RELEASE_SLOT, None))
    elif command is Command.SLOT:
        if arg:
            effects.append((Effect.TRAIN, None))
        else:
            s = _then(to(s, Status.QUEUED, Reason.NONE, facts=facts), effects)
    elif command is Command.PACE:
        s = replace(s, pace=arg, next_due=facts.now)
    elif command is Command.PAUSE and status in (Status.RUNNING, Status.QUEUED):
        s = _then(to(s, Status.PAUSED, arg or Reason.BY_USER, facts=facts), effects)
    elif command is Command.PAUSE and arg is Reason.OWNER_AWAY and s.held_until is not None:
        s = _then(let_slot_go(s), effects)   # the hold waits for a Resume, and nobody is there to press it
    elif (command is Command.START and status is Status.IDLE) or \
            (command in (Command.START, Command.RESUME) and can_resume(s, facts.done)):
        effects.append((Effect.ASK_SLOT, None))
    # D alone and a Step need no slot, but the models: BUILD first, if the run waited without them
    elif command is Command.TRAIN_D and not budget_spent and \
            status in (Status.IDLE, Status.PAUSED, Status.RUNNING, Status.FINISHED):
        effects += [(Effect.BUILD, None), (Effect.D_ALONE, arg)]
    elif command is Command.STEP and not budget_spent and status in (Status.IDLE, Status.PAUSED):
        effects.append((Effect.BUILD, None))
        if arg in (None, Part.BOTH):   # a whole step: the loop takes it, as a paused run's one step
            s = _then(to(replace(s, singles=s.singles + 1), Status.PAUSED, Reason.BY_USER, facts=facts), effects)
        else:
            effects.append((Effect.HALF_STEP, arg))
    return s, effects


def to(s: RunState, status: Status, reason: Reason, problem: Problem | None = None, *,
       facts: Facts) -> tuple[RunState, Effects]:
    """A change of status, with what it means for the run's slot and its baton."""
    was, effects = s.status, []
    s = replace(s, status=status, reason=reason, problem=problem)
    if facts.baton and (was is Status.RUNNING) != (status is Status.RUNNING):
        effects.append((Effect.BATON, status is Status.RUNNING))
    if not facts.slots or was is status:
        return s, effects
    if was is Status.RUNNING and status is Status.PAUSED and reason not in (Reason.TIME_BUDGET, Reason.OWNER_AWAY):
        s = replace(s, held_until=facts.now + facts.hold_s)   # a pause to explain keeps the slot a while
    elif was is Status.RUNNING:     # finished, stopped, failed or out of time: free the slot
        effects.append((Effect.RELEASE_SLOT, None))
    elif was is Status.QUEUED:      # no longer waiting: lose the place in line
        effects.append((Effect.LEAVE_LINE, None))
    if status is Status.RUNNING:    # resumed within the hold: Slots.request found its slot still held
        s = replace(s, held_until=None)
    elif was is Status.PAUSED and s.held_until is not None:
        s = _then(let_slot_go(s), effects)
    return s, effects


def let_slot_go(s: RunState) -> tuple[RunState, Effects]:
    """A paused run's hold on its training slot is up (or it ended): the next in line gets it."""
    return replace(s, held_until=None), [(Effect.RELEASE_SLOT, None)]


def start_d_alone(s: RunState, steps: int, facts: Facts) -> tuple[RunState, Effects]:
    """D trains alone for `steps` updates, paused meanwhile; a running run comes back paused, a finished one
    finished."""
    after = s.after_d if s.d_left else \
        (s.status, s.reason) if s.status is Status.FINISHED else (Status.PAUSED, Reason.BY_USER)
    s = replace(s, d_left=steps, d_total=steps, singles=0, after_d=after)
    return to(s, Status.PAUSED, Reason.D_ALONE, facts=facts)


def can_resume(s: RunState, done: bool) -> bool:
    if s.status is Status.PAUSED:
        return s.reason is not Reason.TIME_BUDGET
    return s.status is Status.FINISHED and not done


def wants_step(s: RunState) -> bool:
    return s.status is Status.RUNNING or (s.status is Status.PAUSED and s.singles > 0) or s.d_left > 0


def pace_wait(s: RunState, now: float) -> float:
    """Seconds until the next step is due at the run's pace; 0 at full speed, for a Step and for D alone."""
    if not s.pace or s.status is not Status.RUNNING or s.d_left:
        return 0.0
    return s.next_due - now


def _then(result: tuple[RunState, Effects], effects: Effects) -> RunState:
    s, more = result
    effects += more
    return s
