"""The latent space: paths between z vectors, and a G that turns z into pictures or points.

A run's G comes from the weights its snapshot carries (published.py), never from
the run's thread: a watcher's explorer costs the run nothing.
"""
from __future__ import annotations

import numpy as np
import torch

from ganlib.run.checkpoint import build_generator, load_checkpoint
from ganlib.engine.device import set_threads
from ganlib.engine.grid import to_uint8
from ganlib.run.published import generator
from ganlib.run.state import Status
from ganlib.engine.kinds import DataKind


def lerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: stays near the shell where Gaussian z live, unlike lerp's midpoint."""
    an, bn = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((an * bn).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    if float(so.abs().min()) < 1e-6:  # a and b (nearly) parallel: the straight line is the arc
        return lerp(a, b, t)
    return torch.sin((1 - t) * omega) / so * a + torch.sin(t * omega) / so * b


def path(zs: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    """(K, latent) way-points -> ((K-1) * steps + 1, latent) points along the path through them."""
    if method not in ("lerp", "slerp"):
        raise ValueError(f"method: must be lerp or slerp; got {method!r}")
    if len(zs) < 2 or steps < 1:
        raise ValueError("path: needs at least 2 z vectors and steps >= 1")
    f = lerp if method == "lerp" else slerp
    ts = torch.arange(steps, dtype=zs.dtype).unsqueeze(1) / steps
    parts = [f(zs[i].unsqueeze(0), zs[i + 1].unsqueeze(0), ts) for i in range(len(zs) - 1)]
    return torch.cat(parts + [zs[-1:]])


class LatentModel:
    """A private, frozen G for the explorer: z (N, latent) -> pictures (N, H, W, C uint8) or points (N, D)."""

    def __init__(self, G: torch.nn.Module, latent_dim: int, shape: tuple[int, ...]):
        self.G, self.latent_dim, self.shape = G.eval(), latent_dim, tuple(shape)
        self.kind = DataKind.IMAGE if len(self.shape) == 3 else DataKind.POINTS

    @classmethod
    def from_checkpoint(cls, source) -> "LatentModel":
        payload = source if isinstance(source, dict) else load_checkpoint(source)
        return cls(build_generator(payload), payload["config"].latent_dim, payload["shape"])

    @classmethod
    def from_runner(cls, runner) -> "LatentModel":
        """G of a run as its latest snapshot publishes it (a run still loading is waited for, a minute at most)."""
        return cls.from_snapshot(runner.wait(lambda s: s.g_weights is not None or s.status is not Status.LOADING,
                                             60.0))

    @classmethod
    def from_snapshot(cls, snap) -> "LatentModel":
        """G from a snapshot's weights (Snapshot.g_weights); raises ValueError when it has none yet."""
        if snap.g_weights is None:
            raise ValueError("This run has no G yet: it builds its models when it starts training.")
        return cls(generator(snap.g_weights, snap.config, snap.shape), snap.config.latent_dim, snap.shape)

    @torch.inference_mode()
    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        # a thread that used torch before the server's count was set keeps torch's default of 2 (device.py):
        # with the cores busy, 2 threads turn a 1 ms picture into 100+ ms. Setting it again costs nothing
        set_threads()
        return self.G(z.float()).float()

    def pictures(self, z: torch.Tensor) -> np.ndarray:
        return to_uint8(self(z))

    def points(self, z: torch.Tensor) -> np.ndarray:
        return self(z).numpy()
