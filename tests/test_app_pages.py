"""The Latent explorer, Theory lab and Checkpoints pages under AppTest, with and without a run.

Each test gets a fresh Studio whose shared checkpoints are in a temporary
folder, and whose visitors keep their own files in another (tests/conftest.py);
any run a test starts is stopped when it ends.
"""
import glob
import os
import shutil
import time

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ganlib import preset
from ganlib.errors import NoModels
from ganlib.run.checkpoint import make_payload, save_checkpoint
from ganlib.run.mailbox import LET_GO, Mailbox
from ganlib.engine.device import set_threads
from ganlib.engine.grid import make_grid
from ganlib.explore.walks import Source
from ganlib.engine.trainer import Trainer
from ganlib.words.lab_text import D_ALONE_DONE, READ_D, READ_D_STAR, READ_GAP

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
    monkeypatch.setenv("GAN_STUDIO_CHECKPOINTS", str(folder))
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
    assert at.radio(key="ex_source").value == Source.FILE and (at.image or at.get("plotly_chart"))
    assert "No run yet" in _goto(at, "pages/theory.py").info[0].value
    _goto(at, "pages/checkpoints.py")
    assert [e.value for e in at.error] == [next(e.value for e in at.error if "Unreadable" in e.value)]


def test_pages_render_with_a_toy_run(at, folder):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_ring8").click().run())
    # "Modes covered" or "Modes covered, raw G": the lab may say which G it measured
    assert {m.label.split(",")[0] for m in at.metric} >= {"Modes covered", "High-quality samples", "Reverse KL to uniform"}
    _ok(at.button(key="th_start_gauss-1d").click().run())
    assert any("JS" in m.label for m in at.metric)
    _goto(at, "pages/explore.py")
    assert at.radio(key="ex_source").value == Source.RUN and len(at.get("plotly_chart")) == 1
    _ok(next(b for b in at.button if "Refresh weights" in b.label).click().run())
    _goto(at, "pages/checkpoints.py")
    at.text_input(key="ck_name").input("gauss run")
    _ok(next(b for b in at.button if "Save" in b.label).click().run())
    assert "Saved gauss run.pt" in at.success[0].value and at.button(key="ck_resume_mine/gauss run.pt")
    assert not (folder / "gauss run.pt").exists() and len(_own_files("checkpoints", "gauss run.pt")) == 1


def test_theory_lab_explains_an_image_run(at):
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_load_shared/digits.pt").click().run())   # loads an image run
    assert "Loaded digits.pt" in at.success[0].value
    assert "needs 1-D or 2-D toy data" in _goto(at, "pages/theory.py").info[0].value
    _goto(at, "pages/explore.py")
    assert len(at.image) > 0   # the explorer works on the current (image) run too


def test_theory_lab_says_so_when_a_toy_run_holds_no_models(at, monkeypatch):
    # a run whose models are gone (a cluster's ended run) or never built: the lab says that, not "images" (a toy)
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_load_shared/ring8.pt").click().run())

    def gone(self, game=False):
        raise NoModels(LET_GO)
    monkeypatch.setattr(Mailbox, "models_copy", gone)
    info = _goto(at, "pages/theory.py").info[0].value
    assert "holds no models" in info and "images" not in info


def test_theory_lab_buttons_start_their_own_run_over_a_loaded_checkpoint(at):
    # a loaded run waits, idle, for Start: the lab's toy and demo buttons started it instead of theirs (issue 22)
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_load_shared/digits.pt").click().run())
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_gauss-1d").click().run())
    assert any(c.value.startswith("gauss-1d · loss bce") for c in at.caption), [c.value for c in at.caption]
    _goto(at, "pages/checkpoints.py")
    _ok(at.button(key="ck_load_shared/ring8.pt").click().run())      # over the lab's gauss-1d, which trains:
    _ok(at.button(key="ck_yes_shared/ring8.pt").click().run())       # asked first (tests/test_app_checkpoints.py)
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_demo_collapse-ring8").click().run())   # the demo's plain BCE game, not ring8's lsgan
    assert any(c.value.startswith("ring8 · loss bce") for c in at.caption), [c.value for c in at.caption]


