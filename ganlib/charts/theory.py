"""Figures of the Theory lab: densities and D in 1-D, D's map in 2-D, V(D, G), G's two losses."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ganlib.engine.kinds import StrEnum
from ganlib.lab.meaning import OutputKind, meaning
from ganlib.lab.optimum import OPTIMUM_VALUE
from ganlib.lab.views import View1D, View2D
from ganlib.charts import palette

MARGIN = dict(l=10, r=10, t=40, b=10)
D_STAR_NAME = meaning("bce").star_name   # "... against the raw G": the G that D trains against, not its EMA
V_STAR_NAME = "V(D*, G) = -log 4 + 2 JS (the best D's score)"


def density_figure(v: View1D) -> go.Figure:
    """p_data and p_g (left axis) with D(x) and D*(x) in the loss's meaning (right axis) on one x grid."""
    m = v.meaning
    traces = [
        go.Scatter(x=v.x, y=v.p_data, name="p_data (real)", line=dict(color=palette.REAL), fill="tozeroy"),
        go.Scatter(x=v.x, y=v.p_g, name="p_g (G's density)", line=dict(color=palette.FAKE), fill="tozeroy"),
        go.Scatter(x=v.x, y=v.d, name=m.name, line=dict(color=palette.D_REAL, width=3), yaxis="y2"),
    ]
    if m.star_name:
        traces.append(go.Scatter(x=v.x, y=v.d_star, name=m.star_name, line=dict(color=palette.D_STAR, dash="dash"),
                                 yaxis="y2"))
    traces += [go.Scatter(x=[v.x[0], v.x[-1]], y=[y, y], name="1/2" if y == 0.5 else text,
                          mode="lines", line=dict(color=palette.REFERENCE, dash="dot", width=1), yaxis="y2")
               for y, text in m.lines]
    fig = go.Figure(traces)
    p_max = float(np.nanmax([v.p_data.max(), v.p_g.max()]))
    fig.update_layout(
        title="Densities and the detective" if m.kind is not OutputKind.CRITIC else "Densities and the critic",
        margin=MARGIN, xaxis_title="x",
        yaxis=dict(title="density", range=[0, 1.05 * min(p_max, 5 * float(v.p_data.max()))]),
        yaxis2=dict(title=m.name, overlaying="y", side="right", showgrid=False, **_d_axis(v)),
        legend=dict(orientation="h", y=-0.2),
    )
    return fig


def _d_axis(v: View1D) -> dict:
    """0..1 for a probability; for raw outputs and critics, their own range and their lines."""
    if v.meaning.kind is OutputKind.PROBABILITY:
        return dict(range=[0, 1.02], tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1])
    values = np.concatenate([v.d[np.isfinite(v.d)], v.d_star[np.isfinite(v.d_star)], [y for y, _ in v.meaning.lines]])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * max(hi - lo, 1e-3)
    return dict(range=[lo - pad, hi + pad])


# what blue means on D's map, per kind of output; where a raw output's colour scale is centred
FIELD_TITLE = {OutputKind.PROBABILITY: "blue: D says real", "lsgan": "blue: nearer the real target 1",
               OutputKind.SCORE: "blue: above 0, on the real side of the hinge",
               OutputKind.CRITIC: "blue: scored as more real"}
FIELD_MIDDLE = {"lsgan": 0.5, "hinge": 0.0}


class Map(StrEnum):
    """What field_figure's heat map shows; each is its own label (the lab's radio shows them as they are)."""
    D = "D"
    D_STAR = "D*"
    GAP = "D - D*"


