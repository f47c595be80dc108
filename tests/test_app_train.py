"""The app starts, and the Train page's controls drive the runner (Streamlit AppTest, no browser).

AppTest runs no run_every timers, so the tests press Step (which waits for
its step) or sleep briefly and rerun. ring8 is the fast preset here.
"""
import io
import gc
import json
import os
import socket
import time
import weakref

import pytest
from streamlit.testing.v1 import AppTest

from ganlib.words import lesson_text as LT

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    yield app
    reset = app.button(key="btn.Reset")
    if not reset.disabled:  # stop the training thread so later tests get the CPU
        reset.click().run()


def choose(at, preset):
    at.selectbox(key="preset").set_value(preset).run()
    return at


def press(at, label):
    return at.button(key=f"btn.{label}").click().run()


def enabled(at):
    return {b.key.removeprefix("btn."): not b.disabled for b in at.button if b.key.startswith("btn.")}


def progress_text(at):
    return at.main.get("progress")[0].proto.text


def test_app_starts_on_train_with_status_panel(at):
    assert not at.exception
    assert at.title[0].value == "Train"
    assert "No run yet" in at.sidebar.caption[0].value
    assert enabled(at) == dict(Start=True, Pause=False, Resume=False, Step=True, Stop=False, Reset=False)


def test_choosing_a_preset_fills_the_form(at):
    choose(at, "seed-mlp")
    assert at.selectbox(key="cfg.seed-mlp.model").value == "mlp"
    assert at.text_input(key="cfg.seed-mlp.lr_g").value == "2e-4"
    assert at.text_input(key="cfg.seed-mlp.batch_size").value == "64"
    assert any("classic PyTorch text" in c.value for c in at.caption)
    # torch's thread count is the whole server's (device.py): no box offers a run its own
    keys = {w.key for w in at.text_input} | {w.key for w in at.number_input} | {w.key for w in at.selectbox}
    assert "cfg.seed-mlp.batch_size" in keys and not any(k and k.endswith(".threads") for k in keys)


def test_the_presenter_view_stays_on_across_pages(at):
    # Streamlit drops a widget's state on a page that does not draw it: the toggle came back off (issue 22)
    assert at.sidebar.toggle(key="presenter").value is False   # each page's default until the visitor chooses:
    at.switch_page("pages/watch.py").run()                      # off on Train, on for Watch
    assert at.sidebar.toggle(key="presenter").value is True
    at.switch_page("pages/train.py").run()
    assert at.sidebar.toggle(key="presenter").value is False
    at.sidebar.toggle(key="presenter").set_value(True).run()
    for page in ("pages/theory.py", "pages/train.py", "pages/watch.py", "pages/checkpoints.py", "pages/train.py"):
        at.switch_page(page).run()
        assert not at.exception and (page not in ("pages/train.py", "pages/watch.py")
                                     or at.sidebar.toggle(key="presenter").value is True), page
    at.sidebar.toggle(key="presenter").set_value(False).run()
    at.switch_page("pages/watch.py").run()   # off by choice stays off, also where it starts on (Watch)
    assert at.sidebar.toggle(key="presenter").value is False
    assert not any("Session State" in w.value for w in at.warning)   # the switch is fed by its state alone
    at.switch_page("pages/train.py").run()


def test_the_gpu_presets_are_marked_and_the_caption_says_they_are_slow_on_a_cpu(at):
    from ganlib.engine.presets import FOR_GPU
    options = at.selectbox(key="preset").options
    assert {o for o in options if o.endswith(" (GPU)")} == {f"{n} (GPU)" for n in FOR_GPU} == \
        {"dcgan-cifar10 (GPU)", "dcgan-64 (GPU)"}
    assert "fast-digits" in options and "ring8" in options   # the CPU ones unmarked
    assert any("on a CPU they are slow" in c.value for c in at.caption)
    choose(at, "dcgan-cifar10")
    assert at.selectbox(key="preset").value == "dcgan-cifar10" and not at.exception


def test_the_form_shows_only_the_data_fields_the_dataset_reads(at):
    # the digits form showed "channels: 0" and an empty data_path, which the digits never read (issue 22)
    def data_fields(preset):
        keys = {w.key for w in at.text_input} | {w.key for w in at.selectbox}
        return {n for n in ("data_path", "image_size", "channels") if f"cfg.{preset}.{n}" in keys}
    assert data_fields("fast-digits") == set() and not at.exception
    at.selectbox(key="cfg.fast-digits.dataset").set_value("folder").run()
    assert data_fields("fast-digits") == {"data_path", "image_size", "channels"}
    assert at.selectbox(key="cfg.fast-digits.channels").options == ["0: from the files", "1: grey", "3: RGB"]
    assert at.selectbox(key="cfg.fast-digits.channels").value == 0
    at.selectbox(key="cfg.fast-digits.dataset").set_value("digits").run()
    assert data_fields("fast-digits") == set() and enabled(at)["Start"]
    choose(at, "ring8")
    assert data_fields("ring8") == set()
    at.selectbox(key="cfg.ring8.dataset").set_value("drawn").run()
    assert data_fields("ring8") == {"data_path"}