def test_theory_lab_asks_before_a_toy_replaces_a_run_of_the_train_page_that_has_gone_somewhere(at):
    """A class pass lost an unsaved fast-digits run at step 13,652 to "Start ring8": the lab asks first, as Load
    does, and No keeps the run. A toy of the lab's own is replaced without asking (the test above)."""
    _goto(at, "pages/train.py")
    _ok(at.button(key="btn.Step").click().run())   # a run of the Train page's preset (digits), one step in
    deadline = time.monotonic() + 60
    while "**Run:** paused" not in [m.value.split(" · ")[0] for m in at.sidebar.markdown] and \
            time.monotonic() < deadline:
        time.sleep(0.2)
        _ok(at.run())
    _goto(at, "pages/theory.py")
    for key in ("th_pair", "th_start_ring8"):   # the side-by-side pair asks too
        _ok(at.button(key=key).click().run())
        question = next(w.value for w in at.warning if w.value.startswith("This replaces your current run"))
        assert "step 1, paused" in question and question.endswith("Start anyway?"), question
        assert not any(c.value.startswith("ring8 · ") for c in at.caption)
        if key == "th_pair":
            _ok(at.button(key="th_no").click().run())
            assert not at.warning
    _ok(at.button(key="th_yes").click().run())
    assert any(c.value.startswith("ring8 · loss") for c in at.caption), [c.value for c in at.caption]
    assert not any(w.value.startswith("This replaces") for w in at.warning), [w.value for w in at.warning]


def test_explorer_on_a_checkpoint_moves_the_image_with_a_slider(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.FILE).run())
    _ok(at.selectbox(key="ex_file").select("shared/digits.pt").run())
    before = _image_urls(at)[0]
    first = next(s.key for s in at.slider if s.key.startswith("ex_z"))  # the dimension that moves G(z) most
    _ok(at.slider(key=first).set_value(2.5).run())
    assert _image_urls(at)[0] != before
    _ok(at.button(key="ex_seed_random").click().run())
    assert at.number_input(key="ex_seed").value != 0
    _ok(at.button(key="ex_pick_a105").click().run())   # a candidate becomes endpoint A
    assert at.number_input(key="ex_a").value == 105
    _ok(at.slider(key="ex_t8").set_value(4).run())
    assert any(b.label.startswith("Download the walk") and "280 x 280 px" in b.label for b in at.get("download_button"))
    assert at.selectbox(key="ex_gif_size").options == ["256", "384", "512"]
    _ok(at.selectbox(key="ex_gif_size").set_value(512).run())   # 28 x 28 digits, 19 times: at least 512
    assert any("532 x 532 px" in b.label for b in at.get("download_button"))


@pytest.fixture
def deferred(monkeypatch):
    """The callables of download buttons, by the file id a button's proto names: AppTest never calls them."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    made, real = {}, MediaFileManager.add_deferred

    def add(self, data_callable, *args, **kwargs):
        made[file_id := real(self, data_callable, *args, **kwargs)] = data_callable
        return file_id
    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    return made


def test_the_walk_gif_has_as_many_frames_as_the_frames_slider_says(at, deferred):
    import io

    from PIL import Image
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.FILE).run())
    _ok(at.selectbox(key="ex_file").select("shared/digits.pt").run())
    _ok(at.slider(key="ex_frames").set_value(5).run())   # the GIF had 32 frames whatever this said (issue 22)
    button = next(b for b in at.get("download_button") if b.label.startswith("Download the walk"))
    assert "(5 frames, slerp," in button.label
    assert Image.open(io.BytesIO(deferred[button.proto.deferred_file_id]())).n_frames == 5


def test_explorer_maps_a_toy_checkpoint(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.FILE).run())
    _ok(at.selectbox(key="ex_file").select("shared/ring8.pt").run())
    assert len(at.get("plotly_chart")) == 1 and not at.image


def test_explorer_upload_of_a_non_checkpoint_shows_why(at):
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.UPLOAD).run())
    _ok(at.file_uploader(key="ex_upload").set_value(("notes.txt", b"hello", "text/plain")).run())
    assert "not a PyTorch file" in at.error[0].value


def test_checkpoints_upload_explore_and_delete(at, folder, made):
    _goto(at, "pages/checkpoints.py")
    _ok(at.file_uploader(key="ck_upload").set_value(("cat.png", b"\x89PNG\r\n\x1a\n", "image/png")).run())
    assert any("not a PyTorch file" in e.value for e in at.error)
    assert not (folder / "cat.pt").exists() and _own_files() == []
    with open(made["ring8"], "rb") as f:
        _ok(at.file_uploader(key="ck_upload").set_value(("my ring.pt", f.read(), "application/octet-stream")).run())
    assert "Uploaded as my ring.pt" in at.success[0].value
    assert not (folder / "my ring.pt").exists() and len(_own_files("checkpoints", "my ring.pt")) == 1
    _ok(at.button(key="ck_explore_shared/digits.pt").click().run())   # switches to the explorer with that file
    assert at.radio(key="ex_source").value == Source.FILE
    assert at.selectbox(key="ex_file").value == "shared/digits.pt" and len(at.image) > 0
    assert "my ring.pt" in at.selectbox(key="ex_file").options and "ring8.pt (shared)" in at.selectbox(key="ex_file").options
    _goto(at, "pages/checkpoints.py")
    assert not [b for b in at.button if b.key and b.key.startswith("ck_delete_shared/")]   # shared: never deleted here
    _ok(at.button(key="ck_delete_mine/my ring.pt").click().run())
    assert _own_files() == [] and "Deleted my ring.pt" in at.success[0].value
    assert sorted(os.listdir(folder)) == ["broken.pt", "digits.pt", "ring8.pt"]


# --- the classroom (issue 9): own spaces, checked uploads, no server paths ------------------------------------
def _own_files(*parts) -> list[str]:
    """Files in the visitors' own folders (all visitors of the test), optionally only those at parts."""
    root = os.environ["GAN_STUDIO_SPACES"]
    found = glob.glob(os.path.join(root, "*", *(parts or ("**", "*"))), recursive=True)
    return sorted(p for p in found if os.path.isfile(p))


