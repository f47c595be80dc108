"""LastGood: the last state of a run whose losses and weights were all finite; NaN recovery rolls back to it.

A step reports losses computed *before* its optimizer update, so finite losses do
not prove finite weights: an update can write NaN, and only the next step's
losses show it. A state is therefore kept only after its weights were checked
finite, and only every `every` steps, which keeps the check (and the copy) cheap.

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

from .stats import StepStats

GOOD_EVERY = 200  # steps between kept states
# Steps between reads of the losses on a GPU, where each read makes the host wait until the GPU has run
# everything queued. A guess, not measured here (no GPU on this project's machines): 32 reads cost 1/32
# of what reading every step does, and a NaN found 31 steps late loses nothing, as the rollback goes
# back to the last kept state (every GOOD_EVERY steps) anyway. On the CPU a read waits for nothing.
READ_EVERY = 32


def read_every(device: torch.device) -> int:
    return 1 if device.type == "cpu" else READ_EVERY


class LastGood:
    """The last state whose losses and weights were all finite; NaN recovery rolls back to it."""

    def __init__(self, trainer, every: int | None = None, read_every_n: int | None = None):
        # the defaults are read now, not when the module loads, so that a test can shrink them
        self.every = every or GOOD_EVERY
        self.read_every = read_every_n or read_every(trainer.device)
        self.bad: tuple[int, str, float] | None = None  # (step, field, value) of the first non-finite value read
        self._unread: list[tuple[int, StepStats]] = []
        self._keep(trainer)

    def after_step(self, trainer, stats: StepStats, read: bool = False) -> bool:
        """False when a non-finite value was read (`bad` says which; the caller rolls back); else True.

        Reads this step's stats, with those of the unread steps before it, when `read`, on a kept step
        or every `read_every` steps; keeps the trainer's state on a kept step whose weights are finite."""
        step = trainer.step_count
        self._unread.append((step, stats))
        kept = step % self.every == 0
        if not (read or kept or step % self.read_every == 0):
            return True
        if not self.read():
            return False
        if kept and weights_finite(trainer):
            self._keep(trainer)
        return True

    def read(self) -> bool:
        """Read every unread step's stats (one transfer); False, with `bad` set, when one has a non-finite value."""
        unread, self._unread = self._unread, []
        StepStats.read_all([stats for _, stats in unread])
        for step, stats in unread:
            if (found := self.bad_value(stats)) is not None:
                self.bad = (step, *found)
                return False
        return True

    def restore(self, trainer) -> int:
        """Load the kept state into trainer; returns its step."""
        # a copy: the optimizers would otherwise share the kept tensors and update them in place
        trainer.load_state_dict(copy.deepcopy(self._state))
        self.bad, self._unread = None, []
        return self.step

    @staticmethod
    def bad_value(stats: StepStats) -> tuple[str, float] | None:
        """The first non-finite field of a StepStats, e.g. ("d_loss", nan); None when all are finite."""
        return next(((name, value) for name, value in stats.as_dict().items() if not math.isfinite(value)), None)

    def _keep(self, trainer) -> None:
        self.step, self._state = trainer.step_count, copy.deepcopy(trainer.state_dict())


def weights_finite(trainer) -> bool:
    """Whether every float tensor of G, D and the EMA of G (weights and batch norm statistics) is finite."""
    nets = [trainer.G, trainer.D] + ([trainer.ema] if trainer.ema is not None else [])
    tensors = [t for net in nets for t in net.state_dict().values() if t.is_floating_point()]
    # one boolean per tensor, one read at the end: a single device sync on a GPU
    return bool(torch.stack([torch.isfinite(t).all() for t in tensors]).all())
