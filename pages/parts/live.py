"""The live view of a run, shared by the owner's Train page and the followers' Watch page.

Everything here is drawn from one snapshot. Figures and pictures are made once
per (run id, snapshot version) and shared by every session that shows that
run, so thirty students watching one run cost about one figure a refresh.
"""
from __future__ import annotations

import time

import plotly.graph_objects as go
import streamlit as st

from ganlib.charts import look
from ganlib.charts.quality import quality_figure
from ganlib.charts.training import points_figure, training_figure
from ganlib.engine.grid import enlarge, png_bytes
from ganlib.engine.kinds import DataKind
from ganlib.words.describe import config_summary, fraction_done, progress_line, quality_note, status_message, status_word
from ganlib.words.alarms import alarms
from ganlib.lab.meaning import of_config
from ganlib.run.state import Status
from pages.parts.chart import chart

SHARED_VERSIONS = 64    # cached figures and pictures: the latest versions of the runs that sessions show (bounded:
                        # 256 held ~80 MB of old figures in bench/churn.py)
PRESENTER, PRESENTER_CHOICE = "presenter", "presenter.chosen"   # the switch's key; the visitor's choice, kept
REDRAW_S = 2.0          # a training run's charts are drawn anew at most this often, for all its viewers, and
                        # watchers refresh at this pace: every bit of Python the server runs holds the GIL that
                        # the run's small steps need between their torch ops (bench/classroom.py)


class Drawn(go.Figure):
    """A finished figure, turned into plain data once for every session that shows it.

    st.plotly_chart calls to_dict() on a figure for each session at each refresh, a deep copy of every trace
    (~2 ms for a 2,000-point loss chart, with the GIL held); a Drawn hands out the dict made when it was
    drawn. Nothing may change it afterwards."""

    def __init__(self, fig: go.Figure):
        super().__init__()
        self._drawn = fig.to_dict()

    def to_dict(self) -> dict:
        return self._drawn


def drawn_as(snap, every: float = REDRAW_S) -> tuple:
    """What a cached drawing of `snap` is keyed by: its version once it rests, else the tick of `every` seconds.

    A training run publishes a new version every few steps, so keyed by version every watcher's refresh
    missed the cache and drew its own figures: 28% of the server's CPU at 10 watchers (py-spy), and the
    training thread waited for the GIL meanwhile."""
    return (snap.run_id, "tick", every, int(time.monotonic() / every)) if snap.is_training else (snap.run_id, snap.version)


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def _figures(drawn: tuple, _snap) -> tuple:
    """(loss chart, quality chart or None, the alarms it marks) of one snapshot, made once for all its viewers
    (the presenter's: pages/parts/projector.py)."""
    found = alarms(_snap)
    curves = training_figure(_snap.history, _snap.events, of_config(_snap.config), alarms=found)
    quality = quality_figure(_snap.metrics, _snap.fid_floor, ema=_snap.config.ema) if _snap.metrics else None
    return Drawn(curves), quality and Drawn(quality), found


def presenter_on(default: bool) -> bool:
    """The sidebar's presenter switch: large type, and the samples and charts on one 1280 x 720 screen.

    The page's `default` (on for Watch, off for Train) holds until the visitor turns the switch; their choice
    then holds on every page. It is kept apart from the switch's own state, which Streamlit drops on a page
    that draws no switch: a projector went back to small type after a look at the Theory lab."""
    chosen = st.session_state.get(PRESENTER_CHOICE)
    st.session_state[PRESENTER] = default if chosen is None else chosen   # no value= below: one source of truth
    return st.sidebar.toggle("🖥️ Presenter view", key=PRESENTER, on_change=_choose_presenter,
                             help="For a projector: large type, and the samples and the charts fit one 1280 x 720 "
                                  "screen (close the sidebar too)")


def _choose_presenter() -> None:
    st.session_state[PRESENTER_CHOICE] = st.session_state[PRESENTER]


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def sample_png(run_id: str, step: int, which: str, _picture, width: int = 0) -> bytes:
    """A sample grid enlarged for the screen, as PNG, once per run, frame, side and width (st.image would encode
    an array anew for each session: 5% of the server's CPU at 10 watchers; and it shrinks a PNG wider than its
    width= anew for each session: 11% of the server's samples at 10 watchers of the presenter view, py-spy)."""
    return png_bytes(enlarge(_picture), width)


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def points_chart(run_id: str, step: int, presenter: bool, _fake, _real):
    """The scatter (or histograms) of one frame of a toy run, built once for all its viewers."""
    if presenter:
        return Drawn(points_figure(_fake, _real, height=look.SAMPLES_PX, presenter=True))
    return Drawn(points_figure(_fake, _real))


def frame_slider(frames, running: bool, key: str) -> int:
    """Index of the frame to show: the newest while it trains (frames keep coming and get thinned), any when not."""
    n = len(frames)
    if running or n < 2:
        if running and n > 1:
            st.caption("Pause to scrub back through the samples taken so far.")
        return n - 1
    # n in the key: a step that adds a frame brings the slider back to the newest one. The labels are plain
    # strings: Streamlit keeps each key's format_func for the session, and a lambda would keep the pictures
    return st.select_slider("frame (scrub back through the samples)", options=list(range(n)), value=n - 1,
                            key=f"{key}.{n}", format_func=[f"step {f.step}" for f in frames].__getitem__)


def samples(snap, key: str = "frame") -> None:
    if not snap.timeline:  # still loading
        return
    i = frame_slider(snap.timeline, snap.status is Status.RUNNING, f"{key}.{snap.run_id}")
    frame = snap.timeline[i]
    if snap.kind != DataKind.IMAGE:
        chart(points_chart(snap.run_id, frame.step, False, frame.picture, snap.real), f"{key}.points")
        st.caption(f"G's samples from the fixed z at step {frame.step} (orange) over real ones (grey)")
        return
    left, right = st.columns(2)
    left.image(sample_png(snap.run_id, frame.step, "fake", frame.picture), output_format="PNG",
               caption=f"fake: G(z) for the same fixed z, step {frame.step} (taken every "
                       f"{snap.config.sample_every} steps; {len(snap.timeline)} kept, thinned evenly as the run grows)")
    right.image(sample_png(snap.run_id, -1, "real", snap.real), output_format="PNG", caption="real samples")


def run_view(snap, *, owner: bool, key: str = "live") -> None:
    """Status, progress, the charts and the samples of one snapshot; `owner` adds what to press next."""
    if owner:
        level, text = status_message(snap)
        getattr(st, level)(text)
    else:
        st.markdown(f"**{status_word(snap).capitalize()}** · {snap.config.dataset} · {snap.config.loss} loss")
    st.progress(fraction_done(snap), text=progress_line(snap))
    curves, quality, found = _figures(drawn_as(snap), snap)
    for a in found:   # plain words, a band on the chart, and what to try
        st.warning(f"**⚠ {a.title}.** {a.what} *Try:* {a.advice}")
    st.caption("This run: " + config_summary(snap.config))
    chart(curves, f"{key}.curves")
    if quality is not None:
        chart(quality, f"{key}.quality")
    if note := quality_note(snap.config, snap.metrics):
        st.caption(note)
    samples(snap, key=f"{key}.frame")
