"""The training worker: a process of its own, beside the server, where the runs' threads train.

Why: a run's thread in the server's interpreter needs the GIL between every two torch ops of a step, and every
watcher's rerun, Tornado and figure build hold it meanwhile, so a run slowed as watchers came (bench/classroom.py:
0.53x of its solo speed at 30 watchers). Here the runs have an interpreter to themselves.

on_worker.py starts it and speaks to it over one pipe, in messages (Msg):
- in: NEW (a run), SEND (a command), CALL (a copy of G or of both models, the data, a checkpoint), DROP (the server
  needs an ended run no more), ANSWER (to a slot request), EXIT; HOST and POST for a board of another kind (a class:
  classroom/class_in_worker.py) that a factory the server names makes, which takes notes and publishes snapshots;
- out: SNAP (each new snapshot, without what the server holds already: wire.shrink), ANSWER (a call's result or
  error), SLOTS (a run asks for, gives back or leaves a training slot: the server's Slots decide).

It ends when told to (EXIT: every run stops between two steps, then exit status 0), on SIGTERM alike, and on its
own within PARENT_CHECK_S when the server is gone (the pipe closes, or its parent's pid changes).
"""
from __future__ import annotations

import itertools
import os
import pickle
import signal
import sys
import threading
import time
from concurrent.futures import Future
from multiprocessing.connection import Connection

from ganlib.engine.device import set_threads
from ganlib.engine.presets import preset
from ganlib.engine.trainer import Trainer
from ganlib.run.budget import check
from ganlib.run.checkpoint import checkpoint_file
from ganlib.run.heap import give_back
from ganlib.run.machine import Command
from ganlib.run.messages import Msg, SlotAsk, SlotsProxy
from ganlib.errors import NoModels
from ganlib.run.mailbox import LET_GO
from ganlib.run.runner import Runner
from ganlib.run.state import Reason
from ganlib.run.wire import shrink

PARENT_CHECK_S = 1.0     # how often it looks for its server: it ends within this (and the runs' stop) once gone
STOP_S = 6.0             # as classroom/shutdown.SHUTDOWN_S: the time its runs get to stop between two steps
WAIT_S = 5.0             # a run's publisher wakes at least this often to see whether the worker is ending
# a CALL with no run: on_worker.WorkerHost's of the same names. check answers None, not budget's Estimate, whose
# module would load torch in the server that unpickles it
WORKER_CALLS = {"check": lambda cfg, limit_mb, shape: check(cfg, limit_mb, shape) and None}


