"""The Theory lab's row of buttons: Pause or Resume, Step, Step D, Step G, and D alone (G frozen, D trained toward
D*), on the lab itself.

pages/theory.py lays it out under the lab's panels (pages/parts/lab.py). Every callback here holds plain values only
(see pages/parts/ui.live_change).
"""
import streamlit as st

from ganlib.classroom import controls
from ganlib.classroom.controls import Action
from ganlib.words.describe import BUTTON_LABELS, pair_label
from ganlib.words.lab_text import D_ALONE, D_ALONE_DONE, STEP_D, STEP_G, d_alone_left
from ganlib.run.state import Part, Reason
from pages.parts.ui import visitor

D_ALONE_STEPS = (1000, 3000, 10000)
D_ALONE_OF = "th_d_alone_of"   # (run, step, half-steps) where this tab trained D alone: said done until G moves


def train_d(run_id: str, key: str) -> None:
    """The D-alone button's on_click (plain values only: see pages/parts/ui.live_change); waits until it shows."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        runner.train_d(int(st.session_state[key]))
        snap = runner.wait(lambda s: s.reason is Reason.D_ALONE or s.ended, 5.0)
        st.session_state[D_ALONE_OF] = (run_id, snap.step, snap.half_steps)   # where G stopped: it stays there


def press(run_id: str, action: Action) -> None:
    """Pause, Resume or Step on the lab itself, on this tab's run if it is still the one shown."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        controls.press(action, visitor(), None)


def half(run_id: str, part: str) -> None:
    """Step D or Step G on the lab (part: a Part's value, a plain string: see pages/parts/ui.live_change)."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        controls.half_step(runner, Part(part))


def d_alone_row(snap) -> None:
    ok = controls.buttons(snap, form_ok=False)
    # "Step both" is the widest label of the row: at 1280 px, a column of 1 showed "Step b..."
    pause, step, step_d, step_g, left, mid = st.columns([1, 1.35, 1, 1, 1.9, 1])
    action = Action.PAUSE if ok[Action.PAUSE] else Action.RESUME
    pause.button(BUTTON_LABELS[action], key="th_pause", on_click=press, args=(snap.run_id, action), width="stretch",
                 disabled=not ok[action])
    step.button(pair_label(Action.STEP), key="th_step", on_click=press, args=(snap.run_id, Action.STEP),
                width="stretch", disabled=not ok[Action.STEP], help="One step of the game: D's updates, then G's")
    for col, part, text in ((step_d, Part.D, STEP_D), (step_g, Part.G, STEP_G)):
        col.button(f"Step {part.name}", key=f"th_step_{part.value}", on_click=half, args=(snap.run_id, part.value),
                   width="stretch", disabled=not ok[Action.STEP], help=text)
    key = "th_d_steps"
    mid.selectbox("D updates", D_ALONE_STEPS, index=1, key=key, label_visibility="collapsed")
    left.button("Train D to D*", key="th_train_d", on_click=train_d, args=(snap.run_id, key),   # short: it fits
                disabled=snap.ended or snap.reason is Reason.D_ALONE, width="stretch",
                help="Train D to the optimum: G frozen, D alone for the chosen number of updates")
    # the notes under the row, across the page: in the row's last column the caption's ~80 words stood 400 px
    # tall and pushed the charts down a screen (a class pass), and the done note ~250 px
    if snap.reason is Reason.D_ALONE:
        st.info(d_alone_left(snap.d_alone_left))
    elif st.session_state.get(D_ALONE_OF) is not None:   # it ended without a word once (a class pass)
        if st.session_state[D_ALONE_OF] != (snap.run_id, snap.step, snap.half_steps):
            st.session_state.pop(D_ALONE_OF)   # G moved since (a Resume, a Step), or another run is shown
        elif not snap.is_training:
            st.success(D_ALONE_DONE)
    st.caption(D_ALONE)

