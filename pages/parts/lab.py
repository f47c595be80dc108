"""The Theory lab's panels: the 1-D and 2-D views of a run, and the tracks this tab keeps of them. The row of
buttons (Pause, Step, Step D, Step G, D alone) is pages/parts/lab_row.py.

pages/theory.py lays them out.
"""
import contextlib
import math

import streamlit as st

from ganlib.errors import NoModels
from ganlib.lab import coverage, density, density_2d, views
from ganlib.lab.meaning import OutputKind
from ganlib.charts.theory import Map, density_figure, field_figure, grad_figure
from ganlib.words.lab_text import (EMA_G, GRADS, ONE_D, RAW_G, READ_D, READ_D_STAR, READ_GAP, TWO_D,
                                   describe_density, describe_density_2d, no_d_star, raw_vs_ema)
from pages.parts.chart import chart
TRACK = 500   # points kept of each track


def current_view(runner, key: str = "th_view", with_d_star: bool = True):
    """The theory view of the run (kept under `key`), recomputed only when the run has moved on."""
    snap = runner.snapshot()
    cached = st.session_state.get(key)
    if cached is None or cached[:2] != (snap.run_id, snap.version):   # version: D moves while G is frozen too
        # the first view of a run takes seconds beside training (D* from 262,144 of G's samples): said, not a blank
        # page (a class pass waited 6 s on nothing); later ones replace the last, drawn meanwhile, without a spinner
        first = cached is None or cached[0] != snap.run_id
        try:
            with st.spinner("Drawing the lab's views of this run…") if first else contextlib.nullcontext():
                v = views.view(runner, with_d_star=with_d_star)
        except NoModels:   # a queued run stopped before it built them: nothing to draw (the caller says why)
            v = None
        cached = (snap.run_id, snap.version, v)
        st.session_state[key] = cached
    return snap, cached[2]


def show_1d(v: views.View1D, snap) -> None:
    left, right = st.columns([3, 1])
    chart(density_figure(v), "th_density", left)
    left.caption(v.meaning.optimum)
    with right:
        st.metric("JS(p_data, p_g), raw G", f"{v.js:.4f} nats", help="Jensen-Shannon divergence of p_data and the "
                  f"density of {RAW_G}: 0 when they match, log 2 = 0.693 when they do not overlap. "
                  f"{describe_density(v.method, density.QUANTILES + density.EVEN, density.SAMPLES, density.KERNEL)}.")
        if math.isfinite(v.js_ema):
            st.metric("JS(p_data, p_g), G's EMA", f"{v.js_ema:.4f} nats", help=f"The same JS for {EMA_G}, the G "
                      "the Train page samples and measures")
        if v.meaning.kind is OutputKind.PROBABILITY:
            st.metric("V(D*, G) = -log 4 + 2 JS", f"{v.value_star:.3f}",
                      help="The best detective's score against this G: -2 log 2 = -1.386 only when p_g = p_data")
            st.metric("V(D, G), this D", f"{v.value:.3f}", help="This D's score, integrated over p_data and p_g "
                      "on the grid (no mini-batch noise); never above V(D*, G)")
        if v.meaning.kind is OutputKind.CRITIC:
            st.metric("Wasserstein-1 distance", f"{v.w1:.3f}", help="The integral of |F_data - F_g|, exact in 1-D")
            st.metric("critic's gap E f(real) - E f(fake)", f"{v.critic_gap:.3f}",
                      help="What the critic estimates W1 to be; equal to it at the best 1-Lipschitz critic")
        else:
            st.metric("mean |D - D*|", f"{v.gap:.2f}", help="How far D is from the best D, weighted by where "
                      "the real data and G's samples lie")
    if note := raw_vs_ema(snap.config.ema):
        right.caption(note)
    st.info(views.verdict_1d(v))
    st.markdown(ONE_D)


def show_2d(v: views.View2D, snap) -> None:
    left, right = st.columns([3, 1])
    show = Map.D
    if v.d_star is not None:
        show = left.radio("Map", list(Map), horizontal=True, key="th_map", persist_state="session",
                          help="D as trained; the best D* against this G; their difference")
    chart(field_figure(v, show=show), "th_field", left)
    left.caption(v.meaning.optimum if v.d_star is not None else no_d_star(v.meaning.kind))
    with right:
        if v.d_star is not None:
            st.metric("mean |D - D*|", f"{v.gap:.2f}", help="How far D is from the best D against this G, in its "
                      f"loss's units, over 2 x {len(v.real):,} real and fake points. "
                      f"{describe_density_2d(density_2d.SAMPLES_2D)}.")
        c = v.coverage
        if c is not None:
            st.metric("Modes covered, raw G", f"{c['modes_covered']} / {c['n_modes']}",
                      help=f"Real clusters with one of the samples of {RAW_G} close to them (within 3 standard "
                           "deviations)")
            st.metric("High-quality samples, raw G", f"{100 * c['high_quality']:.1f} %",
                      help="G's samples that close to some real cluster: all of them on one cluster scores 100%, "
                           "so read it with modes covered")
            if note := coverage.coverage_note(c):
                st.caption(note)
            # with no high-quality sample the histogram is empty and the KL undefined: no "∞" that reads as a score
            kl = "n/a" if math.isinf(c["reverse_kl"]) else f"{c['reverse_kl']:.3f}"
            st.metric("Reverse KL to uniform, raw G", kl,
                      help=f"How unevenly G's good samples spread over the clusters: 0 even, log {c['n_modes']} = "
                           f"{math.log(c['n_modes']):.2f} all on one; n/a while no sample is near a cluster")
            if note := raw_vs_ema(snap.config.ema):
                st.caption(note)
        st.markdown({Map.D: READ_D, Map.D_STAR: READ_D_STAR, Map.GAP: READ_GAP}[show] + TWO_D)


def best_track(snap, v) -> tuple:
    """(step, V(D*, G)) at each step this tab drew a view of this run with D*: the best D's score over time."""
    run_id, track = st.session_state.get("th_best", (None, ()))
    if run_id != snap.run_id:
        track = ()
    if math.isfinite(v.value_star) and (not track or track[-1][0] != snap.step):
        track = (track + ((snap.step, v.value_star),))[-TRACK:]
    st.session_state.th_best = (snap.run_id, track)
    return track


def grad_track(snap, v) -> None:
    """G's gradient norm under each loss at each step this tab drew, beside the previous run's (the demos)."""
    if v.g_grads is None:
        return
    label = f"{snap.preset or snap.config.dataset}, {snap.config.loss}"
    run_id, _, rows = st.session_state.get("th_grads", (None, "", ()))
    if run_id != snap.run_id:
        if rows:   # the last run's curves stay, dotted, to compare with this one
            st.session_state.th_grads_before = st.session_state.th_grads[1:]
        rows = ()
    if not rows or rows[-1][0] != snap.step:
        rows = (rows + ((snap.step, v.g_grads["minimax"], v.g_grads["non_saturating"]),))[-TRACK:]
    st.session_state.th_grads = (snap.run_id, label, rows)
    before_label, before = st.session_state.get("th_grads_before", ("", ()))
    chart(grad_figure(rows, before, f"before: {before_label}"), "th_grads")
    st.caption(GRADS)
