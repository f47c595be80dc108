"""Pieces every page shares: the server's Runs, the session's Visitor, the sidebar run status.

A visitor is known by a cookie (ganlib/classroom/identity.py, pages/parts/access.py), never by the address: the address can
be copied, the cookie stays in the browser that was given it.

Kept in pages/parts/, out of the page list; app.py names the pages explicitly with st.navigation anyway.
"""
from __future__ import annotations

import streamlit as st

from ganlib.classroom.controls import apply_live, in_force
from ganlib.words.describe import fraction_done, load_line, progress_line, status_word
from ganlib.classroom.identity import COOKIE, Pairings
from ganlib.classroom.capacity import Limits
from ganlib.classroom.classes import Classes
from ganlib.classroom.runs import Runs
from ganlib.classroom.visitor import Visitor
from ganlib.words import class_text as W


def use_app_navigation() -> None:
    """Route every visit through app.py's st.navigation, also a first visit to /train.

    Streamlit 1.67 sets PagesManager.uses_pages_directory, server-wide, when the main script has a folder
    named pages/ beside it, and keeps it until some session has run app.py's st.navigation: until then it
    runs a page opened by URL (a bookmark, a reload after a restart) as an old-style multipage app, without
    app.py: no run status, and a sidebar listing app and the file names. No public API turns that off
    (the layout fixes the folder's name), so every page calls this first: it switches the mode
    off and reruns, through app.py. tests/test_browser_sessions.py opens /train first on a fresh server. (app.py
    needs no call: its st.navigation switches the mode off for the whole server.)"""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()




@st.cache_resource(show_spinner=False)
def runs() -> Runs:
    """Every run of this server process (one registry, shared by all sessions), with the server's limits."""
    return Runs(Limits.from_env())


@st.cache_resource(show_spinner=False)
def classes() -> Classes:
    """Every class of this server process, beside its runs: a class's runs train in one of their slots."""
    return Classes(runs())


@st.cache_resource(show_spinner=False)
def pairings() -> Pairings:
    """The server's one-time links that pair a second device with a visitor."""
    return Pairings()


def _gone(v: Visitor) -> None:
    v.close()
    classes().owner_left(v.key)   # a student's class run pauses once they have been gone a while


@st.cache_resource(scope="session", on_release=_gone, show_spinner=False)
def visitor() -> Visitor:
    """This browser tab's Visitor: the one its cookie names (a reload, the app reopened in this browser), the one a
    pairing link hands over, or a new one. When the tab goes, Runs and the classes are told; nothing waits on the
    event loop."""
    key = st.session_state.get("paired_key") or st.context.cookies.get(COOKIE)
    address = st.context.ip_address   # a str, or None where Streamlit has none (AppTest gives a stand-in object,
    # which the visitor's space would carry to the training worker in its autosave and fail to pickle there)
    v = Visitor(runs(), key=key, address=address if isinstance(address, str) else None)
    classes().owner_back(v.key)
    return v


def set_state(key: str, value) -> None:
    """An on_click that sets one session value (a module function: see live_change)."""
    st.session_state[key] = value


def live_change(run_id: str, name: str, key: str) -> None:
    """A live field's on_change (lr_g, lr_d, d_steps, epochs), applied if that run is still this visitor's.

    Streamlit 1.67 keeps every widget's callback and arguments for the whole session, also after the widget is
    gone, and live fields get new keys with each run. So these hold plain values only, and this is a module
    function: a Runner in the arguments, or a page-script function (whose globals are that run of the page),
    kept every run ever started alive, ~20 MB each (bench/churn.py)."""
    runner = visitor().runner
    if runner is not None and runner.run_id == run_id:
        st.session_state["live_error"] = error = apply_live(runner, name, st.session_state[key])
        if error:   # the old value goes on: the box shows it again, not the refused one (live_input)
            st.session_state[key] = in_force(runner, name)


def refresh_every(snap, paced: bool = False) -> float | None:
    """Seconds between a live view's refreshes: each second while the run trains or loads, else none. paced: a
    view that follows a slow-motion run (Snapshot.pace): once a step, but no more than 4 times a second (the
    Theory lab's 2-D view takes ~1 s to make on a busy core, its 1-D view ~0.1 s)."""
    if snap is None or not snap.is_training:
        return None
    return max(0.25, 1 / snap.pace) if paced and snap.pace else 1.0


PAUSED_LOOK_S = 5.0   # a paused run can be resumed from the owner's other tab or paired device: this one looks again


def status_panel() -> None:
    """The sidebar's run status on every page; it refreshes itself while a run trains, and looks now and then
    while it waits (paused, idle), so that a change made on the owner's other device reaches this one."""
    snap = visitor().snapshot()
    # a student's class run: drawn as the page runs whole, which the Class page does when the run starts, pauses
    # or changes; a sidebar of 30 students refreshing itself would cost the class's runs their steps
    every = refresh_every(snap) or (PAUSED_LOOK_S if snap is not None and snap.is_active else None)
    with st.sidebar:
        st.fragment(run_every=every)(_status_body)(snap.status if snap else None)


def _status_body(status_at_render) -> None:
    snap = visitor().snapshot()
    if snap is None:
        seat = classes().of_student(visitor().key)
        klass = seat[0] if seat else classes().get(st.query_params.get("class"))   # joining as this page draws
        if klass is not None:   # a student's run is their class's, on the Class page, not a run of the Train page
            st.markdown(W.sidebar_line(klass.code))
        else:
            st.caption("Watching a shared run." if visitor().watch_code else
                       "No run yet: set one up on the Train page.")
        st.caption(load_line(runs().load(), classes().load()))
        return
    st.markdown(f"**Run:** {status_word(snap)} · {snap.config.dataset}")
    if snap.device:
        st.caption(f"Device: {snap.device}")
    st.progress(fraction_done(snap), text=progress_line(snap, status=False))   # the line above says it
    st.caption(load_line(runs().load(), classes().load()))
    if snap.status is not status_at_render:  # finished, NaN-paused or failed in the background: redraw the page
        st.rerun()
