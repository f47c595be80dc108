"""Runs: every training run of this server process, who owns it, who watches it, and what the server carries.

Nothing trains that Runs does not know of. A run is made and registered under
one lock, and only for a session that is still open, so a tab that closes or
reloads while Start is still loading leaves no orphan: either the run was
registered first and the owner's leaving reaches it, or the session had closed
first and `create` refuses.

- Owners are visitor keys (owners.py). A key lives in its owner's cookie, so a
  reload or the app reopened in that browser rejoins the same run; when the
  last session of a key closes, its runs train on for `Limits.away_s` (a reload
  rejoins them running), then pause and free their slot (Reason.OWNER_AWAY),
  and stay for a grace period (`GAN_STUDIO_IDLE_MINUTES`) before they stop.
- Leaving only says so: stopping is a queued command, and the reaper joins
  ended threads on its own thread, never on the server's event loop.
- A cap on runs that train at once (`GAN_STUDIO_MAX_RUNS`, see Slots) with a
  queue, and a time budget per run (`GAN_STUDIO_MAX_RUN_MINUTES`).
- A watch code shows an owner's current run, read-only, to anyone holding it
  (following.py, which also follows the runs of a Ray cluster: several app
  replicas then share one registry, cluster.py).
- A side-by-side pair (create_pair) is one demo: one slot, turns a step each, and
  the twin goes wherever its lead goes (retired with it, never rejoined alone).
- When the process ends, `shutdown` stops every run between two steps and joins
  its thread (shutdown.py says why, and calls it from atexit).

The server's limits and the load it reports are capacity.py's. Where runs train
(threads of this process, or Ray actors) is its host's (run/hosts.py).
"""
from __future__ import annotations

import threading
import time
from functools import partial
from typing import TYPE_CHECKING

from ganlib.classroom import autosave
from ganlib.classroom.capacity import Limits, Load
from ganlib.classroom.following import Following
from ganlib.classroom.owners import Entry, Owner, OwnerGone, OwnerRecord
from ganlib.classroom.shutdown import register
from ganlib.classroom.slots import Slots
from ganlib.run.baton import Baton
from ganlib.run.heap import give_back
from ganlib.run.hosts import THREADS
from ganlib.run.state import AUTO, Reason, Status
from ganlib.settings import read

if TYPE_CHECKING:
    from ganlib.engine.config import TrainConfig
    from ganlib.run.runner import Runner
    from ganlib.run.snapshot import Snapshot

REAP_EVERY_S = 0.5
TRIM_AGAIN_S = 1.0   # the second trim after a run is dropped (reap says why)


