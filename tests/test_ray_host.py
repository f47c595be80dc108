"""Runs on a Ray cluster (run/on_ray.py) keep the Runner's contract, on a local cluster of 2 CPUs (issue 21).

Each contract test runs on both hosts, threads and Ray, through the same calls a page makes: start, step, pause,
a live lr, copies of the models, a checkpoint and a run that carries on from it, a NaN rolled back, stop. A Ray run
makes the numbers the same run makes on a thread, and a worker killed mid-run fails its run with a reason.
"""
import os
import time

import pytest

from ganlib import preset
from ganlib.classroom.capacity import Limits
from ganlib.classroom.runs import Runs
from ganlib.classroom.visitor import Visitor
from ganlib.errors import NoModels
from ganlib.run.hosts import THREADS, host_for
from ganlib.run.state import Reason, Status
from ganlib.words.describe import status_message

ray = pytest.importorskip("ray", reason="ray is optional: pip install -e .[ray]")
pytestmark = pytest.mark.system
WAIT = 90.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def cluster():
    """A local cluster of 2 CPUs. Its workers import this checkout (and these tests, for a crafted Trainer)."""
    path = os.pathsep.join([ROOT, os.path.join(ROOT, "tests")])
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield host_for("auto")
    ray.shutdown()


@pytest.fixture(params=["threads", "ray"])
def host(request):
    return THREADS if request.param == "threads" else request.getfixturevalue("cluster")


@pytest.fixture
def made():
    runs = []
    yield runs
    for r in runs:
        r.close()


def toy(**changes):
    return preset("ring8").replace(batch_size=64, sample_every=5, **changes).validate()


def until(r, pred, what):
    s = r.wait(pred, WAIT)
    assert pred(s), f"timed out waiting for {what}: {s.status}, {s.reason}, step {s.step}"
    return s


def stepped(r, n):
    s = until(r, lambda s: s.status is Status.IDLE, "the run to build")
    while s.step < n:
        before = s.step
        r.step()
        s = until(r, lambda s: s.step > before, "a step")
    return s


def test_the_contract_start_step_pause_live_lr_copies_and_stop(host, made):
    r = host.runner(toy(), preset="ring8")
    made.append(r)
    assert r.snapshot().status in (Status.QUEUED, Status.LOADING, Status.IDLE)
    s = stepped(r, 2)
    assert (s.status, s.step) == (Status.PAUSED, 2)
    r.start()
    until(r, lambda s: s.status is Status.RUNNING and s.step >= 20, "training")
    r.update(lr_g=4e-4)
    s = until(r, lambda s: s.config.lr_g == 4e-4, "the live lr")
    assert [(e.field, e.new) for e in s.events] == [("lr_g", 4e-4)]
    with pytest.raises(ValueError, match="lr_d"):
        r.update(lr_d=-1.0)                      # checked where it is sent, before it travels
    r.pause()
    s = until(r, lambda s: s.status is Status.PAUSED, "the pause")
    G = r.generator_copy()
    assert G(__import__("torch").zeros(3, 2)).shape == (3, 2)
    payload = r.checkpoint()
    assert payload["trainer"]["step"] == s.step and payload["preset"] == "ring8"
    r.stop()
    s = until(r, lambda s: s.ended, "the stop")
    assert (s.status, s.reason) == (Status.STOPPED, Reason.BY_USER)
    assert r.join(WAIT) and not r.alive


def test_a_run_carries_on_from_its_checkpoint(host, made, tmp_path):
    r = host.runner(toy(), preset="ring8")
    made.append(r)
    before = stepped(r, 3)
    path = r.save(str(tmp_path / "run.pt"))
    from ganlib.run.checkpoint import load_checkpoint
    again = host.runner(payload=load_checkpoint(path))
    made.append(again)
    s = until(again, lambda s: s.status is Status.IDLE, "the loaded run")
    assert (s.step, s.preset, s.history["step"]) == (3, "ring8", before.history["step"])
    again.start()
    until(again, lambda s: s.step >= 8, "steps after loading")


