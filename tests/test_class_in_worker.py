"""A class in the training worker (classroom/class_in_worker.py; issues 24 and 20): its batched step trains in the
worker process, its door stays in the server.

- The same numbers as a class in the server: one seed per student, the same losses step for step.
- The door checks in the server (a closed field, a full class) before anything travels.
- The server's training slot: a class in the worker waits in line for it, and gets it when it frees.
- A killed worker: every run of the class FAILED (Reason.WORKER_LOST), the class ended, its slot freed.
- What travels: a snapshot without what the server holds already, made whole again, read-only.
- A server that stops with a class training ends the class and the worker, status 0.
"""
import os
import pickle
import signal

import numpy as np
import pytest
from test_worker_host import _gone, _server

from ganlib.classroom import class_wire
from ganlib.classroom.class_in_worker import PipeClass
from ganlib.classroom.class_ticker import Class, class_config
from ganlib.classroom.class_view import ClassClosed, ClassCommand as C, ClassFull
from ganlib.classroom.slots import Slots
from ganlib.engine.presets import preset
from ganlib.errors import FieldError
from ganlib.run.on_worker import WorkerHost
from ganlib.run.state import Reason, Status

pytestmark = pytest.mark.system
WAIT = 120.0   # the worker's start (a fresh interpreter loads torch) on a busy 2-core machine
# ring8 with tiny nets: an epoch is a few steps, and a run that finishes its epochs stops at a step of its own
BASE = class_config("class-ring8", preset("class-ring8").replace(epochs=2, eval_every=5, sample_every=5))
NUMBERS = ("d_loss", "g_loss", "d_real", "d_fake", "value")


@pytest.fixture(scope="module")   # one worker for the module's tests, as a server has: each start loads torch
def host():
    h = WorkerHost()
    yield h
    assert h.shutdown(30)


def finished(cls, n: int):
    return cls.wait(lambda s: len(s.students) == n and all(v.status is Status.FINISHED for v in s.students), WAIT)


def test_a_class_in_the_worker_has_the_numbers_of_a_class_in_the_server(host):
    here = Class("HERE01", "class-ring8", BASE, ("lr_g",))
    there = PipeClass(host, "THERE1", "class-ring8", BASE, ("lr_g",))
    try:
        for cls in (here, there):
            runs = [cls.join(f"key-{i}") for i in range(3)]
            cls.send(runs[1], C.UPDATE, lr_g=2e-3)   # one student's own lr: the others' numbers stay theirs
            for r in runs:
                cls.send(r, C.START)
        a, b = finished(here, 3), finished(there, 3)
        for x, y in zip(a.students, b.students):
            assert (x.name, x.step, dict(x.changed)) == (y.name, y.step, dict(y.changed)) and y.step > 10
            for column in NUMBERS:
                assert y.history[column] == pytest.approx(x.history[column], rel=1e-5, abs=1e-6), column
            assert np.allclose(x.points, y.points, atol=1e-5) and not y.points.flags.writeable
        assert b.real.shape == a.real.shape and not b.real.flags.writeable
        with pytest.raises(FieldError, match="lr_d"):   # checked at the door, in the server
            there.send(b.students[0].run_id, C.UPDATE, lr_d=1e-2)
    finally:
        here.close()
        assert there.close(WAIT)
    last = there.snapshot()
    assert last.closed and not there.alive and {s.status for s in last.students} == {Status.STOPPED}


