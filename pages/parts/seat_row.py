"""A student's row of buttons on the Class page: Start (Resume, or Pause while it trains), Step, and Reset, which
asks first where there is a run to lose, as the Theory lab's Start does (one click threw a student's run away, a
class pass)."""
from __future__ import annotations

import streamlit as st

from ganlib.classroom.classes import ClassCommand
from ganlib.run.state import Status
from ganlib.words import class_text as W
from ganlib.words.describe import BUTTON_LABELS
from pages.parts.seat import sent_and_shown
from pages.parts.ui import classes, set_state

ASK_RESET = "cls.ask_reset"   # the student pressed Reset, and is asked whether they mean it


def send(code: str, run_id: str, command: ClassCommand) -> None:
    """A button's on_click: plain values only, as every callback here (pages/parts/ui.live_change says why)."""
    st.session_state.pop(ASK_RESET, None)   # any press answers the question
    klass = classes().get(code)
    if klass is not None:
        sent_and_shown(klass, run_id, lambda: klass.send(run_id, command))


def buttons(code: str, run_id: str, me) -> None:
    """Start (Resume once it has trained), or Pause in its place while it trains, as the lab's row has it (a class
    pass found a greyed "Resume" beside Pause confusing); Step and Reset of the student's own run."""
    training, started = me.status in (Status.RUNNING, Status.QUEUED), me.step > 0
    first = ClassCommand.PAUSE if training else ClassCommand.RESUME if started else ClassCommand.START
    row = ((first, True), (ClassCommand.STEP, not training), (ClassCommand.RESET, True))
    for col, (command, on) in zip(st.columns(len(row)), row):
        asks = command is ClassCommand.RESET and started   # a run at step 0 has nothing to lose
        col.button(BUTTON_LABELS[command.value], key=f"cls-{command.value}", disabled=not on,
                   on_click=set_state if asks else send, args=(ASK_RESET, True) if asks else (code, run_id, command),
                   type="primary" if command is first else "secondary", width="stretch")
    if st.session_state.get(ASK_RESET) and started:
        st.warning(W.reset_question(me.step, training))
        yes, no, _ = st.columns([1, 1, 3])
        yes.button(W.RESET_YES, key="cls-reset-yes", type="primary", on_click=send,
                   args=(code, run_id, ClassCommand.RESET))
        no.button(W.RESET_NO, key="cls-reset-no", on_click=set_state, args=(ASK_RESET, False))
