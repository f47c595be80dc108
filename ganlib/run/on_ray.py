"""Runs on a Ray cluster: each run a Ray actor that holds a Runner, and a RemoteRun in the app with its interface.

hosts.py imports this module only when GAN_STUDIO_RAY_ADDRESS is set, so the
first page, and a server without Ray, never import ray.

- RunActor lives in a Ray worker. Its Runner trains at once (slots=None): Ray
  placed the actor only where a CPU was free, so the cluster's CPUs are the
  slots, and a run Ray cannot place yet waits, QUEUED, until it can.
- RemoteRun is what the app's pages hold. Commands go to the actor in the
  order sent (its default concurrency group has one thread). One thread of this
  process per run fetches each new snapshot once, however many pages watch
  it: a long poll that the actor answers when its version grows. Pages read the
  latest one without waiting, as they read a Runner's.
- A worker that dies (killed, out of memory, its node gone) ends its run as
  FAILED (Reason.WORKER_LOST); the last snapshot it sent stays on the page.
"""
from __future__ import annotations

import copyreg
import dataclasses
import threading
from types import MappingProxyType

import ray
from ray.exceptions import RayActorError

from ganlib.engine.config import TrainConfig
from ganlib.engine.device import set_threads, threads
from ganlib.engine.kinds import DataKind
from ganlib.run.machine import Command
from ganlib.run.mailbox import CALL_TIMEOUT_S, Mailbox
from ganlib.run.runner import Runner, new_run_id
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import Problem, Reason, Status

NAMESPACE = "gan-studio"
POLL_S = 5.0        # a long poll's longest wait: a quiet run's thread here wakes this often to see its actor lives
WORKER_LOST = "the Ray worker that trained this run was lost"


def _read_only(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


# A snapshot's history and G's weights are read-only mappings, which pickle cannot send. This registers how, for
# that one type; the app and every worker that runs RunActor import this module, so both ends know it.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


@ray.remote(concurrency_groups={"reads": 16, "copies": 1})
class RunActor:
    """One run in a Ray worker. Commands (the default group, one thread) are taken in the order sent; reads of
    snapshots wait apart from them, so a page's long poll never holds a Pause back."""

    def __init__(self, threads: int, cfg: TrainConfig | None, kw: dict):
        set_threads(threads)    # the server's GAN_STUDIO_THREADS: a worker does not read the app's environment
        self.runner = Runner(cfg, **kw)

    def send(self, command: Command, arg) -> None:
        if command is Command.UPDATE:
            self.runner.update(**arg)   # through update(), so the worker's run checks the next change as the app's did
        else:
            self.runner._send(command, arg)

    @ray.method(concurrency_group="reads")
    def snapshot_after(self, version: int, timeout: float) -> Snapshot:
        return self.runner.wait(lambda s: s.version > version, timeout)

    @ray.method(concurrency_group="copies")
    def copy(self, name: str, *args):
        """generator_copy, models_copy, dataset or checkpoint, taken between two steps by the run's thread."""
        return getattr(self.runner, name)(*args)


class RemoteRun(Mailbox):
    """The app's side of a RunActor: the Runner's interface (mailbox.py checks commands here, as for a thread)."""

    def __init__(self, actor, cfg: TrainConfig, run_id: str, preset: str):
        self.run_id, self.preset, self.slot_key = run_id, preset, run_id
        self._actor = actor
        self._open_mailbox(cfg)
        self._snap = Snapshot(run_id=run_id, version=0, status=Status.QUEUED, reason=Reason.NONE, config=cfg,
                              kind=DataKind.POINTS if cfg.is_toy else DataKind.IMAGE, preset=preset)
        self._thread = threading.Thread(target=self._follow, name="ganlib-remote-run", daemon=True)
        self._thread.start()

    def _send_locked(self, command: Command, arg) -> None:
        if not self._closed:
            self._actor.send.remote(command, arg)
            self._cv.notify_all()

    def generator_copy(self):
        return self._copy("generator_copy")

    def models_copy(self, game: bool = False):
        return self._copy("models_copy", game)

    def dataset(self):
        return self._copy("dataset")

    def checkpoint(self) -> dict:
        return self._copy("checkpoint")

    def _copy(self, name: str, *args):
        try:
            return ray.get(self._actor.copy.remote(name, *args), timeout=CALL_TIMEOUT_S)
        except RayActorError:
            raise RuntimeError(WORKER_LOST) from None

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self, timeout: float = 10.0) -> bool:
        self.stop()
        return self.join(timeout)

    def _follow(self) -> None:
        try:
            while not self._snap.ended:
                snap = ray.get(self._actor.snapshot_after.remote(self._snap.version, POLL_S))
                if snap.version > self._snap.version:
                    self._pin(snap)
        except RayActorError as e:
            last = self._snap
            self._pin(dataclasses.replace(
                last, version=last.version + 1, status=Status.FAILED, reason=Reason.WORKER_LOST, steps_per_sec=0.0,
                eta_seconds=None, problem=Problem(type(e).__name__, step=last.step, good_step=last.step,
                                                  message=WORKER_LOST)))
        finally:
            with self._cv:
                self._closed = True
            try:
                ray.kill(self._actor, no_restart=True)   # an ended run takes no more commands
            except RayActorError:
                pass


class RayHost:
    """Runs as Ray actors on the cluster at one address (hosts.py)."""
    on_cluster = True

    @classmethod
    def connect(cls, address: str) -> RayHost:
        if not ray.is_initialized():   # a test, or a script, may have started its own local cluster
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
        return cls()

    def runner(self, cfg: TrainConfig | None = None, *, payload: dict | None = None, preset: str = "",
               slots=None, slot_key: str | None = None, baton=None, **kw) -> RemoteRun:
        """A run of `cfg`, or of a checkpoint payload, as an actor; Runner's keywords. `slots` is the server's and
        is not asked (the cluster places the actor); a side-by-side pair (slot_key, baton) stays on threads."""
        if slot_key is not None or baton is not None:
            raise ValueError("a side-by-side pair shares one thread's slot: it trains on the thread host")
        trainer = kw.get("trainer")
        wanted = (trainer.cfg if trainer is not None else payload["config"] if payload is not None else cfg.validate())
        run_id = new_run_id()
        actor = RunActor.options(num_cpus=1, num_gpus=1 if wanted.device == "cuda" else 0).remote(
            threads(), cfg, dict(kw, payload=payload, preset=preset, run_id=run_id))
        return RemoteRun(actor, wanted, run_id, preset or (payload or {}).get("preset", ""))
