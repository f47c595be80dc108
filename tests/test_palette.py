"""The chart palette: every meaning has its own colour, told apart by eye, and every chart draws its traces,
reference lines and event marks in the palette's colour for what they mean (checked by trace name)."""
import functools
import itertools
import os

import numpy as np
import plotly.colors
import pytest

from ganlib.charts import latent, palette, quality, theory, training
from ganlib.run.history import Event
from ganlib.lab.gradients import g_loss_curves
from ganlib.lab.views import View1D, View2D

P = palette
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRIC = P.METRIC
# trace name -> the meaning it shows: the spec the charts are held to
EXPECTED = {
    "D loss": P.D, "G loss": P.G, "D(x) real": P.D_REAL, "D(G(z)) fake": P.D_FAKE, "V(D, G)": P.VALUE,
    "real": P.REAL, "fake (G)": P.FAKE,
    "p_data (real)": P.REAL, "p_g (G's density)": P.FAKE, "D(x)": P.D_REAL,
    theory.D_STAR_NAME: P.D_STAR, theory.V_STAR_NAME: P.D_STAR, "1/2": P.REFERENCE, "modes": P.REFERENCE,
    "fake G(z)": P.FAKE,
    "minimax: minimise log(1 - D(G(z)))": P.MINIMAX, "non-saturating: minimise -log D(G(z))": P.NON_SATURATING,
    "slope of minimax: -D(G(z))": P.MINIMAX, "slope of non-saturating: -(1 - D(G(z)))": P.NON_SATURATING,
    theory.WARP_NAME: P.G, theory.ARROW_NAME: P.ARROW,
    theory.GRAD_NAMES["minimax"]: P.MINIMAX, theory.GRAD_NAMES["non_saturating"]: P.NON_SATURATING,
    theory.GRAD_NAMES["minimax"] + " (before: ring8)": P.MINIMAX,
    theory.GRAD_NAMES["non_saturating"] + " (before: ring8)": P.NON_SATURATING,
    "minimax-stall: minimax G": P.MINIMAX, "minimax-stall-ns: bce G": P.NON_SATURATING,
    "G(your z)": P.YOU, "your z": P.YOU, "G(z)": P.G, "real x": P.REAL, "G(z), z ~ N(0, 1)": P.FAKE,
    **{label: METRIC[k] for k, (label, _, _, _) in quality.CURVES.items()},
    **{short: METRIC[k] for k, (_, _, _, short) in quality.CURVES.items()},
    quality.FLOOR: P.REFERENCE, "margin +1": P.REFERENCE, "margin -1": P.REFERENCE,
    "optimum: D = 1/2 where p_g = p_data": P.REFERENCE,
    "optimum: D(x) = D(G(z)) = 1/2": P.REFERENCE, "V at the optimum = -2 log 2": P.REFERENCE,
    "share of samples": METRIC["classes_covered"],
    # the training chart's bold curves: the same meaning as the faint points under them
    "D loss (smoothed)": P.D, "G loss (smoothed)": P.G, "D(x) real (smoothed)": P.D_REAL,
    "D(G(z)) fake (smoothed)": P.D_FAKE, "V(D, G) (smoothed)": P.VALUE,
    # D's output under the other losses (ganlib/lab/meaning.py): the same meanings, in raw units
    "D(x) real (raw output)": P.D_REAL, "D(G(z)) fake (raw output)": P.D_FAKE,
    "critic f(x) real": P.D_REAL, "critic f(G(z)) fake": P.D_FAKE,
}
SCALES = {"G(z), z on a grid"}   # coloured by a colour scale (where z sits), not by one meaning