def test_step_advances_the_runner(at):
    choose(at, "ring8")
    for _ in range(3):
        press(at, "Step")
    assert not at.exception
    assert "step 3 " in progress_text(at)
    assert "paused" in at.sidebar.markdown[0].value
    assert enabled(at)["Resume"] and not enabled(at)["Start"]
    assert {d.label for d in at.get("download_button")} >= {"Checkpoint (.pt)", "Loss history (.csv)"}


def test_slider_scrubs_back_through_frames(at):
    choose(at, "ring8")
    at.text_input(key="cfg.ring8.sample_every").set_value("1").run()
    press(at, "Step")
    press(at, "Step")
    slider = at.select_slider[0]
    assert slider.value == 2  # frames at steps 0, 1, 2; the newest is shown first
    slider.set_value(0).run()
    assert any("at step 0 " in c.value for c in at.caption)


def test_image_run_shows_fake_and_real_grids(at):
    choose(at, "seed-mlp")
    press(at, "Step")
    assert not at.exception
    grids = [i for i in at.image if LT.SCAN not in str(i.proto)]   # the lesson link's QR code is not a grid
    assert len(grids) == 2


def test_start_then_pause(at):
    choose(at, "ring8")
    press(at, "Start")
    assert enabled(at)["Pause"] and not enabled(at)["Start"]
    assert at.info[0].value.startswith("Training")
    time.sleep(0.8)
    press(at, "Pause")
    assert at.info[0].value.startswith("Paused")
    time.sleep(0.3)  # the step in flight when Pause was pressed still lands
    step = int(at.run().main.get("progress")[0].proto.text.split("step ")[1].split()[0].replace(",", ""))
    assert step > 0
    time.sleep(0.3)
    assert f"step {step:,} " in progress_text(at.run())  # paused means paused


@pytest.mark.slow
def test_a_reset_run_is_freed(at):
    """Every run used to stay in memory (~20 MB each) after Reset, held by what Streamlit keeps of each widget
    for the session: the live fields' callback arguments and page functions, the frame slider's labels."""
    from ganlib import Runner

    def runners():
        # type(o), not isinstance: isinstance asks o.__class__, which warns for torch.distributed.reduce_op
        return [o for o in gc.get_objects() if issubclass(type(o), Runner)]

    before = weakref.WeakSet(runners())
    choose(at, "ring8")
    at.text_input(key="cfg.ring8.sample_every").set_value("1").run()
    press(at, "Step")
    press(at, "Step")
    at.select_slider[0].set_value(0).run()   # the frame slider
    next(t for t in at.text_input if t.key.endswith(".lr_g")).set_value("1e-2").run()   # a live field's callback
    mine = [r for r in runners() if r not in before]
    assert mine and not at.exception
    mine = [weakref.ref(o) for r in mine for o in (r, *r.snapshot().timeline)]   # the run and its sample frames
    press(at, "Stop")
    press(at, "Reset")
    assert "No run yet" in at.sidebar.caption[0].value
    deadline = time.monotonic() + 30   # the reaper lets go of a run once its thread has ended
    while any(r() is not None for r in mine) and time.monotonic() < deadline:
        gc.collect()   # (AppTest's mocked runtime keeps each run's download callables in cycles; a server does not)
        time.sleep(0.1)
    assert [r() for r in mine if r() is not None] == []
    assert not at.exception


def test_live_lr_change_is_recorded_as_an_event(at):
    choose(at, "ring8")
    press(at, "Step")
    lr_g = next(t for t in at.text_input if t.key.endswith(".lr_g"))
    lr_g.set_value("1e-2").run()
    assert not at.error
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]   # pages/parts/chart.chart: two slots a chart
    assert any("lr_g 1e-3 → 1e-2" in [a.get("text") for a in s["layout"].get("annotations", ())] for s in specs)
    next(t for t in at.text_input if t.key.endswith(".lr_d")).set_value("2").run()
    assert "lr_d: must be between" in at.error[0].value and "lr_d stays 1e-3" in at.error[0].value
    # the refused value does not stay in the box while the old one is used: the box shows the value in force
    assert next(t for t in at.text_input if t.key.endswith(".lr_d")).value == "1e-3"
    assert not at.exception


