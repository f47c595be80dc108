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
from ganlib.charts.look import (CHAR_EM, COLUMN_PX, FAINT, SAMPLES_PX, SCREEN_WIDTH, TRAINING_HEIGHT, Panel,
                                bottom_px, fitted, legible, look, present, stack, text_px)
from ganlib.charts.smooth import SMOOTHING, effective_weight, ema

MAX_EVENT_LINES = 100          # beyond that they hide the curves
MAX_EVENT_LABELS = {False: 2, True: 1}   # labelled live changes (the newest), one row each; older ones: a line only
FEW_POINTS = 30   # up to this many steps the curves get markers too
RAW = " (raw output)"   # what the curves of a raw output's losses (lsgan, hinge) are named with (lab/meaning.py)

# column -> (name, colour, row, dash); the losses on top, D's verdicts below (named by the loss's Meaning: these are
# bce's). Two curves of a panel differ in dash as well as in colour (ganlib/charts/palette.py)
CURVES = {
    "d_loss": ("D loss", palette.D, 1, palette.DASH["D"]),
    "g_loss": ("G loss", palette.G, 1, palette.DASH["G"]),
    "value": ("V(D, G)", palette.VALUE, 1, palette.DASH["VALUE"]),
    "d_real": ("D(x) real", palette.D_REAL, 2, palette.DASH["D_REAL"]),
    "d_fake": ("D(G(z)) fake", palette.D_FAKE, 2, palette.DASH["D_FAKE"]),
}


def drawn_losses(loss: str) -> tuple[str, ...]:
    """The history columns the loss panel draws for a loss: V(D, G) only for the original game's losses, the
    probability losses, where V and its optimum mean something (the trainer records it for every loss, but on
    lsgan, wgan-gp and hinge it is on another scale)."""
    return ("d_loss", "g_loss", "value") if LOSSES[loss].probability else ("d_loss", "g_loss")


