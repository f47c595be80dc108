"""Runs in the training worker (worker.py), as the server holds them: WorkerHost, and a PipeRun for each run.

hosts.py imports this module with the server's first run. WorkerHost starts the worker then (a fresh
interpreter, `python -m ganlib.run.worker`, which loads torch), and again after a worker was lost. One thread of the
server reads every message the worker sends: each run's snapshots (pinned on its PipeRun, which pages read without waiting), the answers to
copies, and the runs' requests for the server's training slots (classroom/slots.py decides, as for a thread).

If the worker dies (killed, out of memory), every run in it is FAILED (Reason.WORKER_LOST) with what it last sent
on its page and its last autosave (classroom/autosave.py) on the Checkpoints page; the next run starts a new
worker. shutdown() tells the worker to stop its runs between two steps and end (status 0).
"""
from __future__ import annotations

import itertools
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Callable

import ganlib

from ganlib.engine.config import TrainConfig
from ganlib.run.mailbox import CALL_TIMEOUT_S
from ganlib.run.machine import Command
from ganlib.run.proxy import RunProxy
from ganlib.run.state import Status, new_run_id
from ganlib.run.wire import grow
from ganlib.run.messages import Msg, SlotAsk
from ganlib.settings import threads

WORKER_LOST = "the training worker process was lost"
LOST_NAME = "WorkerLost"


class PipeRun(RunProxy):
    """A run in the worker: the Runner's interface (mailbox.py checks commands here, as for a thread)."""
    detached = False   # it ends with the server, as a thread's run does

    def __init__(self, host: WorkerHost, cfg: TrainConfig, run_id: str, preset: str, slots):
        self._host, self._slots = host, slots
        self._open_proxy(cfg, run_id, preset, None, Status.LOADING)

    def _send_locked(self, command: Command, arg) -> None:
        if not self._closed:
            self._host.tell(Msg.SEND, self.run_id, command, arg)
            self._cv.notify_all()

    def _copy(self, name: str, *args):
        return self._host.call(self.run_id, name, args)

    def release(self) -> None:
        """The server needs the run no more (Runs' reaper, once it has ended): the worker frees its models, which it
        kept as a thread's run does, for a Save or a lab view of the ended run."""
        self._host.tell(Msg.DROP, self.run_id)


# glibc's malloc for the worker, unless the environment says otherwise: blocks up to 4 MB from its heap, and up to
# 32 MB of freed heap kept, rather than a fresh mmap for each block over 128 KB, whose pages the kernel faults in and
# zeroes again at every use. A class's batched step makes (runs, batch, width) tensors of ~1 MB each, afresh each
# step: class-ring8 at 30 runs took 7.3-7.9 ms a step with these against 8.7-9.5 ms without (one thread each, side
# by side); a fast-digits step is the same either way (9.6-10.0 ms)
ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(4 << 20), "MALLOC_TRIM_THRESHOLD_": str(32 << 20)}