def field_figure(v: View2D, points: int = 1000, show: Map = Map.D) -> go.Figure:
    """A heat map under the real and fake points (and the mixture's modes, when known): D(x), the best D*(x)
    against the raw G (grey where it is unknown: optimum.optimal_2d), or D - D*, all
    in the loss's units. D* falls back to D where the view has none (a critic; data of unknown density).

    Draws at most `points` of each kind: thousands of SVG markers redrawn every second lag in a browser.
    """
    m = v.meaning
    show = Map(show) if v.d_star is not None else Map.D
    scale = dict(zmin=0, zmax=1) if m.kind is OutputKind.PROBABILITY else dict(zmid=FIELD_MIDDLE.get(m.loss))
    z, name = {Map.D: (v.d, m.name), Map.D_STAR: (v.d_star, "D*(x)"),
               Map.GAP: (v.d - v.d_star if show is not Map.D else None, "D - D*")}[show]
    if show is Map.GAP:   # centred on 0: blue where D says "more real" than the best D would
        reach = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
        scale = dict(zmin=-reach, zmax=reach, zmid=0.0)
    elif v.d_star is not None and m.kind is not OutputKind.PROBABILITY:   # D and D* on one scale: the maps read alike
        mid = FIELD_MIDDLE.get(m.loss, 0.0)
        reach = float(np.nanmax(np.abs(np.concatenate([v.d.ravel(), v.d_star.ravel()]) - mid)))
        scale = dict(zmin=mid - reach, zmax=mid + reach)
    traces = [go.Heatmap(x=v.xs, y=v.ys, z=z, colorscale="RdBu", opacity=0.6, colorbar=dict(title=name),
                         hovertemplate=f"x %{{x:.2f}}, %{{y:.2f}}<br>{name} %{{z:.2f}}<extra></extra>", **scale)]
    if show is not Map.D:   # where D* is unknown: grey, not blank, so that no one reads white as "D* = 1/2"
        unknown = np.where(np.isnan(v.d_star), 1.0, np.nan)
        traces.append(go.Heatmap(x=v.xs, y=v.ys, z=unknown, colorscale=[[0, UNKNOWN], [1, UNKNOWN]],
                                 showscale=False, name=UNKNOWN_NAME, hovertemplate=f"{UNKNOWN_NAME}<extra></extra>"))
    if v.modes is not None:
        traces.append(go.Scatter(x=v.modes[:, 0], y=v.modes[:, 1], mode="markers", name="modes",
                                 marker=dict(symbol="circle-open", size=14, color=palette.REFERENCE, line=dict(width=1))))
    if v.warp is not None:
        traces.append(_polylines(v.warp, WARP_NAME, palette.G, width=1, visible="legendonly"))
    traces += [
        go.Scatter(x=v.real[:points, 0], y=v.real[:points, 1], mode="markers", name="real",
                   marker=dict(size=4, color=palette.REAL, opacity=0.7)),
        go.Scatter(x=v.fake[:points, 0], y=v.fake[:points, 1], mode="markers", name="fake G(z)",
                   marker=dict(size=4, color=palette.FAKE, opacity=0.7)),
    ]
    if v.arrows is not None:
        traces.append(_arrows(*v.arrows, span=float(np.ptp(v.xs))))
    fig = go.Figure(traces)
    title = {Map.D: f"Real and fake points over {m.name} ({FIELD_TITLE[m.kind if m.loss != 'lsgan' else 'lsgan']})",
             Map.D_STAR: "Real and fake points over the best D* against the raw G<br>"
                         "<sup>grey: D* unknown there (too little mass of the data or of G to say)</sup>",
             Map.GAP: "Real and fake points over D - D*<br>"
                      "<sup>white: D is at its optimum; grey: D* unknown there (too little mass to say)</sup>"}[show]
    fig.update_layout(title=title, margin=MARGIN if show is Map.D else {**MARGIN, "t": 70},
                      # hung from its top under the tick labels: anchored by its bottom (plotly's choice for a
                      # y this low), the side-by-side demo's legend grew up over the x axis's labels. 0.08 of the
                      # plot's height was under Streamlit's tick labels where the legend wrapped to five rows and
                      # the plot shrank to ~270 px (a class pass saw "-1" and "0" hidden): 0.14 is 38 px there
                      legend=dict(orientation="h", y=-0.14, yanchor="top"),
                      xaxis=dict(range=_edges(v.xs), constrain="domain"),
                      yaxis=dict(range=_edges(v.ys), constrain="domain", scaleanchor="x", scaleratio=1))
    return fig


def _edges(centres: np.ndarray) -> list[float]:
    """The outer edges of a heat map's cells, centred on `centres`: the axis range the map fills. Left to
    autorange, the axes reached past the map for G's strays and the arrows' tips, and the equal scale stretched
    the longer side's range (constrain="range", plotly's default): white strips at the map's edges (issue 22)."""
    half = (centres[-1] - centres[0]) / (len(centres) - 1) / 2
    return [float(centres[0] - half), float(centres[-1] + half)]