def test_a_nan_pauses_and_rolls_back(host, made):
    from test_runner import nan_trainer   # a Trainer whose 7th step wrecks its weights (the workers import it too)
    cfg = toy()
    r = host.runner(trainer=nan_trainer(cfg, 7, {}))
    made.append(r)
    r.start()
    s = until(r, lambda s: s.reason is Reason.NAN, "the NaN pause")
    assert (s.status, s.step) == (Status.PAUSED, 0) and s.problem.step == 7 and s.can_resume
    r.resume()
    until(r, lambda s: s.step >= 10, "steps after the rollback")


def test_a_ray_run_makes_the_numbers_of_the_same_run_on_a_thread(cluster, made):
    runs = [THREADS.runner(toy(seed=3)), cluster.runner(toy(seed=3))]
    made.extend(runs)
    a, b = (stepped(r, 12) for r in runs)
    assert a.history["d_loss"] == b.history["d_loss"] and a.history["g_loss"] == b.history["g_loss"]
    assert len(a.history["d_loss"]) == 12
    # and what a page draws besides, sent in parts (run/wire.py): the samples' timeline, the real points, G
    import numpy as np
    assert [f.step for f in a.timeline] == [f.step for f in b.timeline] and len(b.timeline) >= 3
    assert all(np.array_equal(f.picture, g.picture) for f, g in zip(a.timeline, b.timeline))
    assert np.array_equal(a.real, b.real) and a.g_weights.step == b.g_weights.step == 12
    assert all(np.array_equal(a.g_weights.state[k], b.g_weights.state[k]) for k in a.g_weights.state)


def test_a_killed_worker_fails_its_run_and_says_so(cluster, made):
    r = cluster.runner(toy(), preset="ring8")
    made.append(r)
    r.start()
    last = until(r, lambda s: s.step >= 30, "training")
    # as the OOM killer or a lost node would: the worker process dies mid-step (a run's actor is named for it)
    ray.kill(ray.get_actor("run-" + r.run_id, namespace="gan-studio"))
    s = until(r, lambda s: s.ended, "the failure")
    assert (s.status, s.reason) == (Status.FAILED, Reason.WORKER_LOST) and s.step >= last.step
    assert s.history["step"][:len(last.history["step"])] == last.history["step"]   # what it sent stays
    assert "lost" in status_message(s)[1] and r.join(WAIT)
    with pytest.raises(RuntimeError, match="lost"):
        r.checkpoint()


def test_a_lost_worker_costs_at_most_the_time_since_its_autosave(cluster, tmp_path, monkeypatch):
    from ganlib.classroom import autosave
    monkeypatch.setenv("GAN_STUDIO_AUTOSAVE_MINUTES", "0.02")   # every 1.2 s of training
    runs = Runs(host=cluster)
    owner = Visitor(runs, str(tmp_path))
    try:
        run = owner.new_run(toy())
        run.start()
        until(run, lambda s: s.step >= 50, "training")
        deadline = time.monotonic() + WAIT
        while (kept := autosave.kept_step(owner.space)) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert kept is not None and kept > 0
        ray.kill(ray.get_actor("run-" + run.run_id, namespace="gan-studio"))
        s = until(run, lambda s: s.ended, "the failure")
        assert s.reason is Reason.WORKER_LOST and s.problem.good_step >= kept
        assert f"autosave from step {s.problem.good_step:,}" in status_message(s)[1]
        again = owner.resume_from(owner.space.load(owner.space.save_target(autosave.NAME)))
        assert until(again, lambda s: s.status is Status.IDLE, "the autosave loaded").step == s.problem.good_step
        owner.reset()   # stopped, not let go: a later test counts the cluster's busy CPUs
        until(again, lambda s: s.ended, "the reset")
    finally:
        owner.close()
        runs.shutdown(WAIT)


