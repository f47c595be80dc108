"""Train page: pick a preset, adjust the config, press Start, and watch G and D play live.

Widgets only: what the buttons do is ganlib.classroom.controls, the words ganlib.words.describe,
the figures ganlib.charts.training. Everything live is read from one snapshot per refresh.
"""
import streamlit as st

from ganlib import LIVE_FIELDS, PRESETS
from ganlib.classroom import controls
from ganlib.classroom.controls import Action
from ganlib.classroom.downloads import checkpoint_bytes, history_file, timeline_gif
from ganlib.engine.config import fields
from ganlib.engine.kinds import DataKind
from ganlib.words.describe import BUTTON_LABELS, GPU_NOTE, config_summary, describe_preset, preset_label, queue_message
from ganlib.run.state import Status
from pages.parts.lesson import banner, fields_of, follow_link, link_panel
from pages.parts.live import presenter_on, run_view
from pages.parts.projector import presenter_view
from pages.parts.form import config_form, live_input
from pages.parts.access import share_box
from pages.parts.ui import refresh_every, runs, use_app_navigation, visitor

use_app_navigation()
# keys for the buttons, shown on them: Streamlit takes r and c (and Esc); Pause and Resume, never both enabled, share p
KEYS = {Action.START: "s", Action.PAUSE: "p", Action.RESUME: "p", Action.STEP: "n"}


def setup(s, snap, buttons=None):
    """Preset and config form (with a lesson's locks), and the lesson link.
    Returns (a valid config or None, the place for the buttons: `buttons`, or under the preset, so Start is on
    screen without scrolling)."""
    if snap is not None:  # a finished run stays on show below: say what this form is for
        st.markdown("**Set up a new run** (Start replaces the run shown below)")
    banner(s)
    names, (locked, hidden) = list(PRESETS), fields_of(s)
    fixed = bool(locked or hidden)  # another preset would replace the values the lesson fixed
    st.selectbox("preset 🔒" if fixed else "preset", names, index=names.index(s.preset_name) if s.preset_name in names
                 else 0, key="preset", disabled=fixed, on_change=lambda: s.choose_preset(st.session_state.preset),
                 format_func=preset_label)
    st.caption((describe_preset(s.preset_name) + "  \n" if s.preset_name in PRESETS else "") + GPU_NOTE)
    buttons = buttons or st.container()   # filled once the form below has been checked
    # the preset is part of the keys, so choosing one redraws every control with its values
    cfg = config_form(s.config, prefix=f"cfg.{s.preset_name}", locked=locked, hidden=hidden)
    if cfg is not None:
        s.config = cfg
        st.caption("New run: " + config_summary(cfg))
    link_panel(s, cfg)
    return cfg, buttons


def live_controls(snap, locked=frozenset(), hidden=frozenset()):
    """The current run's live fields. While the run can go on, all of them, and no new-run form; once it has
    used its epoch budget, the form for a new run is the page's main form, and this run keeps only its epochs
    box, titled for what it does: a new user saw two lr_g boxes and could not tell which run each one changed,
    and epochs is all a finished run needs to go on (raised, the run is active again and gets them all back)."""
    if snap.is_active:
        st.markdown("**Change while it trains** (applies at the next step; a dotted line marks it on the chart)")
        names = LIVE_FIELDS
    else:
        st.markdown("**Train this run longer**: raise its epochs, then press Resume")
        names = ("epochs",)
    live = [f for f in fields() if f.name in names and f.name not in hidden]  # a lesson's locks hold here too
    for col, f in zip(st.columns(max(len(LIVE_FIELDS), 1)), live):
        with col:
            live_input(f, snap.run_id, getattr(snap.config, f.name), f.name in locked)
    if st.session_state.get("live_error"):
        st.error(st.session_state["live_error"])


