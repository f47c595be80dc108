"""Pieces every page shares: the session's Studio, the sidebar run status, and controls built from TrainConfig.

The leading underscore keeps this file out of the page list; app.py names
the pages explicitly with st.navigation anyway.
"""
from __future__ import annotations

import dataclasses
import math

import streamlit as st

from ganlib.config import TrainConfig, fields
from ganlib.controls import check
from ganlib.describe import fraction_done, number, progress_line, status_word


def _leave_pages_folder_mode() -> None:
    """Until some session has run app.py's st.navigation, Streamlit (1.67) treats a folder named pages/ as an
    old-style multipage app, server-wide. So after a (re)start, a first visitor who opens /train, /theory...
    (a bookmark, a reload) ran the page without app.py: no run status, and a sidebar listing app, ui and the
    file names. Every page imports this file first: switch that mode off once and run again, through app.py."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_pages_folder_mode()

GROUPS = ("data", "model", "loss", "optimizer", "schedule", "compute")
OPEN_GROUPS = ("data", "model", "optimizer")  # the rest stay folded so the page is not a wall of inputs


@st.cache_resource(scope="session", on_release=lambda s: s.close(), show_spinner=False)
def studio():
    """This browser tab's Studio; closing the tab stops and joins its training thread."""
    from ganlib.studio import Studio  # here, not at the top: it imports torch (seconds), and pages import this file
    return Studio()


def status_panel() -> None:
    """The sidebar's run status on every page; it refreshes itself each second only while a run trains."""
    runner = studio().runner
    status = runner.snapshot().status if runner is not None else None
    with st.sidebar:
        st.fragment(run_every=1.0 if status == "running" else None)(_status_body)(status)


def _status_body(status_at_render: str | None) -> None:
    runner = studio().runner
    if runner is None:
        st.caption("No run yet: set one up on the Train page.")
        return
    snap = runner.snapshot()
    st.markdown(f"**Run:** {status_word(snap)} · {snap.config.dataset}")
    st.progress(fraction_done(snap), text=progress_line(snap))
    if snap.status != status_at_render:  # finished, NaN-paused or failed in the background: redraw the buttons
        st.rerun()


def field_input(f: dataclasses.Field, value, key: str, **extra):
    """One control for one TrainConfig field, chosen from its type and metadata (extra: on_change, args...)."""
    m = f.metadata
    kw = dict(key=key, help=m["help"], **extra)
    if m["choices"]:
        choices = list(m["choices"])
        return st.selectbox(f.name, choices, index=choices.index(value) if value in choices else 0, **kw)
    if isinstance(value, bool):
        return st.toggle(f.name, value=value, **kw)
    if isinstance(value, float) and m["lo"] and m["hi"] / m["lo"] >= 1e3:
        # rates span decades: typed as text ("2e-4", "0.001"); ganlib.config.coerce parses it
        return st.text_input(f.name, value=number(value), **kw)
    if isinstance(value, float):
        step = 10 ** math.floor(math.log10((m["hi"] - m["lo"]) / 100))
        return st.number_input(f.name, value=value, step=float(step), format="%g", **kw)
    if isinstance(value, int):
        # no min/max on purpose: an out-of-range value gets validate()'s message instead of a silent clamp
        return st.number_input(f.name, value=value, step=1, **kw)
    return st.text_input(f.name, value=value, **kw)


def config_form(cfg: TrainConfig, prefix: str = "cfg") -> TrainConfig | None:
    """Controls for every field, grouped; returns the valid config, or None with the error under the bad control."""
    values, slots = {}, {}
    note = st.empty()
    for group in GROUPS:
        with st.expander(group, expanded=group in OPEN_GROUPS):
            cols = st.columns(3)
            for i, f in enumerate(f for f in fields() if f.metadata["group"] == group):
                with cols[i % 3]:
                    values[f.name] = field_input(f, getattr(cfg, f.name), f"{prefix}.{f.name}")
                    slots[f.name] = st.empty()
    ok, bad, msg = check(values)
    if ok is None:
        slots.get(bad, note).error(msg)
        if bad in slots:
            group = next(f.metadata["group"] for f in fields() if f.name == bad)
            note.warning(f"Fix {bad} (under {group}) before starting a run.")
    return ok
