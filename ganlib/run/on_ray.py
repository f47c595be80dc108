"""Runs on a Ray cluster: each run a Ray actor that holds a Runner, and a RemoteRun in the app with its interface.

hosts.py imports this module only when GAN_STUDIO_RAY_ADDRESS is set, so the
first page, and a server without Ray, never import ray.

- RunActor lives in a Ray worker. Its Runner trains at once (slots=None): Ray
  placed the actor only where a CPU was free, so the cluster's CPUs are the
  slots, and a run Ray cannot place yet waits, QUEUED, until it can. It is
  detached and named ("run-" + its id): it outlives the app replica that made
  it, and any replica can follow it (RayHost.follow). With no page of its owner
  asking for it, it pauses and then stops as a thread's run does
  (classroom/runs.py: Limits.away_s, idle_s), then leaves the cluster.
- RemoteRun is what the app's pages hold. Commands go to the actor in the
  order sent (its default concurrency group has one thread). One thread of this
  process per run fetches each new snapshot once, however many pages watch
  it: a long poll that the actor answers when its version grows. Pages read the
  latest one without waiting, as they read a Runner's.
- A worker that dies (killed, out of memory, its node gone) ends its run as
  FAILED (Reason.WORKER_LOST); the last snapshot it sent stays on the page.
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Callable

import ray
from ray.exceptions import RayActorError, RayError

from ganlib.engine.config import TrainConfig
from ganlib.engine.device import set_threads
from ganlib.run.budget import check
from ganlib.run.machine import Command
from ganlib.run.checkpoint import checkpoint_file
from ganlib.errors import NoModels
from ganlib.run.mailbox import CALL_TIMEOUT_S, LET_GO
from ganlib.run.proxy import RunProxy
# POLL_S: a quiet run's thread here wakes this often
from ganlib.run.ray_boards import NAMESPACE, POLL_S, RayBoards, remember
from ganlib.run.runner import Runner
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import Reason, Status, new_run_id
from ganlib.settings import threads
from ganlib.run.wire import grow, shrink

WORKER_LOST = "the Ray worker that trained this run was lost"
SENT_KEPT = 64      # snapshots an actor remembers sending: a follower further behind gets a whole one
BETWEEN_S = 2 * POLL_S   # a follower that took a snapshot and has not asked again this long has let the run go


@ray.remote(concurrency_groups={"reads": 16, "copies": 1})
class RunActor:
    """One run in a Ray worker. Commands (the default group, one thread) are taken in the order sent; reads of
    snapshots wait apart from them, so a page's long poll never holds a Pause back."""

    def __init__(self, threads: int, cfg: TrainConfig | None, kw: dict, away_s: float | None = None,
                 idle_s: float | None = None, keep: Callable | None = None, keep_every_s: float = 0.0):
        set_threads(threads)    # the server's GAN_STUDIO_THREADS: a worker does not read the app's environment
        self.runner = Runner(cfg, **kw)
        self._seen = time.monotonic()   # when a page of the run's owner last asked for a snapshot
        self._asking = 0   # reads now waiting
        self._reads = threading.Lock()
        self._sent: dict[int, Snapshot] = {}   # the snapshots sent lately, by version: what a follower holds
        # when each follower was last answered, and those that have let the run go (RemoteRun.release, or it has
        # the run's end): not waited for
        self._followers: dict[str, float] = {}
        self._gone: set[str] = set()
        if away_s is not None and idle_s is not None:
            # an owner's page asks at least every POLL_S: a shorter absence cannot be told from a quiet run
            away_s, idle_s = max(away_s, 2 * POLL_S), max(idle_s, away_s, 2 * POLL_S)
        self._limits, self._keep = (away_s, idle_s), (keep, keep_every_s)
        threading.Thread(target=self._mind, name="ganlib-run-minder", daemon=True).start()

    def send(self, command: Command, arg) -> None:
        if command is Command.UPDATE:
            self.runner.update(**arg)   # through update(), so the worker's run checks the next change as the app's did
        else:
            self.runner._send(command, arg)

    @ray.method(concurrency_group="reads")
    def snapshot_after(self, version: int, timeout: float, present: bool = True,
                       follower: str = "") -> Snapshot | None:
        """The first snapshot newer than `version`, or None when `timeout` s pass first; without what the follower
        holds already (wire.shrink). present: the run's owner has a page open in the replica that asks. follower:
        the asker's own name (a RemoteRun's), so that the actor stays until each follower has the run's end."""
        with self._reads:
            self._asking += 1
        if present:
            self._seen = time.monotonic()
        snap, had = None, None
        try:
            snap = self.runner.wait(lambda s: s.version > version, timeout)
            if snap.version <= version:
                snap = None
                return None
            with self._reads:
                had = remember(self._sent, snap, version, SENT_KEPT)
            return shrink(snap, had)
        finally:
            with self._reads:
                self._asking -= 1
                if follower and follower not in self._gone:
                    self._followers[follower] = time.monotonic()

    @ray.method(concurrency_group="reads")
    def let_go(self, follower: str) -> None:
        """The follower asks no more (its replica let the run go, or it holds the run's end): the actor does not
        wait for it at the end."""
        with self._reads:
            self._gone.add(follower)
            self._followers.pop(follower, None)

    def _followed(self) -> bool:
        """Whether a follower may still need the actor: one is asking, or one has not said it holds the end
        (let_go) and was answered less than BETWEEN_S ago. An answer is not yet a delivery: the method's `finally`
        runs before Ray sends its reply, and an actor that killed itself then lost the end on its way (CI, stop 29:
        two tests read "worker lost" for a run that had STOPPED). Only the follower can say it arrived."""
        now = time.monotonic()
        with self._reads:
            return self._asking > 0 or any(now - at < BETWEEN_S for at in self._followers.values())

    @ray.method(concurrency_group="copies")
    def copy(self, name: str, *args):
        """generator_copy, models_copy, dataset or checkpoint, taken between two steps by the run's thread."""
        return getattr(self.runner, name)(*args)

    def _mind(self) -> None:
        """Pause, then stop, the run while no page of its owner asks for it; keep its checkpoint every
        keep_every_s of training; once it has ended, leave the cluster."""
        (away_s, idle_s), (keep, keep_every_s) = self._limits, self._keep
        paused, kept_at, kept_step = False, time.monotonic(), 0
        while not (snap := self.runner.wait(lambda s: s.ended, 1.0)).ended:
            gone = time.monotonic() - self._seen
            if idle_s is not None and gone >= idle_s:
                self.runner.stop(Reason.OWNER_GONE)
            elif away_s is not None and gone >= away_s and not paused:
                self.runner.pause(Reason.OWNER_AWAY)
            paused = away_s is not None and gone >= away_s
            if keep is not None and snap.step != kept_step and time.monotonic() - kept_at >= keep_every_s:
                try:
                    keep(checkpoint_file(self.runner.checkpoint()))
                    kept_step = snap.step
                except (ValueError, OSError, RuntimeError):   # a full quota or disk: the next try may find room
                    pass
                kept_at = time.monotonic()
        self.runner.join(CALL_TIMEOUT_S)
        # the actor goes once every follower has the run's last snapshot (or a minute on), and no sooner: a follower
        # that finds it gone reads "worker lost". When the first follower to see the end killed it, another between
        # two asks read FAILED for a run that STOPPED (2 of 6 CI runs, session 13); see also _followed
        ended = time.monotonic()
        while time.monotonic() - ended < 60 and self._followed():
            time.sleep(0.2)
        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)   # and with it the CPU it holds


