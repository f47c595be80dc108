"""The config form: one control per TrainConfig field, from its metadata; the live fields of a training run;
the upload of a visitor's own images, and the canvas of a visitor's own points (dataset=drawn).

A beginner's view first: the basic fields (ganlib/words/plain.py's BASIC) under plain labels, their technical
names in the tooltips, and every other field behind one "Advanced" expander, a tab per group.

Every callback holds plain values only (see pages/parts/ui.live_change).
"""
from __future__ import annotations

import dataclasses
from functools import partial

import streamlit as st

from ganlib.engine.config import TrainConfig, applies, field_meta, fields, groups
from ganlib.engine.drawn_points import file_name, read_points
from ganlib.classroom.controls import check
from ganlib.classroom.spaces import DATA, SERVER_PATH_REFUSED
from ganlib.words import drawn_text, plain
from ganlib.words.describe import choice_word, exact_number
from pages.parts.canvas import draw_points
from pages.parts.ui import live_change, visitor

DRAWN_KEY = "drawn"   # the canvas's points: one drawing per session, kept when another preset is chosen


def live_input(f: dataclasses.Field, run_id: str, value, locked: bool = False):
    """The box of a live field (lr_g, lr_d, d_steps, epochs) of run `run_id`, showing `value` at first.

    Its value lives in the session state, not in a value= argument, so that live_change can put the value in
    force back when a change is refused (a box drawn with value= would keep the refused text)."""
    key = f"live.{run_id}.{f.name}"
    st.session_state.setdefault(key, exact_number(value))
    return st.text_input(_label(f.name, locked), key=key, disabled=locked, help=_help(f, locked),
                         on_change=live_change, args=(run_id, f.name, key))


def _label(name: str, locked: bool) -> str:
    return plain.label(name) + (" 🔒" if locked else "")


def _help(f: dataclasses.Field, locked: bool) -> str:
    return plain.tooltip(f.name, f.metadata["help"], f.metadata["choices"] or ()) + (
        "\n\n🔒 locked by the lesson" if locked else "")


def field_input(f: dataclasses.Field, value, key: str, locked: bool = False, **extra):
    """One control for one TrainConfig field, chosen from its type and metadata (extra: on_change, args...).

    locked: shown with a 🔒 and disabled (a lesson link fixed it)."""
    m = f.metadata
    label = _label(f.name, locked)
    kw = dict(key=key, help=_help(f, locked), disabled=locked, **extra)
    if m["choices"]:
        choices = list(m["choices"])
        return st.selectbox(label, choices, index=choices.index(value) if value in choices else 0,
                            format_func=partial(choice_word, f.name), **kw)
    if isinstance(value, bool):
        return st.toggle(label, value=value, **kw)
    if isinstance(value, (int, float)):
        # numbers are typed as text ("2e-4", "64") and read by ganlib.engine.config.coerce, which names the field and
        # what it allows when the text is not such a number. A number box read "1e9" as 1 and "0.5x" as 0.5,
        # silently; and exact, not rounded: the form hands on what it shows (a lesson's 1.25e-4 stays 1.25e-4)
        return st.text_input(label, value=exact_number(value), **kw)
    return st.text_input(label, value=value, **kw)


def config_form(cfg: TrainConfig, prefix: str = "cfg", locked=frozenset(), hidden=frozenset()) -> TrainConfig | None:
    """The basic fields, then the rest behind Advanced; returns the valid config, or None with the error under the
    bad control and a note above the form that names it (and where it is, when it is folded away).

    locked fields show disabled with a 🔒; hidden ones are not drawn, but their values are checked with the rest;
    nor are those the chosen dataset does not read (config.applies), which keep the draft's values."""
    kept = set(hidden) | {f.name for f in fields() if f.metadata["cli_only"]}   # not drawn, kept as they are
    # a field that only some datasets read starts at the draft's value too: it stays that where not drawn
    values, slots = {f.name: getattr(cfg, f.name) for f in fields() if f.name in kept or f.metadata["datasets"]}, {}
    note = st.empty()   # right under the buttons (pages/train.py): what stops Start is said where Start is
    by_name = {f.name: f for f in fields()}
    basic = [by_name[name] for name in plain.BASIC if name not in kept]
    _grid(basic, cfg, prefix, locked, values, slots)
    if values.get("dataset") == "drawn" and "data_path" in {f.name for f in basic} - set(locked):
        fixed = "model" in set(locked) | kept   # a lesson's model stays as it fixed it
        drawn_data(f"{prefix}.data_path", "" if fixed else f"{prefix}.model")
    dataset = values.get("dataset", cfg.dataset)   # drawn above: a tab is only for fields this data reads
    rest = {g: shown for g in groups() if (shown := [f for f in fields(g) if f.name not in kept
                                                     and f.name not in plain.BASIC and applies(f.name, dataset)])}
    with st.expander(plain.ADVANCED, expanded=False):
        for tab, (group, shown) in zip(st.tabs(list(rest)), rest.items()):
            with tab:
                _grid(shown, cfg, prefix, locked, values, slots)
    ok, bad, msg = check(values, visitor().space.data_path)   # data_path: the visitor's own uploads only
    if ok is not None and ok.dataset == "drawn":   # check() resolves a folder's data_path only
        if msg := _drawn_problem(ok.data_path):
            ok, bad = None, "data_path"
    if ok is None:
        slots.get(bad, note).error(msg)
        if bad in slots:
            where = "" if bad in plain.BASIC else f", under {plain.ADVANCED} › {field_meta(bad)['group']}"
            name = f"{plain.label(bad)} ({bad}{where})" if bad in plain.BASIC else f"{bad}{where}"
            note.warning(f"Fix {name} before starting a run: {msg}")
    return ok


def _grid(shown: list, cfg: TrainConfig, prefix: str, locked, values: dict, slots: dict) -> None:
    """`shown` fields in three columns, each with a slot under it for its error; values and slots are filled in."""
    cols = st.columns(3)
    # lazily: dataset, first of all, is drawn before the fields after it ask what it reads
    for i, f in enumerate(f for f in shown if applies(f.name, values.get("dataset", cfg.dataset))):
        with cols[i % 3]:
            values[f.name] = field_input(f, getattr(cfg, f.name), f"{prefix}.{f.name}", f.name in locked)
            slots[f.name] = st.empty()
            if f.name == "data_path" and values.get("dataset") == "folder":
                images_upload(f"{prefix}.{f.name}")


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


def _drawn_problem(data_path: str) -> str:
    """"" when data_path names a drawing this visitor may use, checked as training will read it; else why not."""
    try:
        read_points(visitor().space.data_path(data_path), name=data_path)
    except ValueError as e:   # DatasetError: not theirs, a server path, a damaged file
        return drawn_text.SERVER_PATH_REFUSED if str(e) == SERVER_PATH_REFUSED else str(e)
    return ""
