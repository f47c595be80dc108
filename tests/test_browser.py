"""GAN Studio in a real browser: `streamlit run app.py` driven by Debian's Chromium through playwright.

What a user does and sees: pick a fast preset, press Start, watch the loss
chart grow and the fake samples change, change lr_g while it trains and see
the marker on the chart, then move a z slider in the Latent explorer and see
G(z) change. Skipped when playwright or /usr/bin/chromium is missing.

The two tests share one server and one browser tab (one Streamlit session);
the explorer test starts its own run when it runs alone.
"""
import pytest

from browser import browser_page, chromium_available, errors_shown, image_src, poll, serve, z_slider

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

PRESET = "seed-mlp"   # the fastest digits preset per step on a small CPU
FIRST_RUN_S = 120     # Start -> first chart: torch import, data, model, first steps, on a busy 2-core machine
CHANGE_S = 45         # anything that should change while a run trains

# _fullData, not data: numpy arrays reach plotly as base64 ({dtype, bdata}), which it decodes into _fullData
CHART_POINTS = """() => Math.max(0, ...[...document.querySelectorAll('.st-key-train-curves .js-plotly-plot')]
    .map(el => (el._fullData && el._fullData[0] && el._fullData[0].x) ? el._fullData[0].x.length : 0))"""
CHART_NOTES = """() => [...document.querySelectorAll('.st-key-train-curves .js-plotly-plot')]
    .flatMap(el => ((el.layout && el.layout.annotations) || []).map(a => a.text || ''))"""
DOTTED_LINES = """() => Math.max(0, ...[...document.querySelectorAll('.st-key-train-curves .js-plotly-plot')]
    .map(el => ((el.layout && el.layout.shapes) || []).filter(s => s.line && s.line.dash === 'dot').length))"""


@pytest.fixture(scope="module")
def server():
    with serve() as s:
        yield s


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as p:
        p.goto(server.url)
        p.get_by_role("heading", name="Train").wait_for(timeout=60_000)
        yield p


def chart_points(page) -> int:
    return page.evaluate(CHART_POINTS)


def test_train_live_chart_samples_and_lr_change(page):
    # a preset: its lr shows up in the form
    page.locator(".st-key-preset [role=combobox]").click()
    page.get_by_role("option", name=PRESET, exact=True).click()
    lr_g = page.locator(f".st-key-cfg-{PRESET}-lr_g input")   # labelled in plain words; the key keeps the name
    poll(lambda: lr_g.input_value() == "2e-4", 30, what=f"{PRESET}'s lr_g 2e-4 in the form")

    # a bigger epoch budget, so the run is still going when lr_g changes (the preset's 10 epochs last ~1 min)
    epochs = page.locator(f".st-key-cfg-{PRESET}-epochs input")
    epochs.fill("100")
    epochs.press("Enter")
    poll(lambda: page.get_by_text("· 100 epochs ·").count() > 0, 30, what="100 epochs in the config summary")

    page.locator(".st-key-btn-Start button").click()
    first = poll(lambda: chart_points(page), FIRST_RUN_S, what="the loss chart's first points")
    more = poll(lambda: (n := chart_points(page)) > first and n, CHANGE_S, what=f"more than {first} points")
    assert more > first
    assert page.get_by_text("Training: D learns").count() >= 1   # (a faded copy may linger while it redraws)

    fake = "fake: G(z)"
    before = poll(lambda: image_src(page, fake), CHANGE_S, what="the fake samples image")
    poll(lambda: image_src(page, fake) not in (None, before), CHANGE_S, what="the fake samples to change")

    # the live control: lr_g 2e-4 -> 1e-3 while it trains; a dotted line with a label marks the step on the chart
    lines_before = page.evaluate(DOTTED_LINES)
    live = page.locator('[class*="st-key-live-"][class*="-lr_g"] input')
    assert live.input_value() == "2e-4"
    live.fill("1e-3")
    live.press("Enter")
    notes = poll(lambda: [t for t in page.evaluate(CHART_NOTES) if "lr_g" in t], CHANGE_S,
                 what="an lr_g marker on the chart")
    assert any("2e-4" in t and "1e-3" in t for t in notes), notes
    assert page.evaluate(DOTTED_LINES) > lines_before
    assert "lr_g 1e-3" in page.locator("body").inner_text()   # the config line under the progress bar
    assert chart_points(page) > more   # still training
    assert not errors_shown(page)


def test_latent_explorer_slider_changes_the_picture(page, server):
    if "No run yet" in page.locator('[data-testid="stSidebar"]').inner_text():   # run alone: make a run first
        page.locator(".st-key-btn-Step button").click()
        poll(lambda: chart_points(page), FIRST_RUN_S, what="the first step on the chart")

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Latent explorer").click()
    page.get_by_role("heading", name="Latent explorer").wait_for(timeout=60_000)
    assert page.get_by_role("radio", name="Current run").is_checked()
    before = poll(lambda: image_src(page, "G(z)"), 60, what="the G(z) picture")
    thumb = z_slider(page)
    thumb.wait_for(state="attached")
    value = float(thumb.input_value())

    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    poll(lambda: image_src(page, "G(z)") not in (None, before), CHANGE_S, interval=0.05,
         what="G(z) to change after moving a z slider")
    assert float(thumb.input_value()) == pytest.approx(value + 0.15, abs=0.051)
    assert not errors_shown(page)
