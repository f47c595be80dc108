"""Offline quality metrics for GAN samples (no download, no internet).

Digits: a small CNN trained by bench/train_classifier.py on the offline digits
ships with its weights (digit_classifier.pt, ~210 kB). digit_metrics(samples)
gives the share classified with confidence > 0.9, the classes covered (>= 2% of
samples), the KL of the class histogram against uniform, and a Fréchet distance
between the classifier's features of the samples and of real digits;
reference_values() gives the same numbers for real digits, noise and black
images, so that a GAN's numbers mean something.

Toys: points_metrics(points, dataset) counts mode coverage by the PacGAN
protocol on ring8 / grid25, the JS divergence between p_data and p_g on
gauss-1d, and the energy distance to real points on spiral and moons (energy.py).

Other images (your own, fashion-mnist, cifar10): feature_metrics, a Fréchet
distance on fixed random features (features.py). Each distance has its
real-vs-real floor (fid_floor, Evaluator.floor).

Live: Runner(cfg, evaluator=evaluator_for(cfg)) with cfg.eval_every set (the
default cadence is DEFAULT_EVERY = 500 steps). Offline:
`python -m ganlib eval --checkpoint PATH` (ganlib/cli/evaluate.py).
"""
from ganlib.metrics.classifier import ClassifierMissing, DigitClassifier, classify, load_classifier
from ganlib.metrics.digits import digit_metrics, reference_values
from ganlib.metrics.energy import energy_distance, energy_floor
from ganlib.metrics.evaluate import DEFAULT_EVERY, Evaluator, evaluator_for, fid_floor
from ganlib.metrics.features import feature_floor, feature_metrics, image_features
from ganlib.metrics.fid import Gaussian, fid_from_features, frechet_distance
from ganlib.metrics.points import modes_metrics, points_metrics, points_reference

__all__ = [
    "ClassifierMissing", "DEFAULT_EVERY", "DigitClassifier", "Evaluator", "Gaussian", "classify",
    "digit_metrics", "energy_distance", "energy_floor", "evaluator_for", "feature_floor",
    "feature_metrics", "fid_floor", "fid_from_features", "frechet_distance", "image_features", "load_classifier", "modes_metrics", "points_metrics", "points_reference", "reference_values",
]