class Runs(Following):
    def __init__(self, limits: Limits | None = None, reap_every: float = REAP_EVERY_S, host=None):
        """host: where runs train (run/hosts.py); by default GAN_STUDIO_RAY_ADDRESS's, chosen at the first run."""
        self.limits = limits or Limits()
        self.host = host
        self.slots = Slots(self.limits.max_runs, self.limits.hold_s)
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._owners: dict[str, OwnerRecord] = {}
        self._codes: dict[str, str] = {}      # watch code (WATCH_CODES' shown form) -> owner key
        self._reap_every = reap_every
        self._reaper: threading.Thread | None = None
        self._trim_at: float | None = None    # when the reaper gives memory back once more (reap)
        self._closing = False                 # shutdown has begun: no new run
        register(self)

    # --- owners ---------------------------------------------------------------------------------
    def attach(self, owner: Owner) -> str | None:
        """A session of `owner` opened (a new tab, a reload): returns the id of the run it rejoins, if any."""
        with self._lock:
            rec = self._owners.setdefault(owner.key, OwnerRecord())
            rec.sessions += 1
            rec.gone_at, rec.away = None, False
            live = [k for k, e in self._entries.items() if e.owner == owner.key and not e.retired and not e.lead]
            if live:
                return live[-1]
        return self._rejoin(owner) if self.cluster(strict=False) else None

    def owner_gone(self, owner: Owner) -> None:
        """One session of `owner` has ended; returns at once. When it was the last, its runs stop after
        the grace period (at once with none), and what it watched forgets it."""
        with self._lock:
            owner.closed = True
            for rec in self._owners.values():
                rec.watchers.discard(owner.key)
            rec = self._owners.get(owner.key)
            if rec is None:
                return
            rec.sessions = max(0, rec.sessions - 1)
            if rec.sessions == 0:
                rec.gone_at = time.monotonic()
                for e in self._entries.values():   # a queued visitor who leaves loses their place at once
                    if e.owner == owner.key and not e.retired and e.runner.snapshot().status is Status.QUEUED:
                        e.runner.pause(Reason.OWNER_AWAY)
                self._expire_locked(now=rec.gone_at)
                self._ensure_reaper_locked()

    def create(self, owner: Owner, cfg: TrainConfig | None = None, *, payload: dict | None = None,
               preset: str = "", metrics: bool = True) -> Runner:
        """A new run for `owner`, of `cfg` or of a checkpoint payload; its thread starts at once (with a cap,
        a run of `cfg` builds when it first needs its models: building.py), and it replaces the owner's current
        run. Raises OwnerGone if the session has closed, and ValueError naming the field to lower for a run larger
        than the server allows (checked before anything is allocated)."""
        return self._create(owner, [(cfg, payload, preset)], metrics)[0]

    def create_pair(self, owner: Owner, lead: tuple[TrainConfig, str], twin: tuple[TrainConfig, str]
                    ) -> tuple[Runner, Runner]:
        """Two runs for `owner` to compare side by side, each (config, preset name): the lead is the owner's
        current run, the twin rides its training slot and the two take turns a step each (baton.py), so the
        pair costs the server what one run costs. They replace the owner's runs; retiring the lead (Reset, a new
        run, the owner leaving) retires the twin. Raises as create."""
        return tuple(self._create(owner, [(lead[0], None, lead[1]), (twin[0], None, twin[1])], True))

    def _create(self, owner: Owner, runs: list[tuple], metrics: bool) -> list[Runner]:
        cluster, space = self.cluster(), getattr(owner, "space", None)
        lasting = {"away_s": self.limits.away_s, "idle_s": self.limits.idle_s} if cluster else {}
        if self.host.autosaves and space is not None:   # a lost worker: its run's checkpoint is in the owner's space
            lasting.update(keep=partial(space.save, autosave.NAME),
                           keep_every_s=60 * read("GAN_STUDIO_AUTOSAVE_MINUTES"))
        if self.limits.max_run_mb:
            for cfg, payload, _ in runs:
                self.host.check(payload["config"] if payload is not None else cfg, self.limits.max_run_mb,
                                payload["shape"] if payload is not None else None)
        with self._lock:
            if owner.closed or self._closing:
                raise OwnerGone("the session that asked for this run has closed, or the server is stopping")
            baton = Baton() if len(runs) > 1 else None
            made: list[Runner] = []
            # a side-by-side pair takes turns on one thread's slot, so it trains on threads whatever the host
            host, lasting = (self.host, lasting) if len(runs) == 1 else (THREADS, {})
            for cfg, payload, preset in runs:
                made.append(host.runner(cfg, payload=payload, evaluator=AUTO if metrics else None, preset=preset,
                                        slots=self.slots, max_seconds=self.limits.max_run_s,
                                        data_paths=space.data_path if space is not None else None,
                                        slot_key=made[0].run_id if made else None, baton=baton, **lasting))
            for run_id, e in list(self._entries.items()):
                if e.owner == owner.key:
                    self._retire_locked(run_id, Reason.BY_USER)
            lead = made[0].run_id
            for runner in made:
                self._entries[runner.run_id] = Entry(runner, owner.key, lead=None if runner is made[0] else lead)
                self._minded_locked(runner, owner.key)
                if "keep" in lasting and runner is made[0]:
                    runner.kept = partial(autosave.kept_step, space)
        if cluster:
            cluster.set_run(owner.key, lead)
        return made

    def get(self, run_id: str | None) -> Runner | None:
        with self._lock:
            e = self._entries.get(run_id) if run_id else None
            return e.runner if e is not None and not e.retired else None

    def twin(self, run_id: str | None) -> Runner | None:
        """The run that rides with run `run_id` (create_pair), while both are live; None for a single run."""
        with self._lock:
            if run_id is None or run_id not in self._entries or self._entries[run_id].retired:
                return None
            return next((e.runner for e in self._entries.values() if e.lead == run_id and not e.retired), None)

    def retire(self, run_id: str | None, reason: Reason = Reason.BY_USER) -> None:
        """Stop a run and let it go (its owner reset it); returns at once."""
        with self._lock:
            self._retire_locked(run_id, reason)

    def _retire_locked(self, run_id: str | None, reason: Reason) -> None:
        e = self._entries.get(run_id) if run_id else None
        if e is not None and not e.retired:
            e.retired = True
            e.runner.stop(reason)
            # its slot frees now, not once its thread has stopped: the run that replaces it (a new Start) builds
            # only on its slot (building.py), so it must not wait in line behind the one it replaces
            self.slots.leave(run_id)
            self.slots.release(run_id)
            for twin_id in [k for k, t in self._entries.items() if t.lead == run_id]:   # the pair is one demo
                self._retire_locked(twin_id, reason)
            self._ensure_reaper_locked()

    # --- what the server carries ------------------------------------------------------------------
    def snapshots(self) -> list[Snapshot]:
        """The latest snapshot of every run this process holds, retired ones still ending included."""
        with self._lock:
            runners = [e.runner for e in self._entries.values()]
        return [r.snapshot() for r in runners]

    def threads_alive(self) -> int:
        with self._lock:
            return sum(e.runner.alive for e in self._entries.values())

    def load(self) -> Load:
        training, queued = self.slots.counts()   # a side-by-side pair is one slot, and one place in line
        limit = self.slots.limit
        with self._lock:
            watching = sum(len(r.watchers) for r in self._owners.values())
            followed = [e.runner for e in self._entries.values() if not e.retired and e.runner.detached]
        if self.host is not None and self.host.on_cluster:   # the cluster's CPUs are the slots (run/on_ray.py)
            training, limit = self.host.usage()
            queued += sum(r.snapshot().status is Status.QUEUED for r in followed)
        return Load(training, limit, queued, watching)

    def place(self, run_id: str) -> int | None:
        return self.slots.place(run_id)

    def shutdown(self, timeout: float) -> bool:
        """The process is ending: stop every run (training, paused, queued, loading) with
        Reason.SERVER_STOPPING, and wait for their threads, `timeout` seconds in all; True when all have ended.
        No run is made after it (create raises OwnerGone)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closing = True
            live = [e for e in self._entries.values() if not e.retired]
            # the queued first: a slot freed by a stopping run must not start one of them for a step
            live.sort(key=lambda e: e.runner.snapshot().status is not Status.QUEUED)
            for e in live:
                e.retired = True   # no reaper: a new thread may not start while the interpreter ends
                if e.runner.detached:
                    e.runner.release()   # it trains on in the cluster; another replica rejoins it
                else:
                    e.runner.stop(Reason.SERVER_STOPPING)
            runners = [e.runner for e in self._entries.values()]
        return all([r.join(max(0.0, deadline - time.monotonic())) for r in runners])

    # --- the reaper ---------------------------------------------------------------------------
    def reap(self) -> None:
        """Stop the runs of owners gone past the grace period; join and drop ended retired runs, and give
        the memory they held back to the system (heap.py says why it must be asked for)."""
        with self._lock:
            self._expire_locked(now=time.monotonic())
            ended = [k for k, e in self._entries.items() if e.retired and not e.runner.alive]
            for k in ended:
                runner = self._entries.pop(k).runner
                runner.join(0)
                runner.release()   # a worker's run frees its models there (a thread's go with this reference)
        now = time.monotonic()
        if ended or (self._trim_at is not None and now >= self._trim_at):
            give_back()
            # and once more TRIM_AGAIN_S later: a thread that has just ended still frees its own caches, and memory
            # freed after the trim stayed. 10 runs reaped (tests/test_reap_memory.py): one trim +0.1 to +62 MB in 5
            # tries (CI failed at +62 against its 50), a second at the next pass (50 ms on) +0.2 to +4.1 MB in 5
            # quiet tries, but +60 MB again in CI beside a training test: a busy core had not yet run that freeing
            self._trim_at = now + TRIM_AGAIN_S if ended else None

    def _expire_locked(self, now: float) -> None:
        for key, rec in list(self._owners.items()):
            if rec.gone_at is not None and now - rec.gone_at >= self.limits.idle_s:
                for run_id, e in list(self._entries.items()):
                    if e.owner == key and e.runner.detached:   # its actor decides: the owner may be on another replica
                        e.retired = True
                        e.runner.release()
                    elif e.owner == key:
                        self._retire_locked(run_id, Reason.OWNER_GONE)
                self._codes.pop(rec.code, None)
                del self._owners[key]
            elif rec.gone_at is not None and now - rec.gone_at >= self.limits.away_s:
                for e in self._entries.values():
                    # once all (a run paused by its owner gives up the slot it holds), then any that trains again
                    # (a Start sent while it was loading)
                    if e.owner == key and not e.retired and not e.runner.detached and (
                            not rec.away or e.runner.snapshot().status is Status.RUNNING):
                        e.runner.pause(Reason.OWNER_AWAY)
                rec.away = True

    def _busy_locked(self) -> bool:
        return any(e.retired for e in self._entries.values()) or any(
            r.gone_at is not None for r in self._owners.values())

    def _ensure_reaper_locked(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap_while_busy, name="ganlib-reaper", daemon=True)
            self._reaper.start()

    def _reap_while_busy(self) -> None:
        while True:
            time.sleep(self._reap_every)
            self.reap()
            with self._lock:
                if not self._busy_locked() and self._trim_at is None:
                    self._reaper = None
                    return