def test_the_registry_hands_out_ray_runs_and_a_watch_code_shows_them(cluster, tmp_path):
    runs = Runs(host=cluster)
    teacher, student = Visitor(runs, str(tmp_path)), Visitor(runs, str(tmp_path))
    try:
        run = teacher.new_run(toy())
        student.watch_code = teacher.share()
        assert student.watched() is run and type(run).__name__ == "RemoteRun"
        run.start()
        until(run, lambda s: s.step >= 5, "training on the cluster")
        time.sleep(1.1)   # the cluster's usage is read at most once a second
        load = runs.load()
        assert (load.training, load.slots) == (1, 2)   # the cluster's CPUs are the slots, and the run holds one
        teacher.reset()
        until(run, lambda s: s.ended, "the reset to stop it")
        deadline = time.monotonic() + WAIT
        while runs.threads_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runs.threads_alive() == 0
    finally:
        for v in (teacher, student):
            v.close()
        runs.shutdown(WAIT)


def test_two_replicas_share_a_watch_code_and_the_owner_rejoins_through_the_other(cluster, tmp_path):
    """Two app replicas (two Runs on one cluster): a code made on one opens on the other, and when the first goes
    (its sessions gone with it), the run trains on and its owner, by their key, rejoins it through the second."""
    one, two = Runs(host=cluster), Runs(host=cluster)
    teacher = Visitor(one, str(tmp_path))
    student = Visitor(two, str(tmp_path))
    try:
        run = teacher.new_run(toy())
        run.start()
        until(run, lambda s: s.step >= 5, "training on the cluster")
        code = teacher.share()
        student.watch_code = code
        assert two.shared(code) and two.owner_of(code) == teacher.key
        seen = student.watched()
        assert seen is not None and seen.run_id == run.run_id and seen is not run   # followed, not shared memory
        until(seen, lambda s: s.step >= 20, "the second replica to see it train")
        one.shutdown(WAIT)                # the first replica goes: its runs train on
        back = Visitor(two, str(tmp_path), key=teacher.key)
        assert back.run_id == run.run_id and back.runner.snapshot().status is Status.RUNNING
        at = back.runner.snapshot().step
        s = until(back.runner, lambda s: s.step > at + 10, "training on after the first went")
        assert s.status is Status.RUNNING
        back.reset()
        until(seen, lambda s: s.ended, "the reset to reach the watcher")
        back.close()
    finally:
        student.close()
        one.shutdown(WAIT)
        two.shutdown(WAIT)


def test_the_cap_is_the_clusters_cpus_counted_across_replicas(cluster, tmp_path):
    """2 CPUs: two runs through one replica train, a third through the other waits, queued, and trains once one
    of the first two stops."""
    one, two = Runs(host=cluster), Runs(host=cluster)
    a, b, c = Visitor(one, str(tmp_path)), Visitor(one, str(tmp_path)), Visitor(two, str(tmp_path))
    try:
        first = [v.new_run(toy(seed=i)) for i, v in enumerate((a, b))]
        for r in first:
            r.start()
        for r in first:
            until(r, lambda s: s.status is Status.RUNNING, "the first two to train")
        third = c.new_run(toy(seed=2))
        third.start()
        time.sleep(5)
        assert third.snapshot().status is Status.QUEUED and third.snapshot().step == 0
        assert two.load().queued == 1
        a.reset()
        until(third, lambda s: s.status is Status.RUNNING and s.step > 0, "the third to train once a CPU is free")
        b.reset()
        c.reset()
    finally:
        for v in (a, b, c):
            v.close()
        one.shutdown(WAIT)
        two.shutdown(WAIT)


