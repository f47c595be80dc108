"""Charts: the quality chart states its latest values and names its log ticks in full; a loss spike cannot
flatten the loss chart, and only the curves it draws set its axis (issue 13); 1-D real and fake histograms share
their bins; the smoothed curves are the debiased EMA of the points, checked against a sum written out here; the
presenter look has large type and its heights fit one 1280 x 720 screen (in a browser: test_browser_presenter.py)."""
import math

import numpy as np
import pytest

from ganlib.charts import look, palette
from ganlib.charts.look import FAINT
from ganlib.charts.quality import latest_text, quality_figure
from ganlib.charts.smooth import SMOOTHING, effective_weight, ema
from ganlib.charts.training import CURVES, FEW_POINTS, curve_names, loss_range, points_figure, training_figure
from ganlib.lab.meaning import meaning
from ganlib.run.history import Event


def history(d_loss):
    n = len(d_loss)
    return {"step": list(range(n)), "d_loss": d_loss, "g_loss": [0.3] * n, "value": [-1.3] * n,
            "d_real": [0.6] * n, "d_fake": [0.4] * n}


def test_quality_chart_title_states_the_latest_measurement():
    metrics = [(200, {"fid": 300.0, "classes_covered": 7}), (400, {"fid": 54.4, "classes_covered": 10})]
    assert latest_text(metrics, 18.8) == "step 400: Fréchet distance 54 (2.9x real vs real), 10 of 10 classes"
    fig = quality_figure(metrics, 18.8)
    assert fig.layout.annotations[0].text.startswith("step 400: Fréchet distance 54")
    assert 500 in fig.layout.yaxis.tickvals and fig.layout.yaxis.type == "log"


@pytest.mark.parametrize("name, label, dataset", [
    ("energy", "energy distance to real points", "spiral"),
    ("feature_fd", "Fréchet distance on random features", "folder"),
])
def test_the_spiral_moons_and_own_images_distances_are_labelled_with_their_floor(name, label, dataset):
    """Each distance is named for what it is, on a log axis whose small ticks read as numbers, with its
    real-vs-real floor as the dashed line; the note under the chart says what was measured."""
    from ganlib import TrainConfig
    from ganlib.words.describe import quality_note
    metrics = [(200, {name: 0.5}), (400, {name: 0.0123})]
    fig = quality_figure(metrics, 0.0014)
    trace = fig.data[0]
    assert trace.name.startswith(label) and "lower is better" in trace.name and list(trace.y) == [0.5, 0.0123]
    assert fig.layout.yaxis.type == "log" and 0.01 in fig.layout.yaxis.tickvals
    assert fig.layout.yaxis.exponentformat == "none"                          # 0.01, not "10m"
    floor = [t for t in fig.data if t.name == "real vs real"]   # named in the legend: a label on the plot sat on the curve
    assert len(floor) == 1 and list(floor[0].y) == [0.0014, 0.0014] and floor[0].line.dash == "dash"
    assert list(floor[0].x) == [200, 400] and not [a for a in fig.layout.annotations if a.text == "real vs real"]
    assert latest_text(metrics, 0.0014).startswith(f"step 400: {label.split(' to ')[0]} 0.012 (8.8x real vs real)")
    cfg = TrainConfig(dataset=dataset, data_path="mine/data/x.zip", model="toy-mlp" if dataset == "spiral" else "mlp")
    note = quality_note(cfg, metrics)
    assert ("Energy distance" if name == "energy" else "Fréchet distance on random features") in note
    assert "dashed line" in note and "A chart of sample quality appears" in quality_note(cfg, [])


def test_quality_text_for_points_and_1d():
    assert latest_text([(10, {"modes_covered": 8, "n_modes": 8, "high_quality": 0.956})]) == \
        "step 10: 8 of 8 modes, 96% high quality"
    assert latest_text([(10, {"js": 0.0213})]) == "step 10: JS 0.021"
    assert latest_text([]) == "quality of G's samples"


