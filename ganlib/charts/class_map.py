"""The class map: one point per student, a setting they chose against how their run turned out.

A class finds together where a GAN collapses: thirty runs of ring8 with thirty learning rates draw, on one chart,
the lr beyond which G covers fewer modes. Built from plain (x, y, name) triples (classroom/wall.map_points).
"""
from __future__ import annotations

import plotly.graph_objects as go

from ganlib.charts import palette
from ganlib.words.describe import number

MAX_TICKS = 12    # the x axis marks each value the class has, up to this many (more would overlap)
MAX_NAMES = 12    # names a marker's hover lists before "and N more"
LOG_SPAN = 10.0   # a field whose positive values span this factor or more gets a log axis (learning rates do)


def class_map_figure(points: list[tuple[float, float, str]], x_name: str, y_name: str,
                     height: int = 360, whole: bool = False) -> go.Figure:
    """whole: the outcome counts (modes, steps), so its axis ticks whole numbers only."""
    fig = go.Figure()
    # students at the same point (the class's default lr, all 8 modes) as one marker that says how many: thirty
    # names written over one another at one point were a black blot
    at: dict[tuple[float, float], list[str]] = {}
    for x, y, name in points:
        at.setdefault((x, y), []).append(name)
    xs, ys = [x for x, _ in at], [y for _, y in at]
    labels = [names[0] if len(names) == 1 else f"{len(names)} students" for names in at.values()]
    who = ["<br>".join(names[:MAX_NAMES] + ([f"and {len(names) - MAX_NAMES} more"] if len(names) > MAX_NAMES else []))
           for names in at.values()]
    # the x value in the hover as the ticks write it: plotly's own wrote 0.003 beside a tick of 3e-3
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=labels, textposition="top center",
                             customdata=who, hovertext=[number(x, x_name) for x in xs],
                             marker=dict(color=palette.G, size=[min(30, 9 + 2 * len(n)) for n in at.values()],
                                         line=dict(color="white", width=1)),
                             hovertemplate=f"%{{customdata}}<br>{x_name} %{{hovertext}}<br>{y_name} %{{y}}<extra></extra>"))
    positive = [x for x in xs if x > 0]
    log = len(positive) == len(xs) and len(xs) > 1 and max(positive) / min(positive) >= LOG_SPAN
    # ticks at the students' own values, written as the wall writes them: a class that all has lr_g 3e-3 was drawn
    # on an axis of -1 to 1 that read "0", and a log axis wrote 3e-4 as "3"
    values = sorted(set(xs))
    ticks = dict(tickvals=values, ticktext=[number(v, x_name) for v in values]) if len(values) <= MAX_TICKS else {}
    fig.update_xaxes(title=x_name, type="log" if log else "linear", **ticks)
    fig.update_yaxes(title=y_name, **({"dtick": 1, "tick0": 0} if whole and len(set(ys)) > 1 else {}))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=20, b=10), showlegend=False)
    if not points:
        fig.add_annotation(text="No run has a value to show yet", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    return fig

