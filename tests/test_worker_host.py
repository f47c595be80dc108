"""The training worker (ganlib/run/worker.py, on_worker.py; issue 24): runs train in a process beside the server.

- The same numbers as a thread: one seed, the same losses step for step.
- The Runner's interface over the pipe: commands, live changes, copies, slots (a queued run waits for the server's
  slot), checkpoints.
- A killed worker: every run in it FAILED (Reason.WORKER_LOST) with what it last sent, its slot freed, and the next
  run starts a new worker.
- A server that stops (its end: classroom/shutdown.py) tells the worker to stop its runs and end with status 0;
  a server that is killed leaves no worker behind (it ends within 5 s).
"""
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import types

import pytest

from browser import ROOT
from ganlib import preset
from ganlib.classroom.slots import Slots
from ganlib.run.budget import check
from ganlib.errors import NoModels
from ganlib.run.on_worker import ALLOCATOR, WorkerHost
from ganlib.run.runner import Runner
from ganlib.run.state import Reason, Status
from ganlib.run.worker import Worker
from ganlib.words.describe import status_message

pytestmark = pytest.mark.system
WAIT = 120.0   # the worker's start (a fresh interpreter loads torch) on a busy 2-core machine
GONE_S = 5.0   # a killed server's worker ends within this


@pytest.fixture(scope="module")   # one worker for the module's tests, as a server has: each start loads torch
def host():
    h = WorkerHost()
    yield h
    assert h.shutdown(30)


def toy(**kw):
    return preset("ring8").replace(batch_size=64, **kw)


def steps(run, n):
    for _ in range(n):
        run.step()
    return run.wait(lambda s: s.step >= n and s.status is Status.PAUSED, WAIT)


def test_a_run_in_the_worker_has_a_threads_numbers_step_for_step(host):
    cfg = toy(seed=3)
    here, there = Runner(cfg, preset="ring8"), host.runner(cfg, preset="ring8")
    try:
        a, b = steps(here, 25), steps(there, 25)
        assert b.step == a.step == 25 and b.run_id == there.run_id
        for column in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert b.history[column] == pytest.approx(a.history[column], rel=1e-6, abs=1e-7), column
        g_here, g_there = here.generator_copy(), there.generator_copy()   # a copy comes over the pipe whole
        for p, q in zip(g_here.state_dict().values(), g_there.state_dict().values()):
            assert (p == q).all()
        d_here, d_there = here.dataset(), there.dataset()   # the Theory lab reads p_data through it
        assert d_there.name == d_here.name and (d_there.sample(50) == d_here.sample(50)).all()
        there.update(lr_g=1e-4)
        b = steps(there, 26)
        assert b.config.lr_g == 1e-4 and any(e.field == "lr_g" for e in b.events)
        assert there.checkpoint()["config"]["lr_g"] == 1e-4
    finally:
        here.close()
        there.close()
    assert there.join(WAIT) and not there.alive and there.snapshot().status is Status.STOPPED


def test_the_worker_gets_its_allocator_settings_unless_the_environment_has_its_own(host):
    """on_worker.ALLOCATOR: a class's batched step without an mmap per large block (measured in its comment)."""
    host.start()
    with open(f"/proc/{host.pid}/environ", "rb") as f:
        env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    for name, value in ALLOCATOR.items():
        assert env[name.encode()] == os.environ.get(name, value).encode()


def test_a_run_in_the_worker_waits_for_the_servers_slot(host):
    slots = Slots(1)
    first, second = host.runner(toy(seed=0), slots=slots), host.runner(toy(seed=1), slots=slots)
    try:
        first.start()
        first.wait(lambda s: s.status is Status.RUNNING, WAIT)
        second.start()
        assert second.wait(lambda s: s.status is Status.QUEUED, WAIT).status is Status.QUEUED
        assert slots.place(second.run_id) == 1
        first.pause(Reason.OWNER_AWAY)   # gives the slot back at once
        assert second.wait(lambda s: s.status is Status.RUNNING, WAIT).status is Status.RUNNING
    finally:
        first.close()
        second.close()


def test_an_ended_run_keeps_its_models_in_the_worker_until_the_server_drops_it(host):
    """As a thread's run does: a Save, the lab's views and a watcher's figure of a run that has stopped (CI, stop 29:
    the watch page's D* view of a teacher's stopped run raised "the run has ended in the worker"). Once Runs' reaper
    lets it go (release), a copy raises NoModels, which the pages draw nothing of."""
    run = host.runner(toy(seed=5))
    s = steps(run, 3)
    run.stop()
    assert run.join(WAIT) and run.snapshot().status is Status.STOPPED
    assert s.step == 3 and run.checkpoint()["shape"] == [2]
    G, D = run.models_copy(game=True)
    assert G is not None and D is not None and run.generator_copy() is not None and run.dataset() is not None
    run.release()
    with pytest.raises(NoModels, match="let go"):
        poll_raises(run.checkpoint)