@pytest.mark.parametrize("name", ["gauss-1d", "ring8"])
@pytest.mark.parametrize("ema", [0.0, 0.999])
def test_the_train_page_names_the_g_its_js_and_mode_counts_measure(name, ema):
    """Issue 23: the Train page measures G's EMA when the run keeps one, the lab the raw G; each says which. The
    truth comes from the Trainer: the G it samples (and measures) is its EMA's copy exactly when ema > 0."""
    from ganlib import preset
    from ganlib.engine.trainer import Trainer
    from ganlib.words.describe import quality_note
    from ganlib.words.lab_text import EMA_G, RAW_G
    cfg = preset(name).replace(ema=ema)
    t = Trainer(cfg)
    right, wrong = (EMA_G, RAW_G) if t.sampler() is not t.G else (RAW_G, EMA_G)
    assert (right == EMA_G) == (ema > 0)
    metrics = [(100, {"js": 0.02})] if name == "gauss-1d" else [(100, {"modes_covered": 6, "n_modes": 8,
                                                                         "high_quality": 0.8})]
    fig = quality_figure(metrics, ema=ema)
    assert fig.layout.annotations[0].text.replace("<br>", " ").endswith(f"measured on {right}")
    assert all(t.hovertemplate.endswith(f", {right}</extra>") for t in fig.data)
    note = quality_note(cfg, metrics)
    assert right in note and wrong not in note and "moving average, as the samples" not in note
    presenter = quality_figure(metrics, presenter=True, ema=ema)   # no title there: the hover still names it
    assert all(right in t.hovertemplate for t in presenter.data)


def test_a_loss_spike_does_not_set_the_loss_axis():
    calm = [0.25 + 0.01 * math.sin(i) for i in range(200)]
    assert loss_range(history(calm)) is None          # nothing far out: plotly autoscales
    spiky = calm[:100] + [10.0] + calm[101:]
    lo, hi = loss_range(history(spiky))
    assert hi < 1.0 and lo > -2.0                      # the range fits the curves, not the spike
    fig = training_figure(history(spiky), loss="bce")
    assert list(fig.layout.yaxis.range) == [lo, hi]
    assert max(fig.data[0].y) == 10.0                  # the spike is still there to hover over


def test_1d_real_and_fake_histograms_share_their_bins():
    rng = np.random.default_rng(0)
    fig = points_figure(rng.normal(size=(64, 1)), rng.normal(2.0, 1.0, size=(2000, 1)))
    real, fake = fig.data
    assert real.xbins.start == fake.xbins.start and real.xbins.size == fake.xbins.size


# --- smoothed curves: the bold curve is TensorBoard's debiased EMA of the points, which stay drawn faint ---


def geometric_average(x, w):
    """Independent of ema(): point k is the average of points 0..k weighted w**(k - j), written as two sums."""
    x = np.asarray(x, dtype=float)
    out = []
    for k in range(len(x)):
        weights = w ** np.arange(k, -1, -1, dtype=float)
        out.append(float(weights @ x[:k + 1] / weights.sum()))
    return np.array(out)