def training_figure(history: dict, events=(), loss: str | Meaning = "bce", height: int | None = None,
                    smoothing: float = SMOOTHING, presenter: bool = False, alarms=(),
                    title_chars: int | None = None, width: int | None = None) -> go.Figure:
    """Top: D and G losses (and V for bce/minimax); bottom: D's mean output on real and fake, in the loss's
    meaning, with its reference lines (ganlib/lab/meaning.py) as dashed lines named in the legend; live changes
    as dotted lines, the newest labelled above the losses.

    loss: a loss name, or the run's Meaning (which knows its label smoothing: meaning.of_config);
    smoothing: the EMA weight of the bold curves, 0 <= smoothing < 1 (0: the points only, drawn bold);
    presenter: large type and thick lines for a projector, TRAINING_HEIGHT tall unless `height` says;
    alarms: ganlib.words.alarms.Alarm, each marked as a band over the steps it looked at, named above D's panel;
    title_chars: the panels' titles wrapped at this many characters (a title does not wrap by itself: D's panel
    lost both its ends on a class student's page); width: about how wide it is drawn, for the room its legends
    and labels need (the presenter's column, or half a page)."""
    m = loss if isinstance(loss, Meaning) else meaning(loss)
    loss, names = m.loss, curve_names(m)
    lk = look(presenter)
    width = width or (COLUMN_PX[1] if presenter else SCREEN_WIDTH)
    # numpy arrays, not lists: plotly checks a list item by item, which took most of the time of a redraw
    steps = np.asarray(history.get("step", ()))
    weight = effective_weight(smoothing, len(steps))   # (and a ValueError for a smoothing outside 0..1)
    if len(steps) <= FEW_POINTS:   # each point gets a marker, and a marker says "measured here": such curves stay raw
        weight = 0.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
    keys = [k for k in CURVES if k in drawn_losses(loss) or CURVES[k][2] == 2]
    if weight:  # every point faint first, so that no smoothed curve is drawn under another's points
        for key in keys:
            _, colour, row, _ = CURVES[key]
            fig.add_trace(go.Scatter(x=steps, y=_floats(history, key), name=names[key], mode="lines",
                                     opacity=FAINT, legendgroup=names[key], showlegend=False, legend=_legend(row),
                                     line=dict(color=colour, width=lk.faint_line)), row=row, col=1)
    for key in keys:
        _, colour, row, dash = CURVES[key]
        name, y = names[key], _floats(history, key)
        label = f"{name} (smoothed)" if weight else name
        # the presenter's legend is short, titled "smoothed:"; the hover says it in full
        fig.add_trace(go.Scatter(x=steps, y=ema(y, weight) if weight else y, name=name if presenter else label,
                                 legendgroup=name, legend=_legend(row),
                                 hovertemplate=f"step %{{x}}<br>%{{y:.4g}}<extra>{label}</extra>",
                                 # markers while there are few points: after one Step a lone point drawn as
                                 # "lines" is invisible
                                 mode="lines+markers" if len(steps) <= FEW_POINTS else "lines",
                                 line=dict(color=colour, width=lk.line, dash=dash)),
                      row=row, col=1)
    _reference_lines(fig, m, steps, lk)
    labels = _event_labels(events, lk)
    alarm_rows = _alarm_rows(alarms, width, lk)
    legend_title = "smoothed:" if presenter and weight else ""
    if presenter:   # short names: "D(x) real (raw output)" and the optimum's sentence stood six lines tall in the
        # projector's column, the plot under them 60 px (a class pass); the hover says them in full
        for t in fig.data:
            t.name = t.name.removesuffix(RAW).split(" where ")[0]
    # a legend too wide for the figure starts at its left edge (plotly moves it), beyond the plot's
    room = width - (text_px(legend_title, lk.note) + 8 if legend_title else 0)
    for t in fig.data:   # an entry wider than the chart is cut at its edge: broken onto two lines instead
        t.name = fitted(t.name, room, lk.note)
    legends = [tuple(t.name for t in fig.data if t.showlegend is not False and t.legend == name)
               for name in ("legend", "legend2")]
    titles = ("", "") if presenter else (
        "D and G losses" + (" (bold: smoothed, faint: each point)" if weight else ""), m.panel)
    chars = title_chars or int(width / (lk.note * CHAR_EM))
    titles = tuple("<br>".join(textwrap.wrap(t, chars)) for t in titles)
    tops = stack(fig, [Panel(titles[0], legends[0], legend_title, len(labels)),
                       Panel(titles[1], legends[1], legend_title, len(alarm_rows))],
                 height or (TRAINING_HEIGHT if presenter else 520), width, lk, bottom_px(lk))
    _events(fig, events, labels, steps, tops[0], lk)
    _alarm_marks(fig, alarms, alarm_rows, tops[1], lk)
    if (span := loss_range(history, loss)) is not None:
        fig.update_yaxes(range=span, row=1, col=1)
    if m.bounded:   # a probability: 0..1; raw outputs and a critic's scores have no fixed range
        fig.update_yaxes(range=[-0.02, 1.02], row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_layout(uirevision="keep-zoom", showlegend=True)
    legible(fig, lk)
    if presenter:
        present(fig, steps=(1, 2))
        if m.bounded:
            fig.update_yaxes(tickvals=[0, 0.5, 1], row=2, col=1)   # three ticks say all there is on a 0..1 scale
    return fig


def curve_names(m: Meaning) -> dict[str, str]:
    """The name of each history column's curve under the loss's meaning."""
    return {**{k: v[0] for k, v in CURVES.items()}, "d_real": m.real_name, "d_fake": m.fake_name}



def _reference_lines(fig, m: Meaning, steps: np.ndarray, lk) -> None:
    """V at the optimum (bce, minimax: V is their game's value) and D's own lines (1/2, the margins), each a dashed
    line across the steps named in its panel's legend: a label on the plot sat on the curves, which come to these
    lines as training goes well."""
    lines = [(1, *m.value_line)] if m.value_line is not None and LOSSES[m.loss].probability else []
    lines += [(2, y, text) for y, text in m.lines]
    span = [steps[0], steps[-1]] if len(steps) else []
    for row, y, text in lines:
        fig.add_trace(go.Scatter(x=span, y=[y] * len(span), name=text, mode="lines", legend=_legend(row),
                                 hoverinfo="skip", line=dict(color=palette.REFERENCE, width=max(1.5, lk.line / 2),
                                                             dash=palette.DASH["REFERENCE"])), row=row, col=1)



def _floats(history: dict, key: str) -> np.ndarray:
    return np.asarray(history.get(key, ()), dtype=float)


def _legend(row: int) -> str:
    return "legend2" if row == 2 else "legend"


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


def _alarm_rows(alarms, width: float, lk) -> list[str]:
    """The alarms' titles, packed into as few rows as fit `width`: three labels at one step printed over one
    another."""
    rows: list[list[str]] = []
    for title in dict.fromkeys(f"⚠ {a.title}" for a in alarms):
        if rows and text_px(" · ".join(rows[-1] + [title]), lk.note) <= width - 20:
            rows[-1].append(title)
        else:
            rows.append([title])
    return [" · ".join(r) for r in rows]


def _alarm_marks(fig, alarms, rows: list[str], top: float, lk) -> None:
    """Each alarm a band over the steps it looked at, and their names in rows of their own above D's panel."""
    for a in alarms:
        fig.add_vrect(x0=a.start, x1=max(a.end, a.start + 1), fillcolor=palette.ALARM, opacity=0.12, layer="below",
                      line=dict(color=palette.ALARM, width=0), row="all", col=1)
    for i, text in enumerate(reversed(rows)):
        fig.add_annotation(x=0, xref="paper", y=top, yref="paper", yshift=i * lk.row, text=text, showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(size=lk.note, color=palette.ALARM))


def _event_labels(events, lk) -> list[tuple[int, str]]:
    """(step, label) of the newest live changes that get a label, one row each; changes at one step share one."""
    at: dict[int, list[str]] = {}
    for e in list(events)[-MAX_EVENT_LINES:]:
        at.setdefault(e.step, []).append(event_label(e))
    return [(step, ", ".join(texts)) for step, texts in at.items()][-MAX_EVENT_LABELS[lk.presenter]:]


def _events(fig, events, labels, steps: np.ndarray, top: float, lk) -> None:
    """A dotted line at each live change; the newest labelled level, above the loss panel, in a row each (a label
    turned on its side and drawn over the curves could not be read)."""
    for e in list(events)[-MAX_EVENT_LINES:]:
        fig.add_vline(x=e.step, line_dash=palette.DASH["EVENT"], line_color=palette.EVENT,
                      line_width=1 if not lk.presenter else 2)
    lo, hi = (float(steps[0]), float(steps[-1])) if len(steps) else (0.0, 1.0)
    for i, (step, text) in enumerate(reversed(labels)):
        right = step > (lo + hi) / 2   # the label runs away from the nearer edge, so that it is not cut off
        fig.add_annotation(x=step, xref="x", y=top, yref="paper", yshift=i * lk.row, text=text, showarrow=False,
                           xanchor="right" if right else "left", yanchor="bottom",
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
    stack(fig, [Panel(legend=tuple(t.name for t in fig.data))], height or (SAMPLES_PX if presenter else 420),
          COLUMN_PX[0] if presenter else SCREEN_WIDTH, lk, bottom_px(lk, title=fake.shape[1] == 1))
    legible(fig, lk)
    if presenter:
        present(fig)
    return fig
