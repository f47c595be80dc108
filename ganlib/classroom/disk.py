"""The server's disk: one budget for all visitors' spaces together, and a cap on new spaces per address.

A visitor's quota (GAN_STUDIO_QUOTA_MB) bounds one space, but a new space costs
nothing (a new tab), so a script could fill the disk one space at a time. The
policy, for every write of a visitor's space (a save, a checkpoint upload,
uploaded images; spaces.py calls `room` before writing and `admit_new_space`
before making a space's folder):

- All spaces together, everything under the spaces root, stay within
  GAN_STUDIO_DISK_MB. A write holds its bytes first, so that two at once
  cannot both take the last room; a write that fails gives them back.
- When a write would pass the budget, the spaces that nobody has opened for
  EXPIRE_IDLE_S (a day) are removed, the longest unopened first, until it fits.
  Never the writer's own, never one opened within the day (a lesson in
  progress: a class's spaces are all a few hours old), and none at all when
  GAN_STUDIO_KEEP_DAYS=0 (the operator keeps spaces for ever). Nothing is
  removed when removing all those spaces would still not make room.
- Only then is the write refused, with a message that starts "disk:", and
  nothing is written.
- A new space (the folder made at a session's first write) is made only when
  its client address made fewer than GAN_STUDIO_SPACES_PER_HOUR in the last
  hour; else the write is refused ("space: ..."). The counts are kept in this
  process's memory only, under salted hashes of the addresses. An unknown
  address (None: Streamlit gives None for localhost) is not counted.

The total is walked at most once per REFRESH_S and adjusted by each write in
between, so that a save seldom walks the tree: a refusal or an expiry is
always decided on a fresh walk, so a file deleted since the last one is never
counted against a visitor. Measured on this project's 2-core machine (ext4,
files in the page cache; best of 5): a walk of 30 spaces x 10 files costs
1.8-3.0 ms at load ~1 (3.8-6.1 ms at load 2-9), less than the fsync of the
save itself; but 30 days of classes can leave 1,000 spaces: 67-71 ms a walk
(127-245 ms under load). A write that finds the total fresh costs 2-9 us.
"""
from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import secrets
import shutil
import threading
import time
from typing import Iterator

from ganlib.settings import disk_bytes, keep_seconds, megabytes, spaces_per_hour

REFRESH_S = 5.0          # the longest a total is trusted without a walk: other processes' writes, deletions
EXPIRE_IDLE_S = 86400.0  # a space unopened this long may make room for others: a lesson lasts hours, not a day
HOUR_S = 3600.0

_totals: dict[str, _Total] = {}   # spaces root -> what its spaces take
_totals_lock = threading.Lock()
_made: dict[bytes, collections.deque] = {}   # salted hash of an address -> when it made spaces (monotonic)
_made_lock = threading.Lock()
_SALT = secrets.token_bytes(16)   # per process: the hashes are no dictionary of the addresses they stand for


def measure(path: str) -> tuple[int, float]:
    """The bytes of every file under `path`, and when it was last opened or written: the newest time of the
    folder, the folders inside and the files. (0, 0.0) for a path that is not there."""
    size, newest = 0, 0.0
    for folder, _, files in os.walk(path):
        with contextlib.suppress(OSError):
            newest = max(newest, os.stat(folder, follow_symlinks=False).st_mtime)
        for f in files:
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(folder, f), follow_symlinks=False)
                size, newest = size + st.st_size, max(newest, st.st_mtime)
    return size, newest


class _Total:
    """What the spaces under one root take: on disk at the last walk plus the writes finished since, and held
    by writes in progress (not on disk yet, so a walk cannot see them)."""
    def __init__(self, root: str):
        self.on_disk, self.walked, self.held = measure(root)[0], time.monotonic(), 0

    def walk(self, root: str) -> None:
        self.on_disk, self.walked = measure(root)[0], time.monotonic()


@contextlib.contextmanager
def room(root: str, space: str, grows: int) -> Iterator[None]:
    """Hold `grows` bytes under `root` for a write into the folder `space` inside it, for the body of the
    `with`; a body that raises gives them back. ValueError ("disk: ...") when they do not fit."""
    root, held = os.path.abspath(root), max(grows, 0)   # a smaller replacement frees room only once written
    total = _hold(root, os.path.basename(os.path.abspath(space)), grows)
    try:
        yield
    except BaseException:
        with _totals_lock:
            total.held -= held
        raise
    with _totals_lock:
        total.held, total.on_disk = total.held - held, total.on_disk + grows


def _hold(root: str, own: str, grows: int) -> _Total:
    budget = disk_bytes()
    with _totals_lock:
        total = _totals.get(root)
        fresh = total is None or time.monotonic() - total.walked >= REFRESH_S
        if total is None:
            total = _totals[root] = _Total(root)
        elif fresh:
            total.walk(root)
        over = lambda: grows > 0 and total.on_disk + total.held + grows > budget   # noqa: E731
        if over() and not fresh:
            total.walk(root)
        if over() and _expire(root, own, total.on_disk + total.held + grows - budget):
            total.walk(root)
        if over():
            raise ValueError(f"disk: this server keeps at most {megabytes(budget)} of visitors' files, and that "
                             f"is full: they take {megabytes(total.on_disk + total.held)} and this one needs "
                             f"{megabytes(grows)} more. Nothing was saved: delete files you no longer need on the "
                             f"Checkpoints page, or ask whoever runs this server for room (GAN_STUDIO_DISK_MB).")
        total.held += max(grows, 0)
        return total


def _expire(root: str, own: str, needed: int) -> bool:
    """Remove the spaces other than `own` unopened for EXPIRE_IDLE_S, the longest unopened first, until `needed`
    bytes are free; none when they could not free that much together. Whether any was removed."""
    if not keep_seconds():
        return False
    now, idle = time.time(), []
    with contextlib.suppress(OSError):
        for e in os.scandir(root):
            if e.name != own and e.is_dir(follow_symlinks=False):
                size, last = measure(e.path)
                if now - last >= EXPIRE_IDLE_S:
                    idle.append((last, size, e.path))
    if sum(size for _, size, _ in idle) < needed:
        return False
    freed = 0
    for _, size, path in sorted(idle):
        if freed >= needed:
            break
        if time.time() - measure(path)[1] >= EXPIRE_IDLE_S:   # not opened since it was measured
            shutil.rmtree(path, ignore_errors=True)
            freed += size
    return freed > 0


def admit_new_space(address: str | None, now: float | None = None) -> None:
    """Count a new space made from client `address` (an IP as Streamlit gives it; None when unknown, not
    counted). ValueError ("space: ...") when that address made GAN_STUDIO_SPACES_PER_HOUR in the last hour."""
    if address is None:
        return
    limit = spaces_per_hour()
    now = time.monotonic() if now is None else now
    who = hashlib.sha256(_SALT + str(address).encode()).digest()[:16]
    with _made_lock:
        for gone in [k for k, made in _made.items() if now - made[-1] >= HOUR_S]:
            del _made[gone]   # an address quiet for an hour is forgotten: the table holds the last hour only
        made = _made.setdefault(who, collections.deque())
        while made and now - made[0] >= HOUR_S:
            made.popleft()
        if len(made) >= limit:
            wait = max(1, int((made[0] + HOUR_S - now) // 60) + 1)
            raise ValueError(f"space: {limit} new spaces were made from your network address in the last hour, "
                             f"the most this server allows; nothing was saved. Open GAN Studio with the link of "
                             f"a space you already have (its address keeps ?v=...), or try again in {wait} min.")
        made.append(now)