UNKNOWN = "#d9d9d9"   # a light grey, apart from the heat map's blues and reds
UNKNOWN_NAME = "D* unknown: too little mass to say"
WARP_NAME = "G of a grid of z (how G warps the plane)"
ARROW_NAME = "where G's loss pushes each fake"
ARROW_SHARE = 0.08   # the longest arrow, as a share of the map's width


def _polylines(lines: np.ndarray, name: str, colour: str, width: float = 1, visible=True) -> go.Scatter:
    """Many lines as one trace, separated by gaps (one SVG path instead of hundreds of traces)."""
    gap = np.full((len(lines), 1, 2), np.nan)
    xy = np.concatenate([lines, gap], 1).reshape(-1, 2)
    return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", name=name, line=dict(color=colour, width=width),
                      hoverinfo="skip", visible=visible)


def _arrows(at: np.ndarray, push: np.ndarray, span: float) -> go.Scatter:
    """Each fake's push as an arrow from the point, its head two strokes at the tip; lengths relative to the
    strongest (its direction matters, and which fakes are pushed hardest), the longest ARROW_SHARE of the map's
    width. A push of 0 draws nothing."""
    norm = np.linalg.norm(push, axis=1).max()
    shaft = push / (norm if norm > 0 else 1.0) * ARROW_SHARE * span
    tip = at + shaft
    back = -shaft * HEAD        # the head's strokes: the shaft turned back by +-HEAD_ANGLE, HEAD of its length
    c, s = np.cos(HEAD_ANGLE), np.sin(HEAD_ANGLE)
    left = tip + np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], 1)
    right = tip + np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], 1)
    return _polylines(np.stack([at, tip, left, tip, right], 1), ARROW_NAME, palette.ARROW, width=2)


HEAD, HEAD_ANGLE = 0.35, math.radians(25)


def value_figure(history: dict, best=(), m=None) -> go.Figure:
    """V(D, G) of the current D over training, V(D*, G) where it was computed (`best`: (step, value) pairs),
    and their common value when p_g = p_data, -2 log 2 (or, with label smoothing, V of the smoothed optimum:
    m, the run's Meaning). V(D, G) <= V(D*, G) always: V near -2 log 2 says that this D cannot tell, not that
    nobody could."""
    traces = [go.Scatter(x=history.get("step", ()), y=history.get("value", ()), name="V(D, G)",
                         line=dict(color=palette.VALUE))]
    if best:
        steps, values = zip(*best)
        traces.append(go.Scatter(x=steps, y=values, name=V_STAR_NAME, mode="lines+markers",
                                 line=dict(color=palette.D_STAR, dash="dash"), marker=dict(size=5)))
    fig = go.Figure(traces)
    y, text = (m or meaning("bce")).value_line or (OPTIMUM_VALUE, "")
    # the label on a white ground: a curve near the line would otherwise run through its text (ring8's does)
    fig.add_hline(y=y, line_dash="dash", line_color=palette.REFERENCE, annotation_position="bottom right",
                  annotation_bgcolor="white",
                  annotation_text="-2 log 2: V(D*, G) when p_g = p_data" if math.isclose(y, OPTIMUM_VALUE) else text)
    against = " vs the best D" if best else ""   # the best D's line, drawn where the lab computed it (1-D and 2-D)
    fig.update_layout(title=f"V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], this D (mini-batches){against}",
                      margin=MARGIN, xaxis_title="step", yaxis_title="V", legend=dict(orientation="h", y=-0.25))
    return fig


