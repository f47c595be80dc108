"""A student's own run on the Class page: its loss chart, the fields the teacher left open, and presses that show.

The loss chart is made once per run and redraw tick for every session that shows it (the student, the wall's run
in large, the watch link), as pages/parts/klass.py makes the pictures.
"""
from __future__ import annotations

import time

import streamlit as st

from ganlib.charts import look
from ganlib.charts.training import training_figure
from ganlib.classroom.classes import ClassCommand
from ganlib.engine.config import coerce, field_meta
from ganlib.lab.meaning import of_config
from ganlib.words import class_text as W
from ganlib.words.describe import exact_number
from pages.parts.klass import SHARED
from pages.parts.live import Drawn
from pages.parts.ui import classes

LOSSES_EVERY_S = 3.0   # a loss chart is drawn anew at most this often: the curves move slowly, the points fast
# A class's loss charts drawn a second at most, ~30 ms of the GIL each (training_figure). With 30 students
# refreshing, 3 a second were 17% of the server's GIL samples, the class's batched step 20% (py-spy --gil)
LOSS_CHARTS_PER_S = 1.5
TITLE_CHARS = 55      # a loss chart's panel titles wrap here: half of a 1280 px screen shows ~64 characters
CHART_PX = 400        # ... and is about this wide with the sidebar open: what the legends get (look.legend_rows)


@st.cache_resource(max_entries=SHARED, show_spinner=False)
def _losses(code: str, tick: int, run_id: str, start: tuple, presenter: bool, _student) -> Drawn:
    """A run's loss chart, once per LOSSES_EVERY_S tick for every viewer. Keyed by the class's version it was made
    at each student refresh (a class publishes every 0.25 s): 90-145 ms of CPU each, 64% of the server's GIL with
    ten students refreshing, and the class's runs fell from 84 to 1 step/s (bench/class.py, py-spy). `start`: the
    run's starts and live changes, so that a run started over or changed is not shown as it was for a tick.
    presenter: large type for a projector (the watch link), whose legends head the panels instead of titles."""
    # on a projector, as tall as a 720 px screen leaves under the status line (the quality line goes beside it)
    return Drawn(training_figure(dict(_student.history), _student.events, of_config(_student.config),
                                 height=look.body_px() if presenter else 420, presenter=presenter,
                                 title_chars=None if presenter else TITLE_CHARS,
                                 width=CHART_PX))


def losses_every(students: int) -> float:
    """Seconds between a student's loss-chart redraws: LOSSES_EVERY_S, longer in a big class, so that the
    class's charts cost the server at most LOSS_CHARTS_PER_S figures a second however many students there are."""
    return max(LOSSES_EVERY_S, students / LOSS_CHARTS_PER_S)


def student_charts(snap, me, presenter: bool = False) -> None:
    """The run's loss chart, and under it its quality line; on a projector, whose 720 pixels the chart takes, the
    caller draws that line elsewhere (W.quality_text)."""
    every = losses_every(len(snap.students))
    tick = int(time.monotonic() / every) if me.training else -me.step   # still: once per standstill
    st.plotly_chart(_losses(snap.code, tick, me.run_id, (me.starts, len(me.events)), presenter, me),
                    key=f"cls_losses_{me.run_id}")
    if not presenter and (text := W.quality_text(me)):
        st.markdown(text)


SHOWN_WAIT_S = 1.0   # a press waits this long at most for the class to show it, so the page it redraws shows it


def sent_and_shown(klass, run_id: str, send) -> None:
    """send() a command of run `run_id`, then wait until a snapshot shows it (the run's status, step, start or
    config moved), or two publishes later: the page then redraws with it. Without the wait the redraw showed the
    run as it was, and the press took 1.3-4.4 s to show (the points' fragment noticed it, a class trial)."""
    before = klass.snapshot()
    was = _shown(before.student(run_id))
    send()
    klass.wait(lambda s: s.version >= before.version + 2 or _shown(s.student(run_id)) != was, SHOWN_WAIT_S)


def _shown(me) -> tuple | None:
    """What a press changes; the step only while the run rests (a Step), as a training run's moves on anyway."""
    return None if me is None else (me.status, me.starts, me.config, None if me.training else me.step)


def send_changes(code: str, run_id: str, keys: dict) -> None:
    """The fields' Apply (plain values only: pages/parts/ui.live_change says why): every field whose box now says
    something else than the run's value goes to the class in one update, checked now and applied at its next
    tick; a refused one is said under the boxes, nothing of it is sent, and the boxes go back to the values in
    force (a refused "fast" left in its box was sent again, and refused again, with every later Apply)."""
    klass = classes().get(code)
    if klass is None:
        return
    try:
        changes = {name: coerce(name, st.session_state[key]) for name, (key, shown) in keys.items()
                   if st.session_state.get(key) != shown}
        if changes:
            sent_and_shown(klass, run_id, lambda: klass.send(run_id, ClassCommand.UPDATE, **changes))
    except ValueError as e:   # FieldError, and coerce's own, which name the field and what it allows
        st.session_state["cls_error"] = str(e)
        for key, shown in keys.values():
            st.session_state[key] = shown


def live_fields(snap, me) -> None:
    """The fields the teacher left open, in one form: a change is sent when Apply is pressed, never while the
    page refreshes under a student's typing. The boxes are keyed by the values in force, so that an accepted
    change shows as the new value, and a refused one goes back to the old."""
    if not snap.open_fields:
        return
    values = {name: getattr(me.config, name) for name in snap.open_fields}
    version = abs(hash(tuple(values.values()))) % 10**8
    keys = {}
    with st.form(key=f"cls_fields_{me.run_id}", border=True):
        cols = st.columns(min(4, len(values)))
        for i, (name, value) in enumerate(values.items()):
            m, key = field_meta(name), f"cls_f_{me.run_id}_{name}_{version}"
            with cols[i % len(cols)]:
                if m["choices"]:
                    choices = list(m["choices"])
                    st.selectbox(name, choices, index=choices.index(value), help=m["help"], key=key)
                    keys[name] = (key, value)
                elif isinstance(value, bool):
                    st.toggle(name, value=value, help=m["help"], key=key)
                    keys[name] = (key, value)
                else:   # typed as text and read by coerce, as the Train page's fields are (pages/parts/form.py)
                    st.text_input(name, value=exact_number(value, name), help=m["help"], key=key)
                    keys[name] = (key, exact_number(value, name))
        st.form_submit_button(W.APPLY, on_click=send_changes, args=(snap.code, me.run_id, keys))
