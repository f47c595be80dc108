"""Lesson links on the Train page (Streamlit AppTest, no browser): opening one sets up its run with its locks;
a tampered one shows the defaults and says why; the lesson stays in the URL beside other features' keys.

at.query_params set before the first run() is the URL the session was opened with.
"""
import os
import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

from ganlib import DEFAULT_PRESET, preset
from ganlib.words.describe import exact_number
from ganlib.classroom.lesson import LOCKABLE, NOT_FROM_LINKS, decode, encode
from ganlib.words import lesson_text as LT

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
LESSON = {"preset": "ring8", "lr_g": "5e-4", "seed": "3", "lock": "lr_d batch_size", "hide": "model"}
OTHERS = {"embed": "true", "embed_options": "show_toolbar"}   # Streamlit's own parameters: never ours to touch


def open_link(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    return at.run()


@pytest.fixture
def opened():
    made = []

    def _open(params):
        made.append(open_link(params))
        return made[-1]
    yield _open
    for at in made:
        reset = at.button(key="btn.Reset")
        if reset and not reset.disabled:
            reset.click().run()


def keys_of(at, name):
    return [w.key for kind in ("text_input", "number_input", "selectbox") for w in at.get(kind)
            if (w.key or "").endswith(f".{name}")]


def test_a_lesson_link_sets_up_its_run_with_locked_and_hidden_fields(opened):
    at = opened({**LESSON, **OTHERS})
    assert not at.exception and not at.warning
    assert at.selectbox(key="preset").value == "ring8" and at.selectbox(key="preset").disabled
    lr_g = at.text_input(key="cfg.ring8.lr_g")
    assert lr_g.value == "5e-4" and not lr_g.disabled
    assert at.text_input(key="cfg.ring8.seed").value == "3"
    locked = at.text_input(key="cfg.ring8.batch_size")
    assert locked.disabled and "🔒" in locked.label and locked.value == "256"
    assert keys_of(at, "model") == []                          # hidden: not drawn at all
    assert "A lesson: preset ring8" in at.info[0].value
    # ready to Start: a step runs the lesson's config (the hidden model included)
    at.button(key="btn.Step").click().run()
    assert not at.exception
    assert any("This run: toy-mlp" in c.value and "lr_g 5e-4" in c.value and "seed 3" in c.value for c in at.caption)
    live = {w.key.rsplit(".", 1)[1]: w for w in at.text_input if w.key.startswith("live.")}
    assert live["lr_d"].disabled and not live["lr_g"].disabled   # the lock holds while it trains too


def test_a_hidden_field_is_still_validated(opened):
    at = opened(LESSON)
    at.selectbox(key="cfg.ring8.dataset").set_value("digits").run()   # the hidden model stays toy-mlp
    assert any("model: dataset 'digits' needs model" in e.value for e in at.error)
    assert at.button(key="btn.Start").disabled


@pytest.mark.parametrize("tampered, message", [
    ({**LESSON, "lr_g": "2"}, "lr_g: must be between 1e-06 and 1"),
    ({**LESSON, "lock": "batch_size,nope"}, "lock: no field named 'nope'"),
    ({**LESSON, "data_path": "/etc"}, "data_path: names a folder on the server's disk"),
    ({**LESSON, "seed": ["3", "4"]}, "seed: given 2 times"),
    ({**LESSON, "lr_g": "9" * 5000}, "lr_g: 5000 characters long"),
])
def test_a_tampered_link_shows_the_defaults_and_says_why(opened, tampered, message):
    at = opened(tampered)
    assert not at.exception
    assert len(at.warning) == 1 and message in at.warning[0].value and "not used" in at.warning[0].value
    assert at.selectbox(key="preset").value == DEFAULT_PRESET and not at.selectbox(key="preset").disabled
    assert at.text_input(key=f"cfg.{DEFAULT_PRESET}.lr_g").value == exact_number(preset(DEFAULT_PRESET).lr_g)
    assert not any(w.disabled for w in at.text_input)          # nothing locked
    assert keys_of(at, "model")                                 # nothing hidden


def test_the_lesson_stays_in_the_url_and_other_keys_stay_too(opened):
    at = opened({**LESSON, **OTHERS, "v": "visitor-key-0123456"})
    assert "v" not in at.query_params   # an old link's visitor key is dropped unread (test_browser_identity.py)
    for k in LESSON:   # as after a visit to another page, whose URL does not carry the lesson
        del at.query_params[k]
    at.run()
    lesson = decode(LESSON)
    assert {k: at.query_params[k] for k in LESSON} == encode("ring8", lesson.config, lesson.locked, lesson.hidden)
    assert at.query_params["lock"] == "lr_d batch_size"
    assert {k: at.query_params[k] for k in OTHERS} == OTHERS


def test_leaving_the_lesson_unlocks_and_takes_only_its_keys_out_of_the_url(opened):
    at = opened({**LESSON, **OTHERS})
    at.button(key="lesson.leave").click().run()
    assert not at.text_input(key="cfg.ring8.batch_size").disabled and keys_of(at, "model")
    assert at.text_input(key="cfg.ring8.lr_g").value == "5e-4"     # the values stay
    assert dict(at.query_params) == OTHERS


def query_of(url: str) -> dict:
    """A link's parameters as a session opened with it gets them (under AppTest the link is at "/", the app's root)."""
    return urllib.parse.parse_qs(url.split("?", 1)[1])


def qr_codes(at) -> list:
    """The lesson link's QR images: the st.image elements with the panel's caption."""
    return [el for el in at.get("image") if LT.SCAN in el.captions]


def test_the_teacher_gets_a_short_link_that_opens_the_same_setup(opened):
    at = opened({})
    for name in ("grid25", "ring8"):   # AppTests share one Visitor (scope="session" sees one session): start afresh
        at.selectbox(key="preset").set_value(name).run()
    at.text_input(key="cfg.ring8.lr_g").set_value("1.25e-4").run()
    at.button(key="lesson.lock_all_but").click().run()
    assert set(at.multiselect(key="lesson.lock").value) == set(LOCKABLE) - {"lr_g", "lr_d"}
    url = at.code[0].value
    assert url == "/?preset=ring8&lr_g=1.25e-4&open=lr_g+lr_d" and len(url) < 120
    assert not set(query_of(url)) & set(NOT_FROM_LINKS)
    assert len(qr_codes(at)) == 1                                  # beside the link, to scan from a projector
    assert any(LT.LOCKS_GUIDE in c.value for c in at.caption)      # locks guide; Leave the lesson unlocks them
    assert any("Copy the link above" in m.value for m in at.markdown)   # copying is said, not left to a hover
    student = opened(query_of(url))
    assert student.text_input(key="cfg.ring8.lr_g").value == "1.25e-4"
    assert not student.text_input(key="cfg.ring8.lr_d").disabled
    assert student.text_input(key="cfg.ring8.batch_size").disabled
    assert set(student.multiselect(key="lesson.lock").value) == set(LOCKABLE) - {"lr_g", "lr_d"}
    assert student.code[0].value == url                         # the student's link is the teacher's


def test_an_old_long_link_opens_and_is_shared_short(opened):
    old = {"preset": "ring8", "seed": "0", "lock": " ".join(n for n in LOCKABLE + tuple(NOT_FROM_LINKS)
                                                             if n not in ("lr_g", "lr_d"))}
    at = opened(old)
    assert not at.exception and not at.warning
    assert at.text_input(key="cfg.ring8.batch_size").disabled and not at.text_input(key="cfg.ring8.lr_g").disabled
    assert at.code[0].value == "/?preset=ring8&open=lr_g+lr_d"


def test_the_link_panel_stays_while_a_run_trains(opened):
    at = opened(LESSON)
    link = at.code[0].value
    at.button(key="btn.Step").click().run()   # a run that can go on: the page shows its live controls, no form
    assert not at.exception
    assert [w for w in at.text_input if w.key.startswith("live.")]      # it trains: live controls ...
    assert not [w for w in at.text_input if w.key.startswith("cfg.")]   # ... and no new-run form
    assert at.multiselect(key="lesson.lock").value == ["lr_d", "batch_size"]
    assert any(LT.WHILE_TRAINING in c.value for c in at.caption)
    assert link in [c.value for c in at.code] and len(qr_codes(at)) == 1
