"""Two runs side by side (the Theory lab's minimax vs non-saturating demo) cost the server what one run costs:
one training slot, turns a step each; they pause, resume and stop as one demo, and no twin outlives its lead."""
import time

import pytest
from test_runs import WAIT, toy, until, visitors

from ganlib.classroom import controls
from ganlib.run.baton import Baton
from ganlib.classroom.capacity import Limits
from ganlib.classroom.runs import Runs
from ganlib.run.state import Reason, Status
from ganlib.classroom.visitor import Visitor


def poll(pred, what, timeout=WAIT):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def pair(v):
    """A minimax and a non-saturating toy side by side, as Visitor.new_pair makes them (without the demo's
    1,000-update head start for D, which takes seconds)."""
    lead, twin = v.runs.create_pair(v, (toy(loss="minimax"), "a"), (toy(loss="bce"), "b"))
    v.run_id = lead.run_id
    return lead, twin


def started(v):
    lead, twin = pair(v)
    for r in (lead, twin):
        r.start()
    return lead, twin


def exact_steps(v) -> tuple[int, int]:
    """Both runs paused (as the lab's Pause does it), so their snapshots hold every step."""
    controls.press("Pause", v, None)
    return tuple(until(r, lambda s: s.status is Status.PAUSED, "paused").step for r in (v.runner, v.twin))


SHORT_HOLD = 0.2   # a pause keeps its slot for Limits.hold_s (2 minutes); these tests need it to pass on quickly


def test_the_pair_takes_one_slot_and_another_visitors_run_queues(made, tmp_path):
    runs = Runs(Limits(max_runs=1, hold_s=SHORT_HOLD))
    a, b = visitors(runs, 2, made, tmp_path)
    lead, twin = started(a)
    for r in (lead, twin):
        until(r, lambda s: s.status is Status.RUNNING and s.step > 5, "each of the pair to train")
    other = b.new_run(toy(seed=1))
    other.start()
    until(other, lambda s: s.status is Status.QUEUED, "the other visitor's run to queue")
    load = runs.load()
    assert (load.training, load.slots, load.queued) == (1, 1, 1)
    before = lead.snapshot().step, twin.snapshot().step
    time.sleep(1.0)
    assert lead.snapshot().step > before[0] and twin.snapshot().step > before[1]   # both advance in one slot
    assert other.snapshot().step == 0
    again = Visitor(runs, str(tmp_path), key=a.key)   # a reload rejoins the lead, and the twin with it
    made.append(again)
    assert again.runner is lead and again.twin is twin
    controls.press("Pause", a, None)                  # the pair pauses as one: the slot frees (after the hold)
    until(other, lambda s: s.status is Status.RUNNING and s.step > 0, "the other run to get the slot")


def test_the_twin_waits_in_line_with_its_lead(made, tmp_path):
    runs = Runs(Limits(max_runs=1, hold_s=SHORT_HOLD))
    a, b = visitors(runs, 2, made, tmp_path)
    other = b.new_run(toy(seed=1))
    other.start()
    until(other, lambda s: s.status is Status.RUNNING, "the first run to train")
    lead, twin = started(a)
    for r in (lead, twin):
        until(r, lambda s: s.status is Status.QUEUED, "the pair to queue")
    assert runs.place(lead.run_id) == runs.place(twin.run_id) == 1 and runs.load().queued == 1
    time.sleep(0.3)
    assert lead.snapshot().step == twin.snapshot().step == 0   # the twin does not train while its lead waits
    other.pause()
    for r in (lead, twin):
        until(r, lambda s: s.status is Status.RUNNING and s.step > 0, "one grant to let both in")


def test_the_two_take_turns_a_step_each(made, tmp_path):
    runs = Runs(Limits(max_runs=1))
    (v,) = visitors(runs, 1, made, tmp_path)
    _, twin = started(v)
    until(twin, lambda s: s.step > 0, "both to train")
    first = exact_steps(v)
    controls.press("Resume", v, None)
    time.sleep(3.0)
    last = exact_steps(v)
    done = [b - a for a, b in zip(first, last)]
    print(f"steps in 3 s: lead {done[0]}, twin {done[1]}")
    # a few steps apart at most: the one Pause (or Resume) reaches first stops (starts) a step or two early
    assert min(done) > 20 and abs(done[0] - done[1]) <= 5


def test_pause_resume_and_stop_act_on_both(made, tmp_path):
    (v,) = visitors(Runs(), 1, made, tmp_path)
    lead, twin = started(v)
    until(twin, lambda s: s.step > 0, "both to train")
    # a press waits up to controls.STATUS_WAIT_S for the runs to show it, and the page's next refresh shows the
    # rest: CI once found the twin still running after the Pause's 5 s on its busy 2 cores (session 15)
    controls.press("Pause", v, None)
    for r in (lead, twin):
        until(r, lambda s: s.status is Status.PAUSED, "the pause of both")
    controls.press("Resume", v, None)
    for r in (lead, twin):
        until(r, lambda s: s.status is Status.RUNNING, "the resume of both")
    controls.press("Stop", v, None)
    for r in (lead, twin):
        until(r, lambda s: s.ended, "the stop of both")
    assert lead.join(WAIT) and twin.join(WAIT)


@pytest.mark.parametrize("end", ["reset", "another run", "the owner leaves"])
def test_no_twin_outlives_its_lead(made, tmp_path, end):
    runs = Runs(Limits(idle_s=0), reap_every=0.05)
    (v,) = visitors(runs, 1, made, tmp_path)
    lead, twin = started(v)
    until(twin, lambda s: s.step > 0, "both to train")
    assert runs.threads_alive() == 2
    {"reset": v.reset, "another run": lambda: v.new_run(toy(seed=3)), "the owner leaves": v.close}[end]()
    for r in (lead, twin):
        until(r, lambda s: s.ended, f"both to stop after {end}")
    assert twin.snapshot().reason is (Reason.OWNER_GONE if end == "the owner leaves" else Reason.BY_USER)
    assert v.twin is None
    poll(lambda: runs.threads_alive() == (end == "another run"), "the pair's threads to be reaped")


def test_the_baton_alternates_and_never_waits_for_a_run_that_is_not_training():
    baton = Baton()
    baton.training("a", True)
    baton.training("b", True)
    assert baton.take("a", 0.01)
    assert not baton.take("b", 0.01)          # a holds it
    baton.give("a")
    assert not baton.take("a", 0.01)          # b has not had its turn
    assert baton.take("b", 0.01)
    baton.give("b")
    baton.training("b", False)                # b paused: a goes on alone
    assert baton.take("a", 0.01)
    baton.give("a")
    assert baton.take("a", 0.01)
