"""The Latent explorer, Theory lab and Checkpoints pages under AppTest, with and without a run.

Each test gets a fresh Studio that keeps its checkpoints in a temporary
folder; any run a test starts is stopped when it ends.
"""
import os
import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ganlib import preset
from ganlib.checkpoint import make_payload, save_checkpoint
from ganlib.device import set_threads
from ganlib.grid import make_grid
from ganlib.visitor import Visitor
from ganlib.trainer import Trainer

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
PAGES = ("pages/explore.py", "pages/theory.py", "pages/checkpoints.py")


def _train(name: str, steps: int, path: str) -> str:
    set_threads()   # torch's default 2 threads crawl on shared, busy cores
    t = Trainer(preset(name))
    for _ in range(steps):
        t.step()
    picture = make_grid(t.generate(t.fixed_z)) if t.data.kind == "image" else None
    return save_checkpoint(path, make_payload(t.cfg, t.data.shape, t.state_dict(), preset=name, picture=picture))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    src = tmp_path_factory.mktemp("made")
    return {"digits": _train("seed-mlp", 20, str(src / "digits.pt")),
            "ring8": _train("ring8", 20, str(src / "ring8.pt"))}


@pytest.fixture
def folder(tmp_path, made):
    d = tmp_path / "checkpoints"
    d.mkdir()
    for name, path in made.items():
        shutil.copy(path, d / f"{name}.pt")
    (d / "broken.pt").write_bytes(b"this is not a checkpoint")
    return d


@pytest.fixture
def at(folder, monkeypatch):
    # every AppTest shares one session id, so the session's cached Visitor would outlive a test:
    # clearing the cache releases it (Visitor.close stops its run) before and after each test
    st.cache_resource.clear()
    monkeypatch.setattr("ganlib.visitor.CHECKPOINT_DIR", str(folder))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    yield app
    st.cache_resource.clear()


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _goto(at, page):
    return _ok(at.switch_page(page).run())


def _image_urls(at):
    return [i.proto.imgs[0].url for i in at.image]


def test_pages_render_without_a_run(at):
    # with no run, the explorer opens on a saved checkpoint, so there is something to see at once
    _goto(at, "pages/explore.py")
    assert at.radio(key="ex_source").value == "Saved checkpoint" and (at.image or at.get("plotly_chart"))
    assert "No run yet" in _goto(at, "pages/theory.py").info[0].value
    _goto(at, "pages/checkpoints.py")
    assert [e.value for e in at.error] == [next(e.value for e in at.error if "Unreadable" in e.value)]


def test_pages_render_with_a_toy_run(at, folder):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_ring8").click().run())
    assert {m.label for m in at.metric} >= {"Modes covered", "High-quality samples", "Reverse KL to uniform"}
    _ok(at.button(key="th_start_gauss-1d").click().run())
    assert any("JS" in m.label for m in at.metric)
    _goto(at, "pages/explore.py")
    assert at.radio(key="ex_source").value == "Current run" and len(at.get("plotly_chart")) == 1
    _ok(next(b for b in at.button if "Refresh weights" in b.label).click().run())
    _goto(at, "pages/checkpoints.py")
    at.text_input(key="ck_name").input("gauss run")
    _ok(next(b for b in at.button if "Save" in b.label).click().run())
    assert (folder / "gauss run.pt").exists() and "Saved gauss run.pt" in at.success[0].value


def test_theory_lab_explains_an_image_run(at):
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_resume_digits").click().run())   # resumes an image run
    assert "Loaded digits.pt" in at.success[0].value
    assert "needs 1-D or 2-D toy data" in _goto(at, "pages/theory.py").info[0].value
    _goto(at, "pages/explore.py")
    assert len(at.image) > 0   # the explorer works on the current (image) run too


def test_explorer_on_a_checkpoint_moves_the_image_with_a_slider(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value("Saved checkpoint").run())
    _ok(at.selectbox(key="ex_file").select(next(p for p in at.selectbox(key="ex_file").options if "digits" in p)).run())
    before = _image_urls(at)[0]
    first = next(s.key for s in at.slider if s.key.startswith("ex_z"))  # the dimension that moves G(z) most
    _ok(at.slider(key=first).set_value(2.5).run())
    assert _image_urls(at)[0] != before
    _ok(at.button(key="ex_seed_random").click().run())
    assert at.number_input(key="ex_seed").value != 0
    _ok(at.button(key="ex_pick_a105").click().run())   # a candidate becomes endpoint A
    assert at.number_input(key="ex_a").value == 105
    _ok(at.slider(key="ex_t8").set_value(4).run())
    assert any(b.label.startswith("Download the walk") for b in at.get("download_button"))


def test_explorer_maps_a_toy_checkpoint(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value("Saved checkpoint").run())
    _ok(at.selectbox(key="ex_file").select(next(p for p in at.selectbox(key="ex_file").options if "ring8" in p)).run())
    assert len(at.get("plotly_chart")) == 1 and not at.image


def test_explorer_upload_of_a_non_checkpoint_shows_why(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value("Upload").run())
    _ok(at.file_uploader(key="ex_upload").set_value(("notes.txt", b"hello", "text/plain")).run())
    assert "not a PyTorch file" in at.error[0].value


def test_checkpoints_upload_explore_and_delete(at, folder, made):
    _goto(at, "pages/checkpoints.py")
    _ok(at.file_uploader(key="ck_upload").set_value(("cat.png", b"\x89PNG\r\n\x1a\n", "image/png")).run())
    assert any("not a PyTorch file" in e.value for e in at.error)
    assert not (folder / "cat.pt").exists()
    with open(made["ring8"], "rb") as f:
        _ok(at.file_uploader(key="ck_upload").set_value(("shared ring.pt", f.read(), "application/octet-stream")).run())
    assert (folder / "shared ring.pt").exists() and "Uploaded as shared ring.pt" in at.success[0].value
    _ok(at.button(key="ck_explore_digits").click().run())   # switches to the explorer with that file
    assert at.radio(key="ex_source").value == "Saved checkpoint"
    assert at.selectbox(key="ex_file").value == str(folder / "digits.pt") and len(at.image) > 0
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_delete_ring8").click().run())
    assert not (folder / "ring8.pt").exists() and "Deleted ring8.pt" in at.success[0].value