def button_row(s, snap, cfg):
    ok = controls.buttons(snap, cfg is not None)
    clicked = None
    for col, action in zip(st.columns(len(Action)), Action):
        label = BUTTON_LABELS[action]
        if col.button(label, key=f"btn.{label}", disabled=not ok[action], width="stretch", shortcut=KEYS.get(action),
                      type="primary" if action is Action.START else "secondary"):
            clicked = action
    if clicked is None:
        return
    label = BUTTON_LABELS[clicked]
    try:
        # Start and Step may build a new run: the first one in a process waits for torch too
        with st.spinner("Starting: loading torch, the data and the models…" if clicked in (Action.START, Action.STEP)
                        else f"{label}…"):
            controls.press(clicked, s, cfg)
    except Exception as e:  # bad data, a dataset that needs the internet, a model that does not fit: say so, no traceback
        st.error(str(e) if isinstance(e, ValueError) else f"Could not {label.lower()}: {type(e).__name__}: {e}")
    else:
        st.rerun()  # redraw the buttons for the new status


def live_view(status_at_render, form_ok=True, presenter=False):
    snap = visitor().snapshot()
    if snap is None:
        st.info("Pick a preset, adjust it if you like, then press Start (or Step to go one step at a time)."
                if form_ok else "Fix the setting marked in red above; then Start and Step work again.")
        return
    if snap.status is Status.QUEUED:
        st.info(queue_message(runs().place(snap.run_id), runs().load()))
    if presenter:
        presenter_view(snap, "train", buttons=True)
    else:
        run_view(snap, owner=True, key="train")
    if snap.status is not status_at_render:  # it finished or stopped by itself: redraw the whole page
        st.rerun()


def downloads(snap):
    real = snap.real if snap.kind != DataKind.IMAGE else None
    name, v = snap.preset or "run", visitor()
    c1, c2, c3 = st.columns(3)
    # callables: the files are made when clicked, from the run as it is then; they hold the visitor, never
    # the run itself, so a run that was let go is not kept alive by a button
    c1.download_button("Checkpoint (.pt)", lambda: checkpoint_bytes(v.runner), f"{name}.pt", key="dl.pt",
                       on_click="ignore", width="stretch")
    c2.download_button("Loss history (.csv)", lambda: history_file(v.runner),
                       f"{name}-history.csv", mime="text/csv", key="dl.csv", on_click="ignore", width="stretch")
    c3.download_button("Samples over time (.gif)", lambda: timeline_gif(v.snapshot().timeline, real),
                       f"{name}-timeline.gif", mime="image/gif", key="dl.gif", on_click="ignore", width="stretch")


def page() -> None:
    """The page, as a function: names bound at a page's top level live on in its functions' globals, which
    Streamlit keeps with the widgets' callbacks, so a run named there was freed late or never."""
    s = visitor()
    follow_link(s)  # a lesson link sets up the run on a session's first visit, and stays in the URL
    snap, cfg, presenter = s.snapshot(), None, presenter_on(False)
    projected = presenter and snap is not None   # a projector's 720 pixels: the buttons, then the run; the rest below
    # not an st.empty() that later holds columns: streamlit#3659's 'setIn' error, seen on a blank Train page (unproven)
    buttons = st.container() if projected else None
    if not projected:
        st.title("Train")
    else:
        st.fragment(run_every=refresh_every(snap))(live_view)(snap.status, True, True)
    if snap is not None and snap.accepts_live_changes:
        live_controls(snap, *fields_of(s))
    if snap is None or not snap.is_active:
        cfg, buttons = setup(s, snap, buttons)
    buttons = buttons or st.container()
    with buttons:
        button_row(s, snap, cfg)
    if not projected:
        st.fragment(run_every=refresh_every(snap))(live_view)(snap.status if snap else None, cfg is not None)
    if snap is not None and snap.shape:  # built: there is something to download
        downloads(snap)
    if snap is not None and snap.is_active:   # no setup() above, which draws it otherwise: a class may join mid-run
        link_panel(s, s.config, training=True)
    share_box(s)


page()
