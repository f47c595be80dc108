"""The Theory lab's slow-motion control: a run's pace in steps a second, or full speed.

Its callback holds plain values only (see pages/parts/ui.live_change).
"""
import streamlit as st

from ganlib.words.lab_text import PACE, pace_label
from pages.parts.ui import visitor

PACES = (1.0, 5.0, 20.0, 0.0)   # steps/s; 0: full speed


def set_pace(run_id: str, key: str) -> None:
    """The pace control's on_change (plain values only: see pages/parts/ui.live_change)."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        pace = float(st.session_state[key])
        runner.pace(pace)
        runner.wait(lambda s: s.pace == pace or s.ended, 5.0)


def pace_row(snap) -> None:
    key = "th_pace"
    if st.session_state.get(key) != snap.pace:   # the control shows the run's pace (a new run: full speed)
        st.session_state[key] = snap.pace if snap.pace in PACES else 0.0
    st.radio("Slow motion", PACES, key=key, horizontal=True, on_change=set_pace, args=(snap.run_id, key),
             format_func=pace_label, help=PACE, disabled=snap.ended)
