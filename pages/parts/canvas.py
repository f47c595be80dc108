"""The drawing canvas: a user clicks 2-D points into a box (dataset=drawn), for the Train page and the class page.

    points = draw_points("drawn")     # N x 2 float32 when they make a drawing (8 to 2,000 points), else None
    if points is not None and st.button("Use these points"):
        ref = visitor().space.save_drawn(points)   # data_path=ref trains on them

The points live in st.session_state[key], a list of [x, y]; a page may set it (a test does: AppTest cannot click
a chart). Streamlit reports a click on a plotly chart only on a point of the figure, so the figure is a faint
grid of clickable positions (ganlib/charts/canvas.py) and a click adds the grid point under it. Each click
draws the chart anew under a new key: the old selection is gone, so it cannot be added twice, and the same
place can be clicked again (plotly would read a second click on a selected point as taking it back).
"""
from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from ganlib.charts.canvas import canvas_figure
from ganlib.engine.drawn_points import BOX, MAX_POINTS, MIN_POINTS, SHAPES, check_points, shape, snap
from ganlib.errors import DatasetError
from ganlib.words import drawn_text as words


def draw_points(key: str, height: int = 420) -> np.ndarray | None:
    """The canvas with its buttons (Undo, Clear, the starting shapes) and the count; the points as float32 N x 2
    when they make a drawing (drawn_points.check_points: 8 to 2,000 finite points in the box), else None."""
    points = _points(key)
    turn = st.session_state.get(f"{key}.turn", 0)
    chart = f"{key}.canvas{turn}"
    st.caption(words.HOW)
    st.plotly_chart(canvas_figure(_drawable(points), height), key=chart, selection_mode="points",
                    on_select=functools.partial(_clicked, key, chart), config={"displayModeBar": False})
    cols = st.columns(2 + len(SHAPES))
    cols[0].button(words.UNDO, key=f"{key}.undo", on_click=_undo, args=(key,), disabled=not points, width="stretch")
    cols[1].button(words.CLEAR, key=f"{key}.clear", on_click=_set, args=(key, []), disabled=not points,
                   width="stretch")
    for col, name in zip(cols[2:], SHAPES):
        col.button(words.SHAPE_LABELS[name], key=f"{key}.shape.{name}", on_click=_set,
                   args=(key, shape(name).tolist()), width="stretch")
    if note := st.session_state.pop(f"{key}.note", None):
        st.warning(note)
    try:
        checked = check_points(points)
    except DatasetError as e:
        if len(points) < MIN_POINTS:   # only too few: the count says so, it is no error yet
            st.caption(words.count_line(len(points)))
        else:
            st.error(str(e).removeprefix("data_path: "))
        return None
    st.caption(words.count_line(len(checked)))
    return checked


def _points(key: str) -> list:
    """The points under `key` as a list (an array a page set there becomes one); anything else, no points."""
    points = st.session_state.get(key)
    if isinstance(points, np.ndarray):
        points = points.tolist()
    if not isinstance(points, list):
        points = []
    st.session_state[key] = points
    return points


def _drawable(points: list) -> np.ndarray:
    """The points that can be shown (pairs of finite numbers; at most MAX_POINTS): a bad one is named by
    check_points under the canvas, and must not stop the canvas from showing the rest."""
    ok = [p for p in points[:MAX_POINTS] if isinstance(p, (list, tuple)) and len(p) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)]
    arr = np.array(ok, dtype=np.float64).reshape(-1, 2)
    return np.clip(arr[np.isfinite(arr).all(1)], -BOX, BOX)


def _clicked(key: str, chart: str) -> None:
    """The chart's on_select: add the grid point(s) clicked, up to MAX_POINTS, and draw a fresh chart next."""
    event = st.session_state.get(chart) or {}
    clicked = (event.get("selection") or {}).get("points") or []
    points = list(_points(key))
    for p in clicked:
        x, y = p.get("x"), p.get("y")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in (x, y)):
            continue   # not a point of the grid (the browser sends what it likes)
        if len(points) >= MAX_POINTS:
            st.session_state[f"{key}.note"] = words.full()
            break
        points.append(list(snap(x, y)))
    st.session_state[key] = points
    st.session_state[f"{key}.turn"] = st.session_state.get(f"{key}.turn", 0) + 1


def _undo(key: str) -> None:
    st.session_state[key] = _points(key)[:-1]


def _set(key: str, points: list) -> None:
    st.session_state[key] = list(points)