class RemoteRun(RunProxy):
    """The app's side of a RunActor: the Runner's interface (mailbox.py checks commands here, as for a thread)."""
    detached = True   # it trains on when this process ends: release() lets it go, stop() ends it

    def __init__(self, actor, cfg: TrainConfig, run_id: str, preset: str, first: Snapshot | None = None,
                 owned: bool = True):
        self._actor = actor
        self._open_proxy(cfg, run_id, preset, first, Status.QUEUED)
        # whether the run's owner has a page open in this replica (Runs sets it): while none has, its actor
        # pauses the run, then stops it (RunActor._mind)
        self.present: Callable[[], bool] = lambda: owned
        self._released = False
        self._name = new_run_id()   # this follower's, for the actor (RunActor._followed)
        self._thread = threading.Thread(target=self._follow, name="ganlib-remote-run", daemon=True)
        self._thread.start()

    def _send_locked(self, command: Command, arg) -> None:
        if not self._closed:
            self._actor.send.remote(command, arg)
            self._cv.notify_all()

    def _copy(self, name: str, *args):
        try:
            return ray.get(self._actor.copy.remote(name, *args), timeout=CALL_TIMEOUT_S)
        except RayActorError:   # an ended run's actor leaves the cluster once its followers have the end
            raise (NoModels(LET_GO) if self._snap.ended and self._snap.reason is not Reason.WORKER_LOST
                   else RuntimeError(WORKER_LOST)) from None

    def release(self) -> None:
        """Stop following the run without stopping it: it trains on in the cluster (a replica that stops, an owner
        gone from this replica); the thread that follows it ends within POLL_S."""
        self._released = True
        try:
            self._actor.let_go.remote(self._name)   # or the actor, once the run ends, waits BETWEEN_S for this one
        except RayError:
            pass

    def _follow(self) -> None:
        try:
            while not self._snap.ended and not self._released:
                sent = ray.get(self._actor.snapshot_after.remote(self._snap.version, POLL_S, self.present(),
                                                                 self._name))
                if sent is not None:
                    self._pin(grow(sent, self._snap))
            if self._snap.ended:
                self._actor.let_go.remote(self._name)   # the end has arrived: the actor need not wait for this one
        except RayError as e:   # its worker died, or the whole cluster went (the head): the run is lost either way
            self._lost(type(e).__name__, WORKER_LOST)
        finally:
            self._end()   # the actor leaves by itself once its followers have the end (RunActor._mind)


