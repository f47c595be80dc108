"""A visitor's own data in the config form (pages/parts/form.py): the upload of images for dataset=folder, and the
canvas of points for dataset=drawn, each kept in the visitor's own space and named in data_path.

Every callback holds plain values only (see pages/parts/ui.live_change).
"""
from __future__ import annotations

import streamlit as st

from ganlib.engine.drawn_points import file_name, read_points
from ganlib.classroom.spaces import DATA, SERVER_PATH_REFUSED
from ganlib.words import drawn_text
from pages.parts.canvas import draw_points
from pages.parts.ui import visitor

DRAWN_KEY = "drawn"   # the canvas's points: one drawing per session, kept when another preset is chosen


def images_upload(path_key: str) -> None:
    """dataset=folder: the visitor's images come as an upload, kept in their own space (ganlib.classroom.spaces);
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


def drawn_data(path_key: str, model_key: str) -> None:
    """dataset=drawn: the canvas (pages/parts/canvas.py) and Use these points, which keeps the points in the
    visitor's own space (Space.save_drawn) and puts their name in data_path (`path_key`'s box)."""
    points = draw_points(DRAWN_KEY)
    st.button(drawn_text.USE, key=f"{path_key}.use", type="primary", disabled=points is None, help=drawn_text.USE_HELP,
              on_click=_use_drawn, args=(path_key, model_key))
    if note := st.session_state.pop(path_key + ".note", None):
        (st.success if note[0] == "success" else st.error)(note[1])
    elif points is not None and st.session_state.get(path_key, "").startswith(DATA) \
            and st.session_state[path_key] != DATA + file_name(points):
        st.info(drawn_text.changed())


def _use_drawn(path_key: str, model_key: str) -> None:
    try:
        ref = visitor().space.save_drawn(st.session_state.get(DRAWN_KEY) or [])
    except ValueError as e:   # DatasetError too: the points, the quota, the server's disk
        st.session_state[path_key + ".note"] = ("error", str(e))
        return
    # the box's own state is set, as _store_images says why; a drawing needs the toy G, so another model goes
    s, switch = visitor(), bool(model_key) and st.session_state.get(model_key, "toy-mlp") != "toy-mlp"
    s.config = s.config.replace(data_path=ref, **({"model": "toy-mlp"} if switch else {}))
    st.session_state[path_key] = ref
    if switch:
        st.session_state[model_key] = "toy-mlp"
    st.session_state[path_key + ".note"] = ("success", drawn_text.kept(ref, switch))


def drawn_problem(data_path: str) -> str:
    """"" when data_path names a drawing this visitor may use, checked as training will read it; else why not."""
    try:
        read_points(visitor().space.data_path(data_path), name=data_path)
    except ValueError as e:   # DatasetError: not theirs, a server path, a damaged file
        return drawn_text.SERVER_PATH_REFUSED if str(e) == SERVER_PATH_REFUSED else str(e)
    return ""
