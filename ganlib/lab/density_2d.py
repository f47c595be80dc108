"""p_data and p_g in 2-D, for D*: G against a mixture of isotropic Gaussians (ring8, grid25).

D*(x) = p_data / (p_data + p_g) is read from the masses both put in one small square centred on x, whose size
adapts to G's own local spread (`Estimate2D.masses`):
- G's SAMPLES_2D samples, from scrambled Sobol z (evenly spread: less noise than random z), fill square bins FINE x
  a mode's std wide; an integral image then gives the count in any square at once, its corners read between bins
  (bilinear), so that the square is centred on x wherever x lies in its bin.
- Around each x the square grows through LADDER (its half-width, in bins) until p_data / (p_data + p_g) in it is
  SETTLED: its range, as G's count moves 2 standard deviations (at least one sample's worth) either way, is
  narrower than 0.15. About 50 samples settle an even ratio; fewer do where one density dominates. So the square
  is small where G piles its samples (tight blobs stay sharp) and where p_data alone decides, larger elsewhere.
- p_data's mass in the same square is exact (normal CDFs of each mode), so the ratio of the two masses is D*
  of the square: exact wherever p_data and p_g are in a fixed ratio across it, and no blur of either.
- D* is unknown (NaN: optimum.optimal_2d) where even the largest square (4 std either way) is not settled: too
  little mass of either to say.
The kernel estimate this replaces (0.5 std for both) smeared G's tight blobs: on a trained ring8 it was off by
0.075 on average and by more than 0.1 at 18% of the points (issue 23).
Measured (tests/test_lab_dstar.py, against 10^7 samples of G counted in squares 0.2 std wide): see there. Squares
of whole bins, the point anywhere in the middle one, were off by 0.024 / 0.027 / 0.020 on grid25 seeds 0-2 (200,000
samples); centred on the point, 0.020 / 0.022 / 0.017; with 2^18 samples and LADDER's finer steps, 0.017 / 0.018 /
0.014 (docs/theory.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganlib.lab.density import bin_edges

SAMPLES_2D = 2 ** 18  # G's samples for a 2-D estimate: 262,144 (G's forward on them is most of a map's time)
FINE = 0.1            # the bins' width, as a share of a mode's std
MAX_BINS_2D = 3000    # bins along each axis at most: beyond, the bins widen
SETTLED = 0.15        # a square is large enough once the ratio's range under p_g's noise (ratio_and_spread) is
#                       this narrow; beyond the largest square, D* is unknown (optimum.UNSURE). Measured against
#                       the reference (tests/test_lab_dstar.py, grid25 seed 1): 0.12 gave mean 0.021, 95th
#                       percentile 0.096 (squares grown too far, into G's sharp edges); 0.15 0.018 and 0.071; 0.18
#                       left D* unknown at 21% of the points
# the square's half-width in bins, tried in turn: from the reference's own 0.1 std, in steps of at most ~25%, as a
# square grown further than it needs strays into G's sharp edges (steps of 1 bin, then 2x: 0.018 against 0.019 on
# grid25 seed 1 at 2^18 samples)
LADDER = (1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40)


@dataclass(frozen=True)
class Estimate2D:
    x_edges: np.ndarray   # the bins' edges along x
    y_edges: np.ndarray   # ... and along y
    counts: np.ndarray    # integral image of G's samples: counts[i, j] = samples in bins [:i, :j]; (ny + 1, nx + 1)
    n: int                # G's samples
    modes: np.ndarray     # the mixture's modes (M, 2)
    std: float            # their std

    @property
    def outside(self) -> float:
        """G's share of samples beyond the grid."""
        return 1.0 - float(self.counts[-1, -1]) / self.n

    def masses(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(p_data's mass, G's share of samples, p_g's sampling noise: a standard deviation) in the square
        centred on each point (N, 2): the smallest of LADDER where the ratio is SETTLED, else the largest."""
        p = np.nan_to_num(np.asarray(points, dtype=np.float64), nan=1e6, posinf=1e6, neginf=-1e6)
        data, count = np.zeros(len(p)), np.zeros(len(p))
        open_ = np.nonzero(_bins(p, self.x_edges, self.y_edges)[2])[0]   # off the grid: no mass of either
        dx = self.x_edges[1] - self.x_edges[0]
        for half in LADDER:
            x0, x1 = p[open_, 0] - half * dx, p[open_, 0] + half * dx
            y0, y1 = p[open_, 1] - half * dx, p[open_, 1] + half * dx
            c = np.maximum(self._below(x1, y1) - self._below(x0, y1) - self._below(x1, y0) + self._below(x0, y0), 0.0)
            d = self._data_mass(x0, x1, y0, y1)
            settled = ratio_and_spread(d, c / self.n, np.sqrt(np.maximum(c, 1.0)) / self.n)[1] <= SETTLED
            take = settled | (half == LADDER[-1])
            data[open_[take]], count[open_[take]] = d[take], c[take]
            open_ = open_[~take]
        return data, count / self.n, np.sqrt(np.maximum(count, 1.0)) / self.n

    def _below(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """G's samples below and left of (x, y): the integral image read between its corners (bilinear), so that a
        square's count moves smoothly with its centre, not in whole bins."""
        xe, ye, s = self.x_edges, self.y_edges, self.counts
        fx = np.clip((x - xe[0]) / (xe[1] - xe[0]), 0, len(xe) - 1)
        fy = np.clip((y - ye[0]) / (xe[1] - xe[0]), 0, len(ye) - 1)
        j, i = np.minimum(fx.astype(np.int64), len(xe) - 2), np.minimum(fy.astype(np.int64), len(ye) - 2)
        tx, ty = fx - j, fy - i
        return ((1 - ty) * ((1 - tx) * s[i, j] + tx * s[i, j + 1])
                + ty * ((1 - tx) * s[i + 1, j] + tx * s[i + 1, j + 1]))

    def _data_mass(self, x0, x1, y0, y1) -> np.ndarray:
        """p_data's exact mass in the squares [x0, x1] x [y0, y1]: each mode's normal CDFs."""
        mx, my = self.modes[:, 0:1], self.modes[:, 1:2]
        fx = _ndtr((x1[None] - mx) / self.std) - _ndtr((x0[None] - mx) / self.std)   # (M, N)
        fy = _ndtr((y1[None] - my) / self.std) - _ndtr((y0[None] - my) / self.std)
        return (fx * fy).sum(0) / len(self.modes)


def ratio_and_spread(data: np.ndarray, g: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(data / (data + g), the width of that ratio's range as g moves 2 standard deviations either way: the
    noise of G's count, taken as at least one sample's worth, so that an empty square may still hide mass)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = data / (data + g)
        hi = data / (data + np.maximum(g - 2 * noise, 0.0))
        lo = data / (data + g + 2 * noise)
    spread = np.where(data > 0, hi - lo, np.where(g > 2 * noise, 0.0, np.inf))
    return ratio, spread


def _bins(p: np.ndarray, xe: np.ndarray, ye: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's bin (row i, column j) on square bins with these edges, and whether it is on the grid."""
    dx = xe[1] - xe[0]
    i = np.floor(np.clip((p[:, 1] - ye[0]) / dx, -1, len(ye))).astype(np.int64)
    j = np.floor(np.clip((p[:, 0] - xe[0]) / dx, -1, len(xe))).astype(np.int64)
    return i, j, (i >= 0) & (i < len(ye) - 1) & (j >= 0) & (j < len(xe) - 1)


def _ndtr(x: np.ndarray) -> np.ndarray:
    return torch.special.ndtr(torch.as_tensor(x, dtype=torch.float64)).numpy()


def even_z(n: int, latent_dim: int, seed: int = 0) -> torch.Tensor:
    """n normal z from a scrambled Sobol sequence: spread evenly, so that G's counts are smoother than from
    random z (the same seed every time, so that the map moves only when G does)."""
    u = torch.quasirandom.SobolEngine(latent_dim, scramble=True, seed=seed).draw(n, dtype=torch.float64)
    return torch.special.ndtri(u.clamp(1e-12, 1 - 1e-12)).float()


def estimate_2d(G, latent_dim: int, modes: np.ndarray, std: float, n: int = SAMPLES_2D, seed: int = 0) -> Estimate2D:
    """p_data and G's samples on one fine 2-D grid, for data drawn from a known mixture (see from_samples_2d)."""
    with torch.inference_mode():
        points = G(even_z(n, latent_dim, seed)).float().numpy().astype(np.float64)
    return from_samples_2d(points, modes, std)


def from_samples_2d(points: np.ndarray, modes: np.ndarray, std: float) -> Estimate2D:
    """The 2-D estimate from given samples of G: square bins of FINE x std over the data and G's mass (wider
    when G spreads far), and the integral image of G's counts in them."""
    pts = np.nan_to_num(np.asarray(points, dtype=np.float64), nan=1e6, posinf=1e6, neginf=-1e6)
    modes = np.asarray(modes, dtype=np.float64)
    lo, hi = modes.min(0) - 4 * std, modes.max(0) + 4 * std
    g_lo, g_hi = np.percentile(pts, 0.1, axis=0), np.percentile(pts, 99.9, axis=0)
    dx = FINE * std
    dx = max(dx, max(float(np.ptp(bin_edges(lo[a], hi[a], g_lo[a], g_hi[a], dx))) for a in (0, 1)) / MAX_BINS_2D)
    xe, ye = (bin_edges(lo[a], hi[a], g_lo[a], g_hi[a], dx) for a in (0, 1))
    ny, nx = len(ye) - 1, len(xe) - 1
    i, j, on = _bins(pts, xe, ye)
    counts = np.zeros((ny + 1, nx + 1), dtype=np.int32)   # n < 2^31
    counts[1:, 1:] = np.bincount(i[on] * nx + j[on], minlength=ny * nx).astype(np.int32).reshape(ny, nx)
    np.cumsum(counts, 0, out=counts)
    np.cumsum(counts, 1, out=counts)
    return Estimate2D(xe, ye, counts, len(pts), modes, float(std))

