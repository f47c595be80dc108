"""No chart flickers (issue 22): a live chart keeps its last picture until the next one is drawn.

Streamlit 1.67 mounts a new plotly element for every new figure, blank until plotly has drawn it; the pages
draw each live chart through pages/parts/chart.chart, two slots stacked so that the last picture shows until the
new one is drawn. While a gauss-1d run trains at full speed in the Theory lab, this checks what an eye sees:
every animation frame for 10 s, and 20 screenshots of each chart over those 10 s. Before the fix, 28 of 152
frames showed a blank chart (a box with no plot, or no box at all).
"""
import io
import time
import warnings

import numpy as np
import pytest
from PIL import Image

from browser import browser_page, chromium_available, poll, serve

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

CHARTS = (".st-key-th_density", ".st-key-th_value")   # the lab's live charts, each the place chart.chart draws in
FIRST_RUN_S = 120
WATCH_MS = 10_000

# each animation frame: at the centre of each chart's place, the topmost thing drawn is a drawn plotly plot, not a
# box over it or the page behind it (elementsFromPoint lists every element there, top first; a slot not yet drawn
# is transparent, so the eye sees what is under it)
WATCH = """([ms, sels]) => { window.flickerWatch = new Promise(done => {
  const t0 = performance.now(), out = {frames: 0, blank: []};
  function seen(x, y) {
    for (const e of document.elementsFromPoint(x, y)) {
      const p = e.closest('.js-plotly-plot');
      if (p && p._fullData && p._fullData.length > 0 && e.closest('.svg-container')) return 'plot';
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && bg !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(bg))   // named, so that a failure says which
        return 'an opaque ' + e.tagName + ' ' + (e.getAttribute('data-testid') || String(e.className).slice(0, 60));
    }
    return 'nothing';
  }
  function tick() {
    out.frames++;
    for (const sel of sels) {
      const box = document.querySelector(sel), r = box && box.getBoundingClientRect();
      const what = !box ? 'no chart' : (r.width < 50 || r.height < 50) ? 'a zero box' : seen(r.left + r.width / 2,
                                                                                             r.top + r.height / 2);
      if (what !== 'plot') out.blank.push([Math.round(performance.now() - t0), sel, what]);
    }
    if (performance.now() - t0 < ms) requestAnimationFrame(tick); else done(out);
  }
  tick();
}); }"""
# the newest step the V chart has drawn (of either slot)
LAST_STEP = """() => Math.max(0, ...[...document.querySelectorAll('.st-key-th_value .js-plotly-plot')]
    .map(p => (p._fullData && p._fullData[0] && p._fullData[0].x) ? Math.max(...p._fullData[0].x) : 0))"""


def blank(png: bytes) -> bool:
    """A picture of one colour, or nearly: a white box where a chart was."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return a.std() < 3 or (a < 200).mean() < 0.002


def test_the_labs_charts_keep_their_picture_while_a_run_trains():
    with serve() as server, browser_page(width=1400, height=2200) as page:
        page.goto(server.url + "/theory")
        page.locator(".st-key-th_start_gauss-1d button").click()
        poll(lambda: all(page.locator(f"{sel} .js-plotly-plot").count() for sel in CHARTS), FIRST_RUN_S,
             what="the density and V charts")
        time.sleep(2)   # a few redraws in: the run is at full speed
        first = page.evaluate(LAST_STEP)
        page.evaluate(WATCH, [WATCH_MS, list(CHARTS)])   # watches in the page while the screenshots are taken
        shots, t0 = [], time.monotonic()
        for i in range(20):
            for sel in CHARTS:
                box = page.locator(sel).last.bounding_box()   # the newest, while an old one leaves
                assert box and box["width"] > 50 and box["height"] > 50, f"shot {i}: {sel} has no box ({box})"
                shots.append((i, sel, blank(page.screenshot(clip=box))))
            time.sleep(max(0.0, t0 + (i + 1) * WATCH_MS / 20_000 - time.monotonic()))
        seen = page.evaluate("() => window.flickerWatch")
        last = page.evaluate(LAST_STEP)
    assert not [s for s in shots if s[2]], f"blank screenshots: {[s[:2] for s in shots if s[2]]}"
    assert seen["frames"] > 20, seen   # it did watch, frame after frame
    # at most 1% of the frames a chart, and one at least: a lone frame (~35 ms on a busy machine) is no flicker an
    # eye sees. CI met one, then two of 290, an opaque DIV over the V chart's centre while a redraw moved the page;
    # the fault this guards against blanked 28 frames of 152 (18%)
    allowed = max(1, seen["frames"] // 100)
    for sel in CHARTS:
        frames = [b for b in seen["blank"] if b[1] == sel]
        assert len(frames) <= allowed, f"{len(frames)} of {seen['frames']} frames showed {sel} blank: {frames[:10]}"
    if seen["blank"]:
        warnings.warn(f"one frame of {seen['frames']} showed a chart blank: {seen['blank']}")
    assert last > first, (first, last)   # and the charts were redrawn meanwhile, not frozen
