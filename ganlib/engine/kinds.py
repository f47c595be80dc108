"""What kind of data, quality measurement and loss a run has, answered without torch (config.py, describe.py and
the first page ask too).

Data (DataKind): images, or points of a 1-D or 2-D toy.
Quality measurement (MetricKind, kind_of):
- digits: digits and mnist at 1 x 28 x 28, measured with the shipped digit classifier (metrics/digits.py);
- points: the toys: mode coverage (ring8, grid25), JS (gauss-1d), energy distance (spiral, moons, and the
  points a user drew, which have no modes to count either) (metrics/points.py, metrics/energy.py);
- features: every other image data (your own images, fashion-mnist, cifar10): a Fréchet distance on fixed
  random features, which need no download and no trained network (metrics/features.py).
Losses (Loss, LOSSES): the one table of what the code asks of each loss; its objectives, the functions, are
engine/losses.py's OBJECTIVES, and what D's output means under it is lab/meaning.py's.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DIGIT_DATASETS = ("digits", "mnist")


class StrEnum(str, Enum):
    """A str that is one of a few: it compares and hashes as its value, and prints as it (Python 3.11's
    enum.StrEnum, which 3.10 lacks), so the strings older code, checkpoints and f-strings hold keep working."""
    __str__ = str.__str__
    __format__ = str.__format__


class DataKind(StrEnum):
    POINTS = "points"   # a toy's 1-D or 2-D points
    IMAGE = "image"     # C x H x W images


class MetricKind(StrEnum):
    DIGITS = "digits"       # the shipped digit classifier
    POINTS = "points"       # mode coverage, JS or the energy distance
    FEATURES = "features"   # a Fréchet distance on fixed random features


def kind_of(cfg, shape=None) -> MetricKind:
    """The quality measurement for a config (and, once loaded, the data's sample shape). A drawing (dataset=drawn)
    is a toy: the energy distance, as its Dataset has neither modes nor a density (metrics/points.py)."""
    if cfg.dataset in DIGIT_DATASETS and (shape is None or tuple(shape) == (1, 28, 28)):
        return MetricKind.DIGITS
    if cfg.is_toy:
        return MetricKind.POINTS
    return MetricKind.FEATURES


@dataclass(frozen=True)
class Loss:
    """A loss's facts, the questions the trainer, the charts, the alarms and the lab ask of it."""
    name: str
    # D's output is a logit and D(x) = sigmoid(output) a probability, trained on labels (which label smoothing
    # and noise move): the original game, whose V(D, G) is its value and -2 log 2 its optimum
    probability: bool
    targets_1_0: bool   # D's output is pushed towards 1 on real data and 0 on fakes
    saturating: bool    # G's gradient vanishes where D rejects its fakes (the paper's game as written)
    penalty: bool       # a gradient penalty on points between real and fake: a double backward, and D's extra pass


LOSSES: dict[str, Loss] = {loss.name: loss for loss in (
    Loss("bce", probability=True, targets_1_0=True, saturating=False, penalty=False),
    Loss("minimax", probability=True, targets_1_0=True, saturating=True, penalty=False),
    Loss("lsgan", probability=False, targets_1_0=True, saturating=False, penalty=False),
    Loss("wgan-gp", probability=False, targets_1_0=False, saturating=False, penalty=True),
    Loss("hinge", probability=False, targets_1_0=False, saturating=False, penalty=False),
)}
