"""Watch: someone else's run, live and read-only, from its watch link (?watch=CODE) or its code typed here.

A follower gets no button or input that changes the run: it reads snapshots
through the watch code, which Runs resolves to the owner's current run (so a
teacher's next run shows here too). The figures are shared by all watchers.
Until a code someone shares is given, the page is the code box, with what is
wrong with the code next to it.
"""
import streamlit as st

from ganlib.charts import look
from ganlib.classroom.codes import WATCH_CODES
from ganlib.engine.kinds import DataKind
from ganlib.errors import NoModels
from ganlib.run.state import Status
from ganlib.words import class_text as W
from ganlib.words import watch_text as WT
from pages.parts.live import REDRAW_S, Drawn, drawn_as, presenter_on, run_view
from pages.parts.klass import run_picture
from pages.parts.projector import presenter_view
from pages.parts.seat import student_charts
from pages.parts.chart import chart
from pages.parts.ui import classes, runs, use_app_navigation, visitor

use_app_navigation()

NO_RUN_REFRESH_S = 3.0
THEORY_EVERY_S = 6.0    # a 2-D theory view takes ~0.45 s alone, ~1 s beside training (the true D* from 100,000 of
                        # G's samples); made back to back, views took a ring8 run from 290 to 153 steps/s


@st.cache_resource(max_entries=32, show_spinner=False)
def _theory_figure(drawn: tuple, _runner):
    """The theory lab's figure of a toy run, computed once per drawing tick for all its watchers."""
    from ganlib.lab import views
    from ganlib.charts.theory import density_figure, field_figure
    try:
        v = views.view(_runner)
    except NoModels:   # the owner's run ended and was let go between the snapshot and this drawing
        return None
    if v is None:
        return None
    return Drawn(density_figure(v) if isinstance(v, views.View1D) else field_figure(v))


def theory_panel(runner, snap) -> None:
    if (fig := _theory_figure(drawn_as(snap, THEORY_EVERY_S), runner)) is not None:
        chart(fig, "watch.theory")


def spotlit(v):
    """(class snapshot, student view) when the owner of this watch link is a teacher who put a student's run on
    it; else None."""
    return classes().spotlit(runs().owner_of(v.watch_code))


def ended_spot(v):
    """(class snapshot, student view) of the run the teacher behind this link had on it when their class ended
    lately; None once they opened another class (class_memory.py)."""
    teacher = runs().owner_of(v.watch_code)
    return classes().past.spot(teacher) if teacher and classes().of_teacher(teacher) is None else None


def student_run(snap, me, presenter: bool, ended: bool = False) -> None:
    """A student's run on the watch link; ended: kept from a class that has ended (class_memory.py)."""
    if presenter:   # one 1280 x 720 screen: a line, then the picture and the losses as tall as what is left
        title = W.ended_on_projector(snap.code, me.name) if ended else W.watch_title(snap, me)
        st.markdown(f"**{title}** · {W.status_line(snap, me)}", help=W.schedule_help(me.config, me.step))
        left, right = st.columns(look.COLUMN_PX[:1] + (sum(look.COLUMN_PX[1:]),))
    else:
        if ended:
            st.info(W.ended_on_watch(snap.code))
        st.subheader(W.watch_title(snap, me))
        st.caption(W.status_line(snap, me), help=W.schedule_help(me.config, me.step))
        left, right = st.columns(2)
    run_picture(left, snap, me)
    if presenter and (text := W.quality_text(me)):   # under the picture: the chart beside it takes the height
        left.markdown(text)
    with right:
        student_charts(snap, me, presenter)


def follow(training_at_render: bool, presenter: bool, spot_at_render: bool) -> None:
    v = visitor()
    if not v.watch_known():   # the owner has been gone long enough for the code to end: back to the code box
        st.rerun()
    runner = v.watched()
    spot = spotlit(v)
    if (spot is not None) != spot_at_render:   # the teacher put a student's run on, or took it off: its pace
        st.rerun()
    if spot is not None:
        student_run(*spot, presenter)
        return
    if runner is None:
        if (last := ended_spot(v)) is not None:   # the class ended with a student's run on: it stays, said so
            student_run(*last, presenter, ended=True)
        else:
            st.info(WT.NOTHING_YET)
        return
    snap = runner.snapshot()
    if presenter:
        presenter_view(snap, "watch")
    else:
        run_view(snap, owner=False, key="watch")
    if snap.kind == DataKind.POINTS and snap.shape in ((1,), (2,)) and snap.status is not Status.LOADING:
        theory_panel(runner, snap)
    st.caption(WT.WATCHING)
    if snap.is_training != training_at_render:  # started or stopped: refresh at the pace that fits
        st.rerun()


def code_box(v) -> None:
    """The box a code is typed in, and under it what is wrong: a code in no form of one, or one nobody shares on this
    server (typed, or from the link: its owner may have left long ago). Only a code someone shares leaves the box,
    into the address, so a reload never brings back a wrong one."""
    typed = st.text_input(WT.CODE_LABEL, max_chars=2 * WATCH_CODES.length, placeholder=WT.CODE_PLACEHOLDER,
                          key="watch_code_box").strip()
    code = WATCH_CODES.parse(typed) if typed else v.watch_code
    if code is None:
        if typed:
            st.error(WT.WATCH_CODE_RULE)
        return
    if not runs().shared(code):
        st.error(WT.no_run_shared(code))
        return
    v.watch_code = st.query_params["watch"] = code
    st.rerun()


v = visitor()
presenter = presenter_on(True)
following = v.watch_code is not None and v.watch_known()
if not (presenter and following):   # a projector's 720 pixels go to the run
    st.title("Watch a run")
if not following:
    st.caption(WT.CODE_INTRO)   # a class pass found the bare box, opened from the sidebar, saying nothing
    code_box(v)
else:
    snap = (r := v.watched()) and r.snapshot()
    spot = spotlit(v) is not None
    every = REDRAW_S if (snap and snap.is_training) or spot else NO_RUN_REFRESH_S
    st.fragment(run_every=every)(follow)(bool(snap and snap.is_training), presenter, spot)
