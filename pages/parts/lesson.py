"""The Train page's lesson-link widgets: open a link from the URL, keep it there, and make one to share (a link to
copy and its QR code, at the address students can open, also while a run trains).

What a link holds and how it is checked is ganlib.classroom.lesson; this file only reads and writes
st.query_params and draws. It touches only ganlib.classroom.lesson.KEYS in the URL: other features keep
their own parameters there (the visitor key `v`, `watch`), so nothing here clears the URL wholesale.
"""
from __future__ import annotations

import streamlit as st

from ganlib.classroom import lesson as lessons
from ganlib.words import lesson_text as LT
from pages.parts.links import qr_image, student_link

OPEN_BY_DEFAULT = ("lr_g", "lr_d")   # the quick option: a lesson about the two learning rates


def _from_url() -> lessons.Lesson:
    # get_all: st.query_params[k] would return only the last of a repeated key, hiding the duplicate
    return lessons.decode({k: st.query_params.get_all(k) for k in st.query_params})


def _write_url(lesson: lessons.Lesson | None) -> None:
    """Our keys in the URL: the lesson's parameters, or none of them."""
    want = lessons.encode(lesson.preset_name, lesson.config, lesson.locked, lesson.hidden) if lesson else {}
    for k in lessons.KEYS:
        if k in want and st.query_params.get_all(k) != [want[k]]:
            st.query_params[k] = want[k]
        elif k not in want and k in st.query_params:
            del st.query_params[k]


def follow_link(s) -> None:
    """On the session's first Train run, set up the lesson the URL names; later, keep it in the URL.

    Kept so that a reload (a new session) opens the same lesson, also after a visit to another page,
    whose URL does not carry it. Written only when the URL's lesson differs, so a teacher's own
    spelling of a link ("lr_g=0.0005") stays as it was typed."""
    if not st.session_state.get("lesson.read"):
        st.session_state["lesson.read"] = True
        got = _from_url()
        if got.problems:
            st.session_state["lesson.problems"] = got.problems   # banner() shows them while the session lasts
            s.choose_preset(got.preset_name)                     # the defaults, not part of a bad link
        if got.linked and not got.problems:
            s.open_lesson(got)
        else:
            s.leave_lesson()
    elif s.lesson is not None and _from_url() != s.lesson:
        _write_url(s.lesson)


def fields_of(s) -> tuple[frozenset, frozenset]:
    """(locked, hidden) field names of the session's lesson; empty without one."""
    return (frozenset(s.lesson.locked), frozenset(s.lesson.hidden)) if s.lesson else (frozenset(), frozenset())


def _leave(s) -> None:
    s.leave_lesson()
    _write_url(None)


def banner(s) -> None:
    """What the link did: why a bad one was not used, or which lesson this is (and a way out of it)."""
    if problems := st.session_state.get("lesson.problems"):
        st.warning(LT.not_used(problems), icon="🔗")
    elif s.lesson is not None and s.lesson.fixes_preset:
        left, right = st.columns([5, 1], vertical_alignment="center")
        locked, hidden = len(s.lesson.locked), len(s.lesson.hidden)
        left.info(LT.opened(s.lesson.preset_name, locked, hidden), icon="🔗")
        right.button("Leave the lesson", key="lesson.leave", on_click=_leave, args=(s,), help=LT.LEAVE_HELP)


def _lock_all_but(keep) -> None:
    hidden = st.session_state.get("lesson.hide", [])
    st.session_state["lesson.lock"] = [n for n in lessons.LOCKABLE if n not in keep and n not in hidden]


def link_panel(s, cfg, training: bool = False) -> None:
    """The teacher's side: which fields to lock or hide, and the link of this setup to copy or scan.

    training: a run is going on, and the page shows no form; the panel stays (a teacher shares the lesson while
    the class watches a run), with the setup that started the run."""
    with st.expander(LT.PANEL):
        # seeded from the session's own lesson, so a teacher who opened a link can adjust and re-share it
        st.session_state.setdefault("lesson.lock", list(s.lesson.locked) if s.lesson else [])
        st.session_state.setdefault("lesson.hide", list(s.lesson.hidden) if s.lesson else [])
        if training:
            st.caption(LT.WHILE_TRAINING)
        left, right = st.columns(2)
        locked = left.multiselect(LT.LOCK_LABEL, lessons.LOCKABLE, key="lesson.lock")
        hidden = right.multiselect(LT.HIDE_LABEL, lessons.LOCKABLE, key="lesson.hide")
        st.button(f"Lock all but {', '.join(OPEN_BY_DEFAULT)}", key="lesson.lock_all_but",
                  on_click=_lock_all_but, args=(OPEN_BY_DEFAULT,))
        st.caption(LT.LOCKS_GUIDE)
        if cfg is None:
            st.caption(LT.FIX_FIRST)
            return
        try:
            params = lessons.encode(s.preset_name, cfg, locked, hidden)
        except ValueError as e:
            st.caption(LT.no_link(e))
            return
        # the app's root at an address students can open (a warning first where none is): it opens on Train
        url = lessons.link(student_link("preset", params["preset"]).split("?", 1)[0], params)
        left, right = st.columns([3, 2])
        left.code(url, language=None, wrap_lines=True)
        left.markdown(LT.copy_note(lessons.left_out(s.preset_name, cfg)))
        right.image(qr_image(url), caption=LT.SCAN, width=220)
