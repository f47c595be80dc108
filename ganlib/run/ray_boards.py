"""Boards of another kind than a run on a Ray cluster: a class (classroom/class_on_ray.SharedClass) as a named,
detached actor that every app replica can find, as the training worker hosts one in a single server (worker.py).

on_ray.RayHost.boards is one of these. The actor asks the cluster for a CPU, as a run's does, so a class holds one
of the cluster's slots (RayHost.usage counts it) and trains in a Ray worker, not in a server. Its door is there too: a join or a change through any replica is checked in one place (the class's own
Door), and its snapshots go to each replica that follows it, one long poll at a time, each without what that
replica holds already (the board's own wire). Like a run's actor, it outlives the replica that made it: it ends
the class once no replica has said for idle_s that one of its members has a page open, and leaves the cluster
once every follower has the end. A Ray worker that dies fails the class's runs, as a lost training worker does.
"""
from __future__ import annotations

import os
import threading
import time

import ray
from ray.exceptions import RayError, RayTaskError

from ganlib.engine.device import set_threads
from ganlib.run.state import Reason
from ganlib.settings import threads

POLL_S = 5.0   # a long poll's longest wait, a board's and a run's (on_ray.py)
LOST = "the Ray worker that trained this class was lost"
NAMESPACE = "gan-studio"   # every actor of GAN Studio's, runs (on_ray.py) and classes; cluster.py says it too,
# as it must stay torch-free
SENT_KEPT = 16    # snapshots an actor remembers sending, one per follower's version: one further behind gets it whole
BETWEEN_S = 2 * POLL_S   # a follower not answered this long after the end has it, or is gone
DOOR_S = 60.0    # a door call's longest wait: a join waits for the ticker to put the run on the wall (class_door.py)
# what a replica may ask of a class's door (class_door.Door): nothing else of the board is reachable
DOOR = frozenset({"join", "run_of", "send", "spotlight", "owner_left", "owner_back", "owner_keys", "stop"})


@ray.remote(concurrency_groups={"reads": 16, "door": 8})
class BoardActor:
    """factory(None, *args), made and stepped in a Ray worker: door calls in, snapshots out."""

    def __init__(self, threads: int, env: dict, factory, args: tuple, idle_s: float | None):
        os.environ.update(env)   # the server's GAN_STUDIO_* settings: this worker does not read the app's environment
        set_threads(threads)
        self.board = factory(None, *args)   # None: no training worker between; the cluster placed it (no slots)
        self._reads = threading.Lock()
        self._sent: dict = {}   # the snapshots sent lately, by version: what a follower that asks after one holds
        self._asking, self._answered = 0, time.monotonic()
        self._seen = time.monotonic()   # when a replica last said a member of the class has a page open there
        # a replica asks at least every POLL_S: a shorter absence cannot be told from a quiet class
        self._idle_s = max(idle_s, 2 * POLL_S) if idle_s is not None else None
        threading.Thread(target=self._mind, name="ganlib-class-minder", daemon=True).start()

    @ray.method(concurrency_group="door")
    def door(self, name: str, *args, **kw):
        if name not in DOOR:
            raise ValueError(f"no door call {name!r}")
        return getattr(self.board, name)(*args, **kw)

    @ray.method(concurrency_group="reads")
    def snapshot_after(self, version: int, timeout: float, present: bool = False):
        """The first snapshot newer than `version` (wired against the one sent at `version`), or None when `timeout`
        s pass first. present: a member of the class has a page open in the replica that asks."""
        if present:
            self._seen = time.monotonic()
        with self._reads:
            self._asking += 1
        try:
            snap = self.board.wait(lambda s: s.version > version or s.closed, timeout)
            if snap.version <= version:
                return None
            with self._reads:
                had = remember(self._sent, snap, version, SENT_KEPT)
            return self.board.wire(snap, had)
        finally:
            with self._reads:
                self._asking -= 1
                self._answered = time.monotonic()

    def _mind(self) -> None:
        """End the class while no replica has a member of it (OWNER_GONE); once it has ended, leave the cluster when
        no follower has asked for BETWEEN_S (each has the end), or a minute on."""
        while self.board.alive:
            time.sleep(1.0)
            if self._idle_s is not None and time.monotonic() - self._seen >= self._idle_s:
                self.board.stop(Reason.OWNER_GONE)
        ended = time.monotonic()
        while time.monotonic() - ended < 60:
            with self._reads:
                if self._asking == 0 and time.monotonic() - self._answered >= BETWEEN_S:
                    break
            time.sleep(0.2)
        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)   # and with it the CPU it holds


