"""What D's output means under each loss: its name, its optimum against a fixed G, and the lines to read it by.

- bce, minimax: D(x) = sigmoid(output) is a probability. With mean targets t_real on real data and t_fake
  on fakes (1 and 0; 1 - s - noise/2 and noise/2 with label smoothing s and label noise), the best D is
  D*(x) = (t_real p_data + t_fake p_g) / (p_data + p_g). Where p_g = p_data that is (1 - s) / 2
  everywhere, and V(D, G) = log D* + log(1 - D*): -2 log 2 = -1.386, or -1.396 at s = 0.1.
- lsgan (targets 0 and 1): D's raw output minimises E_data[(D - 1)^2] + E_g[D^2], so
  D*(x) = p_data / (p_data + p_g), the same ratio, as a raw output (no sigmoid; it may leave [0, 1]).
  1/2 where p_g = p_data. V(D, G) is not its game's value, so no -2 log 2.
- hinge: D minimises E_data[max(0, 1 - D)] + E_g[max(0, 1 + D)]: D* = +1 where p_data > p_g and -1 where
  p_data < p_g (any value in [-1, 1] where they are equal). The lines are its margins, +1 and -1.
- wgan-gp: a critic, not a detective. Its score f(x) is no probability and has no pointwise optimum;
  E f(real) - E f(fake) estimates the Wasserstein-1 distance while f stays 1-Lipschitz. No lines.
Only the losses that use labels (bce, minimax: engine/kinds.py's probability losses) are moved by label
smoothing and noise (trainer._labels).
numpy only: the Train page's chart imports this before torch has loaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganlib.engine.kinds import LOSSES, StrEnum


class OutputKind(StrEnum):
    """What D's output is under a loss."""
    PROBABILITY = "probability"   # sigmoid(output) = D(x), in [0, 1]
    SCORE = "score"               # a raw output with targets or margins (lsgan, hinge)
    CRITIC = "critic"             # a critic's score: no probability, no pointwise optimum (wgan-gp)


@dataclass(frozen=True)
class Meaning:
    loss: str
    kind: OutputKind
    name: str                               # D's output on any x, as a chart names it
    real_name: str                          # the Train page's curve of D on real data
    fake_name: str                          # ... and on G's samples
    panel: str                              # the title of the Train page's panel of D's output
    lines: tuple[tuple[float, str], ...]    # reference lines on D's output: (y, what it marks)
    value_line: tuple[float, str] | None    # V(D, G) at the optimum, where V is this loss's game
    star_name: str                          # D*'s curve, or "" for the critic
    optimum: str                            # what the best D is, in a sentence
    t_real: float = 1.0
    t_fake: float = 0.0

    @property
    def bounded(self) -> bool:
        return self.kind is OutputKind.PROBABILITY

    @property
    def level(self) -> float | None:
        """D's value everywhere when p_g = p_data, where there is one: midway between its targets (bce, minimax,
        lsgan)."""
        return (self.t_real + self.t_fake) / 2 if LOSSES[self.loss].targets_1_0 else None


def meaning(loss: str, label_smoothing: float = 0.0, label_noise: float = 0.0) -> Meaning:
    """The Meaning of D's output for a run's loss (and, for bce and minimax, its label smoothing and noise)."""
    if LOSSES[loss].probability:
        return _probability(loss, label_smoothing, label_noise)
    return {"lsgan": _lsgan, "hinge": _hinge, "wgan-gp": _critic}[loss]()


def of_config(cfg) -> Meaning:
    return meaning(cfg.loss, cfg.label_smoothing, cfg.label_noise)


