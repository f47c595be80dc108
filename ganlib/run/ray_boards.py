"""Boards of another kind than a run on a Ray cluster: a class's batched step (classroom/class_in_worker.PipeClass)
as an actor, as the training worker hosts one (worker.py: HOST, POST).

on_ray.RayHost.host and .post come here. The actor asks the cluster for a CPU, as a run's does, so a class holds
one of the cluster's slots (RayHost.usage counts it) and trains in a Ray worker, not in the server; the server's
side (PipeClass: its door checks every join and change) posts each note to it and follows its snapshots with one
long poll at a time, each sent without what the server holds already (the board's own wire). It is not detached:
a class ends with the server that opened it, as in the worker (a class has no registry across replicas yet). A Ray
worker that dies fails the class's runs, as a lost training worker does.
"""
from __future__ import annotations

import os
import threading

import ray
from ray.exceptions import RayError

from ganlib.engine.device import set_threads

POLL_S = 5.0   # a long poll's longest wait, a board's and a run's (on_ray.py)
LOST = "the Ray worker that trained this class was lost"


@ray.remote(concurrency_groups={"reads": 4})
class BoardActor:
    """factory(None, *args), made and stepped in a Ray worker: notes in (the default group, in the order sent),
    snapshots out."""

    def __init__(self, threads: int, env: dict, factory, args: tuple):
        os.environ.update(env)   # the server's GAN_STUDIO_* settings: this worker does not read the app's environment
        set_threads(threads)
        self.board = factory(None, *args)   # None: no training worker between; the cluster placed it (no slots)
        self._sent = None   # the last snapshot sent: the server's, when it asks after its version

    def post(self, *note) -> None:
        self.board.post(*note)

    @ray.method(concurrency_group="reads")
    def snapshot_after(self, version: int, timeout: float):
        snap = self.board.wait(lambda s: s.version > version or s.ended, timeout)
        if snap.version <= version:
            return None
        had = self._sent if self._sent is not None and self._sent.version == version else None
        self._sent = snap
        return self.board.wire(snap, had)


class RayBoards:
    """The boards a RayHost has made, each followed by one thread of this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._actors: dict = {}

    def host(self, key: str, board, factory, args: tuple, threads: int) -> None:
        env = {k: v for k, v in os.environ.items() if k.startswith("GAN_STUDIO_")}
        actor = BoardActor.options(num_cpus=1).remote(threads, env, factory, args)
        with self._lock:
            self._actors[key] = actor
        threading.Thread(target=self._follow, args=(key, actor, board), name="ganlib-ray-board", daemon=True).start()

    def post(self, key: str, *note) -> None:
        with self._lock:
            actor = self._actors.get(key)
        if actor is not None:
            actor.post.remote(*note)

    def _follow(self, key: str, actor, board) -> None:
        try:
            while board.alive:
                sent = ray.get(actor.snapshot_after.remote(board.snapshot().version, POLL_S))
                if sent is not None:
                    board._arrive(sent)
        except RayError as e:   # its worker died, it could not be made, or the cluster went
            cause = getattr(e, "cause", None)   # a factory's refusal comes whole; a lost worker says so
            board._arrive(cause if isinstance(cause, Exception) and not isinstance(cause, RayError) else
                          RuntimeError(LOST))
        finally:
            with self._lock:
                self._actors.pop(key, None)
            ray.kill(actor)   # its end has arrived (or it is lost): its CPU goes back to the cluster

    def shutdown(self, timeout: float) -> bool:
        """The server ends: its classes' actors with it (they are not detached; this says it now)."""
        with self._lock:
            actors, self._actors = list(self._actors.values()), {}
        for actor in actors:
            ray.kill(actor)
        return True
