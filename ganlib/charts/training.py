"""Figures of a training run: losses and D's outputs over steps, and G's points against the real ones.

The curves are drawn twice: each point faint, and a smoothed average of them
bold (ganlib/charts/smooth.py), so that a long run's noise reads as a band
around a trend instead of a solid block.
"""
from __future__ import annotations


import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganlib.engine.kinds import LOSSES
from ganlib.words.describe import event_label
from ganlib.lab.meaning import Meaning, meaning
from ganlib.charts import palette
from ganlib.charts.look import FAINT, SAMPLES_PX, TRAINING_HEIGHT, look, present
from ganlib.charts.smooth import SMOOTHING, effective_weight, ema

MAX_EVENT_LINES, MAX_EVENT_LABELS = 100, 12   # beyond that they hide the curves
MAX_EVENT_LABELS_PRESENTER = 4                # large type: fewer labels before they hide the curves
FEW_POINTS = 30   # up to this many steps the curves get markers too
TITLE_LINE_PX = 16   # a wrapped title's second line, in the top margin

# column -> (name, colour, row); the losses on top, D's verdicts below (named by the loss's Meaning: these are bce's)
CURVES = {
    "d_loss": ("D loss", palette.D, 1),
    "g_loss": ("G loss", palette.G, 1),
    "value": ("V(D, G)", palette.VALUE, 1),
    "d_real": ("D(x) real", palette.D_REAL, 2),
    "d_fake": ("D(G(z)) fake", palette.D_FAKE, 2),
}


def drawn_losses(loss: str) -> tuple[str, ...]:
    """The history columns the loss panel draws for a loss: V(D, G) only for the original game's losses, the
    probability losses, where V and its optimum mean something (the trainer records it for every loss, but on
    lsgan, wgan-gp and hinge it is on another scale)."""
    return ("d_loss", "g_loss", "value") if LOSSES[loss].probability else ("d_loss", "g_loss")


