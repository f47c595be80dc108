"""Runs on a shared server: the cap and its queue, the time budget, rejoining by key, an owner away, the grace
period, and watch codes that show a run but never control it."""
import time

import pytest

from ganlib import preset
from ganlib.words.describe import status_message, status_word
from ganlib.classroom.capacity import Limits
from ganlib.classroom.runs import Runs
from ganlib.classroom.slots import Slots
from ganlib.classroom.share import app_url, qr_png, watch_url
from ganlib.run.state import Reason, Status
from ganlib.classroom.visitor import Visitor

WAIT = 60.0


def toy(**changes):
    return preset("ring8").replace(batch_size=64, **changes)


def until(r, pred, what):
    s = r.wait(pred, WAIT)
    assert pred(s), f"timed out waiting for {what}"
    return s


def visitors(runs, n, made, tmp_path):
    vs = [Visitor(runs, str(tmp_path)) for _ in range(n)]
    made.extend(vs)
    return vs


def one_in_line(runs, made, tmp_path):
    """Two visitors on a one-slot server: a's run trains, b's waits in line."""
    a, b = visitors(runs, 2, made, tmp_path)
    ra, rb = a.new_run(toy()), b.new_run(toy(seed=1))
    ra.start()
    until(ra, lambda s: s.status is Status.RUNNING, "a to train")
    rb.start()
    until(rb, lambda s: s.status is Status.QUEUED, "b to queue")
    return (a, b), (ra, rb)


def three_in_line(runs, made, tmp_path):
    """Three visitors on a one-slot server: a's run trains, b's and c's wait in line in that order."""
    (a, b), (ra, rb) = one_in_line(runs, made, tmp_path)
    c, = visitors(runs, 1, made, tmp_path)
    rc = c.new_run(toy(seed=2))
    rc.start()
    until(rc, lambda s: s.status is Status.QUEUED, "c to queue")
    return (a, b, c), (ra, rb, rc)


def test_the_cap_queues_the_second_run_and_starts_it_when_the_slot_frees(made, tmp_path):
    runs = Runs(Limits(max_runs=1, hold_s=2.0))   # the Resume below comes well within it, however busy the machine
    (a, b, c), (ra, rb, rc) = three_in_line(runs, made, tmp_path)
    assert (runs.place(rb.run_id), runs.place(rc.run_id)) == (1, 2)
    load = runs.load()
    assert (load.training, load.slots, load.queued) == (1, 1, 2)
    step_b = rb.snapshot().step
    time.sleep(0.3)
    assert rb.snapshot().step == step_b == 0   # waiting means not training
    c.close()                                   # a queued visitor who leaves loses their place
    until(rc, lambda s: s.ended, "c to stop")
    assert runs.place(rc.run_id) is None and runs.place(rb.run_id) == 1
    ra.pause()                                  # a pause keeps the slot a while (Limits.hold_s)...
    time.sleep(0.2)
    assert rb.snapshot().status is Status.QUEUED
    ra.resume()                                 # ...so a Resume within it trains at once
    until(ra, lambda s: s.status is Status.RUNNING, "a to train again")
    ra.pause()                                  # past the hold the slot frees: b starts by itself
    until(rb, lambda s: s.status is Status.RUNNING and s.step > 0, "b to start by itself")
    assert until(ra, lambda s: s.status is Status.PAUSED, "a paused").status is Status.PAUSED
    ra.resume()                                 # now a waits for b
    until(ra, lambda s: s.status is Status.QUEUED, "a to queue behind b")
    rb.stop()
    until(ra, lambda s: s.status is Status.RUNNING, "a to get the slot back")


def test_a_queued_visitor_who_leaves_loses_the_place_at_once_even_within_the_grace(made, tmp_path):
    runs = Runs(Limits(max_runs=1, idle_s=600))
    (a, b, c), (ra, rb, rc) = three_in_line(runs, made, tmp_path)
    b.close()                                    # b's tab closes: its run waits out the grace, but not in line
    s = until(rb, lambda s: s.status is Status.PAUSED, "b to leave the line")
    assert not s.ended and runs.place(rb.run_id) is None and runs.place(rc.run_id) == 1
    assert runs.load().queued == 1
    ra.stop()                                    # the slot goes to c, not to b's ownerless run
    until(rc, lambda s: s.status is Status.RUNNING, "c to get the slot")
    assert rb.snapshot().status is Status.PAUSED
    for r in (rb, rc):   # within the grace nothing else would stop them
        r.stop()


