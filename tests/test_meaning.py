"""Each loss with its own meaning (issue 10): the lines and labels the Train page's chart and the Theory lab draw,
per loss and label smoothing, against values worked out here by hand; D's recorded output in its own units."""
import math

import numpy as np
import pytest
import torch

from ganlib import Trainer, preset
from ganlib.engine import losses as L
from ganlib.charts.theory import density_figure, field_figure
from ganlib.charts import palette
from ganlib.charts.training import training_figure
from ganlib.lab.meaning import meaning, optimal, output
from ganlib.lab.views import View1D, View2D

LOG = math.log
# (loss, label smoothing, label noise) -> (lines on D's panel, V's line or None, D's curve names, 0..1 axis)
TABLE = [
    (("bce", 0.0, 0.0), ([0.5], -2 * LOG(2), ("D(x) real", "D(G(z)) fake"), True)),
    (("minimax", 0.0, 0.0), ([0.5], -2 * LOG(2), ("D(x) real", "D(G(z)) fake"), True)),
    (("bce", 0.1, 0.0), ([0.45], LOG(0.45) + LOG(0.55), ("D(x) real", "D(G(z)) fake"), True)),
    # noise moves both targets by noise/2 on average: the optimum where p_g = p_data stays (1 - s) / 2
    (("minimax", 0.1, 0.2), ([0.45], LOG(0.45) + LOG(0.55), ("D(x) real", "D(G(z)) fake"), True)),
    # the losses without labels ignore smoothing (trainer._labels is only called for bce and minimax)
    (("lsgan", 0.1, 0.0), ([0.5], None, ("D(x) real (raw output)", "D(G(z)) fake (raw output)"), False)),
    (("hinge", 0.0, 0.0), ([-1.0, 1.0], None, ("D(x) real (raw output)", "D(G(z)) fake (raw output)"), False)),
    (("wgan-gp", 0.0, 0.0), ([], None, ("critic f(x) real", "critic f(G(z)) fake"), False)),
]


def history(n=50):
    rng = np.random.default_rng(0)
    return {"step": list(range(n)), **{k: list(rng.random(n)) for k in ("d_loss", "g_loss", "d_real", "d_fake")},
            "value": [-1.3] * n}


def lines_of(fig, axis):
    """The reference lines on a panel: dashed traces of one value, named in the legend (charts/training.py)."""
    return sorted(round(t.y[0], 6) for t in fig.data
                  if t.yaxis == axis and t.line.color == palette.REFERENCE and len(set(t.y)) == 1)


@pytest.mark.parametrize("key,want", TABLE)
def test_the_train_pages_chart_draws_each_losses_own_lines_and_labels(key, want):
    lines, value, names, bounded = want
    fig = training_figure(history(), loss=meaning(*key), smoothing=0)
    assert lines_of(fig, "y2") == sorted(round(y, 6) for y in lines)
    assert lines_of(fig, "y") == ([round(value, 6)] if value is not None else [])
    shown = {t.name for t in fig.data}
    assert set(names) <= shown and ("V(D, G)" in shown) == (value is not None)
    assert (list(fig.layout.yaxis2.range or []) == [-0.02, 1.02]) == bounded
    texts = " ".join([a.text for a in fig.layout.annotations] + [t.name for t in fig.data])
    assert ("-2 log 2" in texts) == (key[0] in ("bce", "minimax") and key[1] == 0)
    assert ("sigmoid" in texts) == (key[0] in ("bce", "minimax"))   # the panel says what is plotted
    if value is not None and key[1]:
        assert f"{value:.3f}" in texts and "label smoothing 0.1" in texts


@pytest.mark.parametrize("key,want", TABLE)
def test_the_theory_lab_draws_each_losses_own_d_star_and_lines(key, want):
    m = meaning(*key)
    x = np.linspace(-3, 3, 61)
    p, q = np.exp(-x ** 2), np.exp(-(x - 1) ** 2)
    d = output(m, np.tanh(x))
    star = optimal(m, p, q)
    v = View1D(x, p, q, d, star if star is not None else np.full_like(x, np.nan), 0.1, x, meaning=m)
    fig = density_figure(v)
    shown = {t.name: t for t in fig.data}
    lines = sorted(t.y[0] for t in fig.data if t.line.dash == "dot")
    assert lines == sorted(want[0])
    assert (m.star_name in shown) == (key[0] != "wgan-gp")
    assert (list(fig.layout.yaxis2.range) == [0, 1.02]) == want[3]
    if key[0] != "wgan-gp":   # D* of each loss against the formula written here
        s, noise = key[1], key[2]
        t_real, t_fake = 1 - s - noise / 2, noise / 2
        truth = {"bce": (t_real * p + t_fake * q) / (p + q), "minimax": (t_real * p + t_fake * q) / (p + q),
                 "lsgan": p / (p + q), "hinge": np.where(p > q, 1.0, -1.0)}[key[0]]
        apart = np.abs(p - q) > 1e-9   # where p = q the hinge's optimum is any value in [-1, 1]
        assert np.allclose(np.asarray(shown[m.star_name].y)[apart], truth[apart])
    heat = field_figure(View2D(np.zeros((3, 2)), np.ones((3, 2)), x, x, np.outer(d, d), None, None, m))
    assert (heat.data[0].zmin, heat.data[0].zmax) == ((0, 1) if want[3] else (None, None))


@pytest.mark.parametrize("loss", ["bce", "minimax", "lsgan", "hinge", "wgan-gp"])
def test_the_trainer_records_d_in_its_losses_units(loss):
    t = Trainer(preset("ring8").replace(loss=loss, batch_size=8))
    last = t.D.net[-1]
    with torch.no_grad():   # D says 3.0 to everything
        last.weight.zero_()
        last.bias.fill_(3.0)
    stats = t.step()
    want = 1 / (1 + math.exp(-3.0)) if loss in ("bce", "minimax") else 3.0   # a critic's 3.0 was drawn as 0.95
    assert stats.d_real == pytest.approx(want) and stats.d_fake == pytest.approx(want)
    assert L.d_output(loss, torch.tensor([3.0])).item() == pytest.approx(want)
