"""Energy distance between G's points and real ones: a quality measure for 2-D toys without modes (spiral, moons).

    E(X, Y) = 2 E|X - Y| - E|X - X'| - E|Y - Y'|

(Székely and Rizzo), with |.| the Euclidean distance and each E the mean over all pairs of the two samples
(the V-statistic: pairs of a point with itself count, at distance 0). It is 0 only when the two samples are
the same, is never negative, and needs no kernel bandwidth and no modes to count, which is why it measures
the spiral and the moons, where mode coverage has no modes. As every two-sample distance it is not 0 for two
samples of the same distribution: energy_floor gives what real points score against real points at the same
n, the floor G's curve falls towards.

Real points: a fixed reference of N_ENERGY draws (seed 0) per data set, cached; the floor's real sample is
another seed. G's points: the first N_ENERGY of the 2,500 a measurement draws (points.N_POINTS): the pairs grow
with the square of n, and at 1,000 one measurement costs ~15 ms on one thread (at 2,500, ~100 ms: 10-20% of a
toy run's time at eval_every 500). The sums run in torch float64, in blocks of BLOCK rows.
"""
from __future__ import annotations

import threading

import torch

N_ENERGY = 1000       # points of G, and real points of the reference, in one measurement
REFERENCE_SEED, FLOOR_SEED = 0, 1
BLOCK = 500           # rows of a distance block

_cache: dict[str, tuple[torch.Tensor, float]] = {}
_lock = threading.Lock()


def mean_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The mean Euclidean distance over all pairs (a_i, b_j), in float64."""
    a, b = a.double(), b.double()
    total = 0.0
    for i in range(0, len(a), BLOCK):
        total += float(torch.cdist(a[i:i + BLOCK], b).sum())
    return total / (len(a) * len(b))


def energy_distance(x, y, yy: float | None = None) -> float:
    """E(x, y) for (N, D) and (M, D) samples; yy: mean_distance(y, y) when already known."""
    x, y = torch.as_tensor(x).double(), torch.as_tensor(y).double()
    yy = mean_distance(y, y) if yy is None else yy
    return max(2 * mean_distance(x, y) - mean_distance(x, x) - yy, 0.0)


def reference(dataset) -> tuple[torch.Tensor, float]:
    """(the reference's real points, their mean distance to each other), once per data set."""
    with _lock:
        if dataset.name not in _cache:
            real = dataset.sample(N_ENERGY, seed=REFERENCE_SEED).double()
            _cache[dataset.name] = (real, mean_distance(real, real))
        return _cache[dataset.name]


def energy_metrics(points, dataset) -> dict:
    """{"energy": E(the first N_ENERGY of G's points, the reference's real points)}."""
    real, yy = reference(dataset)
    x = torch.as_tensor(points)[:N_ENERGY]
    return {"energy": energy_distance(x.reshape(len(x), -1), real, yy)}


def energy_floor(dataset, n: int = N_ENERGY) -> float:
    """What n real points (another seed than the reference; the first N_ENERGY of them, as of G's) score:
    the floor of G's curve."""
    return energy_metrics(dataset.sample(n, seed=FLOOR_SEED), dataset)["energy"]