def test_pausing_a_queued_run_leaves_the_line():
    slots = Slots(1)

    class R:
        def __init__(self, run_id):
            self.run_id, self.grants = run_id, 0

        def grant(self):
            self.grants += 1
    a, b = R("a"), R("b")
    assert slots.request(a) and not slots.request(b)
    slots.leave("b")
    slots.release("a")
    assert b.grants == 0 and slots.counts() == (0, 0)


def test_the_time_budget_pauses_for_good_and_frees_the_slot(made, tmp_path):
    runs = Runs(Limits(max_runs=1, max_run_s=0.3))
    a, b = visitors(runs, 2, made, tmp_path)
    ra, rb = a.new_run(toy()), b.new_run(toy(seed=1))
    ra.start()
    rb.start()
    s = until(ra, lambda s: s.status is Status.PAUSED, "a's time to run out")
    assert s.reason is Reason.TIME_BUDGET and not s.can_resume and s.elapsed >= 0.3
    # b may train and use up its own 0.3 s before this thread looks again, so
    # "it took steps" is the sign it got the slot, not "it is running now".
    until(rb, lambda s: s.step > 0, "b to get the freed slot")
    ra.resume()
    ra.step()
    time.sleep(0.2)
    assert ra.snapshot().status is Status.PAUSED and ra.snapshot().step == s.step   # no more training
    assert ra.checkpoint()["trainer"]["step"] == s.step                             # but it can be saved


def test_a_reload_rejoins_the_run_and_the_last_session_leaving_stops_it_after_the_grace(made, tmp_path):
    runs = Runs(Limits(idle_s=2.0), reap_every=0.05)   # the new session below comes well within it, however busy
    first = Visitor(runs, str(tmp_path))
    run = first.new_run(toy())
    first.close()                                # the tab reloads: its session ends...
    again = Visitor(runs, str(tmp_path), key=first.key)   # ...and the same URL opens a new one
    made.append(again)
    assert again.runner is run and again.config == run.snapshot().config
    time.sleep(2.5)
    assert run.alive and again.runner is run     # rejoined within the grace: it never stopped
    other = Visitor(runs, str(tmp_path), key="not a key!")
    made.append(other)
    assert other.key != "not a key!" and other.runner is None   # a malformed key gets a fresh one
    again.close()
    until(run, lambda s: s.ended, "the run to stop after the grace period")
    assert run.snapshot().reason is Reason.OWNER_GONE and run.join(WAIT)


@pytest.fixture
def registry(made):
    """Runs(limits, reap_every=0.05), shut down at the test's end: with a long grace nothing else stops its runs."""
    made_runs = []

    def make(limits):
        made_runs.append(Runs(limits, reap_every=0.05))
        return made_runs[-1]
    yield make
    for runs in made_runs:
        runs.shutdown(WAIT)


def test_a_run_whose_owner_left_trains_a_while_then_pauses_frees_its_slot_and_is_retired_later(registry, made,
                                                                                                tmp_path):
    runs = registry(Limits(max_runs=1, away_s=1.5, idle_s=4.0))
    (a, b), (ra, rb) = one_in_line(runs, made, tmp_path)
    closing = time.monotonic()                   # the registry's clock starts inside close(), after this
    a.close()                                    # a's last tab closes
    step = ra.snapshot().step
    s = until(ra, lambda s: s.step > step + 5, "a to train on without its owner")
    assert s.status is Status.RUNNING   # trained on after its owner left: away_s has not paused it yet
    assert rb.snapshot().status is Status.QUEUED
    s = until(ra, lambda s: s.status is Status.PAUSED, "a to pause after away_s")
    assert s.reason is Reason.OWNER_AWAY and s.can_resume and time.monotonic() - closing >= 1.5
    assert status_word(s) == "paused (you left)" and "because you left" in status_message(s)[1]
    until(rb, lambda s: s.status is Status.RUNNING, "b to get the slot a gave back")   # not after Limits.hold_s
    assert ra.alive and runs.get(ra.run_id) is ra   # paused, kept for its owner for idle_s
    until(ra, lambda s: s.ended, "a to be retired after idle_s")
    assert ra.snapshot().reason is Reason.OWNER_GONE and time.monotonic() - closing >= 4.0


def test_a_run_paused_by_its_owner_gives_its_held_slot_back_once_the_owner_has_left(registry, made, tmp_path):
    runs = registry(Limits(max_runs=1, away_s=0.5, idle_s=600))
    (a, b), (ra, rb) = one_in_line(runs, made, tmp_path)
    ra.pause()                                   # a user's pause holds the slot (Limits.hold_s, 2 minutes)
    until(ra, lambda s: s.status is Status.PAUSED, "a to pause")
    a.close()
    until(rb, lambda s: s.status is Status.RUNNING, "b to get the slot once a's owner is away")
    assert ra.snapshot().reason is Reason.BY_USER   # its own pause, still said as such


