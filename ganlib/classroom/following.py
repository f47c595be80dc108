"""Watching and following: watch codes, and the runs a replica follows on a Ray cluster. A part of Runs (its base).

A watch code shows an owner's current run, read-only, to anyone who holds it.
On a cluster (GAN_STUDIO_RAY_ADDRESS) runs are detached Ray actors
(run/on_ray.py) that outlive the replica that made them: this replica follows
the ones its sessions own or watch, and asks the cluster's registry
(cluster.py) for a code or a run another replica made. The owner's presence is
the actor's to judge: a replica only says whether the owner has a page open in
it, and lets a run go (release) rather than stop it when its owner leaves.
Runs provides `_lock`, `_entries`, `_owners`, `_codes`, `_closing`, `host` and
`_ensure_reaper_locked`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ganlib.classroom.codes import WATCH_CODES
from ganlib.classroom.owners import Entry, Owner, OwnerRecord
from ganlib.classroom.shutdown import register
from ganlib.run.hosts import host_for
from ganlib.settings import read

if TYPE_CHECKING:
    from ganlib.run.runner import Runner


class Following:
    # --- watching -------------------------------------------------------------------------------
    def share(self, owner: Owner) -> str:
        """The owner's watch code (made once), as shown (ABCDE-FGHJK: codes.py): it shows the owner's current run,
        and grants no control. On a cluster, the registry's, so that every replica knows it."""
        with self._lock:
            rec = self._owners.setdefault(owner.key, OwnerRecord())
            if rec.code:
                return rec.code
            code = WATCH_CODES.new(self._codes)
        cluster = self.cluster()
        while cluster is not None and (shared := cluster.share(owner.key, code)) != code:
            if shared is not None:   # made for this owner by another replica
                code = shared
                break
            code = WATCH_CODES.new(self._codes)   # another replica's owner has this one
        with self._lock:
            rec.code = code
            self._codes[code] = owner.key
            return code

    def owner_of(self, code: str | None) -> str | None:
        """The key of the owner who shares under this watch code, as typed (for the server's registries only: never
        shown)."""
        code = WATCH_CODES.parse(code)
        if code is None:
            return None
        with self._lock:
            key = self._codes.get(code)
        if key is None and (cluster := self.cluster(strict=False)) is not None and \
                (key := cluster.owner_of(code)) is not None:
            with self._lock:
                self._codes[code] = key
                self._owners.setdefault(key, OwnerRecord()).code = code
        return key

    def shared(self, code: str | None) -> bool:
        """Whether some owner shares under this watch code, as typed (its run may not have started yet)."""
        return self.owner_of(code) is not None

    def watch(self, code: str, watcher: Owner | None = None) -> Runner | None:
        """The run a watch code, as typed, shows now (None for an unknown code, or while the owner has no run)."""
        key = self.owner_of(code)
        if key is None:
            return None
        with self._lock:
            rec = self._owners.get(key)
            if rec is None:
                return None
            if watcher is not None and not watcher.closed:
                rec.watchers.add(watcher.key)
            live = [e.runner for e in self._entries.values() if e.owner == key and not e.retired and not e.lead]
        cluster = self.cluster(strict=False)
        if cluster is None:
            return live[-1] if live else None
        return self._adopt(key, cluster.run_of(key))   # the owner may have started another run on another replica

    # --- a cluster: runs that outlive this replica (run/on_ray.py) ----------------------------------
    def host_now(self):
        """Where runs train (run/hosts.py), chosen now if no run has chosen it yet (see cluster)."""
        self.cluster()
        return self.host

    def cluster(self, strict: bool = True):
        """ganlib.classroom.cluster when runs train on a Ray cluster, else None. The host is chosen at the first call
        (GAN_STUDIO_RAY_ADDRESS): with the first run, or a watcher's or a returning owner's first page. A cluster
        that does not answer raises ConnectionError (a Start says so), or with strict=False is None: every page
        that needs no run still works, and the next call tries again."""
        if self.host is None:
            try:
                self.host = host_for(read("GAN_STUDIO_RAY_ADDRESS"), read("GAN_STUDIO_WORKER"))
                if hasattr(self.host, "shutdown"):   # the training worker: the server's end tells it to end too
                    register(self.host)
            except ConnectionError:
                if strict:
                    raise
                return None
        if not self.host.on_cluster:
            return None
        from ganlib.classroom import cluster  # ray: only on a cluster
        return cluster

    def _rejoin(self, owner: Owner) -> str | None:
        """The run the owner has on the cluster (made through any replica), now followed here too."""
        runner = self._adopt(owner.key, self.cluster().run_of(owner.key))
        return runner.run_id if runner is not None else None

    def _adopt(self, key: str, run_id: str | None) -> Runner | None:
        """Run `run_id` of owner `key` as an entry here: the one this replica follows, or a new follower of it."""
        with self._lock:
            e = self._entries.get(run_id) if run_id else None
            if e is not None:
                return None if e.retired else e.runner
        runner = self.host.follow(run_id) if run_id else None
        if runner is None:
            return None
        with self._lock:
            if run_id in self._entries or self._closing:   # adopted meanwhile by another session of this replica
                runner.release()
                e = self._entries.get(run_id)
                return e.runner if e is not None and not e.retired else None
            for old in self._entries.values():   # a run the owner has replaced, on another replica
                if old.owner == key and not old.retired and old.runner.detached:
                    old.retired = True
                    old.runner.release()
            self._entries[run_id] = Entry(runner, key)
            self._minded_locked(runner, key)
            self._ensure_reaper_locked()
            return runner

    def _minded_locked(self, runner: Runner, key: str) -> None:
        if runner.detached:   # its actor pauses, then stops it, while no replica says its owner is here
            runner.present = lambda: self._present(key)

    def _present(self, key: str) -> bool:
        with self._lock:
            rec = self._owners.get(key)
            return rec is not None and rec.sessions > 0
