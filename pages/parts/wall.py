"""The class wall: the teacher's (and the projector's) view of every student's run at once.

Each run is a small live thumbnail (G's points over the data, its step, modes and the fields its student changed),
in the order or the groups the teacher picks; beside it the class map, one point per student, a field against
the outcome; below, one run in large and the class's results as one CSV. Drawn from the class's snapshot: the
pictures are made once per class tick for every viewer (pages/parts/klass.points_image).
"""
from __future__ import annotations

import streamlit as st

from ganlib.classroom.downloads import off_picture
from ganlib.classroom.wall import JOINED, THUMB_POINTS, class_csv, groups, ordered, outcomes_of
from ganlib.run.state import Status
from ganlib.words import class_text as W
from pages.parts.links import warn_if_local
from pages.parts.klass import data_uri, link_box, points_image, run_picture
from pages.parts.seat import student_charts
from pages.parts.ui import classes, visitor
from pages.parts.wall_tools import class_map, on_watch, pause_all, start_all

WALL_REFRESH_S = 2.0   # the wall redraws every 2 s: 60 thumbnails a tick are one shared PNG each
ASK_END = "wall.ask_end"   # the teacher pressed End the class, and is asked whether they mean it
ENDED = "wall.ended"       # what the form says once, after the teacher's class ended
COLUMNS = 6            # thumbnails a row at 1280 px: ~190 px each, the modes of a ring still apart
LONG_PHRASE = 20       # characters: about what a thumbnail's caption line holds
# The CSV as a link with the file in it, made at each redraw: a st.download_button redrawn every 2 s with new bytes
# let Streamlit delete the file a click still pointed at (4 downloads of 5 failed with ten students training),
# and a deferred one (data=callable) made a file that the next session's run deleted before the browser fetched it
CSV_LINK = ("<a href='{href}' download='{name}' style='display:inline-block;padding:.45rem .9rem;color:inherit;"
            "border:1px solid rgba(49,51,63,.2);border-radius:.5rem;text-decoration:none'>{label}</a>")


def close_class() -> None:
    st.session_state.pop(ASK_END, None)
    klass = classes().of_teacher(visitor().key)
    if klass is not None:   # said once on the form the page goes back to (pages/classroom.py)
        st.session_state[ENDED] = W.class_ended(klass.code, len(klass.snapshot().students))
    classes().close(visitor().key)


def ask_end(asking: bool) -> None:
    st.session_state[ASK_END] = asking


def teacher_row(code: str) -> None:
    """Start all, Pause all and End the class, redrawn as often as the wall, so that the first student's arrival
    enables Start all and Pause all (drawn once with the page, they stayed disabled until a reload: a class pass),
    and the page goes back to its form once the class has ended."""
    klass = classes().get(code)
    if klass is None:
        st.rerun()   # ended (here or in another tab of the teacher's): the whole page, which offers a new class
    cols = st.columns(3)
    # each enabled only where it would act on a run: Start all stood bright and clickable with every run training
    statuses = {s.status for s in klass.snapshot().students}
    cols[0].button(W.START_ALL, key="wall-start", on_click=start_all, args=(code,), type="primary",
                   width="stretch", disabled=not statuses & {Status.IDLE, Status.PAUSED})
    cols[1].button(W.PAUSE_ALL, key="wall-pause", on_click=pause_all, args=(code,), width="stretch",
                   disabled=not statuses & {Status.RUNNING, Status.QUEUED})
    # one click beside Pause all stopped ten students' runs for good (a class trial): End asks first
    cols[2].button(W.CLOSE_CLASS, key="wall-close", on_click=ask_end, args=(True,), width="stretch")
    if st.session_state.get(ASK_END):
        st.warning(W.end_question(len(klass.snapshot().students)))
        yes, no = st.columns(2)
        yes.button(W.END_YES, key="wall-close-yes", on_click=close_class, type="primary", width="stretch")
        no.button(W.END_NO, key="wall-close-no", on_click=ask_end, args=(False,), width="stretch")


