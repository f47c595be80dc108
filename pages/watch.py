"""Watch: someone else's run, live and read-only, from its watch link (?watch=CODE).

A follower gets no button or input that changes the run: it reads snapshots
through the watch code, which Runs resolves to the owner's current run (so a
teacher's next run shows here too). The figures are shared by all watchers.
"""
import time

import streamlit as st

from ganlib.runs import CODE_FORMAT
from ganlib.state import Status
from pages._live import presenter_on, run_view
from pages._ui import use_app_navigation, visitor

use_app_navigation()

NO_RUN_REFRESH_S = 3.0


@st.cache_resource(max_entries=32, show_spinner=False)
def _theory_view(run_id: str, second: int, _runner):
    """The theory lab's view of a toy run, computed at most once a second for all its watchers."""
    from ganlib import theory
    return theory.view(_runner)


def theory_panel(runner, snap) -> None:
    from ganlib import theory
    from ganlib.charts.theory import density_figure, field_figure
    v = _theory_view(snap.run_id, int(time.time()), runner)
    if isinstance(v, theory.View1D):
        st.plotly_chart(density_figure(v), key="watch.density")
    elif v is not None:
        st.plotly_chart(field_figure(v), key="watch.field")


def follow(training_at_render: bool, presenter: bool) -> None:
    runner = visitor().watched()
    if runner is None:
        st.info("Nothing to show yet: the run behind this link has not started, or it has ended. "
                "This page updates by itself.")
        return
    snap = runner.snapshot()
    run_view(snap, owner=False, key="watch", presenter=presenter)
    if snap.kind == "points" and snap.shape in ((1,), (2,)) and snap.status is not Status.LOADING:
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
        st.error("Watch code: 8 letters, digits, '-' or '_', as shown on the teacher's screen.")
else:
    snap = (r := v.watched()) and r.snapshot()
    every = 1.0 if snap and snap.is_training else NO_RUN_REFRESH_S
    st.fragment(run_every=every)(follow)(bool(snap and snap.is_training), presenter)