def _new_visitor(at):
    """The next rerun is another browser's: AppTest keeps one session id (and sends no cookie), so end that
    session's Visitor."""
    st.cache_resource.clear()
    return _goto(at, "pages/checkpoints.py")


def _save(at, name):
    _ok(at.button(key="ck_load_shared/ring8.pt").click().run())   # a run to save: loaded, not trained
    at.text_input(key="ck_name").input(name)
    return _ok(next(b for b in at.button if "Save" in b.label).click().run())


def test_two_visitors_saving_one_name_both_keep_it_and_neither_can_delete_the_others(at):
    _goto(at, "pages/checkpoints.py")
    assert "Saved our run.pt" in _save(at, "our run").success[-1].value
    _new_visitor(at)
    assert [b for b in at.button if b.key and b.key.startswith("ck_resume_mine/")] == []   # a's file is not listed
    assert "Saved our run.pt" in _save(at, "our run").success[-1].value   # not "Replaced": b's own
    assert len(_own_files("checkpoints", "our run.pt")) == 2
    _ok(at.button(key="ck_delete_mine/our run.pt").click().run())
    assert len(_own_files("checkpoints", "our run.pt")) == 1             # b deleted b's; a's is still there


def test_every_malicious_upload_is_refused_and_the_pages_keep_working(at, made):
    from evil import evil_files
    _goto(at, "pages/checkpoints.py")
    with open(made["ring8"], "rb") as f:
        evil = evil_files(f.read())
    for which, (data, says) in evil.items():
        _ok(at.file_uploader(key="ck_upload").set_value((f"{which}.pt", data, "application/octet-stream")).run())
        errors = [e.value for e in at.error if not e.value.startswith("Unreadable")]
        assert len(errors) == 1 and re.search(says, errors[0]) and errors[0].startswith(f"checkpoint: {which}.pt")
        assert at.button(key="ck_resume_shared/digits.pt")           # the listing is still there
    assert _own_files() == []
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.UPLOAD).run())
    for which in ("picture-16000", "step-inf", "picture-bomb"):
        _ok(at.file_uploader(key="ex_upload").set_value((f"{which}.pt", evil[which][0], "application/octet-stream")).run())
        assert re.search(evil[which][1], at.error[0].value)


