"""LastGood: the last state of a run whose losses, weights, buffers and optimizer state were all finite; NaN recovery
rolls back to it.

A step reports losses computed *before* its optimizer update, so finite losses do
not prove a finite state: an update can write NaN, and only the next step's
losses show it; a NaN in a batch norm's running_var or in Adam's moments may never
show in a loss at all (a net in train mode normalises with the batch's statistics,
and an inf exp_avg_sq only freezes its weight). A state is therefore kept only
after all of it was checked finite, every `every` steps, which keeps the check (and
the copy) cheap; a kept step whose state is not all finite is a NaN found.

The losses are read here too (StepStats stay on the device until read): on the
CPU after every step, on a GPU every READ_EVERY steps, all unread steps in one
transfer, and always before a state is kept. A NaN is then found up to
READ_EVERY - 1 steps after it appeared; `bad` says at which step it was.
One policy for every driver of a Trainer: the CLI and the Runner both use this.
"""
from __future__ import annotations

import copy
import math

import torch

from ganlib.engine.stats import StepStats

GOOD_EVERY = 200  # steps between kept states
# Steps between reads of the losses on a GPU, where each read makes the host wait until the GPU has run
# everything queued. A guess, not measured here (no GPU on this project's machines): 32 reads cost 1/32
# of what reading every step does, and a NaN found 31 steps late loses nothing, as the rollback goes
# back to the last kept state (every GOOD_EVERY steps) anyway. On the CPU a read waits for nothing.
READ_EVERY = 32
OTHER_RANK = "state of another process"  # what `bad` names when only another torchrun rank's state is not finite


def read_every(device: torch.device) -> int:
    return 1 if device.type == "cpu" else READ_EVERY


class LastGood:
    """The last state whose losses, weights, buffers and Adam moments were all finite; NaN recovery rolls back to it."""

    def __init__(self, trainer, every: int | None = None, read_every_n: int | None = None):
        # the defaults are read now, not when the module loads, so that a test can shrink them
        self.every = every or GOOD_EVERY
        self.read_every = read_every_n or read_every(trainer.device)
        self.bad: tuple[int, str, float] | None = None  # (step, field or tensor, value) of the first non-finite value
        self._unread: list[tuple[int, StepStats]] = []
        state = trainer.state_dict()
        # the state a run begins from is kept even when it is not finite, as there is nothing earlier to go
        # back to; start_bad says so, (tensor, value), so that the CLI writes no such state as a good one
        self.start_bad = _checked(trainer, state)
        self.step, self._state = trainer.step_count, clone_state(state)

    def after_step(self, trainer, stats: StepStats, read: bool = False) -> bool:
        """False when a non-finite value was found (`bad` says which; the caller rolls back); else True.

        Reads this step's stats, with those of the unread steps before it, when `read`, on a kept step
        or every `read_every` steps; keeps the trainer's state on a kept step (see keep)."""
        step = trainer.step_count
        self._unread.append((step, stats))
        kept = step % self.every == 0
        if not (read or kept or step % self.read_every == 0):
            return True
        return self.read() and (not kept or self.keep(trainer))

    def read(self) -> bool:
        """Read every unread step's stats (one transfer); False, with `bad` set, when one has a non-finite value."""
        unread, self._unread = self._unread, []
        StepStats.read_all([stats for _, stats in unread])
        for step, stats in unread:
            if (found := self.bad_value(stats)) is not None:
                self.bad = (step, *found)
                return False
        return True

    def keep(self, trainer) -> bool:
        """Keep the trainer's state when all of it is finite and return True; else False, with `bad` naming the
        first tensor that is not, e.g. (400, "opt_d.state.2.exp_avg_sq", inf): a NaN found, to roll back from."""
        state = trainer.state_dict()
        if (found := _checked(trainer, state)) is not None:
            self.bad = (trainer.step_count, *found)
            return False
        self.step, self._state, self.start_bad = trainer.step_count, clone_state(state), None
        return True

    def restore(self, trainer) -> int:
        """Load the kept state into trainer; returns its step."""
        # a copy: the optimizers would otherwise share the kept tensors and update them in place
        trainer.load_state_dict(clone_state(self._state))
        self.bad, self._unread = None, []
        return self.step

    @staticmethod
    def bad_value(stats: StepStats) -> tuple[str, float] | None:
        """The first non-finite field of a StepStats, e.g. ("d_loss", nan); None when all are finite."""
        return next(((name, value) for name, value in stats.as_dict().items() if not math.isfinite(value)), None)


def clone_state(state):
    """A copy of a nested state (dicts, lists, tensors, plain values) with each tensor cloned on its own.

    Not copy.deepcopy: a tensor that is a view copies its whole storage that way, and in a class's batched step
    (engine/ensemble.py) every run's weights are views into one stack of all the class's runs, so a run's kept
    state (and its checkpoint) held every classmate's weights: 200 MB more after 400 steps of 60 runs at width
    32, against 50 MB cloned on their own (measured)."""
    if torch.is_tensor(state):
        return state.detach().clone()
    if isinstance(state, dict):
        return type(state)((k, clone_state(v)) for k, v in state.items())
    if isinstance(state, (list, tuple)):
        return type(state)(clone_state(v) for v in state)
    return copy.deepcopy(state)


def non_finite(state, prefix: str = "") -> tuple[str, float] | None:
    """(name, value) of the first float tensor in a nested state (dicts and lists, as a Trainer's state_dict or a
    checkpoint) that holds a NaN or an inf, e.g. ("G.net.3.running_var", nan); None when all are finite."""
    named = list(_float_tensors(state, prefix))
    by_device: dict[torch.device, list[int]] = {}   # Adam's step counts stay on the CPU beside an MPS model
    for i, (_, t) in enumerate(named):
        by_device.setdefault(t.device, []).append(i)
    bad = []
    for index in by_device.values():
        # one boolean per tensor, one read at the end: a single sync per device (a CPU's waits for nothing)
        finite = torch.stack([torch.isfinite(named[i][1]).all() for i in index]).tolist()
        bad += [i for i, ok in zip(index, finite) if not ok]
    if not bad:
        return None
    name, t = named[min(bad)]
    return name, t[~torch.isfinite(t)].flatten()[0].item()


def _float_tensors(state, prefix: str):
    if torch.is_tensor(state):
        if state.is_floating_point():
            yield prefix, state
    elif isinstance(state, dict):
        for k, v in state.items():
            yield from _float_tensors(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(state, (list, tuple)):
        for k, v in enumerate(state):
            yield from _float_tensors(v, f"{prefix}.{k}" if prefix else str(k))


def _checked(trainer, state: dict) -> tuple[str, float] | None:
    """non_finite(state), agreed by every rank under torchrun: each has its own batch norm statistics, and a
    rank that rolled back alone would leave the others waiting for it."""
    found = non_finite(state)
    any_rank = getattr(trainer, "any_rank", None)   # distributed.DistributedTrainer's
    if any_rank is not None and any_rank(found is not None) and found is None:
        return OTHER_RANK, math.nan
    return found