def test_a_full_class_is_refused_at_the_door(host, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_CLASS_SIZE", "1")
    cls = PipeClass(host, "FULL01", "class-ring8", BASE, ())
    try:
        cls.join("key-a")
        with pytest.raises(ClassFull):
            cls.join("key-b")
        assert len(cls.snapshot().students) == 1
    finally:
        assert cls.close(WAIT)


def test_a_class_in_the_worker_waits_in_line_for_the_servers_slot(host):
    slots = Slots(1)
    first = PipeClass(host, "FIRST1", "class-ring8", BASE.replace(epochs=100_000), (), slots=slots)
    second = PipeClass(host, "SECND1", "class-ring8", BASE, (), slots=slots)
    try:
        a, b = first.join("key-a"), second.join("key-b")
        first.send(a, C.START)
        first.wait(lambda s: s.training and s.student(a).step > 0, WAIT)
        second.send(b, C.START)
        assert second.wait(lambda s: s.queued, WAIT).queued and slots.place("class-SECND1") == 1
        first.send(a, C.PAUSE)   # no run of the first class wants the slot: it goes to the next in line
        s = second.wait(lambda s: s.training and s.student(b).step > 0, WAIT)
        assert s.student(b).status is Status.RUNNING and not s.queued
    finally:
        assert first.close(WAIT) and second.close(WAIT)
    assert slots.counts() == (0, 0)


def test_a_killed_worker_fails_the_class_and_frees_its_slot(host):
    slots = Slots(1)
    cls = PipeClass(host, "KILLD1", "class-ring8", BASE.replace(epochs=100_000), (), slots=slots)
    a = cls.join("key-a")
    cls.send(a, C.START)
    before = cls.wait(lambda s: s.student(a).step >= 5, WAIT)
    os.kill(host.pid, signal.SIGKILL)
    s = cls.wait(lambda s: s.closed, 30)
    v = s.student(a)
    assert s.closed and (v.status, v.reason) == (Status.FAILED, Reason.WORKER_LOST) and v.step >= before.student(a).step
    assert v.history["step"] and cls.join_thread(1) and not cls.alive   # (closed is pinned before it has ended)
    assert slots.counts() == (0, 0)
    again = PipeClass(host, "AGAIN1", "class-ring8", BASE, ())   # a new worker
    try:
        b = again.join("key-b")
        again.send(b, C.STEP)
        assert again.wait(lambda s: s.student(b).step == 1, WAIT).student(b).step == 1
    finally:
        assert again.close(WAIT)


def test_a_snapshot_travels_without_what_the_server_holds_and_comes_back_whole():
    cls = Class("WIRE01", "class-ring8", BASE.replace(epochs=100_000), ())
    try:
        runs = [cls.join(f"key-{i}") for i in range(3)]
        cls.send(runs[0], C.START)
        a = cls.wait(lambda s: s.student(runs[0]).step >= 5, WAIT)
        b = cls.wait(lambda s: s.version > a.version and s.student(runs[0]).step > a.student(runs[0]).step, WAIT)
    finally:
        cls.close()
    whole, small = pickle.dumps(class_wire.shrink(b, None)), pickle.dumps(class_wire.shrink(b, a))
    assert len(small) < len(whole) / 2
    got = class_wire.grow(pickle.loads(small), a)
    for x, y in zip(b.students, got.students):
        assert (x.run_id, x.status, x.step, x.config) == (y.run_id, y.status, y.step, y.config)
        assert dict(x.history) == dict(y.history) and (x.points == y.points).all() and not y.points.flags.writeable
    assert got.student(runs[1]) is a.student(runs[1])   # a student who did not change is the one the server holds
    assert got.version == b.version and (got.real == b.real).all()


A_CLASS = """
from ganlib.classroom.classes import Classes, ClassCommand
from ganlib.classroom.runs import Runs
from ganlib.run.on_worker import WORKER
cls = Classes(Runs()).open("teacher", "class-ring8")
a = cls.join("key-a")
cls.send(a, ClassCommand.START)
cls.wait(lambda s: s.student(a).step >= 3, 120)
pid = WORKER.pid
"""


def test_a_server_that_stops_ends_its_class_in_the_worker_with_status_0(tmp_path):
    proc, pid = _server(tmp_path, A_CLASS)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "training worker" not in err and "did not stop" not in err   # on_worker.py, shutdown.py say so otherwise
    assert _gone(pid)


def test_a_servers_classes_train_in_its_worker_and_a_drawing_travels_there(monkeypatch):
    """Classes of a server (Runs, no ensemble of a test's own) open in the worker; a teacher's drawing is checked in
    the server and learnt in the worker."""
    from ganlib.classroom.classes import Classes
    from ganlib.classroom.runs import Runs
    from ganlib.run.on_worker import WORKER
    monkeypatch.setenv("GAN_STUDIO_WORKER", "1")   # as a server has it (conftest: threads in tests)
    classes = Classes(Runs())
    drawing = np.random.default_rng(0).uniform(-1, 1, (40, 2)).astype(np.float32)
    cls = classes.open("teacher", "class-ring8", drawing=drawing)
    try:
        assert isinstance(cls, PipeClass) and WORKER.pid is not None and classes.get(cls.code) is cls
        snap = cls.snapshot()
        assert snap.base.dataset == "drawn" and len(snap.real) > 0
        a = cls.join("key-a")
        cls.send(a, C.STEP)
        assert cls.wait(lambda s: s.student(a).step == 1, WAIT).student(a).step == 1
        assert classes.of_student("key-a") == (cls, a)
    finally:
        assert classes.close("teacher")
        assert WORKER.shutdown(30)


def test_a_class_the_worker_cannot_make_is_refused_saying_so(host):
    """The factory fails in the worker (here: a drawing it cannot read): the teacher hears so at once."""
    with pytest.raises(ClassClosed, match="could not start"):
        PipeClass(host, "BROKEN", "class-ring8", BASE, (), drawing="not points")
