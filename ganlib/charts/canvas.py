"""The drawing canvas's figure: the box the points of dataset=drawn live in, with a faint grid of the positions a
click can add, and the points drawn so far.

A plotly chart in Streamlit reports a click only on a point of the figure, so the clickable places are points:
a GRID x GRID lattice (engine/drawn_points.py), faint like graph paper, which also shows where a click lands.
The drawn points cannot be clicked (hoverinfo "skip"): every click goes to the grid, whatever lies under it.
Torch-free, as the Train page paints before torch loads.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganlib.charts import palette
from ganlib.engine.drawn_points import BOX, grid

GRID_OPACITY = 0.3   # faint: paper, not data; still visible on a projector
MARGIN = 0.25        # beyond the box, so that a point on its edge is drawn whole


def canvas_figure(points: np.ndarray, height: int = 420) -> go.Figure:
    """The canvas for `points` (N x 2, in the box): trace 0 the clickable grid, trace 1 the points."""
    g = grid()
    faint = dict(marker=dict(opacity=GRID_OPACITY))
    fig = go.Figure()
    # selected/unselected keep one look: plotly dims the rest of a trace around a selection, which would flash
    fig.add_trace(go.Scatter(x=g[:, 0], y=g[:, 1], mode="markers", name="grid", showlegend=False,
                             marker=dict(color=palette.REFERENCE, size=4, opacity=GRID_OPACITY),
                             selected=faint, unselected=faint, hoverinfo="none"))
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="your points", showlegend=False,
                             marker=dict(color=palette.REAL, size=10, line=dict(color=palette.REFERENCE, width=1)),
                             hoverinfo="skip"))
    span = [-BOX - MARGIN, BOX + MARGIN]
    axis = dict(range=span, fixedrange=True, zeroline=False, tickvals=list(range(-int(BOX), int(BOX) + 1, 2)))
    fig.update_xaxes(**axis, constrain="domain")
    fig.update_yaxes(**axis, scaleanchor="x", scaleratio=1)
    fig.add_shape(type="rect", x0=-BOX, y0=-BOX, x1=BOX, y1=BOX, line=dict(color=palette.REFERENCE, width=1),
                  layer="below")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), hovermode="closest", dragmode=False,
                      clickmode="event+select")
    return fig
