"""Figures of sample quality over a run: the metrics curve and the latest class histogram.

Reads the runner's snapshot.metrics, a tuple of (step, {metric: value}); which
metrics there are depends on the data (see ganlib/metrics/evaluate.py). Each data
set has at most one distance to real samples (DISTANCES), drawn on a log axis
with its real-vs-real floor as a dashed line; each is named for what it is.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganlib.charts import palette
from ganlib.charts.look import QUALITY_HEIGHT, look, present

# metric -> (label, axis: 1 left / 2 right, log scale on its axis)
CURVES = {
    "fid": ("Fréchet distance (lower is better)", 1, True),
    "feature_fd": ("Fréchet distance on random features (lower is better)", 1, True),
    "energy": ("energy distance to real points (lower is better)", 1, True),
    "classes_covered": ("digit classes covered (of 10)", 2, False),
    "modes_covered": ("modes covered", 1, False),
    "high_quality": ("share of high-quality points", 2, False),
    "js": ("JS(p_data, p_g) in nats, from G's density (0 = same)", 1, False),
}


# 1-2-5 down to 1e-4: the energy distance and the random-feature distance live well below 1
LOG_TICKS = [m * 10.0 ** e for e in range(-4, 4) for m in (1, 2, 5)] + [10000]
DISTANCES = ("fid", "feature_fd", "energy")   # at most one per run; fid_real is its real-vs-real floor


def latest_text(metrics, fid_real: float | None = None) -> str:
    """The newest measurement in words, so that it can be read without hovering."""
    if not metrics:
        return "quality of G's samples"
    step, m = metrics[-1]
    parts = []
    for name, words in (("fid", "Fréchet distance"), ("feature_fd", "Fréchet distance on random features"),
                        ("energy", "energy distance")):
        if m.get(name) is not None:
            parts.append(f"{words} {_short(m[name])}" + (f" ({m[name] / fid_real:.1f}x real vs real)"
                                                          if fid_real else ""))
    if "classes_covered" in m:
        parts.append(f"{m['classes_covered']} of 10 classes")
    if "modes_covered" in m:
        parts.append(f"{m['modes_covered']} of {m.get('n_modes', '?')} modes")
    if "high_quality" in m:
        parts.append(f"{m['high_quality']:.0%} high quality")
    if "js" in m:
        parts.append(f"JS {m['js']:.3f}")
    return f"step {step:,}: " + ", ".join(parts)


def _short(v: float) -> str:
    """108 and 2,785 as they are, 0.0123 as 0.012: the distances span from 1e-3 to 1e3."""
    return f"{v:,.0f}" if v >= 10 else f"{v:.2g}"


def quality_figure(metrics, fid_real: float | None = None, height: int | None = None,
                   presenter: bool = False) -> go.Figure:
    """Left: the quality curves over steps; right: the class histogram of the latest measurement (digits).

    presenter: large type and thick lines for a projector, QUALITY_HEIGHT tall unless `height` says."""
    lk = look(presenter)
    metrics = [(s, m) for s, m in metrics if m and "error" not in m]
    last = metrics[-1][1] if metrics else {}
    hist = last.get("class_histogram")
    titles = (latest_text(metrics, fid_real), "classes of the latest samples") if hist else \
        (latest_text(metrics, fid_real),)
    # the presenter's column is too narrow for these titles in large type: the legend names the curves, and the
    # page can show latest_text as a caption; wider spacing keeps the right-hand ticks clear of the histogram
    fig = make_subplots(rows=1, cols=2 if hist else 1, column_widths=[0.65, 0.35] if hist else None,
                        specs=[[{"secondary_y": True}] + ([{}] if hist else [])],
                        subplot_titles=None if presenter else titles, horizontal_spacing=0.16 if presenter else None)
    steps = [s for s, _ in metrics]
    for name, (label, axis, log) in CURVES.items():
        if name in last:
            fig.add_trace(go.Scatter(x=steps, y=[m.get(name) for _, m in metrics], name=label,
                                     mode="lines+markers", line=dict(color=palette.METRIC[name], width=lk.line),
                                     marker=dict(size=lk.marker)),
                          row=1, col=1, secondary_y=axis == 2)
            if log:
                # plotly's own log ticks read "1000, 5, 2, 100" (5 meaning 500): name every tick in full
                fig.update_yaxes(type="log", tickvals=LOG_TICKS, exponentformat="none", row=1, col=1,
                                 secondary_y=axis == 2)   # 0.001, not plotly's "1m"
    if fid_real is not None and any(name in last for name in DISTANCES):
        # no annotation_text here: on a log axis plotly puts the line at y but its label at 10**y,
        # which stretched the axis to 1e18 (plotly.py#2580); the label is placed by hand in log units
        fig.add_hline(y=fid_real, line_dash="dash", line_color=palette.REFERENCE, row=1, col=1)
        if fid_real > 0:
            fig.add_annotation(x=0, xref="x domain", y=math.log10(fid_real), yref="y", text="real vs real",
                               showarrow=False, xanchor="left", yanchor="bottom",
                               font=dict(size=lk.note, color=palette.REFERENCE))
    _fixed_ranges(fig, last, coarse=presenter)
    if hist:
        fig.add_trace(go.Bar(x=[str(i) for i in range(len(hist))], y=hist, name="share of samples",
                             marker_color=palette.METRIC["classes_covered"], showlegend=False), row=1, col=2)
        fig.add_hline(y=1 / len(hist), line_dash="dash", line_color=palette.REFERENCE, row=1, col=2,
                      annotation_text="uniform", annotation_position="top right")
        fig.update_xaxes(type="category", title_text="digit", row=1, col=2)  # "0".."9" would read as numbers: ticks 0, 5
    fig.update_xaxes(title_text="step", rangemode="tozero", row=1, col=1)
    # showlegend: with one curve (gauss-1d's js) plotly hides the legend, and the curve had no name at all
    fig.update_layout(height=height or (QUALITY_HEIGHT if presenter else 320), margin=dict(l=10, r=10, t=40, b=10),
                      uirevision="keep", showlegend=True, legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    if presenter:
        present(fig, legend_rows=sum(name in last for name in CURVES))
        if hist:  # the bars read against the "uniform" line; their own ticks would crowd a narrow panel
            fig.update_yaxes(showticklabels=False, row=1, col=2)
    return fig


def _fixed_ranges(fig, last: dict, coarse: bool = False) -> None:
    """Counts and shares on their whole scale: autoscaled around one value, 10 of 10 classes read as 9.3..10.7,
    and two curves that both fall to 0 (modes covered, high-quality share) hid each other.

    coarse: every other count only, for large type (a presenter's 0..8 in steps of 1 ran into one another)."""
    if "classes_covered" in last:
        fig.update_yaxes(range=[0, 10.5], tickmode="linear", tick0=0, dtick=2, row=1, col=1, secondary_y=True)
    if "modes_covered" in last:
        n = last.get("n_modes") or max(1, last["modes_covered"])
        fig.update_yaxes(range=[0, n + 0.5], tickmode="linear", tick0=0,
                         dtick=(2 if coarse else 1) if n <= 10 else 5, row=1, col=1, secondary_y=False)
    if "high_quality" in last:
        fig.update_yaxes(range=[0, 1.05], tickformat=".0%", tickmode="linear", tick0=0, dtick=0.25,
                         row=1, col=1, secondary_y=True)
    if "js" in last:
        fig.update_yaxes(rangemode="tozero", row=1, col=1, secondary_y=False)
