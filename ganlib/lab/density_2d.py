"""p_g beside p_data for 2-D toys: G against a mixture of isotropic Gaussians (ring8, grid25), for D*.

`estimate_2d` (ring8 and grid25 are mixtures of N(mode, std^2 I) with equal weights): SAMPLES_2D samples
of G in square bins KERNEL_2D / 2 x std wide (~1,100 x 1,100 for ring8, ~900 x 900 for grid25), blurred by a
Gaussian of KERNEL_2D x std; p_data's exact bin masses (normal CDFs) blurred by the same kernel. ~0.5 s with G,
on a busy core. D* is left blank where p_g's sampling noise could move it by more than 0.1 (optimum.UNSURE,
Estimate2D.ratio_spread). Measured (tests/test_density.py, seed 0), kernel 0.5 x std and 100,000 samples:
- a perfect G (exact mixture samples): D* off 1/2 by at most 0.048 (ring8) and 0.116 (grid25) where p_data >
  1% of its peak (99% of the mass), 99th percentile 0.030 and 0.056, mean 0.0045 and 0.0080 weighted by p_data.
- two Gaussians, p_data = N(0, 0.05^2 I) and p_g = N(mu, sd^2 I), D* = p / (p + q) exactly: mean |error|
  weighted by (p + q) / 2 is 0.031 (mu 1 std off), 0.036 (sd twice the data's), 0.017 (mu 3 std off), 0.075
  (sd 0.6 x the data's, 0.4 std off). That error is the blur's bias, not noise (the same at 200,000 samples):
  a blurred pair's ratio is smoother than the true one.
The kernel trades one against the other: at 0.25 x std the two Gaussians' bias falls to 0.009-0.025 but a
perfect G reads up to 0.17 off 1/2 on grid25 (too few samples a kernel); at 1.0 x std the perfect G is within
0.026 and the bias grows to 0.07-0.15. 200,000 samples halve the noise but take twice G's time (0.7 s).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ganlib.lab.density import bin_edges, gaussian_kernel

SAMPLES_2D = 100_000  # G's samples for a 2-D estimate (~0.35 s through a toy G on a busy core)
KERNEL_2D = 0.5       # the 2-D kernel's std, as a share of a mixture component's std (bins half as wide)
MAX_BINS_2D = 1200    # bins along each axis at most: beyond, the bins (and the kernel) widen


def blur_2d(values: np.ndarray, dx: float, h: float) -> np.ndarray:
    """An image on a square grid of step dx, convolved with an isotropic Gaussian of std h (blur's kernel along
    each axis: their outer product), zero beyond the edges. By FFT: 3x faster than 2 x 17 shifted sums on a
    1,082-bin square (0.14 s against 0.44 s, equal within 1e-15)."""
    kernel = gaussian_kernel(dx, h)
    r = len(kernel) // 2
    shape = (values.shape[0] + 2 * r, values.shape[1] + 2 * r)
    f = np.fft.rfft2(values, s=shape) * np.fft.rfft2(np.outer(kernel, kernel), s=shape)
    out = np.fft.irfft2(f, s=shape)[r:r + values.shape[0], r:r + values.shape[1]]
    # the FFT's round-off (~1e-16 of the peak) where the image is empty: a ratio of two such values is noise
    return np.where(out > 1e-12 * max(float(np.abs(out).max()), 1e-300), out, 0.0)


@dataclass(frozen=True)
class Estimate2D:
    xs: np.ndarray       # bin centres along x
    ys: np.ndarray       # ... and along y
    p_ref: np.ndarray    # p_data's bin masses (exact) blurred by the kernel, as a density; (len(ys), len(xs))
    p_g: np.ndarray      # G's histogram blurred by the same kernel, as a density
    outside: float       # G's mass beyond the grid
    h: float             # the kernel's std
    n: int               # G's samples

    def ratio_spread(self, p_ref: np.ndarray, p_g: np.ndarray) -> np.ndarray:
        """How far p_ref / (p_ref + p_g) may be off because of p_g's sampling noise (p_ref is exact): the width
        of the ratio's range as p_g goes 2 standard deviations either way. A kernel estimate of q from n samples
        has variance ~ q u, u = 1 / (n 4 pi h^2) (one sample's worth of density); q is taken as at least u, as
        where no sample came near, and the range is not linearised: a lone sample (q ~ u) may mean q ~ 0."""
        unit = 1.0 / (self.n * 4 * math.pi * self.h ** 2)
        sd = np.sqrt(np.maximum(p_g, unit) * unit)
        with np.errstate(invalid="ignore", divide="ignore"):
            hi = p_ref / (p_ref + np.maximum(p_g - 2 * sd, 0.0))
            lo = p_ref / (p_ref + p_g + 2 * sd)
        return np.where(p_ref > 0, hi - lo, np.where(p_g > 2 * sd, 0.0, np.inf))

    def at(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(p_ref, p_g) at the points (N, 2), from the bin each falls in; 0 for both beyond the grid."""
        p = np.asarray(points, dtype=np.float64)
        dx = self.xs[1] - self.xs[0]
        i = np.floor((p[:, 1] - self.ys[0]) / dx + 0.5).astype(np.int64)
        j = np.floor((p[:, 0] - self.xs[0]) / dx + 0.5).astype(np.int64)
        on = (i >= 0) & (i < len(self.ys)) & (j >= 0) & (j < len(self.xs))
        ref, g = np.zeros(len(p)), np.zeros(len(p))
        ref[on], g[on] = self.p_ref[i[on], j[on]], self.p_g[i[on], j[on]]
        return ref, g


def mixture_masses(modes: np.ndarray, std: float, x_edges: np.ndarray, y_edges: np.ndarray) -> np.ndarray:
    """Exact bin masses of an equal-weight mixture of N(mode, std^2 I): per mode, the product of the two
    axes' normal CDF differences. Shape (len(y_edges) - 1, len(x_edges) - 1)."""
    out = np.zeros((len(y_edges) - 1, len(x_edges) - 1))
    for mx, my in np.asarray(modes, dtype=np.float64):
        out += np.outer(np.diff(_ndtr((y_edges - my) / std)), np.diff(_ndtr((x_edges - mx) / std)))
    return out / len(modes)


def _ndtr(x: np.ndarray) -> np.ndarray:
    return torch.special.ndtr(torch.as_tensor(x, dtype=torch.float64)).numpy()


def estimate_2d(G, latent_dim: int, modes: np.ndarray, std: float, n: int = SAMPLES_2D, seed: int = 0) -> Estimate2D:
    """p_data and G's density on one fine 2-D grid, for data drawn from a known mixture (see from_samples_2d)."""
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        points = G(z).float().numpy().astype(np.float64)
    return from_samples_2d(points, modes, std)


def from_samples_2d(points: np.ndarray, modes: np.ndarray, std: float) -> Estimate2D:
    """The 2-D estimate from given samples of G: square bins of KERNEL_2D / 2 x std, G's histogram and p_data's
    exact bin masses both blurred by a Gaussian of KERNEL_2D x std, so that the blur cancels where p_g = p_data
    (see the module's docstring for the accuracy measured)."""
    pts = np.nan_to_num(np.asarray(points, dtype=np.float64), nan=1e6, posinf=1e6, neginf=-1e6)
    modes = np.asarray(modes, dtype=np.float64)
    h = KERNEL_2D * std
    lo, hi = modes.min(0) - 4 * std, modes.max(0) + 4 * std
    g_lo, g_hi = np.percentile(pts, 0.1, axis=0), np.percentile(pts, 99.9, axis=0)
    # one square dx for both axes; coarser (and the kernel with it) when G spreads far
    dx = max(h / 2, max(float(np.ptp(bin_edges(lo[a], hi[a], g_lo[a], g_hi[a], h / 2))) for a in (0, 1)) / MAX_BINS_2D)
    h = max(h, 2 * dx)
    xe, ye = (bin_edges(lo[a], hi[a], g_lo[a], g_hi[a], dx) for a in (0, 1))
    counts = np.histogram2d(pts[:, 1], pts[:, 0], bins=[ye, xe])[0] / len(pts)
    area = dx * dx
    return Estimate2D(0.5 * (xe[:-1] + xe[1:]), 0.5 * (ye[:-1] + ye[1:]),
                      blur_2d(mixture_masses(modes, std, xe, ye), dx, h) / area, blur_2d(counts, dx, h) / area,
                      max(0.0, 1.0 - float(counts.sum())), h, len(pts))
