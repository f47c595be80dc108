"""StepStats: what one step of the game measured, kept on its device until someone reads it."""
from __future__ import annotations

import torch


class StepStats:
    """What one step measured: d_loss, g_loss, d_real (mean D(x) on the real batch), d_fake (mean D(G(z))
    on the fake batch), both in the loss's own meaning (losses.d_output, meaning.py), and value (the
    estimate of V(D, G); -2 log 2 = -1.386 at the optimum).

    A step's five numbers stay on its device, as one tensor, until a field is read: then all five come
    over at once (read_all: many steps' at once). On a GPU a read waits for every queued kernel, so a
    loop that read each step would leave the GPU idle while Python queues the next one; lastgood.py
    says when they are read. StepStats(d_loss, g_loss, d_real, d_fake, value) makes one from numbers.
    """
    FIELDS = ("d_loss", "g_loss", "d_real", "d_fake", "value")
    __slots__ = ("tensor", "_values")

    def __init__(self, d_loss: float, g_loss: float, d_real: float, d_fake: float, value: float):
        self.tensor, self._values = None, tuple(map(float, (d_loss, g_loss, d_real, d_fake, value)))

    @classmethod
    def pending(cls, tensor: torch.Tensor) -> "StepStats":
        """The stats of a step as a tensor of five on its device, read later."""
        stats = cls.__new__(cls)
        stats.tensor, stats._values = tensor, None
        return stats

    @property
    def is_read(self) -> bool:
        return self._values is not None

    def values(self) -> tuple[float, ...]:
        if self._values is None:
            StepStats.read_all([self])
        return self._values

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.FIELDS, self.values()))

    @staticmethod
    def read_all(stats: list["StepStats"]) -> None:
        """Read every unread one of `stats` to the host in one transfer."""
        unread = [s for s in stats if s._values is None]
        if not unread:
            return
        rows = unread[0].tensor.view(1, -1) if len(unread) == 1 else torch.stack([s.tensor for s in unread])
        for s, row in zip(unread, rows.tolist()):
            s.tensor, s._values = None, tuple(row)

    d_loss = property(lambda self: self.values()[0])
    g_loss = property(lambda self: self.values()[1])
    d_real = property(lambda self: self.values()[2])
    d_fake = property(lambda self: self.values()[3])
    value = property(lambda self: self.values()[4])

    def __eq__(self, other) -> bool:
        return isinstance(other, StepStats) and self.values() == other.values()

    def __repr__(self) -> str:
        if not self.is_read:
            return "StepStats(unread)"
        return "StepStats(" + ", ".join(f"{k}={v:.4g}" for k, v in self.as_dict().items()) + ")"