def poll_raises(fn, timeout: float = 10.0):
    """fn() until it raises (a DROP and a CALL travel apart: the DROP is read first, but is freed on a thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fn()
        time.sleep(0.1)


def test_the_worker_sizes_a_run_for_the_server_as_budget_does_here(host):
    """WorkerHost.check: budget.check in the worker, so that a server whose runs train there loads no torch to size
    them. The same refusal, naming the same field, as budget.check here; a run that fits passes."""
    big = preset("tf-dcgan").replace(batch_size=4096)
    with pytest.raises(ValueError) as here:
        check(big, limit_mb=1500)
    with pytest.raises(ValueError) as there:
        host.check(big, 1500)
    assert str(there.value) == str(here.value) and str(there.value).startswith("batch_size: ")
    assert host.check(toy(), 1500) is None


def test_a_killed_worker_fails_its_runs_and_the_next_run_starts_a_new_one(host):
    slots = Slots(1)
    run = host.runner(toy(), slots=slots)
    run.start()
    before = run.wait(lambda s: s.step >= 5, WAIT)
    pid = host.pid
    os.kill(pid, signal.SIGKILL)
    s = run.wait(lambda s: s.status is Status.FAILED, 30)
    assert s.status is Status.FAILED and s.reason is Reason.WORKER_LOST and s.step >= before.step
    assert s.history["step"]   # what it last sent stays on the page
    assert "was lost" in status_message(s)[1] and run.join(1) and not run.alive
    assert slots.counts() == (0, 0)   # its slot went back
    again = host.runner(toy(), slots=slots)
    try:
        assert steps(again, 3).step == 3 and host.pid not in (None, pid)
        assert host.started_s is not None and host.started_s > 0
    finally:
        again.close()


SERVER = textwrap.dedent("""
    import signal, sys, time
    sys.path.insert(0, {root!r})
    if __name__ == "__main__":
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))   # as Streamlit's handler: the process ends normally
        {start}
        print(pid, flush=True)
        while True:
            time.sleep(0.1)
""")
RUN = """
from ganlib import preset
from ganlib.classroom import shutdown
from ganlib.run.hosts import host_for
host = host_for("", in_worker=True)
shutdown.register(host)   # as Runs does with the host it is given (classroom/following.py)
run = host.runner(preset("ring8"))
run.start()
run.wait(lambda s: s.step >= 3, 120)
pid = host.pid
"""


def _server(tmp_path, start: str = RUN):
    """A server's process that starts something in its training worker (`start`, which sets pid: the worker's),
    prints the worker's pid, and waits; it ends normally on SIGTERM, as Streamlit's does."""
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(root=ROOT, start=textwrap.indent(start.strip(), " " * 4).lstrip()))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, GAN_STUDIO_WORKER="1"))   # as a server has it (conftest: threads)
    return proc, int(proc.stdout.readline())


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"   # a zombie has ended
    except FileNotFoundError:
        return True


def test_a_server_that_stops_stops_the_worker_with_status_0(tmp_path):
    proc, pid = _server(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert _gone(pid) and "training worker" not in err   # on_worker.py says so when it ends otherwise


def test_a_killed_server_leaves_no_worker(tmp_path):
    proc, pid = _server(tmp_path)
    proc.kill()
    proc.wait(10)
    t0 = time.monotonic()
    while not _gone(pid):
        assert time.monotonic() - t0 < GONE_S, "the worker outlived its server"
        time.sleep(0.1)


class SlowBoard:
    """A board that takes `make_s` to make (a class's first models and memory estimate: ~1.1 s), and keeps its notes."""

    def __init__(self, make_s: float):
        time.sleep(make_s)
        self.notes, self.over = [], False

    def post(self, *note):
        self.notes.append(note)

    def wait(self, predicate, timeout):
        time.sleep(0.05)
        return types.SimpleNamespace(version=1, ended=self.over)

    wire = staticmethod(lambda snap, last: None)

    def join_thread(self, timeout):
        return True


def test_a_board_is_made_off_the_message_thread_and_gets_the_notes_sent_meanwhile():
    """The worker's message thread answers every run's commands and copies: a class being made (HOST) must not hold
    it, and the notes that come for the class meanwhile reach it once made, in order."""
    import torch
    here, there = multiprocessing.Pipe()
    worker, made = Worker(here, os.getpid()), []
    env = {k: v for k, v in os.environ.items() if k.startswith("GAN_STUDIO_")}   # the settings stay as they are
    t0 = time.monotonic()
    worker._on_host("k", lambda w, s: made.append(SlowBoard(s)) or made[-1], (3.0,), env, torch.get_num_threads())
    worker._on_post("k", "first")
    worker._on_post("k", "second")
    assert time.monotonic() - t0 < 2.0   # the message thread is free long before the board's 3 s
    deadline = time.monotonic() + 10
    while not (made and made[0].notes == [("first",), ("second",)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert made and made[0].notes == [("first",), ("second",)]
    worker._on_post("k", "third")   # once made: posted at once
    assert made[0].notes[-1] == ("third",)
    made[0].over = True
