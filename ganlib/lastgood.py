"""LastGood: the last state of a run whose losses and weights were all finite; NaN recovery rolls back to it.

A step reports losses computed *before* its optimizer update, so finite losses do
not prove finite weights: an update can write NaN, and only the next step's
losses show it. A state is therefore kept only after its weights were checked
finite, and only every `every` steps, which keeps the check (and the copy) cheap.
One policy for every driver of a Trainer: the CLI and the Runner both use this.
"""
from __future__ import annotations

import copy
import dataclasses
import math

import torch

GOOD_EVERY = 200  # steps between kept states


class LastGood:
    """The last state whose losses and weights were all finite; NaN recovery rolls back to it."""

    def __init__(self, trainer, every: int | None = None):
        # the default is read now, not when the module loads, so that a test can shrink GOOD_EVERY
        self.every = every or GOOD_EVERY
        self._keep(trainer)

    def after_step(self, trainer, stats) -> bool:
        """False when stats has a non-finite value (the caller rolls back); else True, keeping the
        trainer's state when this is a kept step and its weights are finite."""
        if self.bad_value(stats) is not None:
            return False
        if trainer.step_count % self.every == 0 and weights_finite(trainer):
            self._keep(trainer)
        return True

    def restore(self, trainer) -> int:
        """Load the kept state into trainer; returns its step."""
        # a copy: the optimizers would otherwise share the kept tensors and update them in place
        trainer.load_state_dict(copy.deepcopy(self._state))
        return self.step

    @staticmethod
    def bad_value(stats) -> tuple[str, float] | None:
        """The first non-finite field of a StepStats, e.g. ("d_loss", nan); None when all are finite."""
        return next(((name, value) for name, value in dataclasses.asdict(stats).items()
                     if not math.isfinite(value)), None)

    def _keep(self, trainer) -> None:
        self.step, self._state = trainer.step_count, copy.deepcopy(trainer.state_dict())


def weights_finite(trainer) -> bool:
    """Whether every float tensor of G, D and the EMA of G (weights and batch norm statistics) is finite."""
    nets = [trainer.G, trainer.D] + ([trainer.ema] if trainer.ema is not None else [])
    tensors = [t for net in nets for t in net.state_dict().values() if t.is_floating_point()]
    # one boolean per tensor, one read at the end: a single device sync on a GPU
    return bool(torch.stack([torch.isfinite(t).all() for t in tensors]).all())
