"""Metrics for a live run (evaluator_for -> Runner(evaluator=...)) and for a checkpoint (cli/evaluate.py).

What is measured depends on the data (ganlib.engine.kinds.kind_of):
- digits, mnist (1 x 28 x 28): digit_metrics of 500 samples (digits.py);
- ring8, grid25: mode coverage of 2,500 samples; gauss-1d: js, with p_g computed from G itself
  (points.js_of_generator), not from the samples; spiral, moons: energy distance (points.py);
- any other images (folder, fashion-mnist, cifar10): a Fréchet distance on fixed random features of 500
  samples (features.py).
Evaluator.floor() is what real samples score on the run's distance (fid, energy or feature_fd) at the same n:
the dashed line G's curve falls towards.

Samples come from a fixed z (random_z(n, latent_dim, seed=0)), the same z the
Theory lab and `python -m ganlib eval` use, so a curve moves only when G does,
and a checkpoint's eval repeats the live value at its step.

Cost and the default cadence: one measurement costs G's forward pass on 500 z
plus ~20-40 ms for the classifier and the Fréchet distance (digits), or ~2-12 ms
(toys; ~40 ms for the energy distance's 2 x 2,500^2 pairs). Every DEFAULT_EVERY = 500 steps this is < 2% of
training time for the presets (bench/metric_overhead.py measures it). The first digit measurement in
a process also classifies the 5,000 real digits once (~0.5 s; cached); the first of other images computes
the features of up to 2,500 real ones once per data set.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable

import torch

from ganlib.engine.data import load_dataset
from ganlib.engine.kinds import MetricKind, kind_of
from ganlib.metrics.digits import N_DIGITS, digit_metrics, reference_values
from ganlib.metrics.energy import energy_floor
from ganlib.metrics.features import N_IMAGES, feature_floor, feature_metrics
from ganlib.metrics.points import N_POINTS, js_of_generator, points_metrics

DEFAULT_EVERY = 500           # steps between measurements (TrainConfig.eval_every) unless chosen
GEN_BATCH = 1000              # z per forward pass of G when drawing many samples


def default_n(kind: MetricKind) -> int:
    return {MetricKind.DIGITS: N_DIGITS, MetricKind.POINTS: N_POINTS, MetricKind.FEATURES: N_IMAGES}.get(kind, 0)


class Evaluator:
    """evaluate(trainer) -> {metric: value}; a plain callable for ganlib.Runner(evaluator=...).

    Never raises: a failed measurement returns {} and keeps the message in last_error,
    since an exception here would end the runner's worker thread.
    """

    def __init__(self, cfg, data=None, n: int | None = None, seed: int = 0, every: int = DEFAULT_EVERY):
        self.cfg = cfg
        self.dataset = cfg.dataset
        self.latent_dim = cfg.latent_dim
        self.kind = kind_of(cfg, data.shape if data is not None else None)
        self.n = n or default_n(self.kind)
        self.every = every                   # the cadence this evaluator was sized for
        self.z = torch.randn(self.n, self.latent_dim, generator=torch.Generator().manual_seed(seed)) if self.kind else None
        self._data = data
        self.last_error = ""

    def __call__(self, trainer) -> dict:
        if not self.kind:
            return {}
        try:
            data = self.data(trainer)
            if has_density(data):   # G at hand: its density exactly, not a blurred histogram of 2,500 samples
                return clean({"js": js_of_generator(trainer.generate, self.latent_dim, data)})
            return clean(measure(self.kind, generate(trainer.generate, self.z), data))
        except Exception as e:  # noqa: BLE001 - reported, never raised into the worker thread
            self.last_error = f"{type(e).__name__}: {e}"
            warnings.warn(f"metrics: measurement failed: {self.last_error}", RuntimeWarning, stacklevel=2)
            return {}

    def data(self, trainer=None):
        if self._data is None and self.kind in (MetricKind.POINTS, MetricKind.FEATURES):
            self._data = trainer.data if trainer is not None else load_data(self.cfg)
        return self._data

    def floor(self) -> float | None:
        """What real samples score on the run's distance at this n (fid, energy or feature_fd): the dashed
        line of the quality chart; None where the data has no such distance. Never raises (see __call__)."""
        try:
            return measured_floor(self.kind, self.n, self.data())
        except Exception as e:  # noqa: BLE001 - a chart without its floor, rather than a run that fails
            self.last_error = f"{type(e).__name__}: {e}"
            warnings.warn(f"metrics: the real-vs-real floor failed: {self.last_error}", RuntimeWarning, stacklevel=2)
            return None


def evaluator_for(trainer_or_cfg, n: int | None = None, seed: int = 0) -> Evaluator:
    """An evaluator for a Trainer or a TrainConfig; returns {} at each call where nothing fits the data."""
    cfg = getattr(trainer_or_cfg, "cfg", trainer_or_cfg)
    data = getattr(trainer_or_cfg, "data", None)
    return Evaluator(cfg, data, n=n, seed=seed)


def fid_floor(cfg, n: int = 0, data=None) -> float | None:
    """The real-vs-real value of the run's distance at the live sample count (Evaluator.floor): the floor to
    read its curve against (digits: the Fréchet distance; spiral, moons: the energy distance; other images:
    the Fréchet distance on random features); None where the data has none."""
    return Evaluator(cfg, data, n=n or None).floor()


def measured_floor(kind: MetricKind, n: int, data=None) -> float | None:
    if kind is MetricKind.DIGITS:
        return reference_values(n)["real"]["fid"]
    if kind is MetricKind.FEATURES:
        return feature_floor(data, n)
    if kind is MetricKind.POINTS and data.modes is None and data.density is None:
        return energy_floor(data, n)
    return None


def measure(kind: MetricKind, samples: torch.Tensor, data=None) -> dict:
    if kind is MetricKind.DIGITS:
        x = torch.nan_to_num(samples.float(), nan=0.0).clamp(-1, 1)
        return digit_metrics(x)
    if kind is MetricKind.POINTS:
        return points_metrics(samples, data)
    if kind is MetricKind.FEATURES:
        return feature_metrics(samples, data)
    return {}


def has_density(data) -> bool:
    return data is not None and data.density is not None and tuple(data.shape) == (1,)


def generate(generate: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor) -> torch.Tensor:
    return torch.cat([generate(z[i:i + GEN_BATCH]) for i in range(0, len(z), GEN_BATCH)])


def load_data(cfg):
    return load_dataset(cfg)


def clean(value):
    """Floats rounded to 6 significant digits, non-finite ones as None: valid JSON for json.dumps."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else None
    return value
