"""Visitor and Runs: who owns a run, that no run outlives its owner, the explorer's cache and checkpoint list."""
import os
import re
import threading
import time

import pytest

from ganlib import Trainer, preset
from ganlib.explore import walks as ex
from ganlib.classroom.owners import OwnerGone
from ganlib.classroom.runs import Runs
from ganlib.run.state import Reason, Status
from ganlib.classroom.visitor import Visitor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_explorer_model_is_built_once_per_source_and_a_failure_caches_nothing(tmp_path):
    s = Visitor(Runs(), str(tmp_path))
    builds = []

    def build(tag):
        builds.append(tag)
        return f"model {tag}", "cfg", f"caption {tag}"
    assert s.explorer_model(("file", "a"), lambda: build("a")) == ("model a", "cfg", "caption a")
    assert s.explorer_model(("file", "a"), lambda: build("a")) == ("model a", "cfg", "caption a")
    assert builds == ["a"]

    def broken():
        raise ValueError("bad upload")
    with pytest.raises(ValueError):
        s.explorer_model(("upload", 1), broken)
    assert s.explorer_model(("file", "a"), lambda: build("a"))[0] == "model a" and builds == ["a"]
    s.explorer_model(("file", "b"), lambda: build("b"))
    assert builds == ["a", "b"]


def test_saved_checkpoints_open_on_the_shipped_digits(tmp_path):
    s = Visitor(Runs(), os.path.join(ROOT, "checkpoints"), spaces_dir=str(tmp_path))
    refs, first = ex.saved_checkpoints(s.space.list())
    assert first == "shared/pretrained-digits.pt" and refs == ["shared/pretrained-digits.pt", "shared/pretrained-ring8.pt"]
    assert ex.saved_checkpoints(Visitor(Runs(), str(tmp_path / "none")).space.list()) == ([], None)


def test_walk_gif_is_a_gif():
    import torch

    from ganlib.run.checkpoint import load_checkpoint
    model, cfg, _ = ex.from_payload(load_checkpoint(os.path.join(ROOT, "checkpoints", "pretrained-digits.pt")), "d")
    data = ex.walk_gif(model, torch.zeros(cfg.latent_dim), torch.ones(cfg.latent_dim), "slerp", frames=4)
    assert data[:6] in (b"GIF87a", b"GIF89a")


# --- who owns a run: nothing trains that Runs does not know of ---------------------------------------
WAIT = 60.0


def toy(**changes):
    return preset("ring8").replace(batch_size=64, **changes)


def threads_named(name="ganlib-runner") -> int:
    return sum(t.name == name for t in threading.enumerate())


def test_a_run_for_an_owner_that_has_gone_is_never_made(tmp_path):
    runs = Runs()
    v = Visitor(runs, str(tmp_path))
    v.close()
    before = threads_named()
    with pytest.raises(OwnerGone):
        v.new_run(toy())
    assert threads_named() == before and runs.snapshots() == [] and v.runner is None


def test_an_owner_leaving_while_its_run_loads_stops_it_and_the_reaper_drops_it(tmp_path, held_build):
    gate = held_build
    runs = Runs(reap_every=0.05)
    v = Visitor(runs, str(tmp_path))
    r = v.new_run(toy())
    r.start()
    assert r.snapshot().status is Status.LOADING and runs.threads_alive() == 1
    t0 = time.perf_counter()
    v.close()                 # what Streamlit's on_release calls: it must not wait for the thread
    assert time.perf_counter() - t0 < 2.0   # no join: the build is held until gate.set() below
    gate.set()
    assert r.join(WAIT)
    assert (r.snapshot().status, r.snapshot().reason) == (Status.STOPPED, Reason.OWNER_GONE)
    deadline = time.monotonic() + WAIT
    while runs.snapshots() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runs.snapshots() == [] and runs.threads_alive() == 0


def test_closing_never_waits_for_a_step_in_flight(tmp_path, monkeypatch):
    inside, go = threading.Event(), threading.Event()
    real_step = Trainer.step

    def held_step(self):
        inside.set()
        go.wait(WAIT)
        return real_step(self)
    monkeypatch.setattr(Trainer, "step", held_step)
    runs = Runs(reap_every=0.05)
    v = Visitor(runs, str(tmp_path))
    r = v.new_run(toy())
    r.start()
    assert inside.wait(WAIT)
    t0 = time.perf_counter()
    v.close()
    assert time.perf_counter() - t0 < 2.0   # no join: the old hook joined the thread here, which go holds
    go.set()
    assert r.join(WAIT) and r.snapshot().status is Status.STOPPED


def test_a_new_run_or_reset_lets_the_old_one_go(tmp_path):
    runs = Runs(reap_every=0.05)
    v = Visitor(runs, str(tmp_path))
    first = v.new_run(toy())
    second = v.new_run(toy(seed=1))
    assert v.runner is second and runs.get(first.run_id) is None and first.run_id != second.run_id
    assert first.join(WAIT) and first.snapshot().reason is Reason.BY_USER
    v.reset()
    assert v.runner is None and second.join(WAIT)
    deadline = time.monotonic() + WAIT
    while runs.snapshots() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runs.snapshots() == []


def test_one_visitor_never_sees_anothers_run(tmp_path):
    runs = Runs()
    a, b = Visitor(runs, str(tmp_path)), Visitor(runs, str(tmp_path))
    ra = a.new_run(toy())
    try:
        assert b.runner is None and a.key != b.key
        b.close()
        assert a.runner is ra and ra.alive   # b leaving stops only b's runs
    finally:
        a.close()
        ra.join(WAIT)


def test_no_test_reads_a_private_attribute_of_threading_or_of_a_runner():
    private = re.compile(r"_waiters|\b(r|runner|again|a|b|run)\._[a-z]|\._lock\b|\._thread\b")
    here = os.path.dirname(os.path.abspath(__file__))
    hits = [f"{name}:{i}" for name in sorted(os.listdir(here)) if name.endswith(".py") and name != "test_visitor.py"
            for i, line in enumerate(open(os.path.join(here, name)), 1) if private.search(line)]
    assert hits == []