def test_a_cluster_run_with_no_owner_anywhere_pauses_then_stops_and_leaves_the_cluster(cluster, made, tmp_path):
    runs = Runs(Limits(away_s=1.0, idle_s=20.0), host=cluster)   # away: held to 10 s there (on_ray.POLL_S)
    owner = Visitor(runs, str(tmp_path))
    run = owner.new_run(toy())
    run.start()
    until(run, lambda s: s.step >= 5, "training")
    owner.close()   # the only tab: the run's actor hears from no page of its owner
    watcher = cluster.follow(run.run_id)   # (the replica lets it go once its owner is gone: watch it from outside)
    made.append(watcher)
    s = until(watcher, lambda s: s.status is Status.PAUSED, "the pause for an owner away")
    assert s.reason is Reason.OWNER_AWAY
    s = until(watcher, lambda s: s.ended, "the stop for an owner gone")
    assert (s.status, s.reason) == (Status.STOPPED, Reason.OWNER_GONE)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and cluster.follow(run.run_id) is not None:
        time.sleep(0.5)
    assert cluster.follow(run.run_id) is None   # an ended run is not followed
    # the actor leaves once its followers have the end (the replica's let it go when its owner left): its CPU is
    # the cluster's again
    while time.monotonic() < deadline and _actor_named(run.run_id):
        time.sleep(0.5)
    with pytest.raises(ValueError):
        ray.get_actor("run-" + run.run_id, namespace="gan-studio")
    runs.shutdown(WAIT)


def _actor_named(run_id: str) -> bool:
    try:
        ray.get_actor("run-" + run_id, namespace="gan-studio")
        return True
    except ValueError:
        return False


def test_an_ended_runs_actor_stays_until_every_follower_has_its_end(cluster, made):
    """Two followers of one run: one takes the last snapshot, the other is between two asks (a busy replica). The
    actor waits for the second, which reads STOPPED, not "worker lost"; then it leaves, and its CPU is free."""
    from ganlib.run.on_ray import BETWEEN_S
    assert BETWEEN_S > 3.0 + 5.0 + 1.0   # the sleep and the wait below, and a second for Ray's round trips
    r = cluster.runner(toy())
    made.append(r)
    r.start()
    until(r, lambda s: s.step >= 5, "training")
    actor = ray.get_actor("run-" + r.run_id, namespace="gan-studio")
    held = ray.get(actor.snapshot_after.remote(-1, 0.0, False, "slow"), timeout=WAIT)   # then it dawdles
    r.stop()
    assert until(r, lambda s: s.ended, "the stop").status is Status.STOPPED
    time.sleep(3.0)   # past the 2 s an actor used to wait, well inside BETWEEN_S of the first ask
    last = ray.get(actor.snapshot_after.remote(held.version, 5.0, False, "slow"), timeout=WAIT)
    assert last is not None and (last.status, last.reason) == (Status.STOPPED, Reason.BY_USER)
    # an answer is not a delivery (RunActor._followed): the actor stays until the follower says it has the end
    time.sleep(1.0)
    assert ray.get(actor.snapshot_after.remote(last.version, 0.0, False, "slow"), timeout=WAIT) is None
    actor.let_go.remote("slow")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and cluster.usage()[0] > 0:
        time.sleep(0.2)
    assert cluster.usage()[0] == 0
    with pytest.raises(ValueError):
        ray.get_actor("run-" + r.run_id, namespace="gan-studio")
    with pytest.raises(NoModels, match="let go"):   # not "the Ray worker was lost": the run STOPPED, and its actor left
        r.checkpoint()


