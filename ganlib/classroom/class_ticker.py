"""Class: a class's runs, trained together by one thread (the ticker), the only writer of all of them.

Each student's run (a Seat: class_seat.py) has its own Trainer and RunRecord; the runs that train step together,
one Ensemble.step per tick (engine/ensemble.py batches them). A tick takes the commands queued at the class's
door (class_door.py), asks the server's Slots for the class's one slot when some run wants to train (its slot key
is "class-CODE") and gives it back when none does, steps, records, and publishes a numbered ClassSnapshot at most
every PUBLISH_EVERY seconds. While the class waits in line for its slot nothing trains but a Step, which needs no
slot (as a single run's Step), and the snapshot says it is queued.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

import torch

from ganlib.classroom import class_wire
from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_door import Door, Note, class_config
from ganlib.classroom.class_publishing import PUBLISH_EVERY, Publishing
from ganlib.classroom.class_seat import Seat
from ganlib.classroom.class_slot import SlotClaim, Slotting, SlotState
from ganlib.classroom.class_view import ClassCommand
from ganlib.engine.config import LIVE_FIELDS, TrainConfig
from ganlib.engine.data import Dataset, load_dataset
from ganlib.engine.data.drawn import drawn_dataset
from ganlib.engine.device import pick_device, set_threads
from ganlib.engine.ensemble import Ensemble
from ganlib.engine.samples import real_picture
from ganlib.engine.stats import StepStats
from ganlib.run.history import note_changes
from ganlib.run.state import Problem, Reason, Status

__all__ = ["Class", "class_config", "drawn_dataset"]   # classes.py reaches them through this module, torch and all

THREAD_NAME = "ganlib-class"
IDLE_WAKE_S = 1.0      # an idle ticker looks at the clock at least this often (a student away, a publish due)
RATE_WINDOW_S = 2.0    # the wall's steps/s: batched steps counted over this much wall time. 1 / (a step's own
# seconds), as it was, left out the ticks' records and publishes and the GIL's waits on the server's other
# threads: it said 39 steps/s each where the runs' step counts grew by 21 to 25 a second (bench/class.py, N = 30)


class Class(Door, Slotting, Publishing):
    on_cluster = False   # it trains on one of the server's slots (a class on a Ray cluster holds a CPU there)

    def __init__(self, code: str, preset: str, base: TrainConfig, open_fields: tuple[str, ...], *, slots=None,
                 limits: Limits | None = None, ensemble: Ensemble | None = None, data: Dataset | None = None,
                 clock: Callable[[], float] = time.monotonic):
        """A class of `base` (checked by class_config) whose students may change `open_fields` (checked by
        class_view.checked_open_fields). slots: the server's (classroom.slots.Slots; None trains at once);
        limits: idle_s and max_run_s and max_run_mb apply (see Door and _mind_time); ensemble: the batched step
        (default a new Ensemble); data: what every run learns (default base's dataset: a teacher's drawing comes
        as a Dataset, since base's data_path names no file). Its thread starts at once."""
        self.code, self.preset, self._clock = code, preset, clock
        limits = limits or Limits()
        self._open_door(base, open_fields, limits)
        # from here on, written by the ticker alone
        self._slots, self._claim = slots, SlotClaim(code, lambda: self._note_locked(Note.GRANT))
        self._slot, self._spent, self._slot_s = SlotState.NONE, False, 0.0
        self._ens = ensemble if ensemble is not None else Ensemble()
        self._in_ens: set[str] = set()
        self._seats: dict[str, Seat] = {}
        self._spot: str | None = None   # the run on the teacher's watch link
        self._data = data if data is not None else load_dataset(base)   # a toy: each run draws with its own generator
        self._cpu = pick_device(base.device).type == "cpu"
        self._z: dict[int, torch.Tensor] = {}
        self._rate, self._version, self._dirty, self._published_at = 0.0, 0, False, -1e9
        self._stepped_at: deque = deque()   # when each batched step of the last RATE_WINDOW_S ended
        self._real = real_picture(self._data)
        self._snap = self._make_snapshot()
        self._thread = threading.Thread(target=self._work, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def close(self, timeout: float = 10.0) -> bool:
        """stop(), then wait for the ticker to end; True when it has."""
        self.stop()
        return self.join_thread(timeout)

    def join_thread(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def post(self, note: Note, run_id: str, arg=None) -> None:
        """A note for the next tick, checked at a door in the server (class_in_worker.PipeClass)."""
        with self._cv:
            self._post(note, run_id, arg)

    wire = staticmethod(class_wire.shrink)   # what of a snapshot goes to that door: not what it holds already

    def _note_locked(self, note: Note) -> None:
        with self._cv:
            self._post(note, "")

    # --- the ticker ---------------------------------------------------------------------------------------------
    def _work(self) -> None:
        reason = Reason.BY_USER
        try:
            set_threads()   # the server's count, as every run's (engine/device.py: torch's is process-wide)
            while (reason := self._tick()) is None:
                pass
        except Exception as e:  # a bug of ours: every run says so, rather than the wall freezing
            problem = Problem(type(e).__name__, message=str(e))
            for seat in self._seats.values():
                seat.set(Status.FAILED, Reason.ERROR, problem)
            reason = None
        finally:
            self._end(reason)

    def _tick(self) -> Reason | None:
        """One round: commands, the slot, a step of every run that trains, a publish when due. Returns the
        Reason the class closes with, or None to go on."""
        for note, run_id, arg in self._take():
            if note is Note.CLOSE:
                return arg
            self._handle(note, run_id, arg)
        now = self._clock()
        self._mind_away(now)
        self._mind_slot()
        keys = self._sync_ensemble([k for k, s in self._seats.items()
                                    if s.wants_step and (s.singles or self._slot is SlotState.HELD)])
        if keys:
            self._step(keys)
        self._count_rate(bool(keys) and self._slot is SlotState.HELD)
        if self._dirty and self._clock() - self._published_at >= PUBLISH_EVERY:
            self._publish()
        return None

    def _take(self) -> list:
        """The notes queued since the last tick; with nothing to step, it first waits for one, or for the next
        thing due (a publish, a student away long enough), IDLE_WAKE_S at most."""
        with self._cv:
            if not self._inbox and not self._busy():
                self._cv.wait(self._idle_wait())
            taken, self._inbox = list(self._inbox), type(self._inbox)()
        return taken

    def _busy(self) -> bool:
        """Some run steps at the next tick (the class's slot is held and a run trains, or a Step waits)."""
        return any(s.wants_step and (s.singles or self._slot is SlotState.HELD) for s in self._seats.values())

    def _idle_wait(self) -> float:
        now, due = self._clock(), [IDLE_WAKE_S]
        if self._dirty:
            due.append(self._published_at + PUBLISH_EVERY - now)
        due += [s.gone_at + self._limits.idle_s - now for s in self._seats.values()
                if s.gone_at is not None and s.status is Status.RUNNING]
        return max(0.0, min(due))

    def _handle(self, note: Note, run_id: str, arg) -> None:
        self._dirty = True
        seat = self._seats.get(run_id)
        if note is Note.JOIN:
            seat = self._seats[run_id] = Seat(run_id, arg[0], arg[1], self._data)
            self._build(seat)
        elif note is Note.GRANT:
            self._granted()
        elif note is Note.SPOTLIGHT:
            self._spot = arg
        elif seat is None:   # a note for a run that left meanwhile
            return
        elif note is Note.AWAY:
            seat.gone_at, seat.dirty = arg, True
        elif note is Note.BACK:
            seat.gone_at, seat.dirty = None, seat.dirty or seat.gone_at is not None
        elif note is Note.COMMAND:
            self._command(seat, *arg)

    def _command(self, seat: Seat, command: ClassCommand, changes: dict) -> None:
        if command is ClassCommand.LEAVE:
            self._out(seat)
            seat.set(Status.STOPPED, Reason.BY_USER)
            del self._seats[seat.run_id]
        elif command is ClassCommand.RESET:
            self._out(seat)
            self._build(seat)
        elif command is ClassCommand.UPDATE:
            self._update(seat, changes)
        else:
            seat.command(command, self._spent)

    def _update(self, seat: Seat, changes: dict) -> None:
        old = seat.cfg
        if seat.record is not None and set(changes) <= set(LIVE_FIELDS):   # at the next step, as a run's update
            if seat.run_id in self._in_ens and self._ens.refuses(old.replace(**changes)) is None:
                self._ens.apply(seat.run_id, **changes)   # through it: an lr moves no run between groups
                seat.took(self._ens.trainer(seat.run_id))
                note_changes(seat.record.events, seat.trainer.step_count, old, changes)
            else:
                self._out(seat)
                seat.record.change(**changes)
            seat.cfg, seat.dirty = seat.trainer.cfg, True
            if seat.status is Status.FINISHED and not seat.trainer.done:
                seat.reason = Reason.BUDGET_EXTENDED   # more epochs: Resume goes on
            return
        # a structural change: the run starts over with it (a running one goes on running), its first event
        was = seat.status
        self._out(seat)
        seat.cfg = old.replace(**changes).validate()
        events: list = []
        note_changes(events, 0, old, changes)
        self._build(seat, events)
        if was is Status.RUNNING and seat.status is Status.IDLE:
            seat.set(Status.RUNNING, Reason.NONE)

    def _build(self, seat: Seat, events: list | None = None) -> None:
        seat.build(events)
        if self._spent and seat.status is Status.IDLE:   # a new start buys no time: the class's is spent
            seat.set(Status.PAUSED, Reason.TIME_BUDGET)

    def _mind_away(self, now: float) -> None:
        for seat in self._seats.values():
            if seat.gone_at is not None and seat.status is Status.RUNNING and \
                    now - seat.gone_at >= self._limits.idle_s:
                seat.set(Status.PAUSED, Reason.OWNER_AWAY)
                self._dirty = True

    # --- stepping ---------------------------------------------------------------------------------------------
    def _sync_ensemble(self, keys: list[str]) -> list[str]:
        """In the ensemble: the runs that train or wait for the slot, and those about to take a Step. Returns
        `keys` less any the ensemble would not take (each of those fails, saying why)."""
        want = set(keys) | {k for k, s in self._seats.items() if s.status is Status.RUNNING}
        for key in sorted(self._in_ens - want):
            self._out(self._seats[key])
        for key in keys:
            if key not in self._in_ens:
                try:
                    self._ens.add(key, self._seats[key].trainer)
                except Exception as e:  # this run fails and says why; the class goes on with the others
                    self._seats[key].fail(e)
                    continue
                self._in_ens.add(key)
        return [k for k in keys if k in self._in_ens]

    def _out(self, seat: Seat) -> None:
        """Take a run out of the ensemble, its Trainer up to date (before a rollback, a reset, a pause)."""
        if seat.run_id in self._in_ens:
            self._in_ens.discard(seat.run_id)
            seat.took(self._ens.remove(seat.run_id))

    def _step(self, keys: list[str]) -> None:
        t0 = time.perf_counter()
        try:
            stats = self._ens.step(keys)
        except Exception as e:  # these runs fail and say why; the class goes on with the others
            for key in keys:
                seat = self._seats[key]
                self._in_ens.discard(key)
                try:
                    seat.took(self._ens.remove(key))
                except Exception:  # noqa: BLE001 - its weights are lost with the failed step; it says so below
                    pass
                seat.fail(e)
            return
        seconds = time.perf_counter() - t0
        read = self._clock() - self._published_at >= PUBLISH_EVERY
        if read or self._cpu:   # one transfer for all the runs (stats.py): what a publish shows; on the CPU, where
            StepStats.read_all(list(stats.values()))   # LastGood reads every step anyway, at each tick
        for key in keys:
            seat = self._seats[key]
            seat.took(self._ens.trainer(key))
            if not seat.after_step(stats[key], seconds, read):
                self._out(seat)
                seat.rollback()
        if self._slot is SlotState.HELD:
            self._mind_time(seconds)
        self._dirty = True

    def _count_rate(self, stepped: bool) -> None:
        """The class's steps/s: its batched steps per wall second over the last RATE_WINDOW_S, a window that slides
        (one that started afresh every 2 s gave figures from 3 to 48 a second apart); 0 once none ran."""
        now, times = self._clock(), self._stepped_at
        if not stepped:
            self._rate = 0.0
            times.clear()
            return
        times.append(now)
        while now - times[0] > RATE_WINDOW_S:
            times.popleft()
        if now - times[0] >= RATE_WINDOW_S / 4:   # a first figure half a second after Start
            self._rate = (len(times) - 1) / (now - times[0])
