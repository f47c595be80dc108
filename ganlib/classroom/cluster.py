"""One registry for every app replica of a Ray cluster: watch codes, and each owner's current run.

With GAN_STUDIO_RAY_ADDRESS set, runs are detached, named Ray actors
(run/on_ray.py), so they outlive the replica that made them. Each replica's
Runs keeps its own sessions and the runs they follow; what another replica
must find is here, in one named, detached actor of the cluster:

- a watch code made on one replica opens on every other;
- an owner who comes back through another replica (a killed replica, a load
  balancer that moved them) finds their run by their visitor key;
- a teacher or a student who comes back through another replica finds their
  class by their key (classes are actors too: classroom/class_on_ray.py);
- the cap is the cluster's: a run asks Ray for a CPU, and Ray places it only
  where one is free, so every replica counts every run.

Torch-free: a replica's first page may ask it where a returning owner's run is.
"""
from __future__ import annotations

import time

import ray

NAMESPACE = "gan-studio"
NAME = "registry"


@ray.remote(num_cpus=0)
class Registry:
    def __init__(self):
        self._codes: dict[str, str] = {}     # watch code -> owner key
        self._code_of: dict[str, str] = {}   # owner key -> watch code
        self._runs: dict[str, str] = {}      # owner key -> run id of their current run
        self._teaching: dict[str, str] = {}  # teacher key -> the code of their class (class_on_ray.py)
        self._learning: dict[str, str] = {}  # student key -> the code of the class they joined last

    def share(self, key: str, candidate: str) -> str | None:
        """The owner's watch code: theirs if they have one, else `candidate`; None when another owner has it."""
        if key in self._code_of:
            return self._code_of[key]
        if candidate in self._codes:
            return None
        self._codes[candidate], self._code_of[key] = key, candidate
        return candidate

    def owner_of(self, code: str) -> str | None:
        return self._codes.get(code)

    def set_run(self, key: str, run_id: str | None) -> None:
        if run_id is None:
            self._runs.pop(key, None)
        else:
            self._runs[key] = run_id

    def run_of(self, key: str) -> str | None:
        return self._runs.get(key)

    def set_class(self, role: str, key: str, code: str) -> None:
        (self._teaching if role == "teach" else self._learning)[key] = code

    def class_of(self, role: str, key: str) -> str | None:
        """The code; the class itself may have ended since (its actor says: class_on_ray.SharedClass.find)."""
        return (self._teaching if role == "teach" else self._learning).get(key)


def registry():
    """The cluster's registry, made by the first replica that asks (ray.init has run: on_ray.RayHost.connect)."""
    return Registry.options(name=NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True).remote()


_handle = None   # this process's handle on the registry, got once
# Every page of a visitor in no class asks whether they teach or learn in one (the sidebar, the Train and Watch
# pages, once per refresh each): a key just found in none is not asked about again for MISS_S. So a class made
# through another replica shows here at most MISS_S late; one made through this replica, at once (teach, learn).
MISS_S = 2.0
MAX_MISSES = 10_000   # keys remembered at most: past that the memory starts again (a few asks more)
_misses: dict[tuple[str, str], float] = {}


def _registry():
    global _handle
    if _handle is None:
        _handle = registry()
    return _handle


def share(key: str, candidate: str) -> str | None:
    return ray.get(_registry().share.remote(key, candidate))


def owner_of(code: str) -> str | None:
    return ray.get(_registry().owner_of.remote(code))


def set_run(key: str, run_id: str | None) -> None:
    _registry().set_run.remote(key, run_id)   # no answer needed: one caller's calls keep their order


def run_of(key: str) -> str | None:
    return ray.get(_registry().run_of.remote(key))


def teach(key: str, code: str) -> None:
    _set_class("teach", key, code)


def learn(key: str, code: str) -> None:
    _set_class("learn", key, code)


def teaching(key: str) -> str | None:
    return _class_of("teach", key)


def learning(key: str) -> str | None:
    return _class_of("learn", key)


def _set_class(role: str, key: str, code: str) -> None:
    _misses.pop((role, key), None)
    _registry().set_class.remote(role, key, code)


def _class_of(role: str, key: str) -> str | None:
    now, missed = time.monotonic(), _misses.get((role, key))
    if missed is not None and now - missed < MISS_S:
        return None
    code = ray.get(_registry().class_of.remote(role, key))
    if code is None:
        if len(_misses) >= MAX_MISSES:
            _misses.clear()
        _misses[(role, key)] = now
    return code
