"""Theory lab: the math of the classic GAN texts, drawn live from a 1-D or 2-D toy run.

Reads the session's run only through ganlib.lab.views.view (private copies of G
and D, taken between steps) and the run's snapshot.
"""
import streamlit as st

from ganlib.classroom import controls
from ganlib.lab import gradients, views
from ganlib.charts.theory import g_loss_figure, value_figure
from ganlib.words.describe import replace_question, status_word
from ganlib.words.lab_text import (DEMOS, G_LOSS_NAMES, INTRO, SATURATION, SIDE_BY_SIDE, half_steps_note, no_view,
                                   value_not_drawn)
from ganlib.lab.meaning import OutputKind
from ganlib.engine.presets import SIDE_BY_SIDE as PAIR
from ganlib.run.state import Status
from pages.parts import duet as _duet
from pages.parts.lab import best_track, current_view, grad_track, show_1d, show_2d
from pages.parts.lab_row import d_alone_row
from pages.parts.pace import pace_row
from pages.parts.chart import chart
from pages.parts.ui import refresh_every, use_app_navigation, visitor

use_app_navigation()

TOYS = ("gauss-1d", "ring8", "grid25")


ASKED = "th_asked"   # (callback, its arguments) of a Start that waits for "Yes": it would replace a run worth keeping


def _asks(sure: bool, *wanted) -> bool:
    """Whether a Start must be asked first (unless sure: the answer was Yes): the tab's run is one of the Train
    page's that has gone somewhere (a class pass lost an unsaved fast-digits run at step 13,652 to "Start ring8").
    A toy of the lab's own is replaced at once: starting another is the lab's way of working."""
    snap = visitor().snapshot()
    ask = not sure and snap is not None and not snap.config.is_toy and controls.load_asks(snap)
    st.session_state[ASKED] = wanted if ask else None
    return ask


def start(name: str, loss: str | None = None, sure: bool = False) -> None:
    if _asks(sure, start, name, loss):
        return
    v = visitor()
    cfg = v.choose_preset(name)
    controls.start(v, cfg.replace(loss=loss) if loss else cfg, new=True)


def start_pair(sure: bool = False) -> None:
    if _asks(sure, start_pair):
        return
    controls.start_pair(visitor(), *PAIR)


def asked() -> None:
    """The question a Start left, with its two answers."""
    if (wanted := st.session_state.get(ASKED)) is None or (snap := visitor().snapshot()) is None:
        return
    st.warning(replace_question(snap, new="this toy", verb="Start"))
    yes, no, _ = st.columns([1, 1, 3])
    yes.button("Yes, start it", key="th_yes", type="primary", on_click=wanted[0], args=(*wanted[1:], True))
    no.button("No, keep my run", key="th_no", on_click=st.session_state.update, kwargs={ASKED: None})


def launcher() -> None:
    with st.container(border=True):
        loss = st.radio("G's loss", list(G_LOSS_NAMES), format_func=G_LOSS_NAMES.get, horizontal=True, key="th_loss",
                        persist_state="session")
        for col, name in zip(st.columns(len(TOYS)), TOYS):
            col.button(f"Start {name}", key=f"th_start_{name}", on_click=start, args=(name, loss), width="stretch")
        st.caption("Starting replaces this tab's current run. Spiral and moons: start them on the Train page.")
        asked()


def demos() -> None:
    with st.expander("Failure demos: runs that go wrong on purpose, and what to watch"):
        st.button(SIDE_BY_SIDE[0], key="th_pair", on_click=start_pair, type="primary")
        for name, (label, watch) in DEMOS.items():
            left, right = st.columns([1, 3])
            left.button(label, key=f"th_demo_{name}", on_click=start, args=(name,), width="stretch")
            right.markdown(watch)


def live(training_at_render: bool, pace_at_render: float) -> None:
    v = visitor()
    runner, twin = v.runner, v.twin
    if runner is None:
        st.info("No run yet: start a toy above.")
        return
    if twin is not None:
        _duet.show(runner, twin)
    elif not single(runner):
        return
    # the page's refresh must follow: it runs while either run of a pair trains, at a slow-motion run's pace
    if _duet.training(v) != training_at_render or runner.snapshot().pace != pace_at_render:
        st.rerun()


def single(runner) -> bool:
    """The lab's views of one run; False while there is nothing to draw yet, or nothing the lab can draw."""
    if runner.snapshot().status is Status.LOADING:
        st.info("Loading the data and building G and D…")
        return False
    snap, v = current_view(runner)
    if v is None:
        st.info(no_view(snap.config.dataset, snap.config.is_toy))
        return False
    st.caption(f"{snap.config.dataset} · loss {snap.config.loss} · step {snap.step:,}{half_steps_note(snap.half_steps)}"
               f" · {status_word(snap)}")
    d_alone_row(snap)
    pace_row(snap)
    if isinstance(v, views.View1D):
        show_1d(v, snap)
    else:
        show_2d(v, snap)
    if v.meaning.kind is OutputKind.PROBABILITY:
        chart(value_figure(snap.history, best_track(snap, v), v.meaning), "th_value")
        grad_track(snap, v)
    else:
        st.caption(value_not_drawn(snap.config.loss))
    return True


def page() -> None:
    st.title("Theory lab")
    st.markdown(INTRO)
    launcher()
    demos()
    v = visitor()
    snap, training = v.snapshot(), _duet.training(v)
    every = refresh_every(snap, paced=True) or (1.0 if training else None)   # a pair: while either run trains
    st.fragment(run_every=every)(live)(training, snap.pace if snap else 0.0)
    with st.expander("Minimax or non-saturating: why G's gradient vanishes when D rejects its fakes"):
        st.plotly_chart(g_loss_figure(gradients.g_loss_curves()), key="th_losses")
        st.markdown(SATURATION)


page()
