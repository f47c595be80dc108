"""Presence: which visitors have a tab open in this server, as its pages say, for its classes (classes.py).

A class's runs pause while their student is away and a class ends once everyone of it has gone; on a Ray cluster,
a class's actor asks each replica whether a member of it is there (class_on_ray.py). Torch-free.
"""
from __future__ import annotations


class Presence:
    """Which visitors have a tab open, by key, as the pages say (each session's start and end). Under the registry's
    lock. A key never seen is taken as present: only a key seen leaving can make a class deserted."""

    def __init__(self):
        self._sessions: dict[str, int] = {}
        self._gone: dict[str, float] = {}   # key -> when its last session closed

    def here(self, key: str) -> bool:
        return self._sessions.get(key, 0) > 0

    def back(self, key: str) -> None:
        self._sessions[key] = self._sessions.get(key, 0) + 1
        self._gone.pop(key, None)

    def left(self, key: str, now: float) -> bool:
        """A session of `key` closed; True when it was its last."""
        left = self._sessions.pop(key, 0) - 1
        if left > 0:
            self._sessions[key] = left
            return False
        self._gone[key] = now
        return True

    def deserted(self, keys: set[str], now: float, idle_s: float) -> bool:
        """Every one of `keys` has been gone for idle_s at least."""
        return all(k in self._gone for k in keys) and now - max((self._gone[k] for k in keys), default=now) >= idle_s

    def keep_only(self, keys: set[str]) -> None:
        """Forget when keys not among `keys` left: only the members of open classes are asked about."""
        self._gone = {k: t for k, t in self._gone.items() if k in keys}
