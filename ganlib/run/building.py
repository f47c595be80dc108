"""How a run gets its Trainer: built at once, or only when the run first needs it.

On a server with a cap on training (runs.Slots with a limit), a run made from a
config builds nothing until it needs its models: when its training slot comes
(Start with a slot free, or the grant after waiting in line), on a Step or D
alone, or for a copy a page asks for. Until then it is IDLE (or QUEUED, or
PAUSED out of the line) with no shape and no samples. A class that presses Start
together then costs the server the runs that train, not a built run per
student: 30 fast-digits runs waiting behind one took 376 MB when each built at
once, and ~1 MB now (tests/test_building.py). A checkpoint's run builds at
once, so that a file whose weights do not fit fails as it loads; so does a run
on a server without a cap, where Start never waits.

A part of Runner (its base class), as d_alone.DAlone is of Trainer: these run on
the run's thread alone. The server's torch threads are set once for the whole
process (engine/device.py says why a run cannot have its own).
"""
from __future__ import annotations

from ganlib.engine.device import device_name, set_threads
from ganlib.engine.samples import real_picture
from ganlib.engine.trainer import Trainer
from ganlib.errors import DatasetError
from ganlib.metrics import evaluator_for
from ganlib.run.checkpoint import restore_trainer
from ganlib.run.history import Records
from ganlib.run.record import RunRecord
from ganlib.run.state import AUTO, Problem, Reason, Status



def builds_late(trainer, payload, slots) -> bool:
    """Whether a run builds only when it first needs its models (see above)."""
    return trainer is None and payload is None and bool(getattr(slots, "limit", 0))


class Building:
    def _build(self) -> bool:
        """Build the Trainer (data, models, the evaluator) and its RunRecord, which takes the first frame; False,
        and FAILED, when that cannot be done."""
        trainer, payload, evaluator, data_paths = self._build_args
        self._build_args = None  # the payload's tensors are copied into the trainer: let them go
        try:
            # the server's thread count, not the run's `threads`: torch's is process-wide (device.py), and one
            # run's setting would change every other run's
            set_threads()
            if trainer is None:
                trainer = Trainer(self._cfg, data_paths=data_paths)
            records = Records()
            if payload is not None:
                restore_trainer(trainer, payload)
                # its curves, live changes, measurements and timeline, and the training time they reached
                records = Records.from_payload(payload)
            records.events[:0] = self._early_events
            if evaluator == AUTO:
                evaluator = evaluator_for(trainer)
                self._fid_floor = evaluator.floor()   # on the run's own data: a folder of images has its own
            record = RunRecord(trainer, records, evaluator)
        except Exception as e:  # bad data, a model that does not fit, a device that is not there
            reason = Reason.DATA_ERROR if isinstance(e, DatasetError) else Reason.ERROR
            self._set(Status.FAILED, reason, Problem(type(e).__name__, message=str(e)))
            return False
        self._trainer, self._record = trainer, record
        self._real, self._device = real_picture(trainer.data), device_name(trainer.cfg.device)
        self._publish_g()
        return True

    def _models(self) -> bool:
        """The run's models, built now if it waited without them; False when they could not be (it has FAILED)."""
        if self._trainer is not None:
            return True
        was = self._state
        self._change(status=Status.LOADING)
        self._publish()                      # its pages say it is loading while it builds
        self._state = was                    # the build goes on from here; the caller moves the run on
        self._built_late = True              # commands sent meanwhile come before its first step (Runner._loop)
        built = self._build()
        self._dirty = True
        return built

    def _train(self) -> None:
        """Train in the slot that is the run's now, building first if it waited without its models."""
        if self._models():
            self._set(Status.RUNNING, Reason.NONE)
        elif self._slots is not None:
            self._slots.release(self.run_id)   # it could not be built: the slot goes to the next in line