class WorkerHost:
    """Every run a thread of one training worker process beside the server (worker.py)."""
    on_cluster = False
    autosaves = True   # a worker can be lost with its runs' weights: each keeps a checkpoint now and then
    hosts_boards = True   # host() and post(): a class's ticker trains in the worker too

    def __init__(self):
        self._lock, self._send_lock = threading.Lock(), threading.Lock()
        self._process, self._conn = None, None
        self._runs: dict[str, PipeRun] = {}
        # key -> the server's side of a board of another kind in the worker (a class: classroom/class_in_worker.py):
        # it has _arrive(sent), _lost(), and _slots and claim for the training slot it asks for under its key
        self._hosted: dict = {}
        self._calls: dict[int, Future] = {}
        self._ids = itertools.count(1)
        self.started_s: float | None = None   # how long the last worker took to start (its torch, its imports)

    # --- the worker ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker unless one is running: at the first run, or ahead of it (classroom/warm.py)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            t0 = time.monotonic()
            # a fresh interpreter of its own, not multiprocessing's spawn: spawn runs the parent's __main__ again,
            # and in a server that is the page being drawn (app.py), which needs a Streamlit session
            ours, theirs = socket.socketpair()
            package_root = os.path.dirname(os.path.dirname(os.path.abspath(ganlib.__file__)))
            env = {**ALLOCATOR, **os.environ,
                   "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
            process = subprocess.Popen([sys.executable, "-m", "ganlib.run.worker", str(theirs.fileno()),
                                        str(os.getpid())], pass_fds=[theirs.fileno()], env=env,
                                       stdin=subprocess.DEVNULL, close_fds=True)
            theirs.close()
            conn = Connection(ours.detach())
            self._process, self._conn = process, conn
            threading.Thread(target=self._read, args=(process, conn, t0), name="ganlib-worker-read",
                             daemon=True).start()

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process is not None and self._process.poll() is None else None

    def shutdown(self, timeout: float) -> bool:
        """Tell the worker to stop its runs between two steps and end; True when it ended within `timeout`."""
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return True
        self.tell(Msg.EXIT)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        if code != 0:   # a run that would not stop, or a crash: the operator's log says so
            print(f"ganlib: the training worker ended with status {code}", file=sys.stderr)
        return True

    # --- messages -----------------------------------------------------------------------------------------
    def tell(self, *msg) -> None:
        with self._send_lock:
            conn = self._conn
            if conn is None:
                return
            try:
                conn.send_bytes(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
            except (OSError, ValueError):   # the worker is gone: its reader fails its runs
                pass

    def call(self, run_id: str | None, name: str, args: tuple):
        box, call_id = Future(), next(self._ids)
        with self._lock:
            self._calls[call_id] = box
        self.tell(Msg.CALL, call_id, run_id, name, args)
        try:
            return box.result(CALL_TIMEOUT_S)
        finally:
            with self._lock:
                self._calls.pop(call_id, None)

    def _read(self, process, conn, t0: float) -> None:
        try:
            while True:
                kind, *args = pickle.loads(conn.recv_bytes())
                getattr(self, "_on_" + kind.value)(*args) if kind is not Msg.READY else self._ready(t0)
        except (OSError, EOFError):   # the worker ended, or was killed
            pass
        finally:
            self._worker_gone(process, conn)

    def _ready(self, t0: float) -> None:
        self.started_s = time.monotonic() - t0

    def _on_snap(self, run_id: str, sent) -> None:
        run = self._runs.get(run_id)
        if run is None:
            if (board := self._hosted.get(run_id)) is not None:
                board._arrive(sent)
                if not board.alive:
                    with self._lock:
                        self._hosted.pop(run_id, None)
            return
        if isinstance(sent, Exception):   # the worker could not make the run
            run._lost(type(sent).__name__, str(sent))
        else:
            run._arrive(grow(sent, run.snapshot()))
        if not run.alive:
            with self._lock:
                self._runs.pop(run_id, None)

    def _on_answer(self, call_id: int, ok: bool, value) -> None:
        with self._lock:
            box = self._calls.get(call_id)
        if box is not None:
            box.set_result(value) if ok else box.set_exception(value)

    def _on_slots(self, ask_id: int | None, what: SlotAsk, run_id: str) -> None:
        run = self._runs.get(run_id)
        if run is None and (board := self._hosted.get(run_id)) is not None:
            run, slots = board.claim, board._slots
        else:
            slots = run._slots if run is not None else None
        if what is SlotAsk.REQUEST:
            self.tell(Msg.ANSWER, ask_id, True, slots is None or slots.request(run))
        elif slots is not None:
            (slots.release if what is SlotAsk.RELEASE else slots.leave)(run_id)

    def _worker_gone(self, process, conn) -> None:
        with self._lock:
            if self._process is process:
                self._process, self._conn = None, None
            lost, self._runs = list(self._runs.values()), {}
            boards, self._hosted = list(self._hosted.values()), {}
            calls, self._calls = list(self._calls.values()), {}
        conn.close()
        for box in calls:
            box.set_exception(RuntimeError(WORKER_LOST))
        for run in lost:
            if run._slots is not None:
                run._slots.release(run.run_id)   # its slot, and its place in line, go to the next run
                run._slots.leave(run.run_id)
            run._lost(LOST_NAME, WORKER_LOST)
        for board in boards:
            if board._slots is not None:
                board._slots.release(board.claim.run_id)
                board._slots.leave(board.claim.run_id)
            board._lost(LOST_NAME, WORKER_LOST)

    # --- runs -----------------------------------------------------------------------------------------------
    def runner(self, cfg: TrainConfig | None = None, *, payload: dict | None = None, preset: str = "",
               slots=None, slot_key: str | None = None, baton=None, keep: Callable | None = None,
               keep_every_s: float = 0.0, **kw) -> PipeRun:
        """A run of `cfg`, or of a checkpoint payload, in the worker; Runner's keywords. keep(bytes): given the run's
        checkpoint file every keep_every_s of training (an autosave). A side-by-side pair (slot_key, baton) takes
        turns on one thread's slot: it trains on the thread host."""
        if slot_key is not None or baton is not None or kw.get("trainer") is not None:
            raise ValueError("a side-by-side pair, or a run of a built Trainer, trains on the thread host")
        wanted = payload["config"] if payload is not None else cfg.validate()
        run = PipeRun(self, wanted, new_run_id(), preset or (payload or {}).get("preset", ""), slots)
        self.start()
        with self._lock:
            self._runs[run.run_id] = run
        env = {k: v for k, v in os.environ.items() if k.startswith("GAN_STUDIO_")}
        hold_s = slots.hold_s if slots is not None else None   # None: the run trains at once (no slots)
        self.tell(Msg.NEW, run.run_id, cfg, dict(kw, payload=payload, preset=run.preset), hold_s, env, threads(),
                  keep, keep_every_s)
        return run

    def check(self, cfg: TrainConfig, limit_mb: float | None = None, shape: tuple[int, ...] | None = None) -> None:
        """run/budget.check(cfg, limit_mb, shape) in the worker, which has torch: a server whose runs train there
        loads none for them (G and D are sized on torch's meta device)."""
        self.start()
        self.call(None, "check", (cfg, limit_mb, shape))

    def host(self, key: str, board, factory, args: tuple) -> None:
        """Make factory(worker, *args) in the worker under `key`, a board whose snapshots reach `board` (the
        server's side of it, see _hosted) as they are published."""
        self.start()
        with self._lock:
            self._hosted[key] = board
        env = {k: v for k, v in os.environ.items() if k.startswith("GAN_STUDIO_")}
        self.tell(Msg.HOST, key, factory, args, env, threads())

    def post(self, key: str, *note) -> None:
        self.tell(Msg.POST, key, *note)


WORKER = WorkerHost()   # the server's one worker: hosts.host_for gives it to every Runs of the process
