"""Watch: someone else's run, live and read-only, from its watch link (?watch=CODE).

A follower gets no button or input that changes the run: it reads snapshots
through the watch code, which Runs resolves to the owner's current run (so a
teacher's next run shows here too). The figures are shared by all watchers.
"""
import streamlit as st

from ganlib.classroom.runs import CODE_FORMAT
from ganlib.engine.kinds import DataKind
from ganlib.run.state import Status
from ganlib.words import class_text as W
from pages.parts.live import REDRAW_S, Drawn, drawn_as, presenter_on, run_view
from pages.parts.access import WATCH_CODE_RULE
from pages.parts.klass import run_picture, student_charts
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
    v = views.view(_runner)
    if v is None:
        return None
    return Drawn(density_figure(v) if isinstance(v, views.View1D) else field_figure(v))


def theory_panel(runner, snap) -> None:
    if (fig := _theory_figure(drawn_as(snap, THEORY_EVERY_S), runner)) is not None:
        st.plotly_chart(fig, key="watch.theory")


def spotlit(v):
    """(class snapshot, student view) when the owner of this watch link is a teacher who put a student's run on
    it (the class wall's "Show it on my watch link"); else None."""
    owner = runs().owner_of(v.watch_code)
    klass = classes().of_teacher(owner) if owner else None
    snap = klass.snapshot() if klass is not None else None
    me = snap.student(snap.spotlight) if snap is not None and snap.spotlight else None
    return (snap, me) if me is not None else None


def student_run(snap, me) -> None:
    st.subheader(W.watch_title(snap, me))
    st.caption(W.status_line(snap, me))
    left, right = st.columns(2)
    run_picture(left, snap, me)
    with right:
        student_charts(snap, me)


def follow(training_at_render: bool, presenter: bool, spot_at_render: bool) -> None:
    v = visitor()
    runner = v.watched()
    spot = spotlit(v)
    if (spot is not None) != spot_at_render:   # the teacher put a student's run on, or took it off: its pace
        st.rerun()
    if spot is not None:
        student_run(*spot)
        return
    if runner is None:
        if v.watch_known():
            st.info("Nothing to show yet: the run behind this link has not started, or it has ended. "
                    "This page updates by itself.")
        else:
            st.warning(f"No run is shared under the code {v.watch_code} on this server: check it against the "
                       "teacher's screen. This page updates by itself once it is shared.")
        return
    snap = runner.snapshot()
    run_view(snap, owner=False, key="watch", presenter=presenter)
    if snap.kind == DataKind.POINTS and snap.shape in ((1,), (2,)) and snap.status is not Status.LOADING:
        theory_panel(runner, snap)
    st.caption("You are watching: nothing here changes the run. The Latent explorer can open a private copy "
               "of its G (source: Current run).")
    if snap.is_training != training_at_render:  # started or stopped: refresh at the pace that fits
        st.rerun()


v = visitor()
presenter = presenter_on(True)
if not presenter:   # a projector's 720 pixels go to the run
    st.title("Watch a run")
if v.watch_code is None:
    code = st.text_input("Watch code", max_chars=8, placeholder="8 characters from your teacher's screen")
    if code:
        if CODE_FORMAT.fullmatch(code.strip()):
            st.query_params["watch"] = code.strip()
            st.rerun()
        st.error(WATCH_CODE_RULE)
else:
    snap = (r := v.watched()) and r.snapshot()
    spot = spotlit(v) is not None
    every = REDRAW_S if (snap and snap.is_training) or spot else NO_RUN_REFRESH_S
    st.fragment(run_every=every)(follow)(bool(snap and snap.is_training), presenter, spot)
