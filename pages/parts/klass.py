"""The Class page's parts: opening a class, the class link, and a student's own run (its points, its curves and the fields the teacher left open).

Pictures and figures are made once per (class, snapshot version, run) and shared by every session that shows them:
the teacher's wall, the projector and the student see the same drawing. A picture travels inside the page as a
data: URI, not as a media file: a page that redraws every half second replaces its media files as often, and with
thirty sessions doing so Streamlit deleted a picture before a browser had fetched it (a broken image, for good on
a busy server); a data: URI has nothing to delete, and Streamlit does not re-encode it as a JPEG per viewer.
"""
from __future__ import annotations

import base64
import time

import streamlit as st

from ganlib.charts.training import training_figure
from ganlib.classroom.classes import OPENABLE, ClassClosed, ClassCommand
from ganlib.classroom.downloads import off_picture, points_picture
from ganlib.classroom.share import app_url, qr_png
from ganlib.engine.config import coerce, field_meta
from ganlib.engine.grid import enlarge, png_bytes
from ganlib.engine.presets import PRESETS
from ganlib.lab.meaning import of_config
from ganlib.words import class_text as W
from ganlib.words.describe import describe_preset, exact_number
from pages.parts.canvas import draw_points
from pages.parts.live import Drawn
from pages.parts.ui import classes, visitor

CLASS_PRESETS = tuple(name for name in PRESETS if name.startswith("class-"))
FIRST_OPEN = ("lr_g", "lr_d", "d_steps", "loss", "seed")   # what a first class lets students play with
LOSSES_EVERY_S = 3.0   # a loss chart is drawn anew at most this often: the curves move slowly, the points fast
# A class's loss charts drawn a second at most, ~30 ms of the GIL each (training_figure). With 30 students
# refreshing, 3 a second were 17% of the server's GIL samples, the class's batched step 20% (py-spy --gil)
LOSS_CHARTS_PER_S = 1.5
SHARED = 256           # cached pictures and figures: a class of 60 at a few versions each
DRAWING_KEY = "cls_drawing"   # the teacher's canvas, apart from the Train page's own drawing


def class_url(code: str) -> str:
    return app_url(st.context.url) + "?class=" + code


def open_class_form() -> None:
    """The teacher's first step: a class preset, the fields students may change, and Open."""
    st.markdown(W.INTRO)
    if not CLASS_PRESETS:
        st.warning(W.NO_PRESETS)
        return
    preset = st.selectbox("Class preset", CLASS_PRESETS, key="cls_preset", format_func=lambda p: p)
    st.caption(describe_preset(preset))
    fields = st.multiselect("Fields students may change", OPENABLE, default=list(FIRST_OPEN), key="cls_fields",
                            help=W.OPEN_HELP)
    data = st.radio(W.DATA_LABEL, list(W.DATA_CHOICES), format_func=W.DATA_CHOICES.get, horizontal=True,
                    key="cls_data")
    drawing = draw_points(DRAWING_KEY) if data == "drawn" else None
    if st.button("Open the class", type="primary", key="cls_open", disabled=data == "drawn" and drawing is None):
        try:
            classes().open(visitor().key, preset, fields, drawing=drawing)
        except (ValueError, ClassClosed) as e:   # FieldError and DatasetError name the field
            st.error(str(e))
            return
        st.rerun()


def link_box(code: str) -> None:
    url = class_url(code)
    left, right = st.columns([3, 2])
    left.markdown(W.LINK_NOTE)
    left.code(url, language=None)
    left.markdown(f"<div style='font-size:3rem;font-weight:700;letter-spacing:.15em'>{code}</div>",
                  unsafe_allow_html=True)
    right.image(_qr(url), caption="Scan to join the class", width=220)


@st.cache_data(max_entries=16, show_spinner=False)
def _qr(url: str) -> bytes:
    return qr_png(url)


@st.cache_resource(max_entries=SHARED, show_spinner=False)
def points_image(code: str, version: int, run_id: str, _points, _real, scale: int = 2) -> str:
    """G's points over the data as a PNG data: URI for st.image, once per class tick, run and scale for every
    viewer (the module's docstring says why not bytes)."""
    return data_uri(png_bytes(enlarge(points_picture(_points, _real), scale)), "image/png")


def run_picture(where, snap, s) -> None:
    """A run's points in large, in `where` (a column), with what the picture cannot show: points outside it."""
    where.image(points_image(snap.code, snap.version, s.run_id, s.points, snap.real),
                caption=W.points_caption(off_picture(s.points, snap.real)), width="stretch")


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


@st.cache_resource(max_entries=SHARED, show_spinner=False)
def _losses(code: str, tick: int, run_id: str, _student) -> Drawn:
    """A run's loss chart, once per LOSSES_EVERY_S tick for every viewer. Keyed by the class's version it was made
    at each student refresh (a class publishes every 0.25 s): 90-145 ms of CPU each, 64% of the server's GIL with
    ten students refreshing, and the class's runs fell from 84 to 1 step/s (bench/class.py, py-spy)."""
    return Drawn(training_figure(dict(_student.history), _student.events, of_config(_student.config), height=420))


def losses_every(students: int) -> float:
    """Seconds between a student's loss-chart redraws: LOSSES_EVERY_S, longer in a big class, so that the
    class's charts cost the server at most LOSS_CHARTS_PER_S figures a second however many students there are."""
    return max(LOSSES_EVERY_S, students / LOSS_CHARTS_PER_S)


def student_charts(snap, me) -> None:
    every = losses_every(len(snap.students))
    tick = int(time.monotonic() / every) if me.training else -me.step   # still: once per standstill
    st.plotly_chart(_losses(snap.code, tick, me.run_id, me), key=f"cls_losses_{me.run_id}")
    if text := W.quality_text(me):
        st.markdown(text)


def send_changes(code: str, run_id: str, keys: dict) -> None:
    """The fields' Apply (plain values only: pages/parts/ui.live_change says why): every field whose box now says
    something else than the run's value goes to the class in one update, checked now and applied at its next
    tick; a refused one is said under the boxes, and nothing of it is sent."""
    klass = classes().get(code)
    if klass is None:
        return
    try:
        changes = {name: coerce(name, st.session_state[key]) for name, (key, shown) in keys.items()
                   if st.session_state.get(key) != shown}
        if changes:
            klass.send(run_id, ClassCommand.UPDATE, **changes)
    except ValueError as e:   # FieldError, and coerce's own, which name the field and what it allows
        st.session_state["cls_error"] = str(e)


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
                    st.text_input(name, value=exact_number(value), help=m["help"], key=key)
                    keys[name] = (key, exact_number(value))
        st.form_submit_button(W.APPLY, on_click=send_changes, args=(snap.code, me.run_id, keys))
