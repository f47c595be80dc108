"""The Fréchet distance between two Gaussians fitted to features (the 'F' of FID, here on a digit classifier).

    d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)

The trace of the matrix square root comes from a symmetric eigen-decomposition
of S1^1/2 S2 S1^1/2 (PSD, so its eigenvalues are real and >= 0 up to rounding),
which is stabler and much faster than scipy.linalg.sqrtm for the small (64-D)
features used here. S1^1/2 of a fixed reference set is computed once
(Gaussian.root) and reused for every comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class Gaussian:
    mean: np.ndarray   # (D,)
    cov: np.ndarray    # (D, D)
    n: int
    _root: list = field(default_factory=list, repr=False)  # cache of cov^1/2

    @classmethod
    def fit(cls, features) -> "Gaussian":
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or len(f) < 2:
            raise ValueError(f"fid: need at least 2 feature vectors of shape (N, D); got {f.shape}")
        return cls(f.mean(0), np.cov(f, rowvar=False), len(f))

    @property
    def root(self) -> np.ndarray:
        if not self._root:
            self._root.append(psd_sqrt(self.cov))
        return self._root[0]


def psd_sqrt(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a: Gaussian, b: Gaussian) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(a.mean, a.cov) and N(b.mean, b.cov); >= 0."""
    r = a.root
    m = r @ b.cov @ r
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    tr_sqrt = np.sqrt(np.clip(eig, 0, None)).sum()
    diff = a.mean - b.mean
    d2 = diff @ diff + np.trace(a.cov) + np.trace(b.cov) - 2 * tr_sqrt
    return float(max(d2, 0.0))


def fid_from_features(f1, f2) -> float:
    return frechet_distance(Gaussian.fit(f1), Gaussian.fit(f2))