def test_a_cluster_that_does_not_answer_leaves_the_pages_working_and_start_says_why(tmp_path):
    """In a process of its own: this one has joined the tests' cluster."""
    import socket
    import subprocess
    import sys
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{free.getsockname()[1]}"   # nothing listens there once this closes
    code = f"""
import time, pytest
from ganlib import preset
from ganlib.classroom.runs import Runs
from ganlib.classroom.visitor import Visitor
from ganlib.errors import NoModels
import ganlib.run.on_ray   # ray and torch load before the clock: what is timed is the wait for a cluster
runs = Runs()
t0 = time.monotonic()
v = Visitor(runs, {str(tmp_path)!r})   # a first page: no run to rejoin, and nothing to wait for
assert v.runner is None and not runs.shared("ABCDE-FGHJK") and time.monotonic() - t0 < 10
with pytest.raises(ConnectionError, match="^GAN_STUDIO_RAY_ADDRESS: no Ray cluster answers at {address}"):
    v.new_run(preset("ring8"))
v.close()
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120,
                   env={**os.environ, "GAN_STUDIO_RAY_ADDRESS": address})


def test_without_an_address_runs_are_threads_and_ray_is_never_imported():
    import subprocess
    import sys
    code = ("import sys; from ganlib.run.hosts import host_for, THREADS; assert host_for('') is THREADS; "
            "from ganlib.classroom.runs import Runs; Runs(); assert 'ray' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_a_class_trains_in_an_actor_of_its_own_on_the_cluster(cluster, tmp_path):
    """Issue 21: with a cluster, a class's batched step is an actor that holds one of the cluster's CPUs (the cap
    counts it), not a thread of the server. Its door is there too: a change it refuses comes back as the FieldError
    naming the field, with no worker's traceback in its words. Its runs' numbers are those of the same class on a
    thread; once its teacher closes it, its CPU goes back."""
    from ganlib.classroom.class_ticker import Class, class_config
    from ganlib.classroom.class_view import ClassCommand as C
    from ganlib.classroom.classes import Classes
    from ganlib.errors import FieldError
    base = class_config("class-ring8", preset("class-ring8").replace(epochs=2, eval_every=5, sample_every=5))
    runs = Runs(Limits(idle_s=600.0), host=cluster)
    classes = Classes(runs)
    here = Class("HERE02", "class-ring8", base, ("lr_g",))
    try:
        there = classes.open("teacher-key", "class-ring8", ("lr_g",), base=base)
        assert type(there).__name__ == "SharedClass"
        for cls in (here, there):
            ids = [cls.join(f"key-{i}") for i in range(2)]
            cls.send(ids[1], C.UPDATE, lr_g=2e-3)
            for r in ids:
                cls.send(r, C.START)
        with pytest.raises(FieldError, match="lr_d") as refused:
            there.send(ids[0], C.UPDATE, lr_d=1e-2)
        assert refused.value.field == "lr_d" and "Traceback" not in str(refused.value) and "/" not in str(refused.value)
        there.wait(lambda s: any(v.step > 0 for v in s.students), WAIT)
        time.sleep(1.1)   # the cluster's usage is read at most once a second
        assert runs.load().training == 1   # the class's actor holds a CPU
        done = lambda s: len(s.students) == 2 and all(v.status is Status.FINISHED for v in s.students)  # noqa: E731
        a, b = here.wait(done, WAIT), there.wait(done, WAIT)
        for x, y in zip(a.students, b.students):
            assert (x.name, x.step, dict(x.changed)) == (y.name, y.step, dict(y.changed)) and y.step > 10
            assert y.history["g_loss"] == pytest.approx(x.history["g_loss"], rel=1e-5, abs=1e-6)
        # the sidebar's line counts a class that trains on the cluster (it holds none of the server's slots)
        long = classes.open("teacher-key", "class-ring8", (), base=base.replace(epochs=100_000))   # ends the first
        assert there.wait(lambda s: s.closed, WAIT).closed
        long.send(long.join("key-0"), C.START)
        long.wait(lambda s: s.training, WAIT)
        assert classes.load() == (1, 0)
        assert classes.close("teacher-key", WAIT)
    finally:
        here.close()
        assert classes.shutdown(WAIT)
        runs.shutdown(WAIT)
    _cpus_back(cluster)


def _cpus_back(cluster):
    """Every CPU of the cluster free again: an ended class's actor leaves once its followers have the end."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and cluster.usage()[0] > 0:
        time.sleep(0.2)
    assert cluster.usage()[0] == 0


