"""The Theory lab's V(D, G) chart: its "-2 log 2" label stays readable where the V curve runs through it (issue 23:
on ring8 the curve covered it). plotly.js in Debian's Chromium draws the figure twice, with the curve and with the
curve made transparent, on fixed axes; the label's box must be the same pixels in both. The control draws the label
without its white ground, and there the curve shows through. Skipped without playwright or /usr/bin/chromium."""
import numpy as np
import pytest

from browser import browser, chromium_available
from ganlib.charts.theory import value_figure

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
