"""Alarms (ganlib/words/alarms.py): each one raised by a run driven into it, none by healthy runs; the Train page's
chart marks them. Fixed step counts, so a busy machine cannot change what is raised."""
from types import SimpleNamespace

import numpy as np
import pytest

from ganlib import Trainer, preset
from ganlib.words.alarms import WARM_UP, Kind, _collapse, _oscillation, alarms
from ganlib.charts import palette
from ganlib.charts.training import training_figure
from ganlib.engine.device import set_threads
from ganlib.run.history import Curve
from ganlib.metrics import evaluator_for

set_threads()


def run(name: str, steps: int, seed: int = 0, trainer: bool = False):
    """A snapshot-like record of a run as the Runner keeps it: its curve and one measurement at the end; and its
    Trainer, to train on, with trainer=True."""
    t, curve = Trainer(preset(name).replace(seed=seed)), Curve()
    for _ in range(steps):
        s = t.step()
        curve.add(t.step_count, 0.0, (s.d_loss, s.g_loss, s.d_real, s.d_fake, s.value))
    snap = SimpleNamespace(history=curve.columns(), config=t.cfg, metrics=((t.step_count, evaluator_for(t)(t)),))
    return (snap, t) if trainer else snap


def kinds(snap) -> set:
    return {a.kind for a in alarms(snap)}


@pytest.mark.parametrize("name,want", [
    ("d-overpowers", {Kind.D_OVERPOWERS}),
    ("minimax-stall", {Kind.G_VANISHING, Kind.D_OVERPOWERS}),
    ("collapse-ring8", {Kind.MODE_COLLAPSE, Kind.OSCILLATION}),
])
def test_a_run_driven_into_trouble_raises_its_alarm(name, want):
    snap = run(name, WARM_UP + 100)
    assert want <= kinds(snap)
    for a in alarms(snap):
        assert a.what and a.advice and a.start <= a.end <= WARM_UP + 100


@pytest.mark.parametrize("name,steps", [("ring8", 3000), ("gauss-1d", WARM_UP + 300)])
def test_a_healthy_run_raises_none(name, steps):
    assert kinds(run(name, steps)) == set()


def test_no_alarm_while_a_run_is_young():
    assert kinds(run("d-overpowers", WARM_UP - 100)) == set()


def test_the_chart_marks_each_alarm_over_the_steps_it_looked_at():
    snap = run("d-overpowers", WARM_UP + 100)
    fig = training_figure(snap.history, loss=snap.config.loss, alarms=alarms(snap))
    bands = [s for s in fig.layout.shapes if s.fillcolor == palette.ALARM]
    assert bands and all(s.x0 <= s.x1 for s in bands)
    # the titles share rows above D's panel when several fit (charts/training._alarm_rows): " · " between them
    assert any("⚠ D overpowers G" in a.text.split(" · ") for a in fig.layout.annotations)


def test_an_alarm_offers_only_remedies_the_run_does_not_use_yet():
    """A class pass saw "Try: Try the least-squares loss (lsgan)…" on a run that trained on lsgan already, and "use
    beta1 = 0 or 0.5" on one at beta1 0."""
    metrics = [(WARM_UP + 100, {"modes_covered": 1, "n_modes": 8, "high_quality": 0.9})]
    swinging = np.concatenate([np.full(20, 0.1), np.full(20, 0.6)])
    plain = preset("ring8").replace(loss="bce", ema=0.0, r1_weight=0.0, beta1=0.9)
    used = plain.replace(loss="lsgan", ema=0.999, beta1=0.5)
    assert _collapse(plain, metrics).advice == ("The least-squares loss (lsgan), an EMA of G (ema 0.999), "
                                                "R1 (r1_weight), or a lower lr_g.")
    assert _collapse(used, metrics).advice == "R1 (r1_weight) or a lower lr_g."
    assert "beta1" in _oscillation(plain, swinging, (0, 1)).advice
    assert _oscillation(used, swinging, (0, 1)).advice == "Lower both learning rates or add R1 (r1_weight)."
