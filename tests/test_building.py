"""A run waiting in line builds nothing until its slot comes (ganlib/run/building.py): on a server with a cap, a run's
data, models and evaluator are made when it first needs them, so a class pressing Start together costs the
server the runs that train. What happens while one builds late: its pages see it loading, a Stop sent meanwhile
comes before any step, a failed build hands the slot on, a live change while it waits is built in."""
import gc

import pytest
from test_runs import one_in_line, toy, until, visitors

from ganlib import Trainer, preset
from ganlib.classroom.capacity import Limits
from ganlib.classroom.runs import Runs
from ganlib.run.state import Reason, Status

WAIT = 60.0


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


MINE = 1000   # the seeds of this file's runs start here: runs other tests left ending may still build


@pytest.fixture
def builds(monkeypatch):
    """The configs of the Trainers this file's runs build while the test runs, one entry each."""
    made, real = [], Trainer.__init__

    def counted(self, cfg, *a, **kw):
        if cfg.seed >= MINE:
            made.append(cfg)
        real(self, cfg, *a, **kw)
    monkeypatch.setattr(Trainer, "__init__", counted)
    return made


def test_thirty_runs_queued_behind_one_that_trains_build_nothing(made, tmp_path, builds):
    runs = Runs(Limits(max_runs=1))
    first, *line = visitors(runs, 31, made, tmp_path)
    training = first.new_run(toy())
    training.start()
    until(training, lambda s: s.status is Status.RUNNING and s.step > 0, "the first run to train")
    gc.collect()
    before, built = rss_mb(), len(builds)
    queued = [v.new_run(preset("fast-digits").replace(seed=MINE + i)) for i, v in enumerate(line, 1)]
    for r in queued:
        r.start()
    snaps = [until(r, lambda s: s.status is Status.QUEUED, "a run to queue") for r in queued]
    gc.collect()
    grown = rss_mb() - before
    print(f"30 fast-digits runs queued: RSS {grown:+.1f} MB, {len(builds) - built} Trainers built")
    assert len(builds) == built                                      # built each, they took 376 MB
    assert all(s.shape == () and not s.timeline and s.g_weights is None for s in snaps)
    assert grown < 50
    assert sorted(runs.place(r.run_id) for r in queued) == list(range(1, 31))   # each has its place
    for r in (*queued, training):   # the line first: a slot freed before them would build the next in line
        r.stop()
    assert all(r.join(60) for r in (*queued, training))


def test_a_queued_run_builds_when_its_slot_comes_with_the_changes_made_while_it_waited(made, tmp_path, builds):
    runs = Runs(Limits(max_runs=1))
    a, b, c = visitors(runs, 3, made, tmp_path)
    ra = a.new_run(toy(seed=MINE))
    ra.start()
    until(ra, lambda s: s.status is Status.RUNNING, "a to train")
    rb, rc = b.new_run(toy(seed=MINE + 1)), c.new_run(toy(seed=MINE + 2))
    rb.start()
    rb.update(lr_g=5e-4)                       # a live change while it waits: the run is built with it
    s = until(rb, lambda s: s.status is Status.QUEUED and s.events, "b to queue with its change")
    assert (s.config.lr_g, s.events[0].step, s.shape) == (5e-4, 0, ())
    rc.step()                                   # a Step needs no slot, only the models: c builds and steps
    s = until(rc, lambda s: s.step == 1, "c's step")
    assert (s.status, s.shape) == (Status.PAUSED, (2,)) and s.g_weights is not None
    assert rb.checkpoint()["trainer"]["step"] == 0   # a copy builds b's models, and b keeps its place in line
    # back in line: the copy's build publishes LOADING, and QUEUED again at the run's next pass, after the answer
    until(rb, lambda s: s.status is Status.QUEUED, "b back in line once its models are built")
    assert runs.place(rb.run_id) == 1
    ra.stop()                                   # the slot frees: b trains, with its change
    s = until(rb, lambda s: s.status is Status.RUNNING and s.step > 0, "b to train")
    assert s.config.lr_g == 5e-4 and [cfg.seed - MINE for cfg in builds] == [0, 2, 1]
    assert builds[-1].lr_g == 5e-4


def test_a_stop_sent_while_a_run_builds_on_its_grant_comes_before_any_step(made, tmp_path, held_build):
    held_build.set()
    runs = Runs(Limits(max_runs=1))
    (a, b), (ra, rb) = one_in_line(runs, made, tmp_path)
    held_build.clear()
    ra.stop()                                   # b's slot comes: its pages see it loading while it builds
    until(rb, lambda s: s.status is Status.LOADING, "b to build on its grant")
    rb.stop()
    held_build.set()
    assert rb.join(WAIT)
    assert (rb.snapshot().status, rb.snapshot().step) == (Status.STOPPED, 0)
    assert runs.load().training == 0            # and the slot is free again


def test_a_run_that_cannot_build_when_its_slot_comes_fails_and_hands_the_slot_on(made, tmp_path):
    runs = Runs(Limits(max_runs=1))
    a, b, c = visitors(runs, 3, made, tmp_path)
    ra = a.new_run(toy())
    ra.start()
    until(ra, lambda s: s.status is Status.RUNNING, "a to train")
    bad = b.new_run(preset("seed-mlp").replace(dataset="folder", data_path=str(tmp_path / "none")))
    bad.start()
    until(bad, lambda s: s.status is Status.QUEUED, "the run with bad data to queue: it has not loaded it")
    rc = c.new_run(toy(seed=2))
    rc.start()
    until(rc, lambda s: s.status is Status.QUEUED, "c to queue")
    ra.stop()
    s = until(bad, lambda s: s.ended, "the bad run to fail as it builds")
    assert (s.status, s.reason) == (Status.FAILED, Reason.DATA_ERROR)
    until(rc, lambda s: s.status is Status.RUNNING and s.step > 0, "c to get the slot")


def test_without_a_cap_or_from_a_checkpoint_a_run_builds_at_once(made, tmp_path, builds):
    (v,) = visitors(Runs(), 1, made, tmp_path)
    s = until(v.new_run(toy(seed=MINE)), lambda s: s.status is not Status.LOADING, "the run to build")
    assert s.status is Status.IDLE and s.shape == (2,) and len(builds) == 1
    path = v.runner.save(str(tmp_path / "run.pt"))
    (w,) = visitors(Runs(Limits(max_runs=1)), 1, made, tmp_path)
    s = until(w.resume_from(path), lambda s: s.status is not Status.LOADING, "the checkpoint to load")
    assert s.status is Status.IDLE and s.shape == (2,) and len(builds) == 2   # checked as it loads