def test_bad_files_already_on_disk_are_listed_and_the_own_ones_deleted(at, made):
    from evil import evil_files
    _goto(at, "pages/checkpoints.py")
    with open(made["ring8"], "rb") as f:
        data = f.read()
    _ok(at.file_uploader(key="ck_upload").set_value(("good.pt", data, "application/octet-stream")).run())
    mine = os.path.dirname(_own_files("checkpoints", "good.pt")[0])
    for which in ("step-inf", "created-yesterday", "picture-16000"):
        with open(os.path.join(mine, f"{which}.pt"), "wb") as f:
            f.write(evil_files(data)[which][0])
    _goto(at, "pages/checkpoints.py")
    unreadable = [e.value for e in at.error if e.value.startswith("Unreadable")]
    assert len(unreadable) == 4 and not any(os.environ["GAN_STUDIO_SPACES"] in u for u in unreadable)  # and broken.pt
    for which in ("step-inf", "created-yesterday", "picture-16000"):
        _ok(at.button(key=f"ck_delete_mine/{which}.pt").click().run())
    assert [os.path.basename(p) for p in _own_files()] == ["good.pt"]
    _goto(at, "pages/explore.py")
    _ok(at.radio(key="ex_source").set_value(Source.FILE).run())
    assert "good.pt" in at.selectbox(key="ex_file").options


def _folder_form(at):
    """The Train page with dataset=folder chosen (the fast-digits preset's form)."""
    _goto(at, "pages/train.py")
    _ok(at.selectbox(key="preset").set_value("fast-digits").run())
    return _ok(at.selectbox(key="cfg.fast-digits.dataset").set_value("folder").run())


def _png(seed: int) -> bytes:
    import io

    import numpy as np
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_a_server_folder_is_refused_and_uploaded_images_are_used_instead(at):
    from ganlib.classroom.spaces import SERVER_PATH_REFUSED
    _folder_form(at)
    for path in ("/usr/share", "/no/such/folder"):   # the same words: nothing said about what is there
        _ok(at.text_input(key="cfg.fast-digits.data_path").input(path).run())
        assert [e.value for e in at.error] == [SERVER_PATH_REFUSED] and at.button(key="btn.Start").disabled
    _ok(at.file_uploader(key="cfg.fast-digits.data_path.upload0").set_value(
        [(f"{i}.png", _png(i), "image/png") for i in range(3)]).run())
    assert not at.error and "Kept as mine/data/images.zip" in at.success[0].value
    assert at.file_uploader(key="cfg.fast-digits.data_path.upload1")   # a fresh, empty uploader
    assert at.text_input(key="cfg.fast-digits.data_path").value == "mine/data/images.zip"
    assert not at.button(key="btn.Start").disabled and not at.warning
    assert [os.path.basename(p) for p in _own_files("data", "*")] == ["images.zip"]


def test_bad_image_uploads_are_refused_and_the_form_keeps_working(at):
    _folder_form(at)
    for files, says in (([("notes.txt", b"hello", "text/plain")], "notes.txt is neither an image"),
                        ([("bomb.zip", b"PK\x03\x04 not a zip", "application/zip")], "bomb.zip is not a readable")):
        _ok(at.file_uploader(key="cfg.fast-digits.data_path.upload0").set_value(files).run())
        assert any(says in e.value for e in at.error)
    assert _own_files() == [] and at.text_input(key="cfg.fast-digits.data_path")