class Worker:
    def __init__(self, conn, parent: int):
        self._conn, self._parent = conn, parent
        self._send_lock, self._lock = threading.Lock(), threading.Lock()
        self._runs: dict = {}
        self._hosted: dict = {}   # key -> (a board made by HOST, its publisher thread)
        self._making: dict = {}   # key -> the notes for a board being made
        self._asked: dict[int, Future] = {}
        self._ids = itertools.count(1)
        self._ending = threading.Event()

    # --- talking to the server --------------------------------------------------------------------
    def tell(self, *msg) -> None:
        data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with self._send_lock:
                self._conn.send_bytes(data)
        except (OSError, EOFError):   # the server is gone: the worker ends
            self._ending.set()

    def ask(self, what: SlotAsk, run_id: str) -> bool:
        box, ask_id = Future(), next(self._ids)
        with self._lock:
            self._asked[ask_id] = box
        self.tell(Msg.SLOTS, ask_id, what, run_id)
        while not self._ending.is_set():   # an answer never comes from a server that is gone
            try:
                return box.result(WAIT_S)
            except TimeoutError:
                continue
        return False

    # --- the main thread: messages in, in order ---------------------------------------------------------
    def serve(self) -> int:
        threading.Thread(target=self._watch_parent, name="ganlib-worker-watch", daemon=True).start()
        self.tell(Msg.READY)
        while not self._ending.is_set():
            try:
                if not self._conn.poll(PARENT_CHECK_S):
                    continue
                msg = pickle.loads(self._conn.recv_bytes())
            except (OSError, EOFError):
                break
            kind, *args = msg
            if kind is Msg.EXIT:
                break
            getattr(self, "_on_" + kind.value)(*args)
        return self._stop_all()

    def _on_new(self, run_id: str, cfg, kw: dict, hold_s: float | None, env: dict, threads: int, keep,
                keep_every_s: float) -> None:
        _settings(env, threads)
        slots = SlotsProxy(self, hold_s) if hold_s is not None else None
        try:
            runner = Runner(cfg, run_id=run_id, slots=slots, **kw)
        except Exception as e:   # noqa: BLE001 - a payload the Runner refuses: the server's run fails, saying why
            self.tell(Msg.SNAP, run_id, _sendable(e))
            return
        publisher = threading.Thread(target=self._follow, args=(run_id, runner, shrink, keep, keep_every_s),
                                     name="ganlib-worker-publish", daemon=True)
        with self._lock:
            self._runs[run_id] = (runner, publisher)
        publisher.start()

    def _on_host(self, key: str, factory, args: tuple, env: dict, threads: int) -> None:
        """A board of another kind than a run: factory(worker, *args) makes it (a classroom.class_ticker.Class), and
        its snapshots go out as a run's do, made smaller by its own wire(snap, last). Made on a thread of its own:
        a class's first models and its door's first memory estimate took 1.1 s, which this thread owes every
        run's commands and copies meanwhile."""
        _settings(env, threads)
        with self._lock:
            self._making[key] = []   # the notes that come while it is made, posted to it once it is, in order
        threading.Thread(target=self._make, args=(key, factory, args), name="ganlib-worker-make", daemon=True).start()

    def _make(self, key: str, factory, args: tuple) -> None:
        try:
            board = factory(self, *args)
        except Exception as e:   # noqa: BLE001 - refused or failed here: the server's side says why
            with self._lock:
                self._making.pop(key, None)
            self.tell(Msg.SNAP, key, _sendable(e))
            return
        publisher = threading.Thread(target=self._follow_board, args=(key, board), name="ganlib-worker-publish",
                                     daemon=True)
        with self._lock:
            self._hosted[key] = (board, publisher)
            for note in self._making.pop(key, []):
                board.post(*note)
        publisher.start()

    def _on_post(self, key: str, *note) -> None:
        with self._lock:
            if key in self._making:
                self._making[key].append(note)
                return
            board = self._hosted.get(key, (None,))[0]
        if board is not None:
            board.post(*note)

    def _on_send(self, run_id: str, command, arg) -> None:
        runner = self._runner(run_id)
        if runner is None:
            return
        if command is Command.UPDATE:
            runner.update(**arg)   # through update(), so the worker's run checks the change as the server's did
        else:
            runner._send(command, arg)

    def _on_call(self, call_id: int, run_id: str, name: str, args: tuple) -> None:
        # on a thread of its own: a copy waits for the run's thread to be between two steps
        threading.Thread(target=self._answer, args=(call_id, run_id, name, args), daemon=True).start()

    def _answer(self, call_id: int, run_id: str, name: str, args: tuple) -> None:
        try:
            if run_id is None:   # the worker's own: what the server asks of torch without loading it (on_worker.py)
                self.tell(Msg.ANSWER, call_id, True, WORKER_CALLS[name](*args))
                return
            runner = self._runner(run_id)
            if runner is None:
                raise NoModels(LET_GO)
            self.tell(Msg.ANSWER, call_id, True, getattr(runner, name)(*args))
        except Exception as e:   # noqa: BLE001 - raised again in the server, on the caller's thread
            self.tell(Msg.ANSWER, call_id, False, _sendable(e))

    def _runner(self, run_id: str):
        with self._lock:
            return self._runs.get(run_id, (None,))[0]

    def _on_answer(self, ask_id: int, ok: bool, value) -> None:
        with self._lock:
            box = self._asked.pop(ask_id, None)
        if box is not None:
            box.set_result(value) if ok else box.set_exception(value)

    # --- each run's publisher: every new version goes out once --------------------------------------------
    def _on_drop(self, run_id: str) -> None:
        # an ended run kept its models till now, as a thread's run does (a Save, the lab's views of it), until the
        # server's reaper drops it; in a box _free empties: a Thread holds its args until its target returns
        with self._lock:
            box = [self._runs.pop(run_id, None)]
        if box[0] is not None:
            threading.Thread(target=_free, args=(box,), name="ganlib-worker-free", daemon=True).start()

    def _follow(self, key: str, board, wire=shrink, keep=None, keep_every_s: float = 0.0) -> None:
        """Send each new snapshot of a run (or a board) once, made smaller by wire(snap, last); keep(bytes) a run's
        checkpoint file every keep_every_s of training (an autosave: classroom/autosave.py)."""
        last, kept_at, kept_step = None, time.monotonic(), 0
        while True:
            snap = board.wait(lambda s: last is None or s.version > last.version, WAIT_S)
            if last is None or snap.version > last.version:
                self.tell(Msg.SNAP, key, wire(snap, last))
                last = snap
            if snap.ended:
                return
            if keep is not None and snap.step != kept_step and time.monotonic() - kept_at >= keep_every_s:
                try:
                    keep(checkpoint_file(board.checkpoint()))
                    kept_step = snap.step
                except (ValueError, OSError, RuntimeError):   # a full quota or disk: the next try may find room
                    pass
                kept_at = time.monotonic()

    def _follow_board(self, key: str, board) -> None:
        self._follow(key, board, board.wire)
        board.join_thread(STOP_S)
        with self._lock:
            self._hosted.pop(key, None)
        give_back()

    # --- the end ---------------------------------------------------------------------------------------
    def _watch_parent(self) -> None:
        while not self._ending.wait(PARENT_CHECK_S):
            if os.getppid() != self._parent:
                self._ending.set()

    def _stop_all(self) -> int:
        """Every run stops between two steps; each publisher sends its last snapshot; then status 0."""
        self._ending.set()
        with self._lock:
            runs, boards = list(self._runs.values()), list(self._hosted.values())
        for r, _ in runs:
            r.stop()
        for b, _ in boards:
            b.stop(Reason.SERVER_STOPPING)
        deadline = time.monotonic() + STOP_S
        stopped = all([r.join(max(0.0, deadline - time.monotonic())) for r, _ in runs] +
                      [b.join_thread(max(0.0, deadline - time.monotonic())) for b, _ in boards])
        for _, publisher in runs + boards:   # each last snapshot reaches the server, while it is there to read it
            publisher.join(max(0.0, deadline - time.monotonic()))
        return 0 if stopped else 1


