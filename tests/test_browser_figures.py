"""Figures as plotly.js draws them in Debian's Chromium, without a server: what must stay readable.

- The Theory lab's V(D, G) chart: its "-2 log 2" label stays readable where the V curve runs through it (issue 23:
  on ring8 the curve covered it). The figure is drawn twice, with the curve and with the curve made transparent,
  on fixed axes; the label's box must be the same pixels in both. The control draws the label without its white
  ground, and there the curve shows through.
- A class student's loss chart, half a 1280 px page wide: no panel title lies on a legend (a class pass found D's
  two-line title under its three-row legend).
Skipped without playwright or /usr/bin/chromium."""
import numpy as np
import pytest

from browser import browser, chromium_available
from ganlib.charts.theory import value_figure
from ganlib.charts.training import training_figure
from ganlib.engine.presets import preset
from ganlib.lab.meaning import of_config
from pages.parts.seat import CHART_PX, TITLE_CHARS

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

LABEL = ".infolayer .annotation rect.bg"   # the label's ground: the annotation's own box is a pixel larger


def a_curve_through_the_label() -> dict:
    """V over 3,000 steps, swinging across -2 log 2 (-1.386) to the right end, where the label sits below it."""
    steps = np.arange(0, 3001, 10)
    return {"step": steps.tolist(), "value": (-1.386 - 0.06 * np.sin(steps / 23.0)).tolist()}


def label_pixels(page, fig) -> bytes:
    fig.update_layout(width=700, height=360, xaxis_range=[0, 3000], yaxis_range=[-1.6, -1.2])
    page.set_content(fig.to_html(include_plotlyjs=True, full_html=True))
    page.locator(LABEL).first.wait_for()
    box = page.locator(LABEL).first.bounding_box()
    box = {"x": box["x"] + 1, "y": box["y"] + 1, "width": box["width"] - 2, "height": box["height"] - 2}   # its edge
    return page.screenshot(clip=box, animations="disabled")


def test_the_minus_2_log_2_label_is_drawn_over_the_v_curve():
    history = a_curve_through_the_label()
    figures = {}
    for ground in ("white", None):
        for seen in (True, False):
            fig = value_figure(history)
            assert fig.layout.annotations[0].text.startswith("-2 log 2")
            fig.layout.annotations[0].bgcolor = ground
            if not seen:
                fig.data[0].line.color = "rgba(0,0,0,0)"
            figures[ground, seen] = fig
    with browser() as b:
        page = b.new_context(viewport={"width": 800, "height": 500}).new_page()
        shots = {key: label_pixels(page, fig) for key, fig in figures.items()}
    assert shots["white", True] == shots["white", False], "the V curve shows through the -2 log 2 label"
    assert shots[None, True] != shots[None, False], "the control: without its ground, the curve should cross it"


BOXES = """() => [...document.querySelectorAll('.infolayer .annotation, .infolayer g[class^=legend] .traces')].map(e => {
    const r = e.getBoundingClientRect();
    return {kind: e.classList.contains('traces') ? 'legend' : 'title', text: e.textContent,
            left: r.left, top: r.top, right: r.right, bottom: r.bottom};
})"""


def test_a_class_students_loss_chart_keeps_its_titles_off_its_legends():
    steps = np.arange(0, 3000, 10)
    history = {"step": steps.tolist(), **{k: (0.2 + 0.01 * np.sin(steps / 50)).tolist()
                                          for k in ("d_loss", "g_loss", "d_real", "d_fake", "value")}}
    fig = training_figure(history, (), of_config(preset("class-ring8")), height=420, title_chars=TITLE_CHARS,
                          width=CHART_PX)
    fig.update_layout(width=CHART_PX)
    with browser() as b:
        page = b.new_context(viewport={"width": CHART_PX + 20, "height": 440}).new_page()
        page.set_content(fig.to_html(include_plotlyjs=True, full_html=True))
        page.locator(".legend .traces").first.wait_for()
        boxes = page.evaluate(BOXES)
    titles, legends = [x for x in boxes if x["kind"] == "title"], [x for x in boxes if x["kind"] == "legend"]
    assert len(titles) == 2 and len(legends) >= 5, boxes
    for t in titles:   # boxes with their padding: 3 px of them may meet (the fault was a whole line, ~17 px)
        for item in legends:
            assert not (min(t["right"], item["right"]) - max(t["left"], item["left"]) > 3 and
                        min(t["bottom"], item["bottom"]) - max(t["top"], item["top"]) > 3), (t, item)


TITLE_AND_TICKS = """() => {
    const box = e => e.getBoundingClientRect();
    return {title: [...document.querySelectorAll('.g-x2title text')].map(box).map(b => [b.top, b.bottom]),
            ticks: [...document.querySelectorAll('.xaxislayer-above .x2tick text')].map(box)
                   .map(b => [b.top, b.bottom])};
}"""


def test_a_loss_chart_redrawn_keeps_its_step_title_under_its_tick_labels():
    """A class pass saw "2000step": redrawn as a fragment does (Plotly.react), the x axis title sat on the tick
    labels now and then (2 redraws of 8), where plotly placed it by a measured depth of the labels (a standoff)."""

    def figure(n: int):
        steps = np.arange(0, 25 * n, 25)
        history = {"step": steps.tolist(), **{k: (0.2 + 0.01 * np.sin(steps / 50)).tolist()
                                              for k in ("d_loss", "g_loss", "d_real", "d_fake", "value")}}
        fig = training_figure(history, (), of_config(preset("class-ring8")), height=420, title_chars=TITLE_CHARS,
                              width=CHART_PX)
        fig.update_layout(width=CHART_PX)
        return fig

    with browser() as b:
        page = b.new_context(viewport={"width": CHART_PX + 20, "height": 440}).new_page()
        page.set_content(figure(20).to_html(include_plotlyjs=True, full_html=True, div_id="chart"))
        page.locator(".g-x2title text").first.wait_for(state="attached")
        seen = []
        for n in (40, 90, 150, 160, 240, 300, 420, 30, 200, 390):
            page.evaluate("f => Plotly.react('chart', f.data, f.layout)", figure(n).to_plotly_json())
            page.wait_for_timeout(100)
            seen.append(page.evaluate(TITLE_AND_TICKS))
    for s in seen:
        (top, _), = s["title"]
        assert s["ticks"] and all(top >= bottom - 1 for _, bottom in s["ticks"]), seen
