"""How a run's thread carries out what the state machine decides (machine.py): the effects, in order.

A part of Runner (its base class), as building.py, stepping.py and
publishing.py are: these run on the run's thread alone. The run's state
(machine.RunState) changes only here: by a transition, or by `_set`, which
goes through machine.to and so keeps the slot and baton policy with it.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ganlib.run.history import note_changes
from ganlib.run.machine import PAUSE_HOLD_S, Command, Effect, Facts, RunState, start_d_alone, to, transition
from ganlib.run.mailbox import fulfil
from ganlib.run.state import Problem, Reason, Status


class Acting:
    def _facts(self) -> Facts:
        return Facts(now=self._clock(), done=self._trainer is not None and self._trainer.done,
                     slots=self._slots is not None, baton=self._baton is not None,
                     hold_s=getattr(self._slots, "hold_s", PAUSE_HOLD_S))

    def _do(self, command: Command, arg: Any = None) -> None:
        state, effects = transition(self._state, command, arg, self._facts())
        if effects[:1] == [(Effect.BUILD, None)]:
            if not self._models():   # it could not be built: FAILED, and the command does nothing more
                return
            effects = effects[1:]
        self._dirty |= state != self._state
        self._effects((state, effects))

    def _effects(self, result: tuple[RunState, list]) -> None:
        self._state, effects = result
        for effect, arg in effects:
            if effect is Effect.CALL:
                self._models()   # a copy of a run that waited without its models builds them (failed: it raises)
                fulfil(arg, self._trainer)
            elif effect is Effect.APPLY:
                self._apply(arg)
            elif effect is Effect.ASK_SLOT:
                self._do(Command.SLOT, self._slots is None or self._slots.request(self))
            elif effect is Effect.TRAIN:
                self._train()
            elif effect is Effect.BUILD:
                self._models()
            elif effect is Effect.D_ALONE:
                self._trainer.start_d_alone()
                self._effects(start_d_alone(self._state, arg, self._facts()))
            elif effect is Effect.HALF_STEP:
                self._half_step(arg)
            elif effect is Effect.RELEASE_SLOT:
                self._slots.release(self.run_id)
            elif effect is Effect.LEAVE_LINE:
                self._slots.leave(self.run_id)
            elif effect is Effect.BATON:
                self._baton.training(self.run_id, arg)

    def _apply(self, changes: dict) -> None:
        if self._record is None:   # not built yet: it will be built with them
            old = self._cfg
            self._cfg = old.replace(**changes).validate()
            note_changes(self._early_events, 0, old, changes)
        else:
            self._record.change(**changes)
        self._dirty = True
        if self._state.status is Status.FINISHED and not self._facts().done:
            self._state = dataclasses.replace(self._state, reason=Reason.BUDGET_EXTENDED)

    def _change(self, **fields) -> None:
        self._state = dataclasses.replace(self._state, **fields)

    def _set(self, status: Status, reason: Reason, problem: Problem | None = None) -> None:
        self._dirty = True
        self._effects(to(self._state, status, reason, problem, facts=self._facts()))