class RayHost:
    """Runs as Ray actors on the cluster at one address (hosts.py)."""
    on_cluster = True
    autosaves = True   # a worker, or the whole cluster, can be lost with a run's weights
    hosts_boards = True   # .boards: a class is an actor of its own (run/ray_boards.py)

    def __init__(self):
        self._usage: tuple[float, tuple[int, int]] = (-2.0, (0, 0))   # (read at, usage())
        self.boards = RayBoards()   # classes: each an actor too, that every replica follows (ray_boards.py)

    @classmethod
    def connect(cls, address: str) -> RayHost:
        if not ray.is_initialized():   # a test, or a script, may have started its own local cluster
            unreachable = ConnectionError(f"GAN_STUDIO_RAY_ADDRESS: no Ray cluster answers at {address}; is it "
                                          "started, and is this server's RAY_AUTH_TOKEN the cluster's?")
            if address != "auto" and not _answers(address):   # ray.init itself waits a minute for a missing head
                raise unreachable
            try:
                ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
            except ConnectionError:
                raise unreachable from None
        return cls()

    def check(self, cfg: TrainConfig, limit_mb: float | None = None, shape: tuple[int, ...] | None = None) -> None:
        """run/budget.check(cfg, limit_mb, shape), here: the server has torch for this module's Runner."""
        check(cfg, limit_mb, shape)

    def runner(self, cfg: TrainConfig | None = None, *, payload: dict | None = None, preset: str = "",
               slots=None, slot_key: str | None = None, baton=None, away_s: float | None = None,
               idle_s: float | None = None, keep: Callable | None = None, keep_every_s: float = 0.0,
               **kw) -> RemoteRun:
        """A run of `cfg`, or of a checkpoint payload, as a detached actor; Runner's keywords. `slots` is the
        server's and is not asked (the cluster places the actor); a side-by-side pair (slot_key, baton) stays on
        threads. away_s, idle_s: with no page of its owner asking for it this long, it pauses, then stops
        (None: it never does). keep(bytes): given the run's checkpoint file in the worker every keep_every_s of
        training (an autosave)."""
        if slot_key is not None or baton is not None:
            raise ValueError("a side-by-side pair shares one thread's slot: it trains on the thread host")
        trainer = kw.get("trainer")
        wanted = (trainer.cfg if trainer is not None else payload["config"] if payload is not None else cfg.validate())
        run_id = new_run_id()
        actor = RunActor.options(
            name=actor_name(run_id), namespace=NAMESPACE, lifetime="detached",
            num_cpus=1, num_gpus=1 if wanted.device == "cuda" else 0,
        ).remote(threads(), cfg, dict(kw, payload=payload, preset=preset, run_id=run_id), away_s, idle_s, keep,
                 keep_every_s)
        return RemoteRun(actor, wanted, run_id, preset or (payload or {}).get("preset", ""))

    def shutdown(self, timeout: float) -> bool:
        """The server ends: its runs and classes train on (they are detached) for the other replicas."""
        return self.boards.shutdown(timeout)

    def usage(self) -> tuple[int, int]:
        """(CPUs that runs hold, CPUs of the cluster): its training slots, busy and all. Read at most once a second:
        every page's sidebar asks."""
        now = time.monotonic()
        if now - self._usage[0] > 1.0:
            total = int(ray.cluster_resources().get("CPU", 0))
            self._usage = (now, (total - int(ray.available_resources().get("CPU", 0)), total))
        return self._usage[1]

    def follow(self, run_id: str) -> RemoteRun | None:
        """A run another replica made, to watch or to rejoin; None once it has ended or is gone."""
        try:
            actor = ray.get_actor(actor_name(run_id), namespace=NAMESPACE)
            first = ray.get(actor.snapshot_after.remote(-1, 0.0, False), timeout=CALL_TIMEOUT_S)   # whole
        except (ValueError, RayActorError):
            return None
        return None if first.ended else RemoteRun(actor, first.config, run_id, first.preset, first, owned=False)


def _answers(address: str) -> bool:
    host, port = address.removeprefix("ray://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2.0).close()
        return True
    except OSError:
        return False


def actor_name(run_id: str) -> str:
    return f"run-{run_id}"
