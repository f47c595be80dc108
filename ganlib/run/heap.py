"""Giving the memory of a dropped run back to the system (glibc keeps it otherwise).

A reaped run leaves nothing behind in Python: its Trainer is freed at once (no
reference cycle holds it). But glibc's malloc keeps what was freed: each run's
thread allocated in a malloc arena of its own, whose free pages stay mapped, and
after a large tensor is freed glibc raises its mmap threshold (up to 32 MiB), so
the next runs' tensors of that size come from those arenas too instead of from
mmap, which hands them back on free. Measured on 2 cores, 10 runs made, finished
and reaped one after another, RSS after the tenth against after the first:
fast-digits at widths 1024 and batch 512 (9 steps each) +77 to +160 MB, tf-dcgan
(78 steps each) +236 MB, ~24 MB a run; no Trainer was left alive. Fast-digits at
batch 64 grew +51 to +71 MB, +2 MB with MALLOC_ARENA_MAX=1 and +6 MB with a fixed
MALLOC_MMAP_THRESHOLD_. With malloc_trim(0) after each reap: 0 to +12 MB and +25
MB (tests/test_reap_memory.py). malloc_trim hands back the free pages of every
arena; it took 4-19 ms there, and Runs calls it off the event loop, on the
reaper's thread, only when a run was dropped.
"""
from __future__ import annotations

import ctypes
import sys


def give_back() -> bool:
    """Return freed heap memory to the system (glibc's malloc_trim); False where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):   # another C library (musl): nothing to do
        return False