def noisy(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return {"step": (t + 1).tolist(), "d_loss": (1.0 + 0.3 * rng.standard_normal(n)).tolist(),
            "g_loss": (2.0 - t / n + 0.5 * rng.standard_normal(n)).tolist(),
            "value": (-1.3 + 0.1 * rng.standard_normal(n)).tolist(),
            "d_real": np.clip(0.6 + 0.1 * rng.standard_normal(n), 0, 1).tolist(),
            "d_fake": np.clip(0.4 + 0.1 * rng.standard_normal(n), 0, 1).tolist()}


def by_name(fig):
    return {t.name: t for t in fig.data}


def test_ema_is_the_debiased_geometric_average():
    x = np.random.default_rng(1).normal(size=300)
    for w in (0.0, 0.6, 0.9, 0.99):
        assert np.allclose(ema(x, w), geometric_average(x, w), rtol=1e-12, atol=1e-12)
    assert ema([5.0, 5.0, 5.0], 0.9) == pytest.approx([5.0] * 3)   # no climb from 0 at the start


def test_ema_passes_a_nan_through_and_leaves_it_out_of_the_average():
    x = [1.0, 2.0, float("nan"), 3.0, 4.0]
    got = ema(x, 0.5)
    assert np.isnan(got[2])
    assert np.allclose(np.delete(got, 2), geometric_average([1.0, 2.0, 3.0, 4.0], 0.5))


@pytest.mark.parametrize("loss", ["bce", "wgan-gp"])
def test_training_chart_draws_each_curve_smoothed_over_its_points(loss):
    h = noisy(2000)
    fig = training_figure(h, loss=loss)
    shown = by_name(fig)
    keys = ["d_loss", "g_loss", "d_real", "d_fake"] + (["value"] if loss == "bce" else [])
    assert effective_weight(SMOOTHING, 2000) == SMOOTHING     # 2,000 points: the weight is not capped
    names = curve_names(meaning(loss))   # a critic's curves are named as scores, not as D(x)
    for key in keys:
        name = names[key]
        raw, bold = shown[name], shown[f"{name} (smoothed)"]
        assert list(raw.x) == list(bold.x) == h["step"]
        assert list(raw.y) == h[key]                                   # every point, unchanged
        assert raw.opacity == FAINT and not raw.showlegend
        assert np.allclose(bold.y, geometric_average(h[key], SMOOTHING))
        assert bold.line.width > raw.line.width and bold.opacity is None
        assert f"{name} (smoothed)" in bold.hovertemplate
        assert bold.legendgroup == raw.legendgroup                     # the legend hides and shows both
    assert "V(D, G)" in shown if loss == "bce" else "V(D, G)" not in shown
    assert "bold: smoothed" in fig.layout.annotations[0].text


def test_smoothing_zero_draws_the_points_only():
    fig = training_figure(noisy(500), smoothing=0)
    assert not [t for t in fig.data if "smoothed" in t.name]
    assert all(t.opacity is None for t in fig.data)
    assert list(by_name(fig)["D loss"].y) == noisy(500)["d_loss"]


def test_a_short_curve_is_smoothed_less_and_a_very_short_one_not_at_all():
    h = noisy(100)
    w = effective_weight(SMOOTHING, 100)
    assert w == pytest.approx(0.8)                  # the window 1 / (1 - w) = 5 points, 5% of 100
    assert np.allclose(by_name(training_figure(h))["D loss (smoothed)"].y, geometric_average(h["d_loss"], w))
    few = training_figure(noisy(FEW_POINTS))        # points with markers are measurements: no average
    assert not [t for t in few.data if "smoothed" in t.name]
    assert by_name(few)["D loss"].mode == "lines+markers"


def test_smoothing_outside_0_to_1_is_refused():
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(ValueError, match="smoothing"):
            training_figure(noisy(50), smoothing=bad)


# --- the loss axis spans what the chart draws (issue 13): V(D, G) is recorded for every loss, drawn for two ---

def run_like(loss, n=400, seed=0):
    """Losses on the scale of each loss (from ring8 runs), one spike in D's loss, and V drifting far down
    as the logits of an unbounded critic grow (wgan-gp, hinge) or sitting near -1.4 (lsgan)."""
    rng = np.random.default_rng(seed)
    centre, spread = {"bce": (1.35, 0.03), "minimax": (1.35, 0.03), "lsgan": (0.25, 0.04),
                      "wgan-gp": (1.0, 2.0), "hinge": (1.8, 0.4)}[loss]
    d = centre + spread * rng.standard_normal(n)
    d[n // 2] = centre + 50                          # one spike: the axis is set by the central 98%
    g = 0.7 * centre + spread * rng.standard_normal(n)
    v = -1.4 - (np.linspace(0, 40, n) if loss in ("wgan-gp", "hinge") else 0) + 0.05 * rng.standard_normal(n)
    return {"step": list(range(1, n + 1)), "d_loss": d.tolist(), "g_loss": g.tolist(), "value": v.tolist(),
            "d_real": [0.6] * n, "d_fake": [0.4] * n}


@pytest.mark.parametrize("loss", ["bce", "minimax", "lsgan", "wgan-gp", "hinge"])
def test_the_loss_axis_is_set_by_the_drawn_curves_only(loss):
    h = run_like(loss)
    fig = training_figure(h, loss=loss)
    panel = [t for t in fig.data if t.yaxis == "y" and t.opacity == FAINT]   # the loss panel's points
    drawn = {"d_loss", "g_loss"} | ({"value"} if loss in ("bce", "minimax") else set())
    assert {t.name for t in panel} == {CURVES[k][0] for k in drawn}
    values = np.concatenate([h[k] for k in drawn])   # from the history, not from the figure's own code
    lo, hi = np.percentile(values, [1, 99])
    pad = 0.15 * (hi - lo)
    assert list(fig.layout.yaxis.range) == pytest.approx([lo - pad, hi + pad])
    assert fig.layout.yaxis.range[0] >= values.min() - pad   # no lower than the lowest point drawn, padded
    if loss not in ("bce", "minimax"):
        assert min(h["value"]) < fig.layout.yaxis.range[0] - 1   # V lies far below, off the axis as it should


@pytest.mark.parametrize("loss", ["lsgan", "wgan-gp", "hinge"])
def test_without_spikes_the_loss_axis_autoscales_over_the_drawn_curves(loss):
    h = run_like(loss)
    h["d_loss"][len(h["d_loss"]) // 2] = h["d_loss"][0]   # no spike
    fig = training_figure(h, loss=loss)
    assert fig.layout.yaxis.range is None             # plotly autoscales over the traces it draws
    assert not [t for t in fig.data if t.name.startswith("V(D, G)")]


# --- the presenter look: large type, thick lines, legend on top, and the heights of one 1280 x 720 screen ---

DIGITS = [(s, {"fid": 300.0 / s, "classes_covered": 7, "class_histogram": [0.1] * 10}) for s in (100, 200, 300)]


def presenter_figures():
    pts = np.random.default_rng(0).normal(size=(64, 2))
    return {
        "training": (training_figure(noisy(2000), [Event(500, "lr_g", 2e-4, 1e-3)], presenter=True),
                     look.TRAINING_HEIGHT),
        "quality": (quality_figure(DIGITS, 18.8, presenter=True), look.QUALITY_HEIGHT),
        "points": (points_figure(pts, pts + 1, presenter=True), look.SAMPLES_PX),
    }


@pytest.mark.parametrize("name", ["training", "quality", "points"])
def test_presenter_figures_have_large_type_few_gridlines_and_the_legend_on_top(name):
    fig, height = presenter_figures()[name]
    big = look.PRESENTER.font
    assert fig.layout.height == height
    assert fig.layout.font.size == big >= 20 and fig.layout.hoverlabel.font.size == big
    axes = [fig.layout[k] for k in fig.layout if k.startswith(("xaxis", "yaxis"))]
    assert axes and all(a.tickfont.size == big for a in axes)       # Streamlit's theme would shrink them
    assert all(a.showgrid is False for a in axes if a.plotly_name.startswith("xaxis"))
    assert all(n.font.size >= look.PRESENTER.note >= 18 for n in fig.layout.annotations)
    legends = [fig.layout[k] for k in fig.layout if k.startswith("legend")]
    panel_tops = [a.domain[1] for a in axes if a.plotly_name.startswith("yaxis") and a.domain]
    assert legends
    for legend in legends:
        assert legend.orientation == "h" and legend.font.size >= 18
        # on top: above the top of the panel it belongs to (or of its labels' rows), never on a plot
        assert legend.yanchor == "bottom" and legend.yref == "paper" and min(panel_tops) <= legend.y <= 1
        assert any(0 <= legend.y - top < 0.15 for top in panel_tops)
    lines = [t for t in fig.data if t.type == "scatter" and "lines" in (t.mode or "lines") and t.opacity is None
             and t.line.color != palette.REFERENCE]
    assert all(t.line.width >= 4 for t in lines)


def test_the_presenter_training_chart_has_a_legend_above_each_panel_and_still_says_smoothed():
    fig, _ = presenter_figures()["training"]
    # the names as said, whatever lines look.fitted broke them into for the column's width
    top = [t.name.replace("<br>", " ") for t in fig.data if t.showlegend is not False and t.legend == "legend"]
    bottom = [t.name.replace("<br>", " ") for t in fig.data if t.showlegend is not False and t.legend == "legend2"]
    assert top == ["D loss", "G loss", "V(D, G)", "V at the optimum = -2 log 2"]
    assert bottom == ["D(x) real", "D(G(z)) fake", "optimum: D(x) = D(G(z)) = 1/2"]
    assert fig.layout.legend.title.text == fig.layout.legend2.title.text == "smoothed:"
    assert all("(smoothed)" in t.hovertemplate for t in fig.data
               if t.showlegend is not False and t.line.color != palette.REFERENCE)
    assert fig.layout.legend2.y == fig.layout.yaxis2.domain[1]             # right above D's panel
    assert fig.layout.legend.y > fig.layout.yaxis.domain[1]                # above the loss panel's row of labels


def test_the_presenter_layout_adds_up_to_one_1280_by_720_screen():
    assert look.SCREEN_PX == (1280, 720)
    for buttons in (False, True):
        above = look.TOP_PX + look.STATUS_PX + (look.BUTTONS_PX if buttons else 0)
        assert above + look.body_px(buttons) + look.MARGIN_PX == look.SCREEN_PX[1]
    assert sum(look.COLUMN_PX) + 2 * look.GAP_PX == look.CONTENT_PX == 1280 - 2 * look.SIDE_PX
    assert 360 <= look.SAMPLES_PX <= look.COLUMN_PX[0]                   # the grid is at least 360 px, in its column
    assert look.body_px(True) >= 500 and look.TRAINING_HEIGHT == look.QUALITY_HEIGHT == look.body_px()


def test_the_screen_look_is_unchanged_by_the_presenter_one():
    fig = training_figure(noisy(2000))
    assert fig.layout.height == 520 and fig.layout.font.size is None and fig.layout.legend.font.size == 12
    assert [a.text for a in fig.layout.annotations][:2] == [
        "D and G losses (bold: smoothed, faint: each point)",
        "D's verdict: mean D(x) = sigmoid(output) on real, D(G(z)) on fake"]
    assert quality_figure(DIGITS, 18.8).layout.height == 320


# --- cramped charts (issue 22): labels off the curves and off one another, upright ticks ---

def _alarm(kind, start, end):
    from ganlib.words.alarms import Alarm
    return Alarm(kind, start, end, "what", "advice")


@pytest.mark.parametrize("presenter", [False, True])
def test_tick_labels_are_never_turned(presenter):
    figs = [training_figure(noisy(2000), presenter=presenter), quality_figure(DIGITS, 18.8, presenter=presenter),
            points_figure(np.zeros((4, 2)), np.ones((4, 2)), presenter=presenter)]
    for fig in figs:
        axes = [fig.layout[k] for k in fig.layout if k.startswith("xaxis")]
        assert axes and all(a.tickangle == 0 for a in axes)


@pytest.mark.parametrize("presenter", [False, True])
def test_a_live_change_is_labelled_level_above_the_losses_never_over_a_curve(presenter):
    events = [Event(300, "lr_g", 2e-4, 1e-3), Event(300, "lr_d", 2e-4, 1e-3), Event(1500, "lr_g", 1e-3, 5e-4)]
    fig = training_figure(noisy(2000), events, presenter=presenter)
    notes = [a for a in fig.layout.annotations if "→" in a.text]
    top = fig.layout.yaxis.domain[1]
    assert notes and all(a.textangle in (None, 0) for a in notes)               # level, not on its side
    assert all(a.yref == "paper" and a.y == top and a.yanchor == "bottom" for a in notes)   # above the plot
    assert len({a.yshift for a in notes}) == len(notes)                         # a row each
    assert notes[0].text == "lr_g 1e-3 → 5e-4" and notes[0].font.size >= look.look(presenter).note >= 12
    if not presenter:   # two changes at one step share one label
        assert notes[1].text == "lr_g 2e-4 → 1e-3, lr_d 2e-4 → 1e-3"
    rows = len(notes) * look.look(presenter).row / (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b)
    assert fig.layout.legend.y == pytest.approx(top + rows)                      # the legend sits above the labels
    assert len([s for s in fig.layout.shapes if s.line.dash == "dot"]) == 2 * 3   # each change a line in both panels


@pytest.mark.parametrize("presenter", [False, True])
def test_three_alarms_at_one_step_are_named_in_rows_that_do_not_overlap(presenter):
    from ganlib.words.alarms import TITLES, Kind
    kinds = [Kind.D_OVERPOWERS, Kind.OSCILLATION, Kind.MODE_COLLAPSE]
    fig = training_figure(noisy(2000), alarms=[_alarm(k, 1000, 1500) for k in kinds], presenter=presenter)
    notes = [a for a in fig.layout.annotations if "⚠" in a.text]
    assert all(TITLES[k] in " ".join(a.text for a in notes) for k in kinds)      # each named once
    assert len({a.yshift for a in notes}) == len(notes)                          # one row per annotation
    width = look.COLUMN_PX[1] if presenter else look.SCREEN_WIDTH
    assert all(look.text_px(a.text, a.font.size) <= width for a in notes)        # a row fits the chart
    assert all(a.y == fig.layout.yaxis2.domain[1] and a.yanchor == "bottom" for a in notes)   # above D's plot
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == 2 * 3     # a band over both panels


def test_the_optimum_and_the_real_vs_real_floor_are_named_in_legends_not_on_the_plot():
    fig = training_figure(noisy(2000), loss="bce")
    texts = [a.text for a in fig.layout.annotations]
    assert not [t for t in texts if "optimum" in t]
    assert {"V at the optimum = -2 log 2", "optimum: D(x) = D(G(z)) = 1/2"} <= {t.name for t in fig.data}
    q = quality_figure(DIGITS, 18.8)
    assert not [a for a in q.layout.annotations if a.text in ("real vs real", "uniform")]
    bars = q.layout.yaxis3   # the histogram's axis: its one tick names the uniform share, beside the bars
    assert list(bars.tickvals) == [0.1] and list(bars.ticktext) == ["uniform"]
    assert [s.y0 for s in q.layout.shapes] == [0.1]


@pytest.mark.parametrize("presenter", [False, True])
def test_the_digits_quality_chart_keeps_its_legend_within_its_width(presenter):
    fig = quality_figure(DIGITS, 18.8, presenter=presenter)
    width = look.COLUMN_PX[2] if presenter else look.SCREEN_WIDTH
    size = fig.layout.legend.font.size
    for t in fig.data:
        if t.showlegend is not False:
            assert look.LEGEND_ITEM_PX + look.text_px(t.name, size) <= width, t.name
    if presenter:   # the histogram under the curves, in a column too narrow for both side by side
        assert fig.layout.yaxis3.domain[1] < fig.layout.yaxis.domain[0]


def test_a_legend_entry_wider_than_its_chart_is_broken_into_lines_that_fit():
    """plotly never breaks a legend entry and cuts it at the figure's edge: a class pass read "optimum: D = 1/2 where
    p" on a watcher's presenter column beside the sidebar (316 px). Each line fits, and the rows are reserved."""
    from ganlib.charts.look import LEGEND_ITEM_PX, fitted, legend_rows, text_px
    name = "optimum: D = 1/2 where p_g = p_data"
    assert fitted(name, 1000, 18) == name
    lines = fitted(name, 220, 18).split("<br>")
    assert " ".join(lines) == name and len(lines) >= 2
    assert all(LEGEND_ITEM_PX + text_px(line, 18) <= 220 for line in lines)
    assert legend_rows([fitted(name, 220, 18)], 220, 18) == len(lines)
    fig = training_figure(noisy(2000), presenter=True, loss="lsgan", width=316)
    for t in fig.data:
        assert all(text_px(line, 18) <= 316 for line in (t.name or "").split("<br>")), t.name
    assert fig.layout.xaxis2.tickformat == "~s"   # "6k": "0 2000 4000 6000" ran together there


def test_the_presenters_d_panel_names_its_curves_short_and_the_hover_in_full():
    """A class pass: "D(x) real (raw output)" and "optimum: D = 1/2 where p_g = p_data" stood six lines tall in
    the projector's column beside the sidebar, D's plot under them 60 px tall."""
    width = int(look.COLUMN_PX[1] * look.SIDEBAR_OPEN)
    fig = training_figure(noisy(2000), presenter=True, loss="lsgan", width=width)
    d_panel = [t for t in fig.data if t.legend == "legend2" and t.showlegend is not False]
    assert [t.name for t in d_panel] == ["D(x) real", "D(G(z)) fake", "optimum: D = 1/2"]
    assert "D(x) real (raw output) (smoothed)" in d_panel[0].hovertemplate
    before = training_figure(noisy(2000), loss="lsgan", width=width)   # the page's own view keeps them whole
    assert "D(x) real (raw output) (smoothed)" in [t.name for t in before.data]
