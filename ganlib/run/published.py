"""G as a run publishes it: its sampling weights, frozen, beside the snapshot, so that a page builds its own G.

The Latent explorer of a run used to ask the run's thread for a copy of G, also
for a watcher of someone else's run: 30 students opening the explorer on a watch
link sent 30 commands into the teacher's training. Now the Runner copies the
sampling G (its EMA when it has one) onto the CPU when it takes a frame of the
samples, and when it stands still with a G newer than that (a pause, a Step D/G,
a rollback), and every snapshot carries the latest copy (Snapshot.g_weights).
A page builds G from it (LatentModel.from_snapshot) without the run's thread.

Cost, fast-digits on a 2-core server (measured): G is 2.2 MB; a copy takes ~0.4 ms
once a frame (every 50 steps, ~590 ms of training; the frame itself ~12 ms), 0.08%
of the run's time. Building G from it takes a page ~7 ms, once per explorer source.
"""
from __future__ import annotations

from types import MappingProxyType

import numpy as np
import torch

from ganlib.engine.grid import frozen
from ganlib.engine.models import meta_models
from ganlib.run.snapshot import GWeights


def copy_of(trainer) -> GWeights:
    """The trainer's sampling G, copied to read-only CPU arrays (on the run's thread, between two steps)."""
    state = trainer.sampler().state_dict()
    return GWeights(trainer.step_count, MappingProxyType({k: _array(v) for k, v in state.items()}))


def _array(t: torch.Tensor) -> np.ndarray:
    t = t.detach().to("cpu", copy=True)   # always a copy: the run goes on changing its own tensors
    return frozen((t.float() if t.dtype is torch.bfloat16 else t).numpy())   # numpy has no bfloat16


def generator(weights: GWeights, cfg, shape: tuple[int, ...]) -> torch.nn.Module:
    """A private G with these weights, on the CPU, in eval mode: the model cfg and shape describe, made on the
    meta device (no random weights drawn just to be overwritten)."""
    G = meta_models(cfg, shape)[0].to_empty(device="cpu")
    G.load_state_dict({k: torch.tensor(v) for k, v in weights.state.items()})
    return G.requires_grad_(False).eval()