def g_loss_figure(curves: dict) -> go.Figure:
    """G's two losses (solid) and their slopes (dotted) against D's logit on a fake: where D rejects the fakes
    (left), the minimax loss flattens and its slope, what G learns from, goes to 0."""
    x = curves["logit"]
    fig = go.Figure([
        go.Scatter(x=x, y=curves["minimax"], name="minimax: minimise log(1 - D(G(z)))",
                   line=dict(color=palette.MINIMAX)),
        go.Scatter(x=x, y=curves["non_saturating"], name="non-saturating: minimise -log D(G(z))",
                   line=dict(color=palette.NON_SATURATING)),
        go.Scatter(x=x, y=curves["minimax_slope"], name="slope of minimax: -D(G(z))",
                   line=dict(color=palette.MINIMAX, dash="dot")),
        go.Scatter(x=x, y=curves["non_saturating_slope"], name="slope of non-saturating: -(1 - D(G(z)))",
                   line=dict(color=palette.NON_SATURATING, dash="dot")),
    ])
    fig.update_layout(title="G's loss against D's logit on a fake (D(G(z)) = sigmoid(logit))", margin=MARGIN,
                      xaxis_title="D's logit on G(z): left, D is sure it is fake", yaxis_title="loss, slope",
                      legend=dict(orientation="h", y=-0.3))
    return fig


# labels as 10^k, at most LOG_LABELS of them: plotly's own minor labels on a log axis stack ("0.3" read as "3"),
# and a label every decade stacked too once a minimax gradient had fallen 30 decades (10^4 to 10^-25)
LOG_AXIS = dict(title="|grad G|", type="log", dtick=1, exponentformat="power", minor=dict(ticks="", showgrid=False))
LOG_LABELS = 8


def log_axis(values) -> dict:
    """LOG_AXIS with a label every dtick decades, dtick the least whole number that keeps the labels of the
    positive values' span within LOG_LABELS."""
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    decades = math.ceil(np.log10(v.max())) - math.floor(np.log10(v.min())) if len(v) else 0
    return {**LOG_AXIS, "dtick": max(1, math.ceil(decades / LOG_LABELS))}


def _steps_of(rows) -> list:
    """The x range of the current run's rows (an earlier run's dotted lines may run further: they are cut there,
    not this run squeezed into the chart's left edge), or None to let plotly choose."""
    steps = [r[0] for r in rows]
    return [min(steps), max(steps)] if len(steps) > 1 else None


GRAD_NAMES = {"minimax": "|grad G| if G minimised log(1 - D(G(z)))",
              "non_saturating": "|grad G| if G minimised -log D(G(z))"}


def grad_figure(track, before=(), before_label: str = "") -> go.Figure:
    """The norm of G's gradient under each loss at the current G and D, over steps (`track`: (step, minimax,
    non-saturating) triples), and the same for an earlier run (`before`), dotted, to compare demos side by side."""
    fig = go.Figure()
    for rows, label, dash in ((track, "", None), (before, f" ({before_label})", "dot")):
        if not rows:
            continue
        steps, mm, ns = zip(*rows)
        fig.add_trace(go.Scatter(x=steps, y=mm, name=GRAD_NAMES["minimax"] + label,
                                 line=dict(color=palette.MINIMAX, dash=dash)))
        fig.add_trace(go.Scatter(x=steps, y=ns, name=GRAD_NAMES["non_saturating"] + label,
                                 line=dict(color=palette.NON_SATURATING, dash=dash)))
    norms = [x for rows in (track, before) for r in rows for x in r[1:]]
    fig.update_layout(title="How much G learns: its gradient's norm under each loss, at the current G and D",
                      margin=MARGIN, xaxis=dict(title="step", range=_steps_of(track)), yaxis=log_axis(norms),
                      legend=dict(orientation="h", y=-0.3))
    return fig



def pair_grad_figure(tracks) -> go.Figure:
    """Side by side: the norm of each run's G gradient under the loss it trains with, over steps. `tracks`: one
    (label, G's entry of g_gradient_norms ("minimax" or "non_saturating"), (step, norm) pairs) per run."""
    colours = {"minimax": palette.MINIMAX, "non_saturating": palette.NON_SATURATING}
    fig = go.Figure()
    for label, loss, rows in tracks:
        steps, norms = zip(*rows) if rows else ((), ())
        fig.add_trace(go.Scatter(x=steps, y=norms, name=label, line=dict(color=colours[loss])))
    norms = [n for _, _, rows in tracks for _, n in rows]
    fig.update_layout(title="How much each G learns: the norm of its gradient under its own loss", margin=MARGIN,
                      xaxis_title="step", yaxis=log_axis(norms), legend=dict(orientation="h", y=-0.3))
    return fig