def _probability(loss: str, s: float, noise: float) -> Meaning:
    t_real, t_fake = 1 - s - noise / 2, noise / 2
    half = (t_real + t_fake) / 2
    value = math.log(half) + math.log(1 - half)
    if not (s or noise):
        formula, at, v_text = "p_data / (p_data + p_g)", "optimum: D(x) = D(G(z)) = 1/2", "V at the optimum = -2 log 2"
    else:
        formula = (f"{t_real:.3g} p_data / (p_data + p_g)" if not noise else
                   f"({t_real:.3g} p_data + {t_fake:.3g} p_g) / (p_data + p_g)")
        at = f"(1 - s) / 2 = {half:.3g}: D where p_g = p_data (label smoothing {s:g})"
        v_text = f"V at the optimum = log {half:.3g} + log {1 - half:.3g} = {value:.3f} (label smoothing {s:g})"
    return Meaning(loss, OutputKind.PROBABILITY, "D(x)", "D(x) real", "D(G(z)) fake",
                   "D's verdict: mean D(x) = sigmoid(output) on real, D(G(z)) on fake", ((half, at),),
                   (value, v_text), f"D*(x) = {formula}, against the raw G",
                   f"The best D is {formula}: {half:.3g} everywhere where p_g = p_data.", t_real, t_fake)


def _lsgan() -> Meaning:
    star = "D*(x) = p_data / (p_data + p_g) as a raw output, against the raw G"
    return Meaning("lsgan", OutputKind.SCORE, "D(x), raw output", "D(x) real (raw output)", "D(G(z)) fake (raw output)",
                   "D's raw output (least squares, targets 1 real and 0 fake): mean on real and on fake",
                   ((0.5, "optimum: D = 1/2 where p_g = p_data"),), None, star,
                   "Least squares with targets 0 and 1: the best D's raw output is p_data / (p_data + p_g), "
                   "the same ratio as the probability of BCE (no sigmoid, so D may leave [0, 1]).")


def _hinge() -> Meaning:
    return Meaning("hinge", OutputKind.SCORE, "D(x), raw output", "D(x) real (raw output)", "D(G(z)) fake (raw output)",
                   "D's raw output (hinge: a real x above +1 and a fake below -1 cost D nothing)",
                   ((1.0, "margin +1"), (-1.0, "margin -1")), None,
                   "D*(x) = +1 where p_data > p_g, -1 where p_data < p_g, against the raw G",
                   "Hinge: the best D is +1 where p_data > p_g and -1 where p_data < p_g; where they are equal "
                   "any value in [-1, 1] is as good.")


def _critic() -> Meaning:
    return Meaning("wgan-gp", OutputKind.CRITIC, "critic f(x)", "critic f(x) real", "critic f(G(z)) fake",
                   "The critic's score: mean f(x) on real and f(G(z)) on fake (not a probability; their gap "
                   "estimates the Wasserstein distance)", (), None, "",
                   "WGAN-GP: D is a critic, not a detective. Its score f(x) is no probability and has no best value "
                   "at a point; E f(real) - E f(fake) estimates the Wasserstein-1 distance while f is 1-Lipschitz.")


# --- on numbers ----------------------------------------------------------------------------
def output(m: Meaning, logit) -> np.ndarray:
    """D's output in its meaning: sigmoid(logit) for a probability, the raw output otherwise."""
    x = np.asarray(logit, dtype=np.float64)
    return 1 / (1 + np.exp(-x)) if m.kind is OutputKind.PROBABILITY else x


def optimal(m: Meaning, p_data: np.ndarray, p_g: np.ndarray, floor: float = 1e-4, tie: float = 0.0) -> np.ndarray | None:
    """The best D against p_g at each x, in the units of `output`; NaN where neither density has mass
    (D* is undefined there); None for the critic, which has no pointwise optimum.
    tie: for hinge, NaN where p_data / (p_data + p_g) is within tie of 1/2 (any value in [-1, 1] is best there,
    and an estimate that close cannot tell +1 from -1: a perfect G would be drawn as noise of +-1)."""
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p + q
    with np.errstate(invalid="ignore", divide="ignore"):
        if m.kind is OutputKind.PROBABILITY:
            d = (m.t_real * p + m.t_fake * q) / total
        elif LOSSES[m.loss].targets_1_0:   # least squares: the same ratio, as a raw output
            d = p / total
        elif m.kind is OutputKind.SCORE:              # hinge: its margins
            d = np.where(np.abs(p / total - 0.5) < tie, np.nan, np.sign(p - q))
        else:
            return None
    return np.where(total > floor, d, np.nan)
