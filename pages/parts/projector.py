"""The presenter view of a run: one 1280 x 720 projector screen, laid out as ganlib/charts/look.py says.

A status line, then G's newest samples, the loss chart and the quality chart side by side, each as tall as the
screen leaves (look.body_px: less on the owner's Train page, whose buttons come first). The figures are made once
per drawing tick for every viewer, as pages/parts/live.py makes the laptop view's.
"""
from __future__ import annotations

import streamlit as st

from ganlib.charts import look
from ganlib.charts.quality import latest_text, quality_figure
from ganlib.charts.training import training_figure
from ganlib.engine.kinds import DataKind
from ganlib.lab.meaning import of_config
from ganlib.words.alarms import alarms
from ganlib.words.describe import progress_line, quality_note, status_word
from pages.parts.live import SHARED_VERSIONS, Drawn, drawn_as, points_chart, sample_png
from pages.parts.chart import chart


@st.cache_resource(max_entries=SHARED_VERSIONS, show_spinner=False)
def _figures(drawn: tuple, buttons: bool, _snap) -> tuple:
    """(loss chart, quality chart or None) of one snapshot at the presenter's sizes, made once for all viewers."""
    height = look.body_px(buttons)
    # the legends fitted to the columns as a laptop with its sidebar open draws them: a projector's are wider
    widths = [int(w * look.SIDEBAR_OPEN) for w in look.COLUMN_PX]
    curves = training_figure(_snap.history, _snap.events, of_config(_snap.config), height=height, presenter=True,
                             alarms=alarms(_snap), width=widths[1])
    quality = quality_figure(_snap.metrics, _snap.fid_floor, height=height, presenter=True, ema=_snap.config.ema,
                             width=widths[2]) if _snap.metrics else None
    return Drawn(curves), quality and Drawn(quality)


def presenter_view(snap, key: str, buttons: bool = False) -> None:
    """buttons: the page drew its row of buttons above (the owner's Train page), so the charts are that much
    shorter."""
    st.markdown(f"**{status_word(snap).capitalize()}** · {progress_line(snap, status=False)} · {snap.config.dataset}")
    curves, quality = _figures(drawn_as(snap), buttons, snap)
    samples, losses, measures = st.columns(look.COLUMNS)
    with samples:
        if snap.timeline:
            frame = snap.timeline[-1]
            if snap.kind == DataKind.IMAGE:
                png = sample_png(snap.run_id, frame.step, "fake", frame.picture, look.SAMPLES_PX)
                # as wide as its column: SAMPLES_PX on a projector, less beside a laptop's open sidebar, where a fixed
                # width ran under the loss chart (a class pass); the PNG is made at SAMPLES_PX, the browser scales it
                st.image(png, width="stretch", output_format="PNG", caption=f"G(z) for a fixed z, step {frame.step:,}")
            else:
                chart(points_chart(snap.run_id, frame.step, True, frame.picture, snap.real), f"{key}.points")
        if snap.metrics:
            st.caption(latest_text(snap.metrics, snap.fid_floor, snap.config.ema))
    chart(curves, f"{key}.curves", losses)
    if quality is not None:
        chart(quality, f"{key}.quality", measures)
    elif note := quality_note(snap.config, snap.metrics):
        measures.caption(note)