def test_the_operator_may_allow_server_folders(at, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_STUDIO_LOCAL_PATHS", "1")
    _folder_form(at)
    _ok(at.text_input(key="cfg.fast-digits.data_path").input(str(tmp_path)).run())
    assert not at.error and not at.button(key="btn.Start").disabled


def test_theory_lab_trains_d_alone_with_g_frozen(at):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_gauss-1d").click().run())
    _ok(at.selectbox(key="th_d_steps").select(1000).run())
    _ok(at.button(key="th_train_d").click().run())   # its callback waits until the run shows it
    texts = " ".join(c.value for c in at.caption) + " ".join(i.value for i in at.info)
    assert "training D alone" in texts and "D trains alone" in texts
    assert at.button(key="th_train_d").disabled      # once at a time
    assert any(m.label == "mean |D - D*|" for m in at.metric)
    # done, it says so until G moves (a class pass: the box went and nothing said D had finished)
    deadline = time.monotonic() + 60
    while not at.success and time.monotonic() < deadline:
        time.sleep(0.5)
        _ok(at.run())
    assert [m.value for m in at.success] == [D_ALONE_DONE] and not at.button(key="th_train_d").disabled
    _ok(at.button(key="th_step_g").click().run())
    assert not at.success


@pytest.mark.slow
def test_theory_lab_pauses_and_steps_its_run(at):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_ring8").click().run())
    assert at.button(key="th_pause").label == "Pause"
    _ok(at.button(key="th_pause").click().run())
    assert at.button(key="th_pause").label == "Resume" and not at.button(key="th_step").disabled
    before = _lab_step(at)
    _ok(at.button(key="th_step").click().run())
    assert _lab_step(at) == before + 1
    field = at.get("plotly_chart")[0]
    assert "where G's loss pushes each fake" in field.proto.spec and "G of a grid of z" in field.proto.spec
    _ok(at.button(key="th_step_d").click().run())     # half-steps: counted apart, not in the step count
    _ok(at.button(key="th_step_g").click().run())
    _ok(at.button(key="th_step_g").click().run())
    assert _lab_step(at) == before + 1
    assert any("half-steps: 1 of D alone, 2 of G alone" in c.value for c in at.caption)


def test_theory_lab_slow_motion_sets_the_runs_pace(at):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_gauss-1d").click().run())
    _ok(at.radio(key="th_pace").set_value(5.0).run())
    _ok(at.run())   # the control shows the run's own pace each time: it stays at 5 only if the run took it
    assert at.radio(key="th_pace").value == 5.0
    _ok(at.radio(key="th_pace").set_value(0.0).run())
    assert at.radio(key="th_pace").value == 0.0


def test_theory_lab_draws_d_star_on_2d_data(at):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_start_ring8").click().run())
    _ok(at.button(key="th_pause").click().run())
    assert any(m.label == "mean |D - D*|" for m in at.metric)
    reads = {"D": READ_D, "D*": READ_D_STAR, "D - D*": READ_GAP}   # how to read the colours of what is shown
    for show, words in (("D*", "the best D*"), ("D - D*", "D - D*"), ("D", "Real and fake points over D")):
        _ok(at.radio(key="th_map").set_value(show).run())
        assert any(words in c.proto.spec for c in at.get("plotly_chart"))   # pages/parts/chart.chart: two slots
        text = " ".join(m.value for m in at.markdown)
        assert reads[show] in text and all(other not in text for other in reads.values() if other != reads[show])


@pytest.mark.slow
def test_theory_lab_runs_minimax_and_non_saturating_side_by_side(at):
    _goto(at, "pages/theory.py")
    _ok(at.button(key="th_pair").click().run())   # both start; D's head start takes a few seconds of each turn
    for _ in range(60):
        steps = [int(m.group(1).replace(",", "")) for c in at.caption if (m := re.search(r"step ([\d,]+)", c.value))]
        if len(steps) == 2 and min(steps) > 0:
            break
        time.sleep(1)
        _ok(at.run())
    assert len(steps) == 2 and min(steps) > 0, steps
    lines = next(c for c in at.get("plotly_chart") if "under its own loss" in c.proto.spec).proto.spec
    assert "minimax-stall: minimax G" in lines and "minimax-stall-ns: bce G" in lines
    maps = {c.key.rsplit(".", 1)[0] for c in at.get("plotly_chart") if "D(x)" in c.proto.spec}   # chart.chart's slots
    assert maps == {"th_pair_field_lead", "th_pair_field_twin"}   # each run's map
    assert at.button(key="th_pair_pause").label == "Pause both"
    _ok(at.button(key="th_pair_pause").click().run())
    assert [c.value.endswith("paused") for c in at.caption if " · step " in c.value] == [True, True]
    _ok(at.button(key="th_pair_stop").click().run())
    assert all("stopped" in c.value for c in at.caption if " · step " in c.value)


def _lab_step(at) -> int:
    line = next(c.value for c in at.caption if " · step " in c.value)   # "ring8 · loss bce · step 1,234 · paused"
    return int(re.search(r"step ([\d,]+)", line).group(1).replace(",", ""))


def test_a_malformed_watch_code_in_the_address_is_said_once_and_dropped(at):
    at.query_params["watch"] = "../../etc"
    _ok(at.run())
    assert any("Watch code: 10 letters" in e.value for e in at.error), [e.value for e in at.error]
    assert "watch" not in at.query_params and at.title[0].value == "Train"   # the page opens as without it
    _ok(at.run())
    assert not any("Watch code" in e.value for e in at.error)


def test_a_watch_code_nobody_shares_says_so(at):
    at.query_params["watch"] = "zzzzz-zzzzz"   # a code's form, shared by nobody: the code box stays, and says so
    _goto(at, "pages/watch.py")
    assert any("No run is shared under the code ZZZZZ-ZZZZZ" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="watch_code_box")
