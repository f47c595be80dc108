"""The presenter layout fits one 1280 x 720 screen: a page laid out as ganlib/charts/look.py says, in Chromium.

The page (written into a temporary folder, not one of the app's pages) shows a
status line, G's samples (a grid, or the points figure), the quality chart and
the training chart, with the presenter sizes; nothing may end below 720 px,
and the left column's two parts may not overlap. Skipped when playwright or
/usr/bin/chromium is missing.
"""
import os
import shutil
import textwrap

import pytest

from browser import ROOT, browser_page, chromium_available, poll, serve

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

PAGE = textwrap.dedent('''
    import numpy as np
    import streamlit as st

    from ganlib.charts import look
    from ganlib.charts.quality import quality_figure
    from ganlib.charts.training import points_figure, training_figure
    from ganlib.run.history import Event

    st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
    rng = np.random.default_rng(0)
    n = 2000
    h = {"step": list(range(5, 5 * n + 1, 5)), "d_loss": list(1 + 0.3 * rng.standard_normal(n)),
         "g_loss": list(1.5 + 0.4 * rng.standard_normal(n)), "value": list(-1.2 + 0.1 * rng.standard_normal(n)),
         "d_real": list(0.6 + 0.05 * rng.standard_normal(n)), "d_fake": list(0.4 + 0.05 * rng.standard_normal(n))}
    metrics = [(s, {"fid": 300 * np.exp(-s / 4000) + 20, "classes_covered": 7,
                    "class_histogram": list(rng.dirichlet(np.ones(10)))}) for s in range(1000, 10001, 1000)]
    st.info("Running · epoch 12.3 / 50 · step 10,000 · 45.1 steps/s · 2m 10s left")
    left, right = st.columns(look.COLUMNS)
    with left:
        if st.query_params.get("kind") == "points":
            st.plotly_chart(points_figure(rng.normal(size=(64, 2)), rng.normal(size=(500, 2)), presenter=True))
        else:
            st.image(rng.integers(0, 255, (242, 242, 3), dtype=np.uint8), width=look.SAMPLES_PX)
        st.plotly_chart(quality_figure(metrics, 18.8, presenter=True))
    with right:
        st.plotly_chart(training_figure(h, [Event(3000, "lr_g", 2e-4, 1e-3)], "bce", presenter=True))
''')

BOXES = """() => [...document.querySelectorAll('.js-plotly-plot, [data-testid=stImage] img')]
    .map(e => { const r = e.getBoundingClientRect();
                return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })"""


@pytest.mark.parametrize("kind", ["image", "points"])
def test_samples_quality_and_training_fit_one_1280_by_720_screen(tmp_path, kind):
    (tmp_path / "app.py").write_text(PAGE)
    shutil.copytree(os.path.join(ROOT, ".streamlit"), tmp_path / ".streamlit")   # the app's own settings and theme
    with serve(env={"PYTHONPATH": ROOT}, root=str(tmp_path)) as server, browser_page(1280, 720) as page:
        page.goto(f"{server.url}/?kind={kind}")
        charts = 3 if kind == "points" else 2
        poll(lambda: len(page.evaluate(BOXES)) == 3 and page.locator(".js-plotly-plot .main-svg").count() >= charts,
             90, what="the samples and the two charts drawn")
        page.wait_for_timeout(500)   # plotly's last relayout
        boxes = sorted(page.evaluate(BOXES), key=lambda b: (b["left"], b["top"]))
        samples, quality, training = boxes
        assert max(b["bottom"] for b in boxes) <= 720, boxes
        assert samples["bottom"] <= quality["top"], boxes          # one above the other, no overlap
        assert max(samples["right"], quality["right"]) <= training["left"], boxes
        assert training["bottom"] - training["top"] >= 500 and samples["bottom"] - samples["top"] >= 250