def thumbnails(snap, order: str, group: str | None) -> None:
    for value, students in groups(snap, group):
        if group:
            st.markdown(W.group_title(group, value))
        chosen = {s.run_id for s in students}
        row = [s for s in ordered(snap, order) if s.run_id in chosen]
        for i in range(0, len(row), COLUMNS):
            for col, s in zip(st.columns(COLUMNS), row[i:i + COLUMNS]):
                col.image(points_image(snap.code, snap.version, s.run_id, s.points[:THUMB_POINTS], snap.real, 1),
                          caption=unbroken(W.thumb_caption(s, off_picture(s.points[:THUMB_POINTS], snap.real))),
                          width="stretch")


def unbroken(caption: str) -> str:
    """A thumbnail's caption that wraps between its phrases, not inside one: a 190 px column broke "step 1,200" and
    "lr_g 1e-3" in two. A phrase longer than LONG_PHRASE may still break, or it would run out of its column."""
    phrases = caption.split(" · ")
    return "\u00a0· ".join(p.replace(" ", "\u00a0") if len(p) <= LONG_PHRASE else p for p in phrases)


def wall_body(code: str, joined_at_render: bool) -> None:
    klass = classes().get(code)
    if klass is None:
        st.info(W.CLASS_CLOSED)
        return
    snap = klass.snapshot()
    if bool(snap.students) != joined_at_render:   # the first student came, or the last left: the link's box, drawn
        st.rerun()                                 # with the page, folds (or opens) as the page runs whole
    st.caption(W.wall_line(snap))
    if not snap.students:
        st.info(W.NO_STUDENTS)
        return
    sorts = [JOINED, *(o.value for o in outcomes_of(snap)), *snap.open_fields]
    left, right = st.columns(2)
    # kept in the address, so that a reload keeps them (a class pass); Streamlit drops a value it does not offer
    order = left.selectbox(W.SORT_BY, sorts, key="wall_order", bind="query-params",
                           format_func=lambda v: W.OUTCOME_NAMES.get(v, v))   # "share near a mode", as the map says
    group = right.selectbox(W.GROUP_BY, [None, *snap.open_fields], format_func=lambda g: g or W.NO_GROUPS,
                            key="wall_group", bind="query-params")
    # each part whose length varies in a container of its own, so that the parts after it keep their place: an
    # element that moves can leave a stale copy behind a while, and CI's browser once downloaded the CSV from before
    # a change the wall already showed
    with st.container():
        thumbnails(snap, order, group)
    with st.container():
        class_map(snap)
    names = {s.run_id: s.name for s in snap.students}
    if snap.spotlight in names:   # a new session (a reload) starts on the run the class has on the watch link
        st.session_state.setdefault("wall_spot", snap.spotlight)
    spot = st.selectbox(W.SPOTLIGHT, list(names), format_func=names.get, key="wall_spot")
    with st.container():
        if (s := snap.student(spot)) is not None:
            on_watch(snap, s)
            a, b = st.columns(2)
            run_picture(a, snap, s)
            with b:
                student_charts(snap, s)
    st.container(key="wall-csv").markdown(
        CSV_LINK.format(href=data_uri(class_csv(snap), "text/csv"), name=f"class-{code}.csv", label=W.CSV_BUTTON),
        unsafe_allow_html=True)


def wall(code: str) -> None:
    klass = classes().get(code)
    joined = klass is not None and bool(klass.snapshot().students)
    warn_if_local()   # once for the class link and the watch link, and outside the box that folds
    with st.expander(W.LINK_TITLE, expanded=not joined):   # once students are in, the wall gets the screen
        link_box(code)
    # two fragments: the row's buttons redraw in a moment, where a click in a wall that redraws for a second or two
    # was lost (End the class, with ten students training)
    st.fragment(run_every=WALL_REFRESH_S)(teacher_row)(code)
    st.fragment(run_every=WALL_REFRESH_S)(wall_body)(code, joined)
