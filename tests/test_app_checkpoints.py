"""The Checkpoints page under AppTest: Resume loads a file and trains on, Load only loads, a load that would replace
a run that is going asks first (a class may be watching it), and what a press did is said in its own row."""
import os

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from test_app_pages import folder, made  # noqa: F401 - the same checkpoints as the other pages' tests

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
CK = "pages/checkpoints.py"


@pytest.fixture
def at(folder, monkeypatch):
    st.cache_resource.clear()   # one session id for every AppTest: a Visitor would outlive its test
    monkeypatch.setenv("GAN_STUDIO_CHECKPOINTS", str(folder))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    yield go(app, CK)
    st.cache_resource.clear()


def go(at, page):
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at, key):
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def leaves(node):
    """(key, text) of every element below an AppTest node."""
    kids = getattr(node, "children", None)
    if isinstance(kids, dict):
        for child in kids.values():
            yield from leaves(child)
    else:
        yield getattr(node, "key", None), str(getattr(node, "value", "") or getattr(node, "body", "") or "")


def beside(at, key: str, start: str) -> bool:
    """Whether a text that starts with `start` is said next to button `key`: in the smallest block that holds both,
    no other row's button is."""
    blocks, todo = [], [at.main]
    while todo:
        node = todo.pop()
        if isinstance(getattr(node, "children", None), dict):
            blocks.append(node)
            todo.extend(node.children.values())
    for block in sorted(blocks, key=lambda b: len(list(leaves(b)))):
        found = list(leaves(block))
        if key in {k for k, _ in found} and any(t.startswith(start) for k, t in found if not k):
            ref = key.split("_", 2)[2]
            assert not {k for k, _ in found if k and k.startswith("ck_resume_") and k != f"ck_resume_{ref}"}, \
                "another row's button"
            return True
    return False


def sidebar(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown).replace("**", "")


def buttons(at) -> dict:
    return {b.key.removeprefix("btn."): not b.disabled for b in at.button if (b.key or "").startswith("btn.")}


def test_resume_loads_the_file_and_trains_on(at):
    click(at, "ck_resume_shared/ring8.pt")
    assert beside(at, "ck_resume_shared/ring8.pt", "Resumed ring8.pt at step 20: it trains on")
    go(at, "pages/train.py")
    assert "Run: running" in sidebar(at) and buttons(at)["Pause"] and not buttons(at)["Start"]


def test_load_only_loads_and_start_trains_on(at):
    click(at, "ck_load_shared/ring8.pt")
    assert beside(at, "ck_load_shared/ring8.pt", "Loaded ring8.pt at step 20: press Start on the Train page")
    go(at, "pages/train.py")
    assert "loaded at step 20" in sidebar(at) and buttons(at)["Start"] and not buttons(at)["Pause"]


def test_a_load_over_a_run_that_is_going_asks_first_in_its_row(at):
    click(at, "ck_resume_shared/ring8.pt")                      # the run the class watches: ring8, training
    click(at, "ck_resume_shared/digits.pt")
    assert beside(at, "ck_resume_shared/digits.pt", "This replaces your current run (ring8, step ")
    assert at.button(key="ck_yes_shared/digits.pt").label == "Yes, resume it"
    assert "ring8" in sidebar(at) and "running" in sidebar(at)     # nothing replaced yet
    click(at, "ck_no_shared/digits.pt")                            # Cancel: no question, ring8 goes on
    assert not at.warning and "ring8" in sidebar(at)
    click(at, "ck_load_shared/digits.pt")                          # asked again, for Load too
    assert at.button(key="ck_yes_shared/digits.pt").label == "Yes, load it"
    click(at, "ck_yes_shared/digits.pt")
    assert beside(at, "ck_load_shared/digits.pt", "Loaded digits.pt at step 20")
    assert "digits" in sidebar(at) and "loaded at step 20" in sidebar(at) and not at.warning


def test_a_load_that_fails_says_why_in_its_row(at, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_MAX_RUN_MB", "1")   # no run fits: the load is refused before it allocates
    st.cache_resource.clear()                          # Runs reads its limits when made
    go(at, CK)
    click(at, "ck_resume_shared/digits.pt")
    errors = [e.value for e in at.error if not e.value.startswith("Unreadable")]
    assert len(errors) == 1 and "MB" in errors[0] and beside(at, "ck_resume_shared/digits.pt", errors[0])
    assert "No run yet" in " ".join(c.value for c in at.sidebar.caption)