def test_two_replicas_share_a_class_and_each_visitor_finds_theirs_through_the_other(cluster, tmp_path):
    """Two app replicas (two Runs and Classes on one cluster): a class opened through one opens by its code on the
    other; a student joins and trains through the second, and the teacher's wall on the first shows them. The
    first replica goes: the class trains on, and its teacher, by their key, finds it through the second and ends
    it there."""
    from ganlib.classroom.class_view import ClassClosed, ClassCommand as C
    from ganlib.classroom.classes import Classes
    from ganlib.errors import FieldError
    limits = Limits(idle_s=600.0)
    runs_one, runs_two = Runs(limits, host=cluster), Runs(limits, host=cluster)
    one, two = Classes(runs_one), Classes(runs_two)
    try:
        one.owner_back("teacher-key")
        mine = one.open("teacher-key", "class-ring8", ("lr_g",))
        assert two.get(mine.code.lower()) is not None   # a code as a student types it, on the other replica
        two.owner_back("student-key")
        seat = two.get(mine.code)
        run_id = seat.join("student-key", "Ada")
        assert seat.join("student-key") == run_id   # the same student, the same run
        seat.send(run_id, C.UPDATE, lr_g=1e-3)
        seat.send(run_id, C.START)
        with pytest.raises(FieldError, match="^lr_d: "):
            seat.send(run_id, C.UPDATE, lr_d=1e-3)
        wall = mine.wait(lambda s: any(v.name == "Ada" and v.step > 20 for v in s.students), WAIT)
        assert wall.student(run_id).config.lr_g == 1e-3
        assert two.of_student("student-key") == (seat, run_id)
        runs_one.shutdown(WAIT)
        assert one.shutdown(WAIT)   # the first replica goes: its class trains on in the cluster
        at = seat.snapshot().student(run_id).step
        seat.wait(lambda s: s.student(run_id).step > at + 20, WAIT)
        assert not seat.snapshot().closed
        two.owner_back("teacher-key")
        back = two.of_teacher("teacher-key")   # the teacher, through the second replica
        assert back is seat and back.snapshot().student(run_id).name == "Ada"
        third = Classes(Runs(limits, host=cluster))   # a replica where the student comes back finds their seat
        found = third.of_student("student-key")
        assert found is not None and found[1] == run_id
        assert two.close("teacher-key", WAIT)
        assert found[0].wait(lambda s: s.closed, WAIT).closed
        with pytest.raises(ClassClosed):
            found[0].send(run_id, C.PAUSE)
        assert third.get(mine.code) is None and two.get(mine.code) is None
        third.shutdown(WAIT)
        third.runs.shutdown(WAIT)
    finally:
        one.shutdown(WAIT)
        two.shutdown(WAIT)
        runs_two.shutdown(WAIT)
    _cpus_back(cluster)


def test_a_cluster_class_with_nobody_anywhere_ends_and_leaves_the_cluster(cluster, tmp_path):
    """A class whose teacher and students have no page open in any replica ends (OWNER_GONE) after idle_s (held to
    10 s there: the replicas ask every 5 s), though the replica that made it has gone."""
    from ganlib.classroom.class_view import ClassCommand as C
    from ganlib.classroom.classes import Classes
    runs = Runs(Limits(idle_s=1.0), host=cluster)
    classes = Classes(runs)
    classes.owner_back("teacher-key")
    mine = classes.open("teacher-key", "class-ring8", ())
    mine.send(mine.join("student-key"), C.START)
    mine.wait(lambda s: s.training, WAIT)
    classes.owner_left("teacher-key")
    assert classes.shutdown(WAIT)   # released: it trains on, alone
    runs.shutdown(WAIT)
    watcher = Classes(Runs(Limits(idle_s=1.0), host=cluster))   # follows it, with nobody of it here
    seen = watcher.get(mine.code)
    assert seen is not None
    s = seen.wait(lambda s: s.closed, WAIT)
    assert s.closed and all(v.reason is Reason.OWNER_GONE for v in s.students)
    watcher.shutdown(WAIT)
    _cpus_back(cluster)
