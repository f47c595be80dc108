"""Which quality measurement fits a run's data, answered without torch (describe.py and the first page ask too).

- digits: digits and mnist at 1 x 28 x 28, measured with the shipped digit classifier (metrics/digits.py);
- points: the toys: mode coverage (ring8, grid25), JS (gauss-1d), energy distance (spiral, moons)
  (metrics/points.py, metrics/energy.py);
- features: every other image data (your own images, fashion-mnist, cifar10): a Fréchet distance on fixed
  random features, which need no download and no trained network (metrics/features.py).
"""
from __future__ import annotations

DIGIT_DATASETS = ("digits", "mnist")


def kind_of(cfg, shape=None) -> str:
    """'digits', 'points' or 'features' for a config (and, once loaded, the data's sample shape)."""
    if cfg.dataset in DIGIT_DATASETS and (shape is None or tuple(shape) == (1, 28, 28)):
        return "digits"
    if cfg.is_toy:
        return "points"
    return "features"
