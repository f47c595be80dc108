"""Alarms: what is going wrong in a run, read from its snapshot's curves and metrics, in plain words.

Four kinds (Kind), each from a rule measured on runs driven into it (tests/test_alarms.py) and on healthy
runs that must raise none (ring8, gauss-1d):
- D_OVERPOWERS: D's mean output on real data stays above 0.8 and on fakes below 0.2 over the last WINDOW
  points (d-overpowers: 0.9 and 0.1; healthy runs sit near 0.5). For losses whose output has targets 1 and 0
  (bce, minimax, lsgan: engine/kinds.py's Loss.targets_1_0). It says which state it is, from the latest measurement:
  D beating a collapsed G (G's samples at half the modes or fewer: 8/9 and 1/9 are exactly the best D against a G
  on 1 of 8 modes, best_against_collapse; d-overpowers), G's samples far from the data (no mode covered), or
  neither.
- G_VANISHING: the saturating loss only (minimax): G's gradient through D is D(G(z)) times D's slope, so a mean
  D(G(z)) below 0.01 leaves G nothing to learn from (minimax-stall: 0.000, its gradient 1e-25..7e-3).
- OSCILLATION: D's smoothed verdict on fakes swings by more than 0.12 within the window: D and G take turns
  (collapse-ring8: 0.13-0.27, D chasing G's blob; healthy runs 0.01-0.04 after their first 1,000 steps).
- MODE_COLLAPSE: the latest measurement covers at most a quarter of the modes (toys) or 3 of 10 digit classes.
No alarm before WARM_UP steps: every run starts far from balance (ring8's first 300 steps swing by 0.15-0.23).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from ganlib.engine.kinds import LOSSES

WINDOW = 300          # history points the curve rules look at
WARM_UP = 1000        # steps before any alarm
SMOOTH = 10           # points in the moving average of the oscillation rule
OVER_REAL, OVER_FAKE = 0.8, 0.2
VANISHING = 0.01
SWING = 0.12


class Kind(Enum):
    D_OVERPOWERS = "d_overpowers"
    G_VANISHING = "g_vanishing"
    OSCILLATION = "oscillation"
    MODE_COLLAPSE = "mode_collapse"


@dataclass(frozen=True)
class Alarm:
    kind: Kind
    start: int    # the steps the rule looked at (the marker on the chart)
    end: int
    what: str     # what is happening, in plain words
    advice: str   # what to try

    @property
    def title(self) -> str:
        return TITLES[self.kind]


TITLES = {Kind.D_OVERPOWERS: "D overpowers G", Kind.G_VANISHING: "G's gradient is vanishing",
          Kind.OSCILLATION: "D and G oscillate", Kind.MODE_COLLAPSE: "Mode collapse"}


def alarms(snap) -> list[Alarm]:
    """The alarms a snapshot raises now (none while it is young)."""
    h, cfg = snap.history, snap.config
    loss = cfg.loss
    steps = np.asarray(h.get("step", ()), dtype=float)
    if not len(steps) or steps[-1] < WARM_UP:
        return []
    recent = steps >= max(steps[-1] - WINDOW * _stride(steps), WARM_UP / 2)
    real, fake = (np.asarray(h[k], dtype=float)[recent] for k in ("d_real", "d_fake"))
    span = (int(steps[recent][0]), int(steps[-1]))
    found = [_overpowers(cfg, real, fake, span, snap.metrics), _vanishing(loss, fake, span),
             _oscillation(cfg, fake, span), _collapse(cfg, snap.metrics)]
    return [a for a in found if a is not None]


def _latest(metrics) -> dict | None:
    """The latest measurement without an error (the Train page's: of G's EMA where the run keeps one)."""
    done = [m for _, m in metrics if m and "error" not in m]
    return done[-1] if done else None


def _stride(steps: np.ndarray) -> float:
    return float(np.median(np.diff(steps[-50:]))) if len(steps) > 1 else 1.0


def _unused(cfg, *more: str) -> list[str]:
    """The stabilisers a run does not use yet, in words, then `more`: an alarm that told a run on lsgan to try lsgan,
    or one at beta1 0 to use beta1 0 (a class pass), read as if nobody had looked at the run."""
    return [text for unused, text in ((cfg.loss != "lsgan", "the least-squares loss (lsgan)"),
                                      (cfg.ema == 0, "an EMA of G (ema 0.999)"),
                                      (cfg.r1_weight == 0, "R1 (r1_weight)")) if unused] + list(more)


def _either(remedies: list[str]) -> str:
    """"a", "a or b", "a, b, or c"."""
    return remedies[0] if len(remedies) == 1 else ", ".join(remedies[:-1]) + ("," * (len(remedies) > 2)) + " or " \
        + remedies[-1]


def _sentence(remedies: list[str]) -> str:
    text = _either(remedies)
    return text[0].upper() + text[1:] + "."


def _overpowers(cfg, real, fake, span, metrics) -> Alarm | None:
    if not LOSSES[cfg.loss].targets_1_0 or not (real.mean() > OVER_REAL and fake.mean() < OVER_FAKE):
        return None
    verdicts = f"on average {real.mean():.2f} on real, {fake.mean():.2f} on fake"
    advice = "Slow D down: lower lr_d, set d_steps to 1, or add dropout to D; or raise lr_g."
    m = _latest(metrics) or {}
    k, n, hq = m.get("modes_covered"), m.get("n_modes"), m.get("high_quality")
    if k is None:
        what = f"D tells real from fake almost every time ({verdicts}): G has not caught up with it."
    elif k == 0:
        what = (f"D tells real from fake almost every time ({verdicts}): none of G's samples is close to a mode of "
                "the data (within 3 standard deviations), so they are easy to reject.")
    elif k <= n // 2:
        best_real, best_fake = best_against_collapse(k, n)
        what = (f"D tells real from fake almost every time ({verdicts}), and it would even at its best: G's samples "
                f"gather at {k} of the {n} modes ({100 * hq:.0f}% of them within 3 standard deviations of one). "
                f"Against a G spread evenly over {k} of {n} modes the best D reads {best_real:.2f} on real and "
                f"{best_fake:.2f} on fake: D beats a collapsed G, whose samples may be good but are of too few kinds.")
        also = _unused(cfg)
        advice = ("Slowing D down alone will not spread G out: " + (f"also try {_either(also)}, and " if also else "")
                  + "lower lr_d or set d_steps to 1.")
    else:
        what = (f"D tells real from fake almost every time ({verdicts}), though G covers {k} of {n} modes with "
                f"{100 * hq:.0f}% of its samples close to one: D finds finer differences (where in a mode G's "
                "points lie, or how much of each mode it fills).")
    return Alarm(Kind.D_OVERPOWERS, *span, what, advice)


def best_against_collapse(k: int, n: int) -> tuple[float, float]:
    """Mean D*(x) on real data and on G's samples when G matches k of the n equal modes and leaves the rest
    empty: D* = 1 on an empty mode and (1/n) / (1/n + 1/k) = k / (n + k) on a covered one."""
    on_covered = k / (n + k)
    return (n - k) / n + k / n * on_covered, on_covered


def _vanishing(loss, fake, span) -> Alarm | None:
    if not LOSSES[loss].saturating or fake.mean() >= VANISHING:
        return None
    return Alarm(Kind.G_VANISHING, *span,
                 f"With the minimax loss G learns in proportion to D(G(z)), which is {fake.mean():.4f}: D rejects "
                 "every fake, and G's gradient has all but vanished.",
                 "Switch to the non-saturating loss (bce), which is steepest exactly here; or slow D down.")


def _oscillation(cfg, fake, span) -> Alarm | None:
    if not LOSSES[cfg.loss].targets_1_0 or len(fake) < 2 * SMOOTH:
        return None
    smooth = np.convolve(fake, np.ones(SMOOTH) / SMOOTH, mode="valid")
    swing = float(smooth.max() - smooth.min())
    if swing <= SWING:
        return None
    return Alarm(Kind.OSCILLATION, *span,
                 f"D's verdict on the fakes swings by {swing:.2f}: D and G take turns winning instead of settling; "
                 "G's samples hop from place to place.",
                 _sentence(["lower both learning rates"] + ["use beta1 = 0 or 0.5"] * (cfg.beta1 not in (0.0, 0.5))
                           + [f"add {text}" for text in _unused(cfg) if "lsgan" not in text]))


def _collapse(cfg, metrics) -> Alarm | None:
    done = [(s, m) for s, m in metrics if m and "error" not in m and s >= WARM_UP]
    if not done:
        return None
    step, m = done[-1]
    if "modes_covered" in m and m["modes_covered"] <= max(1, m["n_modes"] // 4):
        what = f"G's samples cover only {m['modes_covered']} of the {m['n_modes']} modes of the data."
    elif "classes_covered" in m and m["classes_covered"] <= 3:
        what = f"G draws only {m['classes_covered']} of the 10 digit classes."
    else:
        return None
    return Alarm(Kind.MODE_COLLAPSE, step, step, what + " It has found a few answers that fool D and keeps to them.",
                 _sentence(_unused(cfg, "a lower lr_g")))
