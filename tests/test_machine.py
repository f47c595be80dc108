"""The run's state machine, step by step, without a thread or a clock: machine.transition and machine.to.

Each test is a row of the rules as a teacher meets them: Start, Pause (which
keeps the slot a while), Resume, Step, D alone, a queue, a budget. The Runner's
own tests (test_runner.py) drive the same rules through a live thread.
"""
import pytest

from ganlib.run.machine import (PAUSE_HOLD_S, Command, Effect, Facts, RunState, can_resume, let_slot_go, pace_wait,
                                start_d_alone, to, transition, wants_step)
from ganlib.run.state import Part, Problem, Reason, Status

SERVER = Facts(now=100.0, slots=True)   # a server with training slots, at t = 100 s


def state(status=Status.IDLE, reason=Reason.NONE, **kw) -> RunState:
    return RunState(status, reason, **kw)


def kinds(effects) -> list:
    return [e for e, _ in effects]


def test_start_asks_for_a_slot_and_the_answer_decides():
    s, effects = transition(state(), Command.START, facts=SERVER)
    assert s == state() and kinds(effects) == [Effect.ASK_SLOT]
    s, effects = transition(s, Command.SLOT, True, SERVER)
    assert kinds(effects) == [Effect.TRAIN]                  # the Runner builds if need be, then RUNNING
    s, effects = transition(state(), Command.SLOT, False, SERVER)
    assert (s.status, effects) == (Status.QUEUED, [])


def test_a_users_pause_keeps_the_slot_for_the_hold_and_then_lets_it_go():
    s, effects = transition(state(Status.RUNNING), Command.PAUSE, Reason.BY_USER, SERVER)
    assert (s.status, s.reason, s.held_until, effects) == (Status.PAUSED, Reason.BY_USER, 100.0 + PAUSE_HOLD_S, [])
    assert not wants_step(s)
    s, effects = let_slot_go(s)
    assert s.held_until is None and kinds(effects) == [Effect.RELEASE_SLOT]


def test_resume_within_the_hold_keeps_the_slot():
    held = state(Status.PAUSED, Reason.BY_USER, held_until=150.0)
    s, effects = transition(held, Command.RESUME, facts=SERVER)
    assert kinds(effects) == [Effect.ASK_SLOT]
    s, effects = to(s, Status.RUNNING, Reason.NONE, facts=SERVER)
    assert s.held_until is None and effects == []


def test_the_owner_away_gives_a_held_slot_back_at_once():
    held = state(Status.PAUSED, Reason.BY_USER, held_until=150.0)
    s, effects = transition(held, Command.PAUSE, Reason.OWNER_AWAY, SERVER)
    assert s.held_until is None and kinds(effects) == [Effect.RELEASE_SLOT]
    s, effects = transition(state(Status.RUNNING), Command.PAUSE, Reason.OWNER_AWAY, SERVER)
    assert s.held_until is None and kinds(effects) == [Effect.RELEASE_SLOT]


@pytest.mark.parametrize("end, reason", [(Status.FINISHED, Reason.BUDGET_DONE), (Status.STOPPED, Reason.BY_USER),
                                         (Status.FAILED, Reason.ERROR), (Status.PAUSED, Reason.TIME_BUDGET)])
def test_a_run_that_stops_training_frees_its_slot(end, reason):
    s, effects = to(state(Status.RUNNING), end, reason, facts=SERVER)
    assert (s.status, s.reason, s.held_until) == (end, reason, None) and kinds(effects) == [Effect.RELEASE_SLOT]


def test_a_queued_run_paused_or_stopped_leaves_the_line():
    for command, reason in ((Command.PAUSE, Reason.BY_USER), (Command.STOP, Reason.BY_USER)):
        s, effects = transition(state(Status.QUEUED), command, reason, SERVER)
        assert kinds(effects) == [Effect.LEAVE_LINE]
    s, effects = transition(state(Status.PAUSED, Reason.BY_USER), Command.GRANT, facts=SERVER)
    assert kinds(effects) == [Effect.RELEASE_SLOT]           # granted too late: the next in line gets it
    s, effects = transition(state(Status.QUEUED), Command.GRANT, facts=SERVER)
    assert kinds(effects) == [Effect.TRAIN]


