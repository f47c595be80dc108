"""Figures of the Latent explorer for toy data: G's map from z to points (2-D), and G(z) against z (1-D)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganlib.explore import walks as ex
from ganlib.explore.walks import LIMIT
from ganlib.engine.noise import random_z
from ganlib.lab.views import span
from ganlib.charts import palette

MARGIN = dict(l=10, r=10, t=40, b=10)


def z_colours(u: np.ndarray, v: np.ndarray) -> list[str]:
    """A 2-D colour map: red grows with z[0], blue with z[1], so neighbours in z share a colour."""
    r = np.clip((u + LIMIT) / (2 * LIMIT), 0, 1) * 255
    b = np.clip((v + LIMIT) / (2 * LIMIT), 0, 1) * 255
    return [f"rgb({int(x)},90,{int(y)})" for x, y in zip(r, b)]


def map_figure(points: np.ndarray, u: np.ndarray, v: np.ndarray, real: np.ndarray,
               here: np.ndarray | None = None) -> go.Figure:
    """G(z) for a grid of z, coloured by where z sits, over the real points (grey)."""
    traces = [
        go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                   marker=dict(size=3, color=palette.REAL)),
        go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name="G(z), z on a grid",
                   marker=dict(size=5, color=z_colours(u, v)),
                   customdata=np.stack([u, v], 1),
                   hovertemplate="z[0] %{customdata[0]:.2f}, z[1] %{customdata[1]:.2f}<extra></extra>"),
    ]
    if here is not None:
        traces.append(go.Scatter(x=[here[0]], y=[here[1]], mode="markers", name="G(your z)",
                                 marker=dict(symbol="star", size=16, color=palette.YOU)))
    fig = go.Figure(traces)
    fig.update_layout(title="Where G sends each z (red: z[0] high, blue: z[1] high)", margin=MARGIN,
                      yaxis=dict(scaleanchor="x", scaleratio=1), legend=dict(orientation="h", y=-0.12))
    return fig


def curve_figure(u: np.ndarray, x: np.ndarray, real: np.ndarray, fake: np.ndarray,
                 here: tuple[float, float] | None = None) -> go.Figure:
    """G(z) against z, with the real data's histogram and G's (for random z) along the x axis."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.75, 0.25], horizontal_spacing=0.02)
    fig.add_trace(go.Scatter(x=u, y=x, name="G(z)", line=dict(width=3, color=palette.G)), 1, 1)
    if here is not None:
        fig.add_trace(go.Scatter(x=[here[0]], y=[here[1]], mode="markers", name="your z",
                                 marker=dict(symbol="star", size=14, color=palette.YOU)), 1, 1)
    # shared bins: plotly would give a collapsed G's narrow histogram tiny bins and towering bars
    lo, hi = span(real, fake)
    bins = dict(start=lo, end=hi, size=max(hi - lo, 1e-3) / 60)
    fig.add_trace(go.Histogram(y=real, name="real x", histnorm="probability density", opacity=0.5,
                               ybins=bins, marker_color=palette.REAL), 1, 2)
    fig.add_trace(go.Histogram(y=fake, name="G(z), z ~ N(0, 1)", histnorm="probability density",
                               opacity=0.5, ybins=bins, marker_color=palette.FAKE), 1, 2)
    fig.update_layout(title="G(z) against z: G bends N(0, 1) into the data", margin=MARGIN, barmode="overlay",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text="z", row=1, col=1)
    fig.update_yaxes(title_text="x = G(z)", row=1, col=1)
    return fig


def toy_figure(model, cfg, z, data_paths=None) -> go.Figure:
    """The explorer's figure for toy data at z: G's map of a z plane (2-D), or G(z) along z[0] (1-D).
    data_paths: what the visitor's data_path may name (their drawn points); data it cannot read is left out."""
    real, here = ex.real_points(cfg, data_paths=data_paths), model.points(z[None])[0]
    if real is None:
        real = np.zeros((0, model.shape[0]), np.float32)
    if model.shape[0] == 2:
        u, v, grid = ex.z_plane(z)
        return map_figure(model.points(grid), u, v, real, here)
    u, line = ex.z_line(z)
    fake = model.points(random_z(2000, model.latent_dim, 0))[:, 0]
    return curve_figure(u, model.points(line)[:, 0], real[:, 0], fake, (float(z[0]), float(here[0])))
