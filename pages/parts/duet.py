"""The Theory lab's side-by-side demo: the minimax and the non-saturating G of presets.SIDE_BY_SIDE, live.

One chart of each G's gradient norm under its own loss, and each run's 2-D view (D's map and the points, without
D*: two views a refresh) in two columns. Pause, Resume and Stop act on both (controls.press). Callbacks hold plain
values only (see pages/parts/ui.live_change).
"""
import streamlit as st

from ganlib.classroom import controls
from ganlib.classroom.controls import Action
from ganlib.lab import gradients
from ganlib.charts.theory import field_figure, pair_grad_figure
from ganlib.words.describe import pair_label, status_word
from ganlib.words.lab_text import SIDE_BY_SIDE
from pages.parts.lab import TRACK, current_view
from pages.parts.lab_row import press
from pages.parts.chart import chart

VIEW_HEIGHT = 380   # px: two maps side by side, smaller than the lab's one


def training(v) -> bool:
    """Either run of the visitor's pair (or its single run) trains: the lab keeps refreshing."""
    return any(r is not None and r.snapshot().is_training for r in (v.runner, v.twin))


def show(lead, twin) -> None:
    (snap, view), (twin_snap, twin_view) = (current_view(lead, "th_view", with_d_star=False),
                                            current_view(twin, "th_pair_view", with_d_star=False))
    st.markdown(SIDE_BY_SIDE[1])
    buttons(snap)
    chart(pair_grad_figure(tracks((snap, view), (twin_snap, twin_view))), "th_pair_grads")
    for col, s, v, side in zip(st.columns(2), (snap, twin_snap), (view, twin_view), ("lead", "twin")):
        col.caption(f"{s.preset} · loss {s.config.loss} · step {s.step:,} · {status_word(s)}")
        if v is None:   # still loading
            continue
        fig = field_figure(v)
        fig.update_layout(height=VIEW_HEIGHT)
        chart(fig, f"th_pair_field_{side}", col)
        if v.coverage is not None:
            col.metric("Modes covered, raw G", f"{v.coverage['modes_covered']} / {v.coverage['n_modes']}")


def buttons(snap) -> None:
    ok = controls.buttons(snap, form_ok=False)
    pause, stop, _ = st.columns([1, 1, 4])
    action = Action.PAUSE if ok[Action.PAUSE] else Action.RESUME
    pause.button(pair_label(action), key="th_pair_pause", on_click=press, args=(snap.run_id, action),
                 width="stretch", disabled=not ok[action])
    stop.button(pair_label(Action.STOP), key="th_pair_stop", on_click=press, args=(snap.run_id, Action.STOP),
                width="stretch", disabled=not ok[Action.STOP])


def tracks(*runs) -> list[tuple]:
    """Each run's (label, its loss's g_gradient_norms entry, (step, norm) rows), one row a step this tab drew."""
    ids = tuple(s.run_id for s, _ in runs)
    kept_ids, kept = st.session_state.get("th_pair_grads_rows", ((), ()))
    rows = list(kept) if kept_ids == ids else [() for _ in runs]
    for i, (s, v) in enumerate(runs):
        norm = gradients.own_g_grad(v, s.config.loss)
        if norm is not None and (not rows[i] or rows[i][-1][0] != s.step):
            rows[i] = (rows[i] + ((s.step, norm),))[-TRACK:]
    st.session_state.th_pair_grads_rows = (ids, tuple(rows))
    return [(f"{s.preset}: {s.config.loss} G", gradients.OWN_LOSS[s.config.loss], r) for (s, _), r in zip(runs, rows)]
