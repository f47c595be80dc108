"""The class map: one point per student, a setting they chose against how their run turned out.

A class finds together where a GAN collapses: thirty runs of ring8 with thirty learning rates draw, on one chart,
the lr beyond which G covers fewer modes. Built from plain (x, y, name) triples (classroom/wall.map_points).
"""
from __future__ import annotations

import plotly.graph_objects as go

from ganlib.charts import palette

LOG_SPAN = 10.0   # a field whose positive values span this factor or more gets a log axis (learning rates do)


def class_map_figure(points: list[tuple[float, float, str]], x_name: str, y_name: str,
                     height: int = 360) -> go.Figure:
    fig = go.Figure()
    xs, ys, names = ([p[i] for p in points] for i in range(3))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=names, textposition="top center",
                             marker=dict(color=palette.G, size=11, line=dict(color="white", width=1)),
                             hovertemplate=f"%{{text}}<br>{x_name} %{{x}}<br>{y_name} %{{y}}<extra></extra>"))
    positive = [x for x in xs if x > 0]
    log = len(positive) == len(xs) and len(xs) > 1 and max(positive) / min(positive) >= LOG_SPAN
    fig.update_xaxes(title=x_name, type="log" if log else "linear")
    fig.update_yaxes(title=y_name)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=20, b=10), showlegend=False)
    if not points:
        fig.add_annotation(text="No run has a value to show yet", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    return fig

