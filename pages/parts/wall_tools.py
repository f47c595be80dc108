"""The class wall's tools beside the thumbnails: Start all and Pause all, the class map (a field students may change
against an outcome), and putting one student's run on the teacher's watch link, for the projector and everyone who
follows it."""
from __future__ import annotations

import streamlit as st

from ganlib.charts.class_map import class_map_figure
from ganlib.classroom.classes import ClassCommand
from ganlib.classroom.wall import WHOLE, map_points, outcomes_of
from ganlib.run.state import Status
from ganlib.words import class_text as W
from pages.parts.links import student_link
from pages.parts.ui import classes, visitor


def start_all(code: str) -> None:
    """The teacher's Start all: every run that waits starts, every paused one resumes (plain values only)."""
    klass = classes().get(code)
    for s in klass.snapshot().students if klass is not None else ():
        if s.status in (Status.IDLE, Status.PAUSED):
            klass.send(s.run_id, ClassCommand.START if s.status is Status.IDLE else ClassCommand.RESUME)


def pause_all(code: str) -> None:
    klass = classes().get(code)
    for s in klass.snapshot().students if klass is not None else ():
        if s.status in (Status.RUNNING, Status.QUEUED):
            klass.send(s.run_id, ClassCommand.PAUSE)


def class_map(snap) -> None:
    numeric = [f for f in snap.open_fields if isinstance(getattr(snap.base, f), (int, float))
               and not isinstance(getattr(snap.base, f), bool)]
    outcomes = outcomes_of(snap)
    if not numeric or not outcomes:
        return
    left, right = st.columns(2)
    field = left.selectbox(W.MAP_FIELD, numeric, key="wall_map_x")
    # keyed by the outcomes offered: once modes are measured the box starts over on them, rather than keep the
    # "step" that was all a class not yet trained could offer
    which = right.selectbox(W.MAP_OUTCOME, outcomes, format_func=W.outcome_name,
                            key="wall_map_y_" + "_".join(o.value for o in outcomes))
    st.plotly_chart(class_map_figure(map_points(snap, field, which), field, W.outcome_name(which),
                                     whole=which in WHOLE), key="wall_map")


def set_spotlight(code: str, run_id: str | None) -> None:
    if (klass := classes().get(code)) is not None:
        klass.spotlight(run_id)


def on_watch(snap, s) -> None:
    """Put the run in large on the teacher's watch link, for everyone who follows it (the projector, the class)."""
    if snap.spotlight is not None:
        shown = snap.student(snap.spotlight)
        # the wall warns of a local address once, at its top (wall.wall)
        st.info(W.on_watch_line(shown.name, student_link("watch", visitor().share(), warn=False)))
    if snap.spotlight != s.run_id:
        st.button(W.ON_WATCH, key="wall-on-watch", on_click=set_spotlight, args=(snap.code, s.run_id))
    if snap.spotlight is not None:
        off = W.OFF_WATCH if visitor().snapshot() is not None else W.OFF_WATCH_NO_RUN
        st.button(off, key="wall-off-watch", on_click=set_spotlight, args=(snap.code, None))
