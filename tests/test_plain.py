"""The beginner's view: plain words on the Train form's basic fields, the technical term in their tooltips, every
other field behind Advanced, and a plain meaning for every term of jargon a tooltip names (ganlib/words/plain.py)."""
import math
import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from ganlib.engine.config import fields, field_meta
from ganlib.engine.kinds import LOSSES
from ganlib.words import plain
from ganlib.words.describe import choice_word, quality_note
from ganlib.engine.presets import preset

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
ISSUE_JARGON = ("lsgan", "EMA", "Fréchet distance", "nats", "slerp")   # issue 22 names these


def test_basic_fields_have_plain_labels_and_name_their_technical_term():
    names = {f.name for f in fields()}
    for name, (label, words) in plain.BASIC.items():
        assert name in names and not field_meta(name)["cli_only"]
        assert plain.label(name) == label and name not in label.split()   # words, not the field's name
        tip = plain.tooltip(name, field_meta(name)["help"])
        assert tip.startswith(words) and f"Technical term: **{name}**" in tip and field_meta(name)["help"] in tip
    assert plain.label("batch_size") == "batch_size"   # Advanced keeps the names links and the command line use


@pytest.mark.parametrize("name", [f.name for f in fields()])
def test_every_term_of_jargon_in_a_tooltip_is_said_in_plain_words(name):
    m = field_meta(name)
    tip = plain.tooltip(name, m["help"], m["choices"] or ())
    for term in plain.terms_in(m["help"] + " " + " ".join(map(str, m["choices"] or ()))):
        assert f"*{term}*: {plain.GLOSSARY[term][1]}." in tip


def test_the_glossary_finds_each_term_and_says_it_in_other_words():
    for term, (pattern, words) in plain.GLOSSARY.items():
        assert re.search(pattern, term), term                       # its pattern finds the term itself
        assert len(words.split()) >= 4 and term.lower() not in words.split()[0].lower(), term
    for term in ISSUE_JARGON:
        assert term in plain.GLOSSARY and plain.term(term).startswith(f"{term}: ")
    assert plain.terms_in("(5 frames, slerp, 280 x 280 px)") == ["slerp"]
    assert plain.terms_in("the JS in nats") == ["nats", "JS"]


def test_the_numbers_the_glossary_states_are_true():
    # an independent computation of what "nats" claims: 1 nat = 1/ln 2 bits; JS of disjoint distributions = ln 2
    nats = plain.GLOSSARY["nats"][1]
    assert f"1 nat is {1 / math.log(2):.2f} bits" in nats and f"at most {math.log(2):.3f}" in nats
    cfg = preset("gauss-1d")
    assert f"{math.log(2):.3f}" in quality_note(cfg, [(0, {"js": 0.1})]) and "nats" in quality_note(cfg, [(0, {"js": 0.1})])


def test_every_loss_is_listed_in_plain_words_with_its_name():
    for loss in LOSSES:
        words = choice_word("loss", loss)
        assert words.endswith(f"({loss})") and len(words) > len(loss) + 3
    assert choice_word("loss", "lsgan") == "least squares (lsgan)" and choice_word("model", "mlp") == "mlp"


# --- the Train page under AppTest -----------------------------------------------------------------------------

def keys_under(node):
    """The keys of every widget below an AppTest node (an expander, its tabs, their columns)."""
    kids = getattr(node, "children", None)
    if isinstance(kids, dict):
        for child in kids.values():
            yield from keys_under(child)
    elif getattr(node, "key", None):
        yield node.key


def form_widgets(at, prefix):
    return {w.key.removeprefix(prefix + "."): w for kind in ("text_input", "selectbox", "toggle")
            for w in at.main.get(kind) if (w.key or "").startswith(prefix + ".") and "upload" not in w.key}


@pytest.mark.app
@pytest.mark.parametrize("name", ["fast-digits", "ring8"])
def test_the_default_form_shows_the_basic_fields_and_advanced_holds_the_rest(name):
    at = AppTest.from_file(APP, default_timeout=60).run()
    if name != "fast-digits":
        at.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    prefix = f"cfg.{name}"
    drawn = form_widgets(at, prefix)
    advanced = next(e for e in at.expander if e.label == plain.ADVANCED)
    assert not advanced.proto.expanded   # folded: a beginner sees the basic fields alone
    inside = {k.removeprefix(prefix + ".") for k in keys_under(advanced) if k.startswith(prefix + ".")}
    basic = set(drawn) - inside
    # data_path is basic, but the digits and ring8 do not read it (config.applies)
    assert basic == set(plain.BASIC) - {"data_path"}
    assert inside == {f.name for f in fields() if f.name not in plain.BASIC and not f.metadata["cli_only"]
                      and not f.metadata["datasets"]}
    for key, w in drawn.items():
        if key in plain.BASIC:
            assert w.label == plain.BASIC[key][0] and f"Technical term: **{key}**" in w.help
        else:
            assert w.label == key and w.help.startswith(f"**{key}**: ")
    # a tab per group, but none for fields this data does not read: the digits and ring8 read no image_size
    assert [t.label for t in at.tabs] == ["model", "loss", "optimizer", "schedule", "compute"]


@pytest.mark.app
def test_your_own_images_bring_their_fields_under_advanced():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="cfg.fast-digits.dataset").set_value("folder").run()
    assert at.text_input(key="cfg.fast-digits.data_path").label == plain.BASIC["data_path"][0]
    advanced = next(e for e in at.expander if e.label == plain.ADVANCED)
    assert {"cfg.fast-digits.image_size", "cfg.fast-digits.channels"} <= set(keys_under(advanced))
    assert [t.label for t in at.tabs][0] == "data"


@pytest.mark.app
def test_a_bad_advanced_field_is_named_next_to_the_buttons():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="cfg.fast-digits.batch_size").input("0").run()
    assert at.button(key="btn.Start").disabled
    note = at.main.warning[0].value
    assert note.startswith(f"Fix batch_size, under {plain.ADVANCED} › optimizer") and "batch_size" in at.error[0].value
    at.text_input(key="cfg.fast-digits.batch_size").input("64").run()
    at.text_input(key="cfg.fast-digits.lr_g").input("fast").run()
    assert at.main.warning[0].value.startswith("Fix G's learning speed (lr_g)")
