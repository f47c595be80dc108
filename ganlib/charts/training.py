"""Figures of a training run: losses and D's outputs over steps, and G's points against the real ones."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..describe import event_label
from . import palette

OPTIMUM_V = -2 * math.log(2)   # V(D*, G*) when p_g = p_data
MAX_EVENT_LINES, MAX_EVENT_LABELS = 100, 12   # beyond that they hide the curves
FEW_POINTS = 30   # up to this many steps the curves get markers too


def training_figure(history: dict, events=(), loss: str = "bce", height: int = 520) -> go.Figure:
    """Top: D and G losses (and V for bce/minimax); bottom: mean D(x) and D(G(z)); events as dotted lines."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("D and G losses", "D's verdict: mean D(x) on real, D(G(z)) on fake"))
    steps = list(history.get("step", ()))
    _line(fig, steps, history.get("d_loss", ()), "D loss", palette.D, 1)
    _line(fig, steps, history.get("g_loss", ()), "G loss", palette.G, 1)
    _line(fig, steps, history.get("d_real", ()), "D(x) real", palette.D_REAL, 2)
    _line(fig, steps, history.get("d_fake", ()), "D(G(z)) fake", palette.D_FAKE, 2)
    if loss in ("bce", "minimax"):  # the optimum of the original game; other losses have other scales
        _line(fig, steps, history.get("value", ()), "V(D, G)", palette.VALUE, 1, dash="dot")
        fig.add_hline(y=OPTIMUM_V, row=1, col=1, line_dash="dash", line_color=palette.REFERENCE,
                      annotation_text="V at the optimum = -2 log 2", annotation_position="bottom right")
        fig.add_hline(y=0.5, row=2, col=1, line_dash="dash", line_color=palette.REFERENCE,
                      annotation_text="optimum: D(x) = D(G(z)) = 0.5", annotation_position="top right")
    _events(fig, events)
    if (span := loss_range(history)) is not None:
        fig.update_yaxes(range=span, row=1, col=1)
    fig.update_yaxes(range=[-0.02, 1.02], row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="keep-zoom",
                      legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0))
    return fig


def loss_range(history: dict, q: float = 99.0) -> list[float] | None:
    """A y range for the losses that one spike cannot flatten: the central q% of the values, padded;
    None (autoscale) when nothing lies far outside it. The spikes stay in the data, for hovering."""
    values = np.concatenate([np.asarray(history.get(k, ()), dtype=float) for k in ("d_loss", "g_loss", "value")])
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return None
    lo, hi = np.percentile(values, [100 - q, q])
    pad = 0.15 * (hi - lo) or 0.1
    if values.min() >= lo - 3 * pad and values.max() <= hi + 3 * pad:
        return None
    return [float(lo - pad), float(hi + pad)]


def _line(fig, x, y, name, color, row, dash=None) -> None:
    # markers while there are few points: after one Step a lone point drawn as "lines" is invisible
    fig.add_trace(go.Scatter(x=x, y=list(y), name=name, mode="lines+markers" if len(x) <= FEW_POINTS else "lines",
                             line=dict(color=color, width=1.5, dash=dash)), row=row, col=1)


def _events(fig, events) -> None:
    events = list(events)[-MAX_EVENT_LINES:]
    for i, e in enumerate(events):
        fig.add_vline(x=e.step, line_dash="dot", line_color=palette.EVENT, line_width=1)
        if i >= len(events) - MAX_EVENT_LABELS:
            fig.add_annotation(x=e.step, y=1, xref="x", yref="y domain", text=event_label(e),
                               showarrow=False, textangle=-90, xanchor="right", yanchor="top",
                               font=dict(size=11, color=palette.EVENT))


def points_figure(fake: np.ndarray, real: np.ndarray | None = None, height: int = 420) -> go.Figure:
    """G's points (from the fixed z) over the real ones: a scatter for 2-D data, histograms for 1-D."""
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
                                     marker=dict(color=palette.REAL, size=4)))
        fig.add_trace(go.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="fake (G)",
                                 marker=dict(color=palette.FAKE, size=6)))
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
        fig.update_xaxes(constrain="domain")  # keep the data's ranges and shrink the box, rather than widen x
        if real is not None:  # fixed axes from the real data, so frames compare; G's strays may leave the view
            lo, hi = real.min(0), real.max(0)
            pad = 0.3 * (hi - lo)
            fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]])
            fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]])
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    return fig
