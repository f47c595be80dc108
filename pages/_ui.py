"""Pieces every page shares: the server's Runs, the session's Visitor, the sidebar run status, the share box.

The leading underscore keeps this file out of the page list; app.py names
the pages explicitly with st.navigation anyway.
"""
from __future__ import annotations

import streamlit as st

from ganlib.controls import apply_live, in_force
from ganlib.describe import fraction_done, load_line, progress_line, status_word
from ganlib.runs import CODE_FORMAT, Limits, Runs
from ganlib.visitor import Visitor


def use_app_navigation() -> None:
    """Route every visit through app.py's st.navigation, also a first visit to /train.

    Streamlit 1.67 sets PagesManager.uses_pages_directory, server-wide, when the main script has a folder
    named pages/ beside it, and keeps it until some session has run app.py's st.navigation: until then it
    runs a page opened by URL (a bookmark, a reload after a restart) as an old-style multipage app, without
    app.py: no run status, and a sidebar listing app, _ui and the file names. No public API turns that off
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


@st.cache_resource(scope="session", on_release=lambda v: v.close(), show_spinner=False)
def visitor() -> Visitor:
    """This browser tab's Visitor, rejoining the run of the key in its URL (?v=). When the tab goes, Runs is
    told; nothing waits on the event loop."""
    return Visitor(runs(), key=st.query_params.get("v"))


WATCH_CODE_RULE = "Watch code: 8 letters, digits, '-' or '_', as shown on the teacher's screen."


def keep_visitor_in_url() -> Visitor:
    """The visitor's key stays in the URL, so a reload or the same link later rejoins its run; a watch code
    (?watch=) is taken only in its exact format. Streamlit drops the query on each page switch: put both back."""
    v = visitor()
    if st.query_params.get("v") != v.key:
        st.query_params["v"] = v.key
    code = st.query_params.get("watch")
    if isinstance(code, str) and CODE_FORMAT.fullmatch(code):
        v.watch_code = code
    elif code is not None:   # said once, and dropped from the address: the page opens as it would without it
        del st.query_params["watch"]
        st.error(WATCH_CODE_RULE + " This link's is not one: ask for the link again.")
    elif v.watch_code:
        st.query_params["watch"] = v.watch_code
    return v


def share_box(v: Visitor) -> None:
    """The owner's watch link for a class: a link, the code in large type, and a QR code for a projector."""
    if v.snapshot() is None or not st.toggle("📣 Show this run to the class (watch link)", key="share"):
        return
    from ganlib.share import watch_url
    url = watch_url(st.context.url, v.share())
    with st.container(border=True):
        left, right = st.columns([3, 2])
        left.markdown("Students who open this link see this run live, read-only: the link gives no control.")
        left.code(url, language=None)
        left.markdown(f"<div style='font-size:3rem;font-weight:700;letter-spacing:.1em'>{v.share()}</div>",
                      unsafe_allow_html=True)
        left.caption("Your own address (with ?v=) is different: it controls this run, so keep it to yourself.")
        right.image(_qr(url), caption="Scan to watch", width=260)


@st.cache_data(max_entries=64, show_spinner=False)
def _qr(url: str) -> bytes:
    from ganlib.share import qr_png
    return qr_png(url)


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


def status_panel() -> None:
    """The sidebar's run status on every page; it refreshes itself only while a run trains."""
    snap = visitor().snapshot()
    with st.sidebar:
        st.fragment(run_every=refresh_every(snap))(_status_body)(snap.status if snap else None)


def _status_body(status_at_render) -> None:
    snap = visitor().snapshot()
    if snap is None:
        st.caption("Watching a shared run." if visitor().watch_code else "No run yet: set one up on the Train page.")
        st.caption(load_line(runs().load()))
        return
    st.markdown(f"**Run:** {status_word(snap)} · {snap.config.dataset}")
    if snap.device:
        st.caption(f"Device: {snap.device}")
    st.progress(fraction_done(snap), text=progress_line(snap))
    st.caption(load_line(runs().load()))
    if snap.status is not status_at_render:  # finished, NaN-paused or failed in the background: redraw the page
        st.rerun()
