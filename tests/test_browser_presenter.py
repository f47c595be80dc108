"""The presenter layout fits one 1280 x 720 screen: a page laid out as ganlib/charts/look.py says, in Chromium.

The page (written into a temporary folder, not one of the app's pages) shows a
status line, G's samples (a grid, or the points figure), the training chart with
three live changes and three alarms, and the quality chart, with the presenter
sizes; nothing may end below 720 px or lie over another, and in each chart no
legend or label may lie on a plot or on another label (the app itself, with a
run: tests/test_browser_projector.py). Skipped when playwright or
/usr/bin/chromium is missing.
"""
import os
import shutil
import textwrap

import pytest

from browser import ROOT, browser_page, chromium_available, poll, serve
from test_browser_projector import BOXES, check_screen, shoot

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

PAGE = textwrap.dedent('''
    import numpy as np
    import streamlit as st

    from ganlib.charts import look
    from ganlib.charts.quality import quality_figure
    from ganlib.charts.training import points_figure, training_figure
    from ganlib.run.history import Event
    from ganlib.words.alarms import Alarm, Kind

    st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
    rng = np.random.default_rng(0)
    n = 2000
    h = {"step": list(range(5, 5 * n + 1, 5)), "d_loss": list(1 + 0.3 * rng.standard_normal(n)),
         "g_loss": list(1.5 + 0.4 * rng.standard_normal(n)), "value": list(-1.2 + 0.1 * rng.standard_normal(n)),
         "d_real": list(0.6 + 0.05 * rng.standard_normal(n)), "d_fake": list(0.4 + 0.05 * rng.standard_normal(n))}
    metrics = [(s, {"fid": 300 * np.exp(-s / 4000) + 20, "classes_covered": 7,
                    "class_histogram": list(rng.dirichlet(np.ones(10)))}) for s in range(1000, 10001, 1000)]
    st.markdown("**Running** · epoch 12.3 / 50 · step 10,000 · 45.1 steps/s · 2m 10s left · digits")
    events = [Event(3000, "lr_g", 2e-4, 1e-3), Event(3000, "lr_d", 2e-4, 1e-3), Event(8000, "lr_g", 1e-3, 5e-4)]
    alarms = [Alarm(k, 6000, 9000, "", "") for k in (Kind.D_OVERPOWERS, Kind.OSCILLATION, Kind.MODE_COLLAPSE)]
    samples, losses, quality = st.columns(look.COLUMNS)
    with samples:
        if st.query_params.get("kind") == "points":
            st.plotly_chart(points_figure(rng.normal(size=(64, 2)), rng.normal(size=(500, 2)), presenter=True),
                            key="p-points")
        else:
            st.image(rng.integers(0, 255, (242, 242, 3), dtype=np.uint8), width=look.SAMPLES_PX)
    losses.plotly_chart(training_figure(h, events, "bce", presenter=True, alarms=alarms), key="p-curves")
    quality.plotly_chart(quality_figure(metrics, 18.8, presenter=True), key="p-quality")
''')

@pytest.mark.parametrize("kind", ["image", "points"])
def test_samples_training_and_quality_fit_one_1280_by_720_screen_with_their_labels_apart(tmp_path, kind):
    (tmp_path / "app.py").write_text(PAGE)
    shutil.copytree(os.path.join(ROOT, ".streamlit"), tmp_path / ".streamlit")   # the app's own settings and theme
    with serve(env={"PYTHONPATH": ROOT}, root=str(tmp_path)) as server, browser_page(1280, 720) as page:
        page.goto(f"{server.url}/?kind={kind}")
        charts = 3 if kind == "points" else 2
        poll(lambda: page.locator(".js-plotly-plot .main-svg").count() >= charts, 90, what="the charts drawn")
        page.wait_for_timeout(1000)   # plotly's last relayout
        boxes = page.evaluate(BOXES, "p")
        if kind == "points":   # the points figure stands where the grid would, as wide
            boxes["grid"] = page.evaluate("""() => { const r = document.querySelector(
                '.st-key-p-points .js-plotly-plot').getBoundingClientRect();
                return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }""")
        shoot(page, f"presenter-{kind}")
        check_screen(boxes, ["grid", "curves", "quality"])
        notes = boxes["charts"]["curves"]["labels"]
        assert len(notes) >= 3   # the two live-change rows and the alarms' row(s), all measured apart above
