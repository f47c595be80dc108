"""Figures of sample quality over a run: the metrics curve and the latest class histogram.

Reads the runner's snapshot.metrics, a tuple of (step, {metric: value}); which
metrics there are depends on the data (see ganlib/metrics/evaluate.py).
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

# metric -> (label, axis: 1 left / 2 right, log scale on its axis)
CURVES = {
    "fid": ("Fréchet distance (lower is better)", 1, True),
    "classes_covered": ("digit classes covered (of 10)", 2, False),
    "modes_covered": ("modes covered", 1, False),
    "high_quality": ("share of high-quality points", 2, False),
    "js": ("JS(p_data, p_g) (0 = same)", 1, False),
}
COLORS = {"fid": "#6a3d9a", "classes_covered": "#33a02c", "modes_covered": "#6a3d9a",
          "high_quality": "#33a02c", "js": "#6a3d9a"}


def quality_figure(metrics, fid_real: float | None = None, height: int = 320) -> go.Figure:
    """Left: the quality curves over steps; right: the class histogram of the latest measurement (digits)."""
    metrics = [(s, m) for s, m in metrics if m and "error" not in m]
    last = metrics[-1][1] if metrics else {}
    hist = last.get("class_histogram")
    fig = make_subplots(rows=1, cols=2 if hist else 1, column_widths=[0.65, 0.35] if hist else None,
                        specs=[[{"secondary_y": True}] + ([{}] if hist else [])],
                        subplot_titles=("quality of G's samples", "classes of the latest samples")
                        if hist else ("quality of G's samples",))
    steps = [s for s, _ in metrics]
    for name, (label, axis, log) in CURVES.items():
        if name in last:
            fig.add_trace(go.Scatter(x=steps, y=[m.get(name) for _, m in metrics], name=label,
                                     mode="lines+markers", line=dict(color=COLORS[name])),
                          row=1, col=1, secondary_y=axis == 2)
            if log:
                fig.update_yaxes(type="log", row=1, col=1, secondary_y=axis == 2)
    if fid_real is not None and "fid" in last:
        fig.add_hline(y=fid_real, line_dash="dash", line_color="#6a3d9a", row=1, col=1,
                      annotation_text="real vs real", annotation_position="bottom left")
    if hist:
        fig.add_trace(go.Bar(x=[str(i) for i in range(len(hist))], y=hist, name="share of samples",
                             marker_color="#33a02c", showlegend=False), row=1, col=2)
        fig.add_hline(y=1 / len(hist), line_dash="dash", line_color="#555555", row=1, col=2,
                      annotation_text="uniform", annotation_position="top right")
    fig.update_xaxes(title_text="step", row=1, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="keep",
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0))
    return fig