def test_a_reload_within_the_away_limit_finds_the_run_still_training(registry, made, tmp_path):
    runs = registry(Limits(away_s=2.0, idle_s=600))   # the new session below comes well within it, however busy
    first = Visitor(runs, str(tmp_path))
    made.append(first)
    run = first.new_run(toy())
    run.start()
    until(run, lambda s: s.status is Status.RUNNING, "the run to train")
    first.close()                                # the tab reloads...
    again = Visitor(runs, str(tmp_path), key=first.key)   # ...and its new session rejoins within away_s
    made.append(again)
    assert again.runner is run
    time.sleep(2.5)                              # past away_s
    step = run.snapshot().step
    s = until(run, lambda s: s.step > step, "the run to go on training")
    assert s.status is Status.RUNNING
    again.close()                                # and leaving again starts the clock again
    s = until(run, lambda s: s.status is Status.PAUSED, "the run to pause once its owner is away")
    assert s.reason is Reason.OWNER_AWAY


def test_a_queued_run_whose_owner_left_says_why_it_paused(registry, made, tmp_path):
    runs = registry(Limits(max_runs=1, idle_s=600))
    (a, b, c), (ra, rb, rc) = three_in_line(runs, made, tmp_path)
    b.close()
    s = until(rb, lambda s: s.status is Status.PAUSED, "b to leave the line")
    assert s.reason is Reason.OWNER_AWAY


def test_a_watch_code_shows_the_owners_current_run_and_grants_nothing(made, tmp_path):
    runs = Runs()
    teacher, student = visitors(runs, 2, made, tmp_path)
    code = teacher.share()
    assert code == teacher.share() and len(code) == 11   # ABCDE-FGHJK (tests/test_watch_codes.py)
    student.watch_code = code
    assert student.watched() is None             # nothing started yet
    first = teacher.new_run(toy())
    assert student.watched() is first and student.runner is None   # watching is not owning
    assert runs.load().watching == 1
    second = teacher.new_run(toy(seed=1))
    assert student.watched() is second            # followers follow the teacher's next run
    student.reset()                               # the student's own controls reach only their own runs
    assert teacher.runner is second and second.snapshot().status is not Status.STOPPED
    for bad in ("", "x" * 8 + "y", "../../etc", None, code + "!", code[:-1]):
        student.watch_code = bad
        assert student.watched() is None
    student.close()
    assert runs.load().watching == 0


def test_limits_from_the_environment_name_the_bad_variable():
    lim = Limits.from_env({"GAN_STUDIO_MAX_RUNS": "2", "GAN_STUDIO_MAX_RUN_MINUTES": "1.5",
                           "GAN_STUDIO_IDLE_MINUTES": "0"})
    assert (lim.max_runs, lim.max_run_s, lim.idle_s) == (2, 90.0, 0.0)
    assert Limits.from_env({}).max_runs >= 1 and Limits.from_env({}).away_s == Limits().away_s == 30.0
    with pytest.raises(ValueError, match="^GAN_STUDIO_MAX_RUNS: must be a whole number of runs, got .many."):
        Limits.from_env({"GAN_STUDIO_MAX_RUNS": "many"})
    with pytest.raises(ValueError, match="^GAN_STUDIO_IDLE_MINUTES: must be 0 or more"):
        Limits.from_env({"GAN_STUDIO_IDLE_MINUTES": "-1"})


@pytest.mark.parametrize("page,root", [
    ("http://h:8501/", "http://h:8501/"), ("http://h:8501/train?v=abc", "http://h:8501/"),
    ("https://x.hf.space/proxy/app/watch?watch=1", "https://x.hf.space/proxy/app/"),
    ("http://h/theory", "http://h/"),
])
def test_the_watch_link_is_the_apps_root_with_the_code_only(page, root):
    assert app_url(page) == root
    assert watch_url(page, "abcd1234") == root + "?watch=abcd1234"
    assert qr_png(root)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_larger_than_the_server_allows_is_refused_before_it_is_made(made, tmp_path):
    runs = Runs(Limits(max_run_mb=1500))
    (v,) = visitors(runs, 1, made, tmp_path)
    with pytest.raises(ValueError, match="^batch_size: this run needs about"):
        v.new_run(preset("tf-dcgan").replace(batch_size=4096))
    assert v.runner is None and runs.snapshots() == []
    assert v.new_run(toy()).snapshot().status in (Status.LOADING, Status.IDLE)   # a small one is made
    assert Limits.from_env({"GAN_STUDIO_MAX_RUN_MB": "0"}).max_run_mb == 0