def _lab(colour: str, cvd: str | None = None) -> np.ndarray:
    """CIE L*a*b* of an sRGB colour, where distance is roughly what an eye sees; cvd: as an eye without one kind of
    cone sees it (Machado, Oliveira and Fernandes 2009, severity 1)."""
    c = np.array(P.rgb(colour)) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    if cvd:
        c = np.clip(np.array(CVD[cvd]) @ c, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    f = np.cbrt(xyz / [0.95047, 1.0, 1.08883])
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


CVD = {"protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                      [-0.003882, -0.048116, 1.051998]],
       "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]],
       "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                      [0.004733, 0.691367, 0.303900]]}
MARKS = {"ALARM", "TEXT"}   # a translucent band and its words, and the charts' text: no series


def test_every_series_is_drawn_in_an_okabe_ito_colour_or_a_grey():
    safe = {c.lower() for c in P.OKABE_ITO.values() if c != P.OKABE_ITO["yellow"]}   # yellow: too faint on white
    for name, colour in P.meanings().items():
        r, g, b = P.rgb(colour)
        assert name in MARKS or colour.lower() in safe or r == g == b, f"{name}: {colour}"


def test_wcag_contrast_is_computed_as_the_standard_says():
    assert P.contrast("#000000") == pytest.approx(21.0) and P.contrast("#ffffff") == pytest.approx(1.0)
    assert P.contrast("#767676") == pytest.approx(4.54, abs=0.01)   # the lightest grey that passes AA on white


def test_every_text_colour_passes_wcag_aa_on_white():
    import tomllib
    for name in ("TEXT", "REFERENCE", "EVENT", "ALARM"):
        assert P.contrast(getattr(P, name)) >= 4.5, name
    for name, fig in _figures().items():
        for colour in _text_colours(fig.to_plotly_json()):
            assert P.contrast(colour) >= 4.5, f"{name}: text in {colour}, contrast {P.contrast(colour):.2f}"
    with open(os.path.join(ROOT, ".streamlit", "config.toml"), "rb") as f:
        primary = tomllib.load(f)["theme"]["primaryColor"]
    assert P.contrast("#ffffff", primary) >= 4.5        # a primary button's white label on the theme's colour


def _text_colours(node, inside_text: bool = False):
    """Every colour set on a font anywhere in a figure's JSON (annotations, legends, ticks, titles)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("font", "tickfont") and isinstance(v, dict) and isinstance(v.get("color"), str):
                yield v["color"]
            yield from _text_colours(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _text_colours(v)


@functools.cache   # built once: the tests only read them
def _figures():
    rng = np.random.default_rng(0)
    n = 40
    history = {"step": list(range(n)), **{k: list(rng.random(n)) for k in ("d_loss", "g_loss", "d_real", "d_fake")},
               "value": [-1.3] * n}
    x = np.linspace(-3, 3, 50)
    pts = rng.normal(size=(200, 2))
    v1 = View1D(x, np.exp(-x ** 2), np.exp(-(x - 1) ** 2), 1 / (1 + np.exp(-x)), np.full_like(x, 0.5), 0.1,
                rng.normal(size=100))
    v2 = View2D(pts, pts + 1, x, x, rng.random((50, 50)), pts[:8], None, arrows=(pts[:5], pts[:5]),
                warp=rng.normal(size=(4, 6, 2)))
    u = np.linspace(-3, 3, 25)
    return {
        "training": training.training_figure(history, [Event(10, "lr_g", 2e-4, 1e-3)], loss="bce"),
        "training, presenter": training.training_figure(history, [Event(10, "lr_g", 2e-4, 1e-3)], presenter=True),
        "training, raw only": training.training_figure(history, loss="hinge", smoothing=0),
        "points 2-D": training.points_figure(pts, pts + 1),
        "points 2-D, presenter": training.points_figure(pts, pts + 1, presenter=True),
        "points 1-D": training.points_figure(pts[:, :1], pts[:, 1:]),
        "quality digits": quality.quality_figure([(100, {"fid": 80.0, "classes_covered": 7,
                                                         "class_histogram": [0.1] * 10})], fid_real=20.0),
        "quality points": quality.quality_figure([(100, {"modes_covered": 6, "n_modes": 8, "high_quality": 0.8})]),
        "quality 1-D": quality.quality_figure([(100, {"js": 0.05})]),
        "quality spiral": quality.quality_figure([(100, {"energy": 0.05})], fid_real=0.001),
        "quality own images": quality.quality_figure([(100, {"feature_fd": 0.5})], fid_real=0.01),
        "quality digits, presenter": quality.quality_figure([(100, {"fid": 80.0, "classes_covered": 7,
                                                                    "class_histogram": [0.1] * 10})], 20.0,
                                                            presenter=True),
        "density": theory.density_figure(v1),
        "field": theory.field_figure(v2),
        "value": theory.value_figure(history, [(10, -1.2), (20, -1.3)]),
        "g losses": theory.g_loss_figure(g_loss_curves()),
        "g gradients": theory.grad_figure([(1, 1e-3, 1.0), (2, 1e-5, 2.0)], [(1, 0.5, 0.6)], "before: ring8"),
        "g gradients side by side": theory.pair_grad_figure([("minimax-stall: minimax G", "minimax", [(1, 1e-6)]),
                                                             ("minimax-stall-ns: bce G", "non_saturating", [(1, 3.0)])]),
        "latent map": latent.map_figure(pts[:25], u, u, pts, pts[0]),
        "latent curve": latent.curve_figure(u, u, pts[:, 0], pts[:, 1], (0.0, 0.0)),
    }


def _colour(trace) -> str | None:
    if trace.type == "heatmap":
        return None
    if trace.type == "scatter" and "lines" in (trace.mode or "lines"):
        return trace.line.color
    return trace.marker.color


@pytest.mark.parametrize("name,fig", list(_figures().items()))
def test_charts_draw_each_meaning_in_its_palette_colour(name, fig):
    colours = set(P.meanings().values())
    for trace in fig.data:
        said = (trace.name or "").replace("<br>", " ")   # a legend entry broken into lines to fit (look.fitted)
        if said in SCALES or trace.type == "heatmap":
            continue
        assert said in EXPECTED, f"{name}: trace {said!r} has no meaning in this test's spec"
        assert _colour(trace) == EXPECTED[said], f"{name}: {said!r} drawn in {_colour(trace)}"
    for shape in fig.layout.shapes:       # reference lines (optimum, uniform, real vs real) and events
        assert shape.line.color in colours, f"{name}: a line in {shape.line.color}, not a palette colour"
    for note in fig.layout.annotations:
        assert note.font.color is None or note.font.color in colours, f"{name}: text in {note.font.color}"


def test_the_timeline_gif_paints_points_in_the_chart_colours():
    from ganlib.classroom.downloads import FAKE_RGB, REAL_RGB
    assert (REAL_RGB, FAKE_RGB) == (P.rgb(P.REAL), P.rgb(P.FAKE))


MINE = ("training", "training, presenter", "training, raw only", "points 2-D", "points 2-D, presenter", "points 1-D",
        "quality digits", "quality points", "quality 1-D", "quality spiral", "quality own images",
        "quality digits, presenter", "latent map", "latent curve")   # (the Theory lab's charts: theory.py)


def _series(fig):
    """(name, colour, dash or None, panel) of each series a chart's legend names."""
    for t in fig.data:
        if t.showlegend is False or t.name in SCALES or t.type == "heatmap":
            continue
        line = t.type == "scatter" and "lines" in (t.mode or "lines")
        yield t.name, _colour(t), (t.line.dash or "solid") if line else None, t.yaxis or "y"


@pytest.mark.parametrize("name", MINE)
def test_no_two_series_of_a_chart_share_a_colour_and_lines_of_a_panel_differ_in_dash(name):
    series = list(_series(_figures()[name]))
    for (a, ca, da, pa), (b, cb, db, pb) in itertools.combinations(series, 2):
        if ca == cb == P.REFERENCE:   # two reference lines (a hinge's two margins) are one meaning
            continue
        assert ca.lower() != cb.lower(), f"{name}: {a} and {b} share {ca}"
        if da and db and pa == pb:
            assert da != db, f"{name}: {a} and {b} are both {da}"


@pytest.mark.parametrize("name", MINE)
def test_series_of_a_chart_stay_apart_for_colour_blind_eyes_or_by_their_dash(name):
    series = list(_series(_figures()[name]))
    for (a, ca, da, pa), (b, cb, db, pb) in itertools.combinations(series, 2):
        if ca == cb == P.REFERENCE or (da and db and da != db):
            continue
        for cvd in (None, *CVD):
            assert np.linalg.norm(_lab(ca, cvd) - _lab(cb, cvd)) > 15, f"{name}: {a} and {b} alike ({cvd})"


def test_the_labs_arrows_stand_apart_from_every_colour_of_ds_red_blue_map():
    """Issue 23: the arrows were G's vermillion, which reads as the map's red for "fake" (29.9 apart in L*a*b*)."""
    fig = _figures()["field"]
    arrows = next(t for t in fig.data if t.name == theory.ARROW_NAME)
    heat = next(t for t in fig.data if t.type == "heatmap")   # plotly spells the scale out: [[0, "rgb(5,48,97)"], ...]
    stops = ["#%02x%02x%02x" % tuple(int(c) for c in plotly.colors.unlabel_rgb(colour))
             for _, colour in heat.colorscale]
    far = min(float(np.linalg.norm(_lab(arrows.line.color) - _lab(s))) for s in stops)
    assert far >= 40, f"the arrows' {arrows.line.color} is {far:.1f} from a colour of D's map"
