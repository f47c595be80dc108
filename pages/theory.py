"""Theory lab: the math of the classic GAN texts, drawn live from a 1-D or 2-D toy run.

Reads the session's run only through ganlib.theory.view (private copies of G
and D, taken between steps) and the run's snapshot.
"""
import math

import streamlit as st

from ganlib import controls, density, theory
from ganlib.lab_text import D_ALONE, INTRO, LOSSES, ONE_D, TWO_D
from ganlib.state import Reason
from ganlib.charts.theory import density_figure, field_figure, g_loss_figure, value_figure
from ganlib.describe import status_word
from ganlib.state import Status
from pages._ui import refresh_every, use_app_navigation, visitor

use_app_navigation()

TOYS = ("gauss-1d", "ring8", "grid25")
LOSS_NAMES = {"bce": "non-saturating (bce)", "minimax": "minimax (the game as written)"}
D_ALONE_STEPS = (1000, 3000, 10000)
def start(name: str, loss: str) -> None:
    v = visitor()
    controls.start(v, v.choose_preset(name).replace(loss=loss))


def launcher() -> None:
    with st.container(border=True):
        loss = st.radio("G's loss", list(LOSS_NAMES), format_func=LOSS_NAMES.get, horizontal=True, key="th_loss",
                        persist_state="session")
        for col, name in zip(st.columns(len(TOYS)), TOYS):
            col.button(f"Start {name}", key=f"th_start_{name}", on_click=start, args=(name, loss), width="stretch")
        st.caption("Starting replaces this tab's current run. Spiral and moons: start them on the Train page.")


def current_view(runner):
    """The theory view of the run, recomputed only when the run has moved on."""
    snap = runner.snapshot()
    cached = st.session_state.get("th_view")
    if cached is None or cached[:2] != (snap.run_id, snap.version):   # version: D moves while G is frozen too
        cached = (snap.run_id, snap.version, theory.view(runner))
        st.session_state.th_view = cached
    return snap, cached[2]


def show_1d(v: theory.View1D, snap) -> None:
    left, right = st.columns([3, 1])
    left.plotly_chart(density_figure(v), key="th_density")
    left.caption(v.meaning.optimum)
    with right:
        st.metric("JS(p_data, p_g)", f"{v.js:.3f} nats", help="Jensen-Shannon divergence of p_data and the raw G's "
                  f"density: 0 when they match, log 2 = 0.693 when they do not overlap. {density.describe(v.method)}.")
        if v.meaning.kind == "probability":
            st.metric("V(D*, G) = -log 4 + 2 JS", f"{v.value_star:.3f}",
                      help="The best detective's score against this G: -2 log 2 = -1.386 only when p_g = p_data")
            st.metric("V(D, G), this D", f"{v.value:.3f}", help="This D's score, integrated over p_data and p_g "
                      "on the grid (no mini-batch noise); never above V(D*, G)")
        if v.meaning.kind == "critic":
            st.metric("Wasserstein-1 distance", f"{v.w1:.3f}", help="The integral of |F_data - F_g|, exact in 1-D")
            st.metric("critic's gap E f(real) - E f(fake)", f"{v.critic_gap:.3f}",
                      help="What the critic estimates W1 to be; equal to it at the best 1-Lipschitz critic")
        else:
            st.metric("mean |D - D*|", f"{v.gap:.2f}", help="How far D is from the best D, weighted by where "
                      "the real data and G's samples lie")
    st.info(theory.verdict_1d(v))
    st.markdown(ONE_D)


def show_2d(v: theory.View2D) -> None:
    left, right = st.columns([3, 1])
    left.plotly_chart(field_figure(v), key="th_field")
    with right:
        c = v.coverage
        if c is not None:
            st.metric("Modes covered", f"{c['modes_covered']} / {c['n_modes']}",
                      help="Real clusters with one of G's samples close to them (within 3 standard deviations)")
            st.metric("High-quality samples", f"{100 * c['high_quality']:.1f} %",
                      help="G's samples that close to some real cluster: all of them on one cluster scores 100%, "
                           "so read it with modes covered")
            if note := theory.coverage_note(c):
                st.caption(note)
            # with no high-quality sample the histogram is empty and the KL undefined: no "∞" that reads as a score
            kl = "n/a" if math.isinf(c["reverse_kl"]) else f"{c['reverse_kl']:.3f}"
            st.metric("Reverse KL to uniform", kl,
                      help=f"How unevenly G's good samples spread over the clusters: 0 even, log {c['n_modes']} = "
                           f"{math.log(c['n_modes']):.2f} all on one; n/a while no sample is near a cluster")
        st.markdown(TWO_D)


def best_track(snap, v) -> tuple:
    """(step, V(D*, G)) at each step this tab drew the 1-D view of this run: the best D's score over time."""
    run_id, track = st.session_state.get("th_best", (None, ()))
    if run_id != snap.run_id:
        track = ()
    if isinstance(v, theory.View1D) and (not track or track[-1][0] != snap.step):
        track = (track + ((snap.step, v.value_star),))[-500:]
    st.session_state.th_best = (snap.run_id, track)
    return track


def train_d(run_id: str, key: str) -> None:
    """The D-alone button's on_click (plain values only: see pages/_ui.live_change); waits until it shows."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        runner.train_d(int(st.session_state[key]))
        runner.wait(lambda s: s.reason is Reason.D_ALONE or s.ended, 5.0)


def d_alone_row(snap) -> None:
    left, mid, right = st.columns([2, 1, 3])
    key = "th_d_steps"
    mid.selectbox("D updates", D_ALONE_STEPS, index=1, key=key, label_visibility="collapsed")
    left.button("Train D to the optimum (G frozen)", key="th_train_d", on_click=train_d, args=(snap.run_id, key),
                disabled=snap.ended or snap.reason is Reason.D_ALONE, width="stretch")
    if snap.reason is Reason.D_ALONE:
        right.info(f"D trains alone: {snap.d_alone_left:,} updates to go. Watch D close in on D*.")
    else:
        right.caption(D_ALONE)


def live(training_at_render: bool) -> None:
    runner = visitor().runner
    if runner is None:
        st.info("No run yet: start a toy above.")
        return
    if runner.snapshot().status is Status.LOADING:
        st.info("Loading the data and building G and D…")
        return
    snap, v = current_view(runner)
    if v is None:
        st.info(f"The current run learns {snap.config.dataset} images; the theory lab needs 1-D or 2-D toy "
                "data. Start a toy above.")
        return
    st.caption(f"{snap.config.dataset} · loss {snap.config.loss} · step {snap.step:,} · {status_word(snap)}")
    d_alone_row(snap)
    if isinstance(v, theory.View1D):
        show_1d(v, snap)
    else:
        show_2d(v)
    if v.meaning.kind == "probability":
        st.plotly_chart(value_figure(snap.history, best_track(snap, v), v.meaning), key="th_value")
    else:
        st.caption(f"V(D, G) is the value of the original game (bce, minimax); this run's {snap.config.loss} loss "
                   "plays another, so it is not drawn.")
    if snap.is_training != training_at_render:   # started or ended: the page's refresh pace must follow
        st.rerun()


def page() -> None:
    st.title("Theory lab")
    st.markdown(INTRO)
    launcher()
    snap = visitor().snapshot()
    st.fragment(run_every=refresh_every(snap))(live)(bool(snap and snap.is_training))
    with st.expander("Minimax or non-saturating: why G's gradient vanishes when D rejects its fakes"):
        st.plotly_chart(g_loss_figure(theory.g_loss_curves()), key="th_losses")
        st.markdown(LOSSES)


page()
