"""Quality of generated digits, measured with the shipped digit classifier (classifier.py).

For N generated digits (N, 1, 28, 28) in [-1, 1]:

- confident: share of samples whose top class probability is > 0.9 (looks like *some* digit);
- classes_covered: classes that get >= 2% of the samples (argmax), out of 10;
- class_kl: KL(class histogram || uniform) in nats; 0 for a perfect spread, log 10 = 2.30 for one class;
- fid: Fréchet distance between the classifier's 64 penultimate features (before their ReLU) of
  the samples and of the reference digits (the 2,500 even-indexed offline digits);
- class_histogram: the 10 class shares.

The numbers mean little alone, so reference_values(n) gives them for n real digits from
the other (odd-indexed) half, for uniform noise and for all-black images: a GAN's FID
should fall from the noise value towards the real-vs-real one. Compare at the same n,
since FID's bias shrinks as n grows. At n = 500: real digits score confident ~0.96-0.98,
10 classes, class_kl ~0.01, fid ~18; uniform noise and black images score confident 0,
1 class, class_kl 2.30, fid ~2,800-3,400. The fast-digits preset goes from fid ~3,300
(step 10) through ~580 (step 250) to ~180 (step 2,000, confident 0.42).
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch

from ganlib.engine.data import to_unit
from ganlib.engine.data.digits import digits
from ganlib.metrics.classifier import classify, metadata
from ganlib.metrics.fid import Gaussian, frechet_distance

CONFIDENT = 0.9     # a sample is confidently classified above this top probability
COVERED = 0.02      # a class is covered with at least this share of the samples
N_DIGITS = 500      # default samples per measurement (live and eval)


@lru_cache(maxsize=1)
def _real() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(probs, features, labels) of all 5,000 offline digits, computed once per process."""
    data = digits()
    probs, feats = classify(to_unit(data.images))
    return probs, feats, data.labels


@lru_cache(maxsize=1)
def reference_gaussian() -> Gaussian:
    """The Gaussian of the classifier features of the reference half (even indices) of the digits."""
    return Gaussian.fit(_real()[1][0::2])


def digit_metrics(samples: torch.Tensor) -> dict:
    """The digit metrics of (N, 1, 28, 28) samples in [-1, 1] (see the module's docstring)."""
    if samples.ndim != 4 or tuple(samples.shape[1:]) != (1, 28, 28):
        raise ValueError(f"digit metrics: need (N, 1, 28, 28) images; got {tuple(samples.shape)}")
    probs, feats = classify(samples)
    return _from_outputs(probs, feats)


def _from_outputs(probs: torch.Tensor, feats: torch.Tensor) -> dict:
    n = len(probs)
    hist = torch.bincount(probs.argmax(1), minlength=10).double() / max(n, 1)
    nz = hist[hist > 0]
    class_kl = float((nz * torch.log(nz * 10)).sum()) if n else math.log(10)
    fid = frechet_distance(reference_gaussian(), Gaussian.fit(feats)) if n >= 2 else None
    return {
        "confident": float((probs.max(1).values > CONFIDENT).double().mean()) if n else 0.0,
        "classes_covered": int((hist >= COVERED).sum()),
        "class_kl": max(class_kl, 0.0),
        "fid": fid,
        "class_histogram": [round(float(h), 4) for h in hist],
    }


@lru_cache(maxsize=8)
def reference_values(n: int = N_DIGITS, seed: int = 0) -> dict:
    """The digit metrics of n real digits (the held-back odd half, at most 2,500), uniform noise and black.

    'real' is real-vs-real: samples and reference are disjoint halves of the offline digits.
    """
    probs, feats, _ = _real()
    other = torch.arange(1, len(probs), 2)
    n_real = min(n, len(other))
    pick = other[torch.randperm(len(other), generator=torch.Generator().manual_seed(seed))[:n_real]]
    noise = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed + 1)) * 2 - 1
    black = -torch.ones(n, 1, 28, 28)
    return {
        "n": n,
        "real": {**_from_outputs(probs[pick], feats[pick]), "n": n_real},
        "noise": digit_metrics(noise),
        "black": digit_metrics(black),
    }


def classifier_accuracy() -> float:
    """Accuracy on the 1,000 held-out digits, as stored with the weights."""
    return float(metadata()["held_out_accuracy"])


def real_accuracy(split: slice = slice(4000, 5000)) -> float:
    """Accuracy measured now on a slice of the offline digits (default: the held-out 1,000)."""
    probs, _, labels = _real()
    return float((probs[split].argmax(1) == labels[split]).double().mean())


__all__ = ["CONFIDENT", "COVERED", "N_DIGITS", "digit_metrics", "reference_values", "reference_gaussian",
           "classifier_accuracy", "real_accuracy"]
