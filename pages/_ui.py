"""Pieces every page shares: the server's Runs, the session's Visitor, the sidebar run status, and the config form.

The leading underscore keeps this file out of the page list; app.py names
the pages explicitly with st.navigation anyway.
"""
from __future__ import annotations

import dataclasses

import streamlit as st

from ganlib.config import OPEN_GROUPS, TrainConfig, field_meta, fields, groups
from ganlib.controls import apply_live, check, in_force
from ganlib.describe import exact_number, fraction_done, load_line, progress_line, status_word
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


def keep_visitor_in_url() -> Visitor:
    """The visitor's key stays in the URL, so a reload or the same link later rejoins its run; a watch code
    (?watch=) is taken only in its exact format. Streamlit drops the query on each page switch: put both back."""
    v = visitor()
    if st.query_params.get("v") != v.key:
        st.query_params["v"] = v.key
    code = st.query_params.get("watch")
    if isinstance(code, str) and CODE_FORMAT.fullmatch(code):
        v.watch_code = code
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


def live_input(f: dataclasses.Field, run_id: str, value, locked: bool = False):
    """The box of a live field (lr_g, lr_d, d_steps, epochs) of run `run_id`, showing `value` at first.

    Its value lives in the session state, not in a value= argument, so that live_change can put the value in
    force back when a change is refused (a box drawn with value= would keep the refused text)."""
    key = f"live.{run_id}.{f.name}"
    st.session_state.setdefault(key, exact_number(value))
    return st.text_input(f"{f.name} 🔒" if locked else f.name, key=key, disabled=locked,
                         help=f.metadata["help"] + (" (🔒 locked by the lesson)" if locked else ""),
                         on_change=live_change, args=(run_id, f.name, key))


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


def field_input(f: dataclasses.Field, value, key: str, locked: bool = False, **extra):
    """One control for one TrainConfig field, chosen from its type and metadata (extra: on_change, args...).

    locked: shown with a 🔒 and disabled (a lesson link fixed it)."""
    m = f.metadata
    label = f"{f.name} 🔒" if locked else f.name
    kw = dict(key=key, help=m["help"] + (" (🔒 locked by the lesson)" if locked else ""), disabled=locked, **extra)
    if m["choices"]:
        choices = list(m["choices"])
        return st.selectbox(label, choices, index=choices.index(value) if value in choices else 0, **kw)
    if isinstance(value, bool):
        return st.toggle(label, value=value, **kw)
    if isinstance(value, (int, float)):
        # numbers are typed as text ("2e-4", "64") and read by ganlib.config.coerce, which names the field and
        # what it allows when the text is not such a number. A number box read "1e9" as 1 and "0.5x" as 0.5,
        # silently; and exact, not rounded: the form hands on what it shows (a lesson's 1.25e-4 stays 1.25e-4)
        return st.text_input(label, value=exact_number(value), **kw)
    return st.text_input(label, value=value, **kw)


def config_form(cfg: TrainConfig, prefix: str = "cfg", locked=frozenset(), hidden=frozenset()) -> TrainConfig | None:
    """Controls for every field, grouped; returns the valid config, or None with the error under the bad control.

    locked fields show disabled with a 🔒; hidden ones are not drawn, but their values are checked with the rest."""
    values, slots = {name: getattr(cfg, name) for name in hidden}, {}
    note = st.empty()
    for group in groups():
        if not (shown := [f for f in fields(group) if f.name not in hidden]):
            continue
        with st.expander(group, expanded=group in OPEN_GROUPS):
            cols = st.columns(3)
            for i, f in enumerate(shown):
                with cols[i % 3]:
                    values[f.name] = field_input(f, getattr(cfg, f.name), f"{prefix}.{f.name}", f.name in locked)
                    slots[f.name] = st.empty()
                    if f.name == "data_path" and values.get("dataset") == "folder":
                        images_upload(f"{prefix}.{f.name}")
    ok, bad, msg = check(values, visitor().space.data_path)   # data_path: the visitor's own uploads only
    if ok is None:
        slots.get(bad, note).error(msg)
        if bad in slots:
            group = field_meta(bad)["group"]
            note.warning(f"Fix {bad} (under {group}) before starting a run.")
    return ok


def images_upload(path_key: str) -> None:
    """dataset=folder: the visitor's images come as an upload, kept in their own space (ganlib.spaces);
    data_path then names it. A folder of the server only when the operator allows it (GAN_STUDIO_LOCAL_PATHS)."""
    # a new key after each upload kept: a fresh, empty uploader, and the server lets go of the files it held
    key = f"{path_key}.upload{st.session_state.get(path_key + '.uploads', 0)}"
    st.file_uploader("Your images: a .zip, or image files", accept_multiple_files=True, key=key,
                     on_change=_store_images, args=(key, path_key), help="Kept in your own space; only you see it")
    if note := st.session_state.pop(path_key + ".note", None):
        (st.success if note[0] == "success" else st.error)(note[1])
    if own := visitor().space.data_list():
        st.caption("Your uploads (data_path): " + ", ".join(f"`{d['ref']}`" for d in own))


def _store_images(key: str, path_key: str) -> None:
    files = st.session_state.get(key) or []
    if not files:
        return
    try:
        ref = visitor().space.store_data([(f.name, f.getvalue()) for f in files])
    except ValueError as e:   # DatasetError too: sizes, names, not images, the quota
        st.session_state[path_key + ".note"] = ("error", str(e))
        return
    # the draft and the field take the new data_path. The box's own state is set, not dropped: dropped, the
    # server drew it afresh from the draft, but the browser kept showing (and then sent back) the old text, so
    # Start said data_path was empty (Streamlit only logs that a field drawn with a value was set this way)
    s = visitor()
    s.config = s.config.replace(data_path=ref)
    st.session_state[path_key] = ref
    st.session_state[path_key + ".uploads"] = st.session_state.get(path_key + ".uploads", 0) + 1
    st.session_state[path_key + ".note"] = ("success", f"Kept as {ref}; data_path now names it.")