def test_a_step_builds_first_then_counts_one_single_and_pauses():
    s, effects = transition(state(), Command.STEP, Part.BOTH, SERVER)
    assert kinds(effects) == [Effect.BUILD] and (s.status, s.singles) == (Status.PAUSED, 1) and wants_step(s)
    s, effects = transition(state(Status.PAUSED, Reason.BY_USER), Command.STEP, Part.D, SERVER)
    assert effects == [(Effect.BUILD, None), (Effect.HALF_STEP, Part.D)] and s.singles == 0
    s, effects = transition(state(Status.RUNNING), Command.STEP, Part.BOTH, SERVER)
    assert (s, effects) == (state(Status.RUNNING), [])       # a Step while it trains does nothing


def test_when_the_time_budget_is_spent_nothing_trains_again():
    spent = state(Status.PAUSED, Reason.TIME_BUDGET)
    for command, arg in ((Command.RESUME, None), (Command.START, None), (Command.STEP, Part.BOTH),
                         (Command.TRAIN_D, 100)):
        assert transition(spent, command, arg, SERVER) == (spent, [])
    assert not can_resume(spent, done=False)


def test_finished_resumes_only_once_the_budget_is_raised():
    done = state(Status.FINISHED, Reason.BUDGET_DONE)
    assert transition(done, Command.RESUME, facts=Facts(done=True)) == (done, [])
    assert kinds(transition(done, Command.RESUME, facts=Facts(done=False))[1]) == [Effect.ASK_SLOT]


def test_d_alone_comes_back_to_where_it_was_and_a_pause_ends_it():
    s, _ = start_d_alone(state(Status.RUNNING), 100, SERVER)
    assert (s.status, s.reason, s.d_left, s.after_d) == (Status.PAUSED, Reason.D_ALONE, 100,
                                                         (Status.PAUSED, Reason.BY_USER))
    assert wants_step(s) and pace_wait(s, 0.0) == 0.0
    s, _ = transition(s, Command.PAUSE, Reason.BY_USER, SERVER)
    assert (s.status, s.reason, s.d_left) == (Status.PAUSED, Reason.BY_USER, 0)
    finished, _ = start_d_alone(state(Status.FINISHED, Reason.BUDGET_DONE), 10, SERVER)
    assert finished.after_d == (Status.FINISHED, Reason.BUDGET_DONE)


def test_slow_motion_waits_its_turn_by_the_clock_it_is_given():
    s, effects = transition(state(Status.RUNNING), Command.PACE, 2.0, Facts(now=10.0))
    assert (s.pace, s.next_due, effects) == (2.0, 10.0, [])
    s = RunState(Status.RUNNING, pace=2.0, next_due=10.5)
    assert pace_wait(s, 10.0) == 0.5 and pace_wait(s, 11.0) < 0


def test_without_slots_no_slot_effects_and_a_baton_follows_training():
    alone = Facts(now=1.0)
    s, effects = transition(state(Status.RUNNING), Command.PAUSE, Reason.BY_USER, alone)
    assert (s.status, s.held_until, effects) == (Status.PAUSED, None, [])
    s, effects = to(state(Status.PAUSED), Status.RUNNING, Reason.NONE, facts=Facts(baton=True))
    assert effects == [(Effect.BATON, True)]
    s, effects = to(s, Status.FAILED, Reason.ERROR, Problem("RuntimeError"), facts=Facts(baton=True))
    assert effects == [(Effect.BATON, False)] and s.problem == Problem("RuntimeError")


def test_stop_ends_every_state_and_a_call_or_update_only_asks_for_its_effect():
    for status in (Status.IDLE, Status.PAUSED, Status.RUNNING, Status.FINISHED):
        assert transition(state(status), Command.STOP, Reason.BY_USER)[0].status is Status.STOPPED
    box = (len, None)
    assert transition(state(), Command.CALL, box) == (state(), [(Effect.CALL, box)])
    assert transition(state(), Command.UPDATE, {"lr_g": 1e-3}) == (state(), [(Effect.APPLY, {"lr_g": 1e-3})])
