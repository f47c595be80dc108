"""Runner: a Trainer on a background thread, driven by commands and read through immutable snapshots."""
import dataclasses
import math
import threading
import time

import numpy as np
import pytest
import torch

import ganlib.runner as runner_module
from ganlib import Dataset, Runner, Snapshot, StepStats, Trainer, preset
from ganlib.history import COLUMNS, Curve, Frame, Timeline

WAIT = 60.0  # seconds before a wait counts as a hang; never reached unless something is broken



def wait_for(pred, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def toy(**changes):
    return preset("ring8").replace(**{"batch_size": 64, "sample_every": 5, **changes}).validate()


@pytest.fixture
def make_runner():
    made = []

    def make(cfg=None, **kw):
        r = Runner(cfg if cfg is not None else toy(), **kw)
        made.append(r)
        return r
    yield make
    for r in made:
        r.stop()


def runner_threads():
    """Live worker threads (a set: other test files may leave runners of their own alive)."""
    return {t for t in threading.enumerate() if t.name == "ganlib-runner"}


def settled(r):
    """For a runner that is not running: wait until its worker idles (it waits on the runner's condition
    only after publishing the last step) and return the snapshot, which then matches the trainer."""
    wait_for(lambda: not r.alive or r._lock._waiters, "the worker to go idle")
    s = r.snapshot()
    assert s.step == r.trainer.step_count
    return s


def test_initial_snapshot(make_runner):
    r = make_runner(preset="ring8")
    s = r.snapshot()
    assert isinstance(s, Snapshot)
    assert (s.status, s.reason, s.step, s.kind) == ("idle", "", 0, "points")
    assert s.config == r.trainer.cfg and s.eta_seconds is None
    assert len(s.timeline) == 1 and s.timeline[0].step == 0          # the untrained G's samples
    assert s.timeline[0].picture.shape == (64, 2)
    assert set(s.history) == set(COLUMNS) and all(len(v) == 0 for v in s.history.values())
    assert not r.alive


def test_status_transitions(make_runner):
    before = runner_threads()
    r = make_runner()
    r.start()
    assert r.snapshot().status == "running"
    wait_for(lambda: r.snapshot().step >= 3, "a few steps")
    assert r.alive

    r.pause()
    s = settled(r)
    assert (s.status, s.reason) == ("paused", "paused by you")
    step = s.step
    time.sleep(0.2)
    assert r.trainer.step_count == step and r.snapshot().step == step  # paused means no steps

    r.step_once()
    wait_for(lambda: r.snapshot().step == step + 1, "one step")
    r.step_once()
    r.step_once()
    wait_for(lambda: r.snapshot().step == step + 3, "two more steps")
    assert settled(r).status == "paused"

    r.resume()
    assert r.snapshot().status == "running"
    wait_for(lambda: r.snapshot().step >= step + 6, "steps after resume")
    h = r.snapshot().history
    assert len(h["step"]) >= 1 and all(len(v) == len(h["step"]) for v in h.values())

    r.stop()
    s = r.snapshot()
    assert (s.status, s.reason) == ("finished", "stopped by you")
    assert not r.alive
    assert runner_threads() <= before  # the worker thread is gone
    stopped_at = r.trainer.step_count

    # stop is final: nothing claims to run again without a worker
    for command in (r.resume, r.start, r.step_once):
        command()
        assert r.snapshot().status == "finished"
    time.sleep(0.1)
    assert r.trainer.step_count == stopped_at and not r.alive
    r.stop()  # twice is fine


def test_step_once_before_start(make_runner):
    r = make_runner()
    r.step_once()
    wait_for(lambda: r.snapshot().step == 1, "the first step")
    s = settled(r)
    assert (s.status, s.step) == ("paused", 1)
    assert s.history["step"] == (1,)
    r.start()  # start with a thread already there means resume
    assert r.snapshot().status == "running"
    wait_for(lambda: r.snapshot().step >= 3, "steps after start")


def test_pause_and_resume_when_not_applicable(make_runner):
    r = make_runner()
    r.pause()   # idle: nothing to pause
    r.resume()  # idle: resume does not start a run
    assert r.snapshot().status == "idle" and not r.alive
    r.stop()
    assert r.snapshot().status == "idle"
    r.start()   # after stop: stays stopped
    assert not r.alive and r.snapshot().status == "idle"


def test_update_while_paused_records_events(make_runner):
    r = make_runner()
    r.step_once()
    wait_for(lambda: r.snapshot().step == 1, "one step")
    settled(r)
    r.update(lr_g=5e-4, d_steps=2)
    s = r.snapshot()
    assert s.config.lr_g == 5e-4 and s.config.d_steps == 2
    assert all(g["lr"] == 5e-4 for g in r.trainer.opt_g.param_groups)
    assert [(e.step, e.field, e.old, e.new) for e in s.events] == [(1, "lr_g", 1e-3, 5e-4), (1, "d_steps", 1, 2)]
    r.update(lr_g=5e-4)  # no change, no event
    assert len(r.snapshot().events) == 2
    r.update(epochs=3000)
    e = r.snapshot().events[-1]
    assert (e.step, e.field, e.old, e.new) == (1, "epochs", 2000, 3000)
    seen = r.trainer.batches_seen
    r.step_once()
    wait_for(lambda: r.trainer.step_count == 2, "one more step")
    assert r.trainer.batches_seen == seen + 2


def test_update_while_running(make_runner):
    r = make_runner()
    r.start()
    wait_for(lambda: r.snapshot().step >= 2, "steps")
    r.update(lr_d=3e-4)
    wait_for(lambda: any(e.field == "lr_d" for e in r.snapshot().events), "the change to be applied")
    e = next(e for e in r.snapshot().events if e.field == "lr_d")
    assert (e.old, e.new) == (1e-3, 3e-4) and e.step >= 2
    assert r.trainer.cfg.lr_d == 3e-4
    assert all(g["lr"] == 3e-4 for g in r.trainer.opt_d.param_groups)


def test_update_coerces_numbers(make_runner):
    r = make_runner()
    r.update(lr_g=np.float64(1e-4), epochs=np.int64(50), d_steps=2.0)
    cfg = r.trainer.cfg
    assert (type(cfg.lr_g), type(cfg.epochs), type(cfg.d_steps)) == (float, int, int)
    assert all(type(e.new) in (int, float) for e in r.events)


@pytest.mark.parametrize("changes,field", [
    ({"batch_size": 32}, "batch_size"),
    ({"model": "mlp"}, "model"),
    ({"no_such_field": 1}, "no_such_field"),
    ({"lr_g": -1.0}, "lr_g"),
    ({"lr_d": math.nan}, "lr_d"),
    ({"d_steps": 0}, "d_steps"),
    ({"epochs": "many"}, "epochs"),
    ({"lr_g": 1e-3, "epochs": 0}, "epochs"),
])
def test_update_rejects_with_field_name(make_runner, changes, field):
    r = make_runner()
    before = r.trainer.cfg
    with pytest.raises(ValueError, match=f"^{field}:"):
        r.update(**changes)
    assert r.trainer.cfg == before and r.snapshot().events == ()
    r.step_once()
    wait_for(lambda: r.trainer.step_count == 1, "a step")
    assert r.trainer.cfg == before  # nothing half-applied at the next step either


def test_update_during_a_step_does_not_deadlock():
    """update() while the worker holds the model lock once took the two locks in the opposite order.

    The worker is held inside a step (in _finish, which needs the command lock) while update() runs.
    """
    r = Runner(toy(batch_size=4096, epochs=1))  # not in make_runner: a deadlocked runner cannot be stopped
    r.step_once()
    r.step_once()
    wait_for(lambda: r.snapshot().step == 2, "two steps")
    settled(r)
    assert r.trainer.done
    inside, go = threading.Event(), threading.Event()
    take_frame = r._take_frame

    def held_take_frame():
        inside.set()
        go.wait(WAIT)
        take_frame()
    r._take_frame = held_take_frame
    r.step_once()  # the budget is used up: the worker finishes the run, holding the model lock
    assert inside.wait(WAIT)
    updater = threading.Thread(target=lambda: r.update(epochs=2), daemon=True)
    updater.start()
    time.sleep(0.2)  # let update() get to the model lock (were it later, the test would only be weaker)
    go.set()
    updater.join(WAIT)
    assert not updater.is_alive(), "deadlock: update() and the worker each hold the lock the other waits for"
    s = settled(r)
    assert s.status == "finished" and "extended" in s.reason and s.config.epochs == 2
    r.stop()
    assert not r.alive


def test_several_runners_in_one_process(make_runner):
    before = runner_threads()
    a = make_runner(toy(seed=1))
    b = make_runner(preset("gauss-1d").replace(batch_size=64))
    a.start(), b.start()
    wait_for(lambda: a.snapshot().step >= 5 and b.snapshot().step >= 5, "both runners to step")
    assert len(runner_threads() - before) == 2
    a.pause()
    wait_for(lambda: b.snapshot().step >= settled(a).step + 5, "b to go on while a is paused")
    assert a.snapshot().status == "paused" and b.snapshot().status == "running"
    assert b.snapshot().kind == "points" and b.snapshot().timeline[-1].picture.shape == (64, 1)
    a.stop(), b.stop()
    assert not a.alive and not b.alive
    assert runner_threads() <= before


def test_snapshot_is_immutable(make_runner):
    r = make_runner()
    r.step_once()
    wait_for(lambda: r.snapshot().step == 1, "a step")
    s = settled(r)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.status = "running"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.config.lr_g = 1.0
    assert isinstance(s.events, tuple) and isinstance(s.timeline, tuple)
    for frame in s.timeline:
        with pytest.raises(dataclasses.FrozenInstanceError):
            frame.step = 0
        assert isinstance(frame.picture, np.ndarray) and not frame.picture.flags.writeable
        with pytest.raises(ValueError):
            frame.picture[0] = 0
    assert all(isinstance(v, tuple) for v in s.history.values())
    # later steps publish new snapshots; this one stays as it was
    r.step_once()
    wait_for(lambda: r.snapshot().step == 2, "another step")
    assert s.step == 1 and s.history["step"] == (1,)


def test_image_snapshot_pictures_are_read_only(make_runner):
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    data = Dataset("random", (1, 28, 28), 64, images=images)
    cfg = preset("seed-mlp").replace(batch_size=16, sample_every=1)
    r = make_runner(trainer=Trainer(cfg, data))
    r.step_once()
    wait_for(lambda: r.snapshot().step == 1, "a step")
    s = settled(r)
    assert s.kind == "image" and len(s.timeline) == 2
    pic = s.timeline[-1].picture
    assert pic.dtype == np.uint8 and pic.ndim == 3 and pic.shape[2] == 1
    assert not pic.flags.writeable
    with pytest.raises(ValueError):
        pic[0, 0, 0] = 1


def test_curve_stays_bounded():
    c = Curve(capacity=16)
    for i in range(1, 100_001):
        c.add(i, i / 10, (1.0, 2.0, 0.5, 0.25, float(i % 7)))
        assert len(c.rows) <= 16
    cols = c.columns()
    assert all(len(v) == len(cols["step"]) for v in cols.values())
    steps = cols["step"]
    assert list(steps) == sorted(steps) and steps[-1] > 90_000
    assert cols["d_loss"] == (1.0,) * len(steps) and cols["g_loss"] == (2.0,) * len(steps)
    assert c.stride & (c.stride - 1) == 0  # a power of two
    assert all(0 <= v <= 6 for v in cols["value"])


def test_curve_averages_each_stride():
    c = Curve(capacity=4)
    for i in range(1, 5):  # the 4th row fills it: merged in pairs, stride 2
        c.add(i, float(i), (float(i), 0.0, 0.0, 0.0, 0.0))
    assert c.stride == 2
    assert c.columns()["step"] == (2, 4) and c.columns()["d_loss"] == (1.5, 3.5)
    c.add(5, 5.0, (5.0, 0, 0, 0, 0))
    c.add(6, 6.0, (7.0, 0, 0, 0, 0))
    assert c.columns()["step"][-1] == 6 and c.columns()["d_loss"][-1] == 6.0


def test_curve_state_round_trip():
    c = Curve(capacity=8)
    for i in range(1, 40):
        c.add(i, float(i), (1.0, 2.0, 3.0, 4.0, 5.0))
    d = Curve(capacity=8)
    d.load_state_dict(c.state_dict())
    assert d.columns() == c.columns() and d.stride == c.stride


def test_timeline_stays_bounded():
    tl = Timeline(capacity=10)
    for i in range(100_000):
        tl.add(Frame(i, float(i), None))
        assert len(tl.frames) <= 10
    steps = [f.step for f in tl.frames]
    assert steps[0] == 0 and steps[-1] == 99_999 and steps == sorted(steps)


def test_runner_history_and_timeline_bounded(make_runner):
    r = make_runner(toy(sample_every=1))
    r.curve, r.timeline = Curve(capacity=8), Timeline(capacity=5)
    r.start()
    wait_for(lambda: r.trainer.step_count >= 120, "120 steps")
    r.pause()
    s = settled(r)
    assert len(s.history["step"]) <= 8 and len(s.timeline) <= 5
    assert s.timeline[0].step == 1 and s.timeline[-1].step == s.step  # the first frame is kept


def _nan_after(r, good_steps: int, monkeypatch):
    """Make the trainer's step number good_steps + 1 wreck the weights and report NaN; record good copies."""
    t, real_step, copies = r.trainer, r.trainer.step, {}

    def step():
        stats = real_step()
        copies[t.step_count] = [v.clone() for v in list(t.G.state_dict().values()) + list(t.D.state_dict().values())]
        if t.step_count == good_steps + 1:
            with torch.no_grad():
                for p in list(t.G.parameters()) + list(t.D.parameters()):
                    p.fill_(math.nan)
            return StepStats(math.nan, stats.g_loss, stats.d_real, stats.d_fake, math.nan)
        return stats
    monkeypatch.setattr(t, "step", step)
    return copies


def test_nan_pauses_and_rolls_back(make_runner, monkeypatch):
    monkeypatch.setattr(runner_module, "GOOD_EVERY", 4)
    r = make_runner()
    copies = _nan_after(r, 6, monkeypatch)
    r.start()
    wait_for(lambda: r.snapshot().status != "running", "the NaN to pause the run")
    s = settled(r)
    assert s.status == "paused"
    assert "nan" in s.reason.lower() and "d loss" in s.reason
    assert "at step 7" in s.reason and "rolled back to step 4" in s.reason
    assert "lower learning rate" in s.reason
    t = r.trainer
    assert t.step_count == 4 and s.step == 4
    now = [v for v in list(t.G.state_dict().values()) + list(t.D.state_dict().values())]
    assert all(torch.isfinite(v.float()).all() for v in now)
    assert all(torch.equal(a, b) for a, b in zip(now, copies[4]))
    assert all(math.isfinite(v) for v in s.history["d_loss"])  # the NaN never reaches the chart

    monkeypatch.undo()  # the real step again: resume goes on from the last good state
    r.resume()
    wait_for(lambda: r.trainer.step_count >= 8, "steps after the rollback")
    assert r.snapshot().status == "running"


def test_nan_before_any_good_copy_rolls_back_to_the_start(make_runner, monkeypatch):
    r = make_runner()
    initial = [p.detach().clone() for p in r.trainer.G.parameters()]
    _nan_after(r, 2, monkeypatch)
    r.start()
    wait_for(lambda: r.snapshot().status == "paused", "the NaN pause")
    assert "step 3" in r.snapshot().reason and "rolled back to step 0" in r.snapshot().reason
    assert all(torch.equal(a, b) for a, b in zip(r.trainer.G.parameters(), initial))


def test_a_crash_fails_the_run_with_its_reason(make_runner, monkeypatch):
    r = make_runner()

    def boom():
        raise RuntimeError("out of cheese")
    monkeypatch.setattr(r.trainer, "step", boom)
    r.start()
    wait_for(lambda: r.snapshot().status == "failed", "the failure")
    assert r.snapshot().reason == "RuntimeError: out of cheese"
    r.stop()
    assert not r.alive


def test_finishes_when_the_epoch_budget_is_used_up_and_extends(make_runner):
    # ring8 has 10,000 points per epoch: batch 4096 makes 2 steps an epoch
    r = make_runner(toy(batch_size=4096, epochs=1))
    r.start()
    wait_for(lambda: r.snapshot().status == "finished", "the end of the budget")
    s = r.snapshot()
    assert "epoch budget" in s.reason and s.step == 2 and s.epoch == pytest.approx(1.0)
    assert r.trainer.done and s.timeline[-1].step == 2
    r.resume()  # nothing left to do
    assert r.snapshot().status == "finished"

    r.update(epochs=2)
    s = r.snapshot()
    assert s.status == "finished" and "extended" in s.reason and s.config.epochs == 2
    r.resume()
    wait_for(lambda: r.snapshot().status == "finished" and r.snapshot().step == 4, "the extended budget")
    assert "epoch budget" in r.snapshot().reason
    assert [(e.field, e.old, e.new) for e in r.snapshot().events] == [("epochs", 1, 2)]


def test_cutting_the_budget_finishes(make_runner):
    r = make_runner(toy(batch_size=4096, epochs=100))
    r.start()
    wait_for(lambda: r.snapshot().step >= 3, "steps")
    r.update(epochs=1)
    wait_for(lambda: r.snapshot().status == "finished", "the cut budget to end the run")
    assert r.trainer.done


def test_eta_and_speed(make_runner):
    r = make_runner(toy(batch_size=4096, epochs=50))
    r.start()
    wait_for(lambda: r.snapshot().step >= 3 and r.snapshot().eta_seconds is not None, "a speed estimate")
    s = r.snapshot()
    assert s.steps_per_sec > 0 and s.eta_seconds >= 0 and s.elapsed > 0


def test_evaluator_metrics(make_runner):
    calls = []

    def evaluator(trainer):
        calls.append(trainer.step_count)
        return {"score": float(trainer.step_count)}
    r = make_runner(toy(eval_every=2), evaluator=evaluator)
    for _ in range(4):
        r.step_once()
    wait_for(lambda: r.trainer.step_count == 4, "four steps")
    s = settled(r)
    assert calls == [2, 4] and s.metrics == ((2, {"score": 2.0}), (4, {"score": 4.0}))


def test_generator_copy_and_checkpoint_state_while_running(make_runner):
    r = make_runner()
    r.start()
    wait_for(lambda: r.snapshot().step >= 2, "steps")
    G = r.generator_copy()
    assert not G.training and G(torch.zeros(3, 2)).shape == (3, 2)
    state = r.checkpoint_state()
    assert set(state) == {"config", "trainer", "history", "events", "preset"}
    assert state["trainer"]["step"] >= 2