def training_figure(history: dict, events=(), loss: str | Meaning = "bce", height: int | None = None,
                    smoothing: float = SMOOTHING, presenter: bool = False, alarms=(),
                    title_chars: int | None = None) -> go.Figure:
    """Top: D and G losses (and V for bce/minimax); bottom: D's mean output on real and fake, in the loss's
    meaning, with its reference lines (ganlib/lab/meaning.py); events as dotted lines.

    loss: a loss name, or the run's Meaning (which knows its label smoothing: meaning.of_config);
    smoothing: the EMA weight of the bold curves, 0 <= smoothing < 1 (0: the points only, drawn bold);
    presenter: large type and thick lines for a projector, TRAINING_HEIGHT tall unless `height` says;
    alarms: ganlib.words.alarms.Alarm, each marked as a band over the steps it looked at;
    title_chars: the panels' titles wrapped at this many characters, for a chart half a screen wide (a title does
    not wrap by itself: D's panel lost both its ends on a class student's page)."""
    m = loss if isinstance(loss, Meaning) else meaning(loss)
    loss, names = m.loss, curve_names(m)
    lk = look(presenter)
    # numpy arrays, not lists: plotly checks a list item by item, which took most of the time of a redraw
    steps = np.asarray(history.get("step", ()))
    weight = effective_weight(smoothing, len(steps))   # (and a ValueError for a smoothing outside 0..1)
    if len(steps) <= FEW_POINTS:   # each point gets a marker, and a marker says "measured here": such curves stay raw
        weight = 0.0
    titles = None if presenter else (  # the presenter's legends head the panels instead
        "D and G losses" + (" (bold: smoothed, faint: each point)" if weight else ""),
        m.panel)
    if titles and title_chars:
        titles = tuple("<br>".join(textwrap.wrap(t, title_chars)) for t in titles)
    extra = max(t.count("<br>") for t in titles) if titles else 0   # lines more than one, in the tallest title
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        vertical_spacing=0.14 if presenter else 0.08 + 0.05 * extra, subplot_titles=titles)
    keys = [k for k in CURVES if k in drawn_losses(loss) or CURVES[k][2] == 2]
    if weight:  # every point faint first, so that no smoothed curve is drawn under another's points
        for key in keys:
            _, colour, row = CURVES[key]
            name = names[key]
            fig.add_trace(go.Scatter(x=steps, y=_floats(history, key), name=name, mode="lines", opacity=FAINT,
                                     legendgroup=name, showlegend=False, legend=_legend(row, presenter),
                                     line=dict(color=colour, width=lk.faint_line)), row=row, col=1)
    for key in keys:
        _, colour, row = CURVES[key]
        name, y = names[key], _floats(history, key)
        label = f"{name} (smoothed)" if weight else name
        # the presenter's legend is one short row per panel, titled "smoothed:"; the hover still says it
        fig.add_trace(go.Scatter(x=steps, y=ema(y, weight) if weight else y, name=name if presenter else label,
                                 legendgroup=name, legend=_legend(row, presenter),
                                 hovertemplate=f"step %{{x}}<br>%{{y:.4g}}<extra>{label}</extra>",
                                 # markers while there are few points: after one Step a lone point drawn as
                                 # "lines" is invisible
                                 mode="lines+markers" if len(steps) <= FEW_POINTS else "lines",
                                 line=dict(color=colour, width=lk.line, dash="dot" if key == "value" else None)),
                      row=row, col=1)
    _reference_lines(fig, m)
    _events(fig, events, lk)
    _alarm_marks(fig, alarms, lk)
    if (span := loss_range(history, loss)) is not None:
        fig.update_yaxes(range=span, row=1, col=1)
    if m.bounded:   # a probability: 0..1; raw outputs and a critic's scores have no fixed range
        fig.update_yaxes(range=[-0.02, 1.02], row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_layout(height=height or (TRAINING_HEIGHT if presenter else 520),
                      margin=dict(l=10, r=10, t=40 + TITLE_LINE_PX * extra, b=10),
                      uirevision="keep-zoom", legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0))
    if presenter:
        present(fig)
        if m.bounded:
            fig.update_yaxes(tickvals=[0, 0.5, 1], row=2, col=1)   # three ticks say all there is on a 0..1 scale
        # one legend on top of each panel, in its free space above the panel's plot
        title = dict(text="smoothed:" if weight else "", font=dict(size=lk.note), side="left")
        for name, axis in (("legend", fig.layout.yaxis), ("legend2", fig.layout.yaxis2)):
            fig.layout[name] = dict(orientation="h", yref="paper", y=axis.domain[1], yanchor="bottom", x=0,
                                    xanchor="left", font=dict(size=lk.note), title=title, bgcolor="rgba(0,0,0,0)")
    return fig


def curve_names(m: Meaning) -> dict[str, str]:
    """The name of each history column's curve under the loss's meaning."""
    return {**{k: v[0] for k, v in CURVES.items()}, "d_real": m.real_name, "d_fake": m.fake_name}


def _reference_lines(fig, m: Meaning) -> None:
    """V at the optimum (bce, minimax: V is their game's value) and D's own lines (1/2, the margins)."""
    if m.value_line is not None and LOSSES[m.loss].probability:
        fig.add_hline(y=m.value_line[0], row=1, col=1, line_dash="dash", line_color=palette.REFERENCE,
                      annotation_text=m.value_line[1], annotation_position="bottom right")
    for y, text in m.lines:
        fig.add_hline(y=y, row=2, col=1, line_dash="dash", line_color=palette.REFERENCE,
                      annotation_text=text, annotation_position="top right")


def _floats(history: dict, key: str) -> np.ndarray:
    return np.asarray(history.get(key, ()), dtype=float)


def _legend(row: int, presenter: bool) -> str:
    return "legend2" if presenter and row == 2 else "legend"