def remember(sent: dict, snap, version: int, kept: int):
    """Note `snap` as sent (the last `kept` are kept, by version); the one sent at `version`, which the asker holds,
    if still kept (None: the asker gets `snap` whole)."""
    had = sent.get(version)
    sent[snap.version] = snap
    while len(sent) > kept:
        sent.pop(next(iter(sent)))
    return had


class RayBoards:
    """The boards this replica follows, each by one thread of this process."""

    def __init__(self):
        self._lock = threading.Lock()
        # id(board) -> (actor, board): each board this process follows (two registries of one process, as tests
        # make two replicas, may follow one actor)
        self._followed: dict = {}

    def share(self, key: str, board, factory, args: tuple, idle_s: float | None) -> None:
        """Make factory(None, *args) in a named, detached actor of its own (`key`: the name every replica finds it
        by), and follow it. ValueError when another replica holds that name."""
        env = {k: v for k, v in os.environ.items() if k.startswith("GAN_STUDIO_")}
        actor = BoardActor.options(name=key, namespace=NAMESPACE, lifetime="detached", num_cpus=1).remote(
            threads(), env, factory, args, idle_s)
        self._start(actor, board)

    def follow(self, key: str, make):
        """Follow the board another replica made under `key`: make(its latest snapshot, whole), this replica's side
        of it, which each next one reaches; None when it is gone or has ended."""
        try:
            actor = ray.get_actor(key, namespace=NAMESPACE)
            first = ray.get(actor.snapshot_after.remote(-1, 0.0), timeout=DOOR_S)
        except (ValueError, RayError):
            return None
        if first is None or first.closed:
            return None
        board = make(first)
        self._start(actor, board)
        return board

    def door(self, board, name: str, *args, **kw):
        """The board's door call `name`, answered: what it raised comes as itself (a FieldError says which field,
        with no traceback of the worker's); ConnectionError when the board is gone."""
        with self._lock:
            actor, _ = self._followed.get(id(board), (None, None))
        if actor is None:
            raise ConnectionError(LOST)
        try:
            return ray.get(actor.door.remote(name, *args, **kw), timeout=DOOR_S)
        except RayTaskError as e:
            cause = getattr(e, "cause", None)
            if isinstance(cause, Exception) and not isinstance(cause, RayError):
                raise cause from None
            raise ConnectionError(LOST) from None
        except RayError:   # its worker died, or the cluster went
            raise ConnectionError(LOST) from None

    def release(self, board) -> None:
        """Follow `board` no more; it trains on in the cluster for the other replicas."""
        with self._lock:
            if self._following(board):
                del self._followed[id(board)]

    def _start(self, actor, board) -> None:
        with self._lock:
            self._followed[id(board)] = (actor, board)
        threading.Thread(target=self._follow, args=(actor, board), name="ganlib-ray-board", daemon=True).start()

    def _following(self, board) -> bool:
        return self._followed.get(id(board), (None, None))[1] is board

    def _follow(self, actor, board) -> None:
        try:
            while board.alive:
                with self._lock:
                    if not self._following(board):
                        return
                sent = ray.get(actor.snapshot_after.remote(board.snapshot().version, POLL_S, board.present()))
                if sent is not None:
                    board._arrive(sent)
        except RayError as e:   # its worker died, it could not be made, or the cluster went
            cause = getattr(e, "cause", None)   # a factory's refusal comes whole; a lost worker says so
            board._arrive(cause if isinstance(cause, Exception) and not isinstance(cause, RayError) else
                          RuntimeError(LOST))
        finally:
            self.release(board)

    def shutdown(self, timeout: float) -> bool:
        """The server ends: its classes train on in the cluster for the other replicas (each ends by itself once
        nobody of it is anywhere)."""
        with self._lock:
            self._followed.clear()
        return True
