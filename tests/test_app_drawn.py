"""The Train page with dataset=drawn (issue 20), through AppTest: the canvas, its buttons, Use these points, and a
run on the points. AppTest cannot click a plotly chart, so the points are set through the session state, where
the canvas keeps them (tests/test_browser_drawn.py clicks them in Chromium)."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from ganlib.engine.drawn_points import shape

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    yield app
    reset = app.button(key="btn.Reset")
    if not reset.disabled:   # stop the training thread so later tests get the CPU
        reset.click().run()


def ok(at):
    assert not at.exception, at.exception
    return at


def drawn_form(at, preset):
    at.selectbox(key="preset").set_value(preset).run()
    return ok(at.selectbox(key=f"cfg.{preset}.dataset").set_value("drawn").run())


def texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def test_draw_use_and_step(at):
    drawn_form(at, "ring8")
    assert "must name the file of your drawn points" in texts(at.error)
    assert at.button(key="btn.Step").disabled and at.button(key="cfg.ring8.data_path.use").disabled
    assert "0 points: a drawing needs at least 8" in texts(at.caption)
    at.session_state["drawn"] = shape("ring").tolist()
    ok(at.run())
    assert "48 points (at most 2,000)" in texts(at.caption)
    ok(at.button(key="cfg.ring8.data_path.use").click().run())
    ref = at.text_input(key="cfg.ring8.data_path").value
    assert ref.startswith("mine/data/drawn-") and f"Kept as {ref}; data_path now names it." in texts(at.success)
    assert not at.error and not at.button(key="btn.Step").disabled
    ok(at.button(key="btn.Step").click().run())
    assert "step 1 " in at.main.get("progress")[0].proto.text
    assert "drawn" in at.sidebar.markdown[0].value


def test_the_canvas_buttons_and_a_drawing_changed_since(at):
    drawn_form(at, "ring8")
    ok(at.button(key="drawn.shape.smile").click().run())
    n = len(shape("smile"))
    assert len(at.session_state["drawn"]) == n and f"{n} points" in texts(at.caption)
    ok(at.button(key="cfg.ring8.data_path.use").click().run())
    ok(at.button(key="drawn.undo").click().run())
    assert len(at.session_state["drawn"]) == n - 1
    assert "You changed the points since you used them" in texts(at.info)
    ok(at.button(key="drawn.clear").click().run())
    assert at.session_state["drawn"] == [] and at.button(key="cfg.ring8.data_path.use").disabled


def test_bad_points_are_named_and_cannot_be_used(at):
    drawn_form(at, "ring8")
    at.session_state["drawn"] = [[0.0, 0.0]] * 5
    ok(at.run())
    assert "5 points: a drawing needs at least 8; add 3 more." in texts(at.caption)
    at.session_state["drawn"] = [[0.0, 0.0]] * 9 + [[float("nan"), 1.0]]
    ok(at.run())
    assert "point 10 of your drawing is not a finite number" in texts(at.error)
    assert at.button(key="cfg.ring8.data_path.use").disabled
    # a data_path typed by hand: a server path, another visitor's file, are refused under the box
    at.text_input(key="cfg.ring8.data_path").set_value("/etc/passwd").run()
    assert "draw your points and press Use these points" in texts(at.error) and at.button(key="btn.Step").disabled
    assert "images" not in texts(at.error)
    at.text_input(key="cfg.ring8.data_path").set_value("mine/data/drawn-000000000000.npy").run()
    assert "you have no drawing named 'drawn-000000000000.npy'" in texts(at.error)


def test_use_on_an_image_preset_switches_to_the_toy_model(at):
    drawn_form(at, "fast-digits")
    assert "must name the file of your drawn points" in texts(at.error)
    ok(at.button(key="drawn.shape.blobs").click().run())
    ok(at.button(key="cfg.fast-digits.data_path.use").click().run())
    assert at.selectbox(key="cfg.fast-digits.model").value == "toy-mlp"
    assert "The model is now toy-mlp" in texts(at.success) and not at.error
    ok(at.button(key="btn.Step").click().run())
    assert "step 1 " in at.main.get("progress")[0].proto.text