def test_after_a_run_finishes_one_lr_g_box_and_its_epochs_to_train_longer(at):
    """A finished run showed two lr_g boxes, its live one and the new-run form's; now it keeps its epochs only."""
    choose(at, "ring8")
    at.text_input(key="cfg.ring8.batch_size").set_value("4096").run()   # 2 steps an epoch
    at.text_input(key="cfg.ring8.epochs").set_value("1").run()
    press(at, "Start")
    deadline = time.monotonic() + 30
    while "finished" not in at.sidebar.markdown[0].value and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    assert "finished" in at.sidebar.markdown[0].value
    boxes = lambda name: [t.key for t in at.text_input if t.key.endswith("." + name)]   # noqa: E731
    assert boxes("lr_g") == ["cfg.ring8.lr_g"]                         # the new run's, only
    live_epochs = [k for k in boxes("epochs") if k.startswith("live.")]
    assert len(live_epochs) == 1 and any("Train this run longer" in m.value for m in at.markdown)
    assert "Train this run longer" in at.success[0].value              # the status says where
    at.text_input(key=live_epochs[0]).set_value("3").run()             # raised: the run can go on
    assert enabled(at)["Resume"] and not at.exception
    assert [k for k in boxes("lr_g")] == [live_epochs[0].replace("epochs", "lr_g")]   # live, and no form


@pytest.mark.parametrize("key, bad, message", [
    ("cfg.seed-mlp.lr_g", "0", "lr_g: must be between 1e-06 and 1"),
    ("cfg.seed-mlp.batch_size", "0", "batch_size: must be between 1 and 4096"),
    # a number box read "1e9" as 1, silently: typed as text, every value that is not taken as typed is named
    ("cfg.seed-mlp.batch_size", "1e9", "batch_size: must be between 1 and 4096; got 1000000000"),
    ("cfg.seed-mlp.batch_size", "64.5", "batch_size: expected a whole number from 1 to 4096, got '64.5'"),
    ("cfg.seed-mlp.seed", "7x", "seed: expected a whole number from 0 to 2147483647, got '7x'"),
    ("cfg.seed-mlp.d_dropout", "0.5.5", "d_dropout: expected a number from 0 to 0.9, got '0.5.5'"),
])
def test_invalid_value_shows_its_error_and_blocks_start(at, key, bad, message):
    choose(at, "seed-mlp")
    at.text_input(key=key).set_value(bad).run()
    assert any(message in e.value for e in at.error)
    assert not enabled(at)["Start"] and not enabled(at)["Step"]
    assert "No run yet" in at.sidebar.caption[0].value


def test_offline_dataset_shows_a_clear_message(at, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_DATA", str(tmp_path))

    def offline(*args, **kwargs):
        raise OSError("network disabled in tests")
    monkeypatch.setattr(socket, "create_connection", offline)
    choose(at, "seed-mlp")
    at.selectbox(key="cfg.seed-mlp.dataset").set_value("mnist").run()
    press(at, "Start")
    assert not at.exception
    assert "must be downloaded once" in at.error[0].value and "offline" in at.error[0].value
    assert "failed" in at.sidebar.markdown[0].value
    assert enabled(at)["Start"]  # the form is back: choose other data and start again


@pytest.mark.parametrize("name", ["ring8", "gauss-1d", "seed-mlp"])
def test_the_download_files_are_what_they_say(name):
    """What the three download buttons hand over (AppTest does not call their deferred callables)."""
    import pandas as pd

    from ganlib import Runner, load_checkpoint, preset
    from ganlib.words.describe import number
    from ganlib.classroom.downloads import checkpoint_bytes, history_file, timeline_gif
    cfg = preset(name).replace(sample_every=1)
    runner = Runner(cfg)
    for n in (1, 2):
        runner.step()
        runner.wait(lambda s: s.step >= n, 30)
    runner.update(lr_g=1e-2)
    runner.wait(lambda s: s.events, 30)
    try:
        real = runner.snapshot().real if runner.snapshot().kind != "image" else None
        gif = timeline_gif(runner.snapshot().timeline, real)
        assert gif[:6] == b"GIF89a"
        table = pd.read_csv(io.BytesIO(history_file(runner)))    # one table, the change on the row of its step
        assert list(table.columns[:2]) == ["step", "d_loss"] and list(table["step"]) == [1, 2]
        assert list(table["event"].fillna("")) == ["", f"lr_g {number(cfg.lr_g, 'lr_g')} -> 1e-2"]
        payload = load_checkpoint(checkpoint_bytes(runner))
        assert payload["config"].lr_g == 1e-2 and payload["trainer"]["step"] >= 2
    finally:
        runner.close()
