"""The config form: one control per TrainConfig field, from its metadata, and the live fields of a training run.
The visitor's own data (an upload of images, the canvas of points) is drawn by pages/parts/own_data.py.

A beginner's view first: the basic fields (ganlib/words/plain.py's BASIC) under plain labels, their technical
names in the tooltips, and every other field behind one "Advanced" expander, a tab per group.

Every callback holds plain values only (see pages/parts/ui.live_change).
"""
from __future__ import annotations

import dataclasses
from functools import partial

import streamlit as st

from ganlib.engine.config import TrainConfig, applies, field_meta, fields, groups
from ganlib.classroom.controls import check
from ganlib.words import plain
from ganlib.words.describe import choice_word, exact_number
from pages.parts.own_data import drawn_data, drawn_problem, images_upload
from pages.parts.ui import live_change, visitor


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
        if msg := drawn_problem(ok.data_path):
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
