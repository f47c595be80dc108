"""Class: every student trains a GAN of their own at once, and the teacher sees them all.

A teacher opens a class here (a class preset and the fields students may change) and gets a class link with a QR
code. A student who opens the link (?class=CODE) gets a run of their own in that class at once: all of a class's
runs train in one batched step on one training slot (ganlib/classroom/classes.py), so nobody waits in line. The
teacher's page is the class wall (pages/parts/wall.py); a student's is their own run.
"""
import streamlit as st

from ganlib.classroom.classes import ClassClosed, ClassFull
from ganlib.errors import FieldError
from ganlib.run.state import Status
from ganlib.words import class_text as W
from pages.parts.access import class_code
from pages.parts.klass import open_class_form, points_image, run_picture
from pages.parts.seat import live_fields, losses_every, student_charts
from pages.parts.seat_row import buttons
from pages.parts.ui import classes, use_app_navigation, visitor
from pages.parts.wall import ENDED, wall

use_app_navigation()

STUDENT_REFRESH_S = 1.0   # a student's own run: its points move each second (one shared picture a tick); the
                          # loss chart redraws less often, in a fragment of its own (pages/parts/seat.losses_every)
# Students' refreshes of their points a second, the whole class together, at most: ~15 ms of the server's GIL each.
# Sixty students refreshing each second took the class's runs from 22 steps/s to 0.1 (bench/class.py)
POINT_REFRESHES_PER_S = 20.0
LAST = "cls.last"   # (picture, step) of the student's run as last drawn: still shown once the class has ended


def points_every(students: int) -> float:
    """Seconds between a student's points redraws: every second in a class of up to 20, slower in a bigger one."""
    return max(STUDENT_REFRESH_S, students / POINT_REFRESHES_PER_S)


def my_run(code: str) -> None:
    """The student's run: the buttons and the fields drawn when the page runs whole (a press, a change of what
    they offer), the points and the losses in fragments of their own. Everything in one fragment refreshed each
    second made each refresh ~40 ms of the server's GIL, and 30 students refreshing took the class's runs from 57
    to 4 steps/s (bench/class.py)."""
    klass = classes().get(code)
    if klass is None and (last := classes().past.seat(code, visitor().key)) is not None:
        ended(*last)   # it ended lately: said so, and the student's last picture, after a reload too
        return
    if klass is None and st.session_state.get("cls_in") == code:   # ended, and forgotten since (class_memory.py)
        ended()
        return
    if klass is None:
        st.warning(W.no_class(code))
        st.page_link("pages/train.py", label=W.TO_TRAIN, icon="🏋️")
        return
    try:
        run_id = klass.run_of(visitor().key) or klass.join(visitor().key)
    except (ClassFull, ClassClosed, FieldError) as e:
        st.warning(str(e))
        return
    st.session_state["cls_in"] = code
    snap = klass.snapshot()
    me = snap.student(run_id)
    if me is None:   # it left, or the class ended meanwhile
        ended()
        return
    buttons(code, run_id, me)
    left, right = st.columns([1, 1])
    with left:
        every = points_every(len(snap.students))
        st.fragment(run_every=every)(points_part)(code, run_id, offered(me), every)
    with right:   # while it trains; once it rests, its chart is as this run drew it
        st.fragment(run_every=losses_every(len(snap.students)) if me.training else None)(losses_part)(code, run_id)
    if error := st.session_state.pop("cls_error", None):
        st.error(error)
    live_fields(snap, me)


def ended(snap=None, me=None) -> None:
    """What a student's page says once their class has ended: what happened, what they can do next, and their run's
    last picture (a class pass found the page bare of both): from the class's last snapshot (`snap`, with `me`,
    their run in it) while the server remembers it, else as this tab drew it last (up to a second older: a class
    pass saw step 73,969 here and 74,100 after a reload)."""
    st.info(W.CLASS_ENDED)
    st.page_link("pages/train.py", label=W.TO_TRAIN, icon="🏋️")
    if me is not None:
        st.columns(2)[0].image(points_image(snap.code, snap.version, me.run_id, me.points, snap.real),
                               caption=W.last_picture(me.step), width="stretch")
    elif (last := st.session_state.get(LAST)) is not None:
        st.columns(2)[0].image(last[0], caption=W.last_picture(last[1]), width="stretch")


def offered(me) -> tuple:
    """What the buttons and the fields offer: the page runs whole again when it changes."""
    return me.status in (Status.RUNNING, Status.QUEUED), me.step > 0, me.config


def points_part(code: str, run_id: str, offered_at_render: tuple, every: float) -> None:
    klass = classes().get(code)
    snap = klass.snapshot() if klass is not None else None
    me = snap.student(run_id) if snap is not None else None
    # ended, left, started, paused or changed; or the class grew past a pace: the page redraws whole
    if me is None or offered(me) != offered_at_render or points_every(len(snap.students)) != every:
        st.rerun()
    st.caption(W.status_line(snap, me), help=W.schedule_help(me.config, me.step))
    st.session_state[LAST] = (run_picture(st, snap, me), me.step)


def losses_part(code: str, run_id: str) -> None:
    klass = classes().get(code)
    snap = klass.snapshot() if klass is not None else None
    if snap is not None and (me := snap.student(run_id)) is not None:
        student_charts(snap, me)
        if me.training:
            st.caption(W.losses_every_line(losses_every(len(snap.students))))


def page() -> None:
    v, code = visitor(), class_code()
    if code is not None:
        st.title(f"Class {code}")
        my_run(code)
        return
    st.title("Class")
    mine = classes().of_teacher(v.key)
    if mine is None:
        if ended := st.session_state.pop(ENDED, None):
            st.success(ended)
        open_class_form()
    else:
        wall(mine.code)


page()
