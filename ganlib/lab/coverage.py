"""Mode coverage of a toy mixture by the PacGAN protocol, and the note to read beside it.

Shared by the Theory lab's 2-D view and the quality metrics of point data (ganlib.metrics.points).
"""
from __future__ import annotations

import math

import numpy as np


def mode_coverage(points: np.ndarray, modes: np.ndarray, std: float) -> dict:
    """Modes covered, share of high-quality samples and reverse KL of the mode histogram to uniform.

    A sample is high quality when it lies within 3 std of its nearest mode; a mode
    is covered when it holds at least one high-quality sample. reverse_kl is
    KL(histogram of high-quality samples over modes || uniform): 0 for a perfect
    spread, log K for a single mode, inf when no sample is high quality.
    """
    pts, centres = np.asarray(points, dtype=np.float64), np.asarray(modes, dtype=np.float64)
    dist = np.linalg.norm(pts[:, None, :] - centres[None, :, :], axis=2)
    nearest, good = dist.argmin(1), dist.min(1) <= 3 * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    hq = int(good.sum())
    if hq:
        freq = counts[counts > 0] / hq
        reverse_kl = float(np.sum(freq * np.log(freq * len(centres))))
    else:
        reverse_kl = math.inf
    return {"modes_covered": int((counts > 0).sum()), "n_modes": len(centres),
            "high_quality": hq / max(len(pts), 1), "reverse_kl": reverse_kl}


def coverage_note(c: dict) -> str:
    """A warning to read beside the high-quality share: near some mode is not near every mode."""
    if c["modes_covered"] <= c["n_modes"] // 2 and c["high_quality"] > 0.5:
        return (f"{100 * c['high_quality']:.0f}% of G's samples are near a mode, but only {c['modes_covered']} of "
                f"{c['n_modes']} modes are covered: high quality without coverage is mode collapse.")
    return ""
