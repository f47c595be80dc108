"""The Class page's parts: opening a class, the class link, and the pictures of a run's points (a student's own
run's curves and fields: pages/parts/seat.py).

Pictures and figures are made once per (class, snapshot version, run) and shared by every session that shows them:
the teacher's wall, the projector and the student see the same drawing. A picture travels inside the page as a
data: URI, not as a media file: a page that redraws every half second replaces its media files as often, and with
thirty sessions doing so Streamlit deleted a picture before a browser had fetched it (a broken image, for good on
a busy server); a data: URI has nothing to delete, and Streamlit does not re-encode it as a JPEG per viewer.
"""
from __future__ import annotations

import base64

import streamlit as st

from ganlib.classroom.classes import OPENABLE, ClassClosed
from ganlib.classroom.downloads import off_picture, points_picture
from ganlib.engine.grid import enlarge, png_bytes
from ganlib.engine.presets import PRESETS
from ganlib.words import class_text as W
from ganlib.words.describe import describe_preset
from pages.parts.links import qr_image, student_link
from pages.parts.canvas import draw_points
from pages.parts.ui import classes, visitor

CLASS_PRESETS = tuple(name for name in PRESETS if name.startswith("class-"))
FIRST_OPEN = ("lr_g", "lr_d", "d_steps", "loss", "seed")   # what a first class lets students play with
SHARED = 256           # cached pictures and figures: a class of 60 at a few versions each
DRAWING_KEY = "cls_drawing"   # the teacher's canvas, apart from the Train page's own drawing


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
            with st.spinner("Opening the class…"):   # seconds the first time in a server: torch loads then (warm.py)
                classes().open(visitor().key, preset, fields, drawing=drawing)
        except (ValueError, ClassClosed, ConnectionError) as e:   # FieldError, DatasetError: the field; a cluster away
            st.error(str(e))
            return
        st.rerun()


def link_box(code: str) -> None:
    url = student_link("class", code, warn=False)   # the wall warns once, above its folded box (wall.wall)
    left, right = st.columns([3, 2])
    left.markdown(W.LINK_NOTE)
    left.code(url, language=None)
    left.markdown(f"<div style='font-size:3rem;font-weight:700;letter-spacing:.15em'>{code}</div>",
                  unsafe_allow_html=True)
    right.image(qr_image(url), caption="Scan to join the class", width=220)


@st.cache_resource(max_entries=SHARED, show_spinner=False)
def points_image(code: str, version: int, run_id: str, _points, _real, scale: int = 2) -> str:
    """G's points over the data as a PNG data: URI for st.image, once per class tick, run and scale for every
    viewer (the module's docstring says why not bytes)."""
    return data_uri(png_bytes(enlarge(points_picture(_points, _real), scale)), "image/png")


def run_picture(where, snap, s) -> str:
    """A run's points in large, in `where` (a column), with what the picture cannot show: points outside it.
    Returns the picture (a data: URI), which a student's page keeps for when their class ends."""
    picture = points_image(snap.code, snap.version, s.run_id, s.points, snap.real)
    where.image(picture, caption=W.points_caption(off_picture(s.points, snap.real), s.config.ema), width="stretch")
    return picture


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