def loss_range(history: dict, loss: str = "bce", q: float = 99.0) -> list[float] | None:
    """A y range for the loss panel that one spike cannot flatten: the central 2q - 100 % of the points it
    draws (drawn_losses), padded; None (autoscale) when nothing lies far outside that. Only drawn series
    count: V(D, G), recorded but not drawn for lsgan, wgan-gp and hinge, stretched their axis over empty space.
    The smoothed curves are averages of these points, so they lie within their extremes; the spikes stay in
    the data, for hovering."""
    values = np.concatenate([np.asarray(history.get(k, ()), dtype=float) for k in drawn_losses(loss)])
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return None
    lo, hi = np.percentile(values, [100 - q, q])
    pad = 0.15 * (hi - lo) or 0.1
    if values.min() >= lo - 3 * pad and values.max() <= hi + 3 * pad:
        return None
    return [float(lo - pad), float(hi + pad)]


def _alarm_marks(fig, alarms, lk) -> None:
    for a in alarms:
        fig.add_vrect(x0=a.start, x1=max(a.end, a.start + 1), fillcolor=palette.ALARM, opacity=0.12,
                      line=dict(color=palette.ALARM, width=0), row="all", col=1)
        fig.add_annotation(x=a.end, y=0, xref="x", yref="y domain", text=f"⚠ {a.title}", showarrow=False,
                           xanchor="right", yanchor="bottom", font=dict(size=lk.note, color=palette.ALARM))


def _events(fig, events, lk) -> None:
    events = list(events)[-MAX_EVENT_LINES:]
    labels = MAX_EVENT_LABELS if not lk.presenter else MAX_EVENT_LABELS_PRESENTER
    for i, e in enumerate(events):
        fig.add_vline(x=e.step, line_dash="dot", line_color=palette.EVENT, line_width=1 if not lk.presenter else 2)
        if i >= len(events) - labels:
            fig.add_annotation(x=e.step, y=1, xref="x", yref="y domain", text=event_label(e),
                               showarrow=False, textangle=-90, xanchor="right", yanchor="top",
                               font=dict(size=lk.note, color=palette.EVENT))


def points_figure(fake: np.ndarray, real: np.ndarray | None = None, height: int | None = None,
                  presenter: bool = False) -> go.Figure:
    """G's points (from the fixed z) over the real ones: a scatter for 2-D data, histograms for 1-D.

    presenter: large type and points for a projector, SAMPLES_PX tall unless `height` says."""
    lk = look(presenter)
    fig = go.Figure()
    if fake.shape[1] == 1:
        # the same bins for both, so that the overlap reads as overlap and not as a third series
        both = fake[:, 0] if real is None else np.concatenate([real[:, 0], fake[:, 0]])
        bins = dict(start=float(both.min()), end=float(both.max()), size=float(np.ptp(both)) / 50 or 1.0)
        if real is not None:
            fig.add_trace(go.Histogram(x=real[:, 0], name="real", histnorm="probability density",
                                       marker_color=palette.REAL, opacity=0.6, xbins=bins))
        fig.add_trace(go.Histogram(x=fake[:, 0], name="fake (G)", histnorm="probability density",
                                   marker_color=palette.FAKE, opacity=0.6, xbins=bins))
        fig.update_layout(barmode="overlay", xaxis_title="x")
    else:
        if real is not None:
            fig.add_trace(go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                                     marker=dict(color=palette.REAL, size=lk.real_marker)))
        fig.add_trace(go.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="fake (G)",
                                 marker=dict(color=palette.FAKE, size=lk.marker)))
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
        fig.update_xaxes(constrain="domain")  # keep the data's ranges and shrink the box, rather than widen x
        if real is not None:  # fixed axes from the real data, so frames compare; G's strays may leave the view
            lo, hi = real.min(0), real.max(0)
            pad = 0.3 * (hi - lo)
            fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]])
            fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]])
    fig.update_layout(height=height or (SAMPLES_PX if presenter else 420), margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    if presenter:
        present(fig)
    return fig