def _free(box: list) -> None:
    box.pop()[1].join()   # the run's publisher, and with it the last reference to its Trainer
    for wait_s in (0.0, 1.0):   # its memory back to the system, again later for what was freed after (heap.py)
        time.sleep(wait_s)
        give_back()


def _sendable(e: Exception) -> Exception:
    """`e`, or a RuntimeError with its words where `e` would not come out of pickle whole in the server."""
    try:
        back = pickle.loads(pickle.dumps(e))
        return e if type(back) is type(e) and str(back) == str(e) else RuntimeError(str(e))
    except Exception:   # noqa: BLE001 - an exception type that pickle cannot rebuild
        return RuntimeError(f"{type(e).__name__}: {e}")


def _settings(env: dict, threads: int) -> None:
    """The server's GAN_STUDIO_* settings as they are now (the runs read them: data_paths...), and its threads."""
    set_threads(threads)
    for k in [k for k in os.environ if k.startswith("GAN_STUDIO_") and k not in env]:
        del os.environ[k]
    os.environ.update(env)


def main(conn, parent: int) -> None:
    """The worker process's entry point: `python -m ganlib.run.worker FD PARENT_PID` (on_worker.py)."""
    os.setpgrp()   # a Ctrl+C in the server's terminal is the server's to handle: it tells the worker (EXIT)
    worker = Worker(conn, parent)
    try:   # a tiny run's first step: torch._dynamo (the first optimizer imports it) and a step's lazy set-up load
        # here, before the server's first run comes (classroom/warm.py measured them: ~3.5 s of a first chart)
        Trainer(preset("ring8").replace(batch_size=8, g_width=8, d_width=8)).step()
    except Exception:   # noqa: BLE001 - a warm-up that fails costs the first run its time, nothing more
        pass
    signal.signal(signal.SIGTERM, lambda *_: worker._ending.set())   # `kill` of the worker alone: stop, exit 0
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os._exit(worker.serve())   # no interpreter teardown under a thread still in torch (classroom/shutdown.py)


if __name__ == "__main__":
    # run as ganlib.run.worker, not as __main__: the server pickles Msg and SlotAsk under that module's name
    from ganlib.run import worker as this
    this.main(Connection(int(sys.argv[1])), int(sys.argv[2]))
