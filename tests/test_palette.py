"""The chart palette: every meaning has its own colour, told apart by eye, and every chart draws its traces,
reference lines and event marks in the palette's colour for what they mean (checked by trace name)."""
import itertools

import numpy as np
import pytest

from ganlib.charts import latent, palette, quality, theory, training
from ganlib.run.history import Event
from ganlib.lab.gradients import g_loss_curves
from ganlib.lab.views import View1D, View2D

P = palette
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
    theory.WARP_NAME: P.G, theory.ARROW_NAME: P.G,
    theory.GRAD_NAMES["minimax"]: P.MINIMAX, theory.GRAD_NAMES["non_saturating"]: P.NON_SATURATING,
    theory.GRAD_NAMES["minimax"] + " (before: ring8)": P.MINIMAX,
    theory.GRAD_NAMES["non_saturating"] + " (before: ring8)": P.NON_SATURATING,
    "minimax-stall: minimax G": P.MINIMAX, "minimax-stall-ns: bce G": P.NON_SATURATING,
    "G(your z)": P.YOU, "your z": P.YOU, "G(z)": P.G, "real x": P.REAL, "G(z), z ~ N(0, 1)": P.FAKE,
    **{label: METRIC[k] for k, (label, _, _) in quality.CURVES.items()},
    "share of samples": METRIC["classes_covered"],
    # the training chart's bold curves: the same meaning as the faint points under them
    "D loss (smoothed)": P.D, "G loss (smoothed)": P.G, "D(x) real (smoothed)": P.D_REAL,
    "D(G(z)) fake (smoothed)": P.D_FAKE, "V(D, G) (smoothed)": P.VALUE,
    # D's output under the other losses (ganlib/lab/meaning.py): the same meanings, in raw units
    "D(x) real (raw output)": P.D_REAL, "D(G(z)) fake (raw output)": P.D_FAKE,
    "critic f(x) real": P.D_REAL, "critic f(G(z)) fake": P.D_FAKE,
}
SCALES = {"G(z), z on a grid"}   # coloured by a colour scale (where z sits), not by one meaning


def _lab(colour: str) -> np.ndarray:
    """CIE L*a*b* of an sRGB colour, where distance is roughly what an eye sees."""
    c = np.array(P.rgb(colour)) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    f = np.cbrt(xyz / [0.95047, 1.0, 1.08883])
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_no_two_meanings_share_a_colour_or_look_alike():
    meanings = P.meanings()
    assert {"D", "G", "REAL", "FAKE", "D_REAL", "D_FAKE", "EVENT", "metric fid"} <= set(meanings)
    for (a, ca), (b, cb) in itertools.combinations(meanings.items(), 2):
        assert ca.lower() != cb.lower(), f"{a} and {b} share {ca}"
        assert np.linalg.norm(_lab(ca) - _lab(cb)) > 20, f"{a} ({ca}) and {b} ({cb}) look alike"


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
        if trace.name in SCALES or trace.type == "heatmap":
            continue
        assert trace.name in EXPECTED, f"{name}: trace {trace.name!r} has no meaning in this test's spec"
        assert _colour(trace) == EXPECTED[trace.name], f"{name}: {trace.name!r} drawn in {_colour(trace)}"
    for shape in fig.layout.shapes:       # reference lines (optimum, uniform, real vs real) and events
        assert shape.line.color in colours, f"{name}: a line in {shape.line.color}, not a palette colour"
    for note in fig.layout.annotations:
        assert note.font.color is None or note.font.color in colours, f"{name}: text in {note.font.color}"


def test_the_timeline_gif_paints_points_in_the_chart_colours():
    from ganlib.classroom.downloads import FAKE_RGB, REAL_RGB
    assert (REAL_RGB, FAKE_RGB) == (P.rgb(P.REAL), P.rgb(P.FAKE))
