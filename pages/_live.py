"""The live view of a run, shared by the owner's Train page and the followers' Watch page.

Everything here is drawn from one snapshot. Figures and pictures are made once
per (run id, snapshot version) and shared by every session that shows that
run, so thirty students watching one run cost about one figure a refresh.
"""
from __future__ import annotations

import streamlit as st

from ganlib.charts import look
from ganlib.charts.quality import latest_text, quality_figure
from ganlib.charts.training import points_figure, training_figure
from ganlib.describe import config_summary, fraction_done, progress_line, quality_note, status_message, status_word
from ganlib.alarms import alarms
from ganlib.meaning import of_config
from ganlib.state import Status

SHARED_VERSIONS = 64    # cached figures and pictures: the latest versions of the runs that sessions show (bounded:
                        # 256 held ~80 MB of old figures in bench/churn.py)


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def _figures(run_id: str, version: int, presenter: bool, _snap) -> tuple:
    """(loss chart, quality chart or None) of one snapshot, built once for all its viewers."""
    if presenter:
        return (training_figure(_snap.history, _snap.events, of_config(_snap.config), height=look.TRAINING_HEIGHT,
                                presenter=True, alarms=alarms(_snap)),
                quality_figure(_snap.metrics, _snap.fid_floor, height=look.QUALITY_HEIGHT, presenter=True)
                if _snap.metrics else None)
    curves = training_figure(_snap.history, _snap.events, of_config(_snap.config), alarms=alarms(_snap))
    quality = quality_figure(_snap.metrics, _snap.fid_floor) if _snap.metrics else None
    return curves, quality


def presenter_on(default: bool) -> bool:
    """The sidebar's presenter switch: large type, and the samples and charts on one 1280 x 720 screen."""
    return st.sidebar.toggle("🖥️ Presenter view", value=default, key="presenter",
                             help="For a projector: large type, and the samples and the charts fit one 1280 x 720 "
                                  "screen (close the sidebar too)")


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def _picture(run_id: str, step: int, which: str, _picture):
    """A sample grid enlarged for the screen, once per run, frame and side."""
    from ganlib.grid import enlarge  # torch: only once there is a run to show
    return enlarge(_picture)


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
    if snap.kind != "image":
        st.plotly_chart(points_figure(frame.picture, snap.real), key=f"{key}.points")
        st.caption(f"G's samples from the fixed z at step {frame.step} (orange) over real ones (grey)")
        return
    left, right = st.columns(2)
    left.image(_picture(snap.run_id, frame.step, "fake", frame.picture),
               caption=f"fake: G(z) for the same fixed z, step {frame.step} (taken every "
                       f"{snap.config.sample_every} steps; {len(snap.timeline)} kept, thinned evenly as the run grows)")
    right.image(_picture(snap.run_id, -1, "real", snap.real), caption="real samples")


def presenter_view(snap, key: str) -> None:
    """One projector screen: a line of status, G's newest samples and the quality chart beside the losses."""
    st.markdown(f"**{status_word(snap).capitalize()}** · {progress_line(snap)} · {snap.config.dataset}")
    curves, quality = _figures(snap.run_id, snap.version, True, snap)
    left, right = st.columns(look.COLUMNS)
    with left:
        if snap.timeline:
            frame = snap.timeline[-1]
            if snap.kind == "image":
                st.image(_picture(snap.run_id, frame.step, "fake", frame.picture), width=look.SAMPLES_PX,
                         caption=f"G(z) for a fixed z, step {frame.step:,}")
            else:
                st.plotly_chart(points_figure(frame.picture, snap.real, height=look.SAMPLES_PX, presenter=True),
                                key=f"{key}.points")
        if quality is not None:
            st.plotly_chart(quality, key=f"{key}.quality")
            st.caption(latest_text(snap.metrics, snap.fid_floor))
    right.plotly_chart(curves, key=f"{key}.curves")


def run_view(snap, *, owner: bool, key: str = "live", presenter: bool = False) -> None:
    """Status, progress, the charts and the samples of one snapshot; `owner` adds what to press next."""
    if presenter:
        return presenter_view(snap, key)
    if owner:
        level, text = status_message(snap)
        getattr(st, level)(text)
    else:
        st.markdown(f"**{status_word(snap).capitalize()}** · {snap.config.dataset} · {snap.config.loss} loss")
    st.progress(fraction_done(snap), text=progress_line(snap))
    for a in alarms(snap):   # plain words, a band on the chart, and what to try
        st.warning(f"**⚠ {a.title}.** {a.what} *Try:* {a.advice}")
    st.caption("This run: " + config_summary(snap.config))
    curves, quality = _figures(snap.run_id, snap.version, False, snap)
    st.plotly_chart(curves, key=f"{key}.curves")
    if quality is not None:
        st.plotly_chart(quality, key=f"{key}.quality")
    if note := quality_note(snap.config, snap.metrics):
        st.caption(note)
    samples(snap, key=f"{key}.frame")
