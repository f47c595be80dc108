"""The live view's shared drawings: what one refresh of thirty watchers costs is one drawing, not thirty."""
import io

import numpy as np
from PIL import Image

from ganlib.engine.config import TrainConfig
from ganlib.engine.grid import enlarge
from ganlib.run.snapshot import Snapshot
from ganlib.run.state import Reason, Status
from pages.parts import live as _live


def snap(status: Status, version: int) -> Snapshot:
    return Snapshot(run_id="7-abc", version=version, status=status, reason=Reason.NONE, config=TrainConfig(),
                    kind="image")


def test_a_training_run_is_drawn_once_a_tick_whatever_its_version(monkeypatch):
    now = [100.2]
    monkeypatch.setattr(_live.time, "monotonic", lambda: now[0])
    first = _live.drawn_as(snap(Status.RUNNING, 10))
    assert _live.drawn_as(snap(Status.RUNNING, 11)) == first      # new steps within the tick: the same drawing
    now[0] += _live.REDRAW_S
    assert _live.drawn_as(snap(Status.RUNNING, 12)) != first      # the next tick: drawn anew


def test_a_resting_run_is_drawn_once_per_version(monkeypatch):
    paused = _live.drawn_as(snap(Status.PAUSED, 40))
    monkeypatch.setattr(_live.time, "monotonic", lambda: 1e6)
    assert _live.drawn_as(snap(Status.PAUSED, 40)) == paused      # no redraw while nothing changes
    assert _live.drawn_as(snap(Status.FINISHED, 41)) != paused    # but its last snapshot is drawn
    assert _live.drawn_as(snap(Status.RUNNING, 41)) != _live.drawn_as(snap(Status.PAUSED, 41))


def test_the_shared_picture_is_png_of_the_enlarged_grid():
    grey = np.random.default_rng(0).integers(0, 256, (10, 12, 1), dtype=np.uint8)
    png = _live.sample_png.__wrapped__("7-abc", 3, "fake", grey)
    back = np.asarray(Image.open(io.BytesIO(png)))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and np.array_equal(back, enlarge(grey))


def test_a_drawn_figure_reaches_the_browser_as_the_figure_itself():
    from streamlit.testing.v1 import AppTest

    def app():
        import numpy as np
        import streamlit as st

        from ganlib.charts.training import training_figure
        from pages.parts.live import Drawn
        n = 300
        h = {"step": tuple(range(n)), **{k: tuple(np.linspace(0, 1, n)) for k in
                                         ("d_loss", "g_loss", "d_real", "d_fake", "value", "seconds")}}
        fig = training_figure(h, (), "bce")
        st.plotly_chart(fig, key="plain")
        st.plotly_chart(Drawn(fig), key="drawn")

    at = AppTest.from_function(app).run(timeout=60)
    assert not at.exception
    plain, drawn = at.get("plotly_chart")
    assert plain.proto.spec == drawn.proto.spec and len(plain.proto.spec) > 10_000


def test_a_wall_caption_wraps_between_its_phrases_only():
    from pages.parts.wall import LONG_PHRASE, unbroken
    long = "x" * (LONG_PHRASE + 1) + " y"
    caption = unbroken(" · ".join(["Ada", "step 1,200", "6 modes", "lr_g 1e-3", long]))
    phrases = caption.split("\u00a0· ")
    assert phrases[:4] == ["Ada", "step\u00a01,200", "6\u00a0modes", "lr_g\u00a01e-3"]   # no space to break at
    assert phrases[4] == long                     # too long for a line: it may break
    assert caption.count(" ") == 4 + 1            # the spaces left: one after each separator, one in the long phrase
