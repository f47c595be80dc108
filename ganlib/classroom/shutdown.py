"""A clean end for the server process: every run stops between two steps before the interpreter goes.

Why: runs train on daemon threads. When the process ends (SIGTERM from `docker stop`
or a restart, Ctrl+C), Streamlit's signal handler stops the server and the main
thread returns; the interpreter then finalizes while a run's thread may be inside
a torch op with the GIL released. When that op returns, the thread finds the
interpreter finalizing and CPython ends it with pthread_exit, whose forced unwind
meets a C++ frame of torch that may not throw: std::terminate ("terminate called
without an active exception"), SIGABRT, exit status -6 (134 under Docker). Seen
under gdb: the ganlib-runner thread in loss.backward() (THPEngine_run_backward ->
PyEval_RestoreThread -> PyThread_exit_thread -> pthread_exit -> std::terminate).

CPython runs atexit callbacks after the main thread has returned and before it
tears daemon threads down, so an atexit hook that stops and joins every run
ends the process with the status it had (0 after Streamlit's handler). Each
Runs registers itself here when it is made, and so does each Classes (a class's
ticker thread steps torch as a run's does), weakly, so a registry let go (tests
make many) is not kept alive by this module.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref

# `docker stop` sends SIGKILL 10 s after SIGTERM. Streamlit takes about 0.3 s to stop its server and the interpreter
# 1-3 s to finalize after this (2 cores): 6 s leaves a run time to finish loading its data or a quality measurement.
SHUTDOWN_S = 6.0

_registries: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()
_hooked = False


def register(runs) -> None:
    """Stop `runs` (a runs.Runs, or a classes.Classes: anything with shutdown(timeout) -> bool) when the process
    ends."""
    global _hooked
    with _lock:
        _registries.add(runs)
        if not _hooked:
            atexit.register(_at_exit)
            _hooked = True


def stop_all(timeout: float = SHUTDOWN_S) -> bool:
    """Stop every registered registry's runs and wait for their threads, `timeout` seconds in all; True when
    every thread ended."""
    deadline = time.monotonic() + timeout
    with _lock:
        registries = list(_registries)
    return all([r.shutdown(max(0.0, deadline - time.monotonic())) for r in registries])


def _at_exit() -> None:
    if stop_all(SHUTDOWN_S):
        return
    # a thread still inside torch would end the process with SIGABRT once the interpreter is gone: exit now,
    # saying so, with a status that is not success (the other atexit callbacks are skipped)
    print(f"ganlib: a run did not stop within {SHUTDOWN_S:.0f} s; exiting without it", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(1)
