"""A class on one server, in real Chromium: a teacher's run watched from another browser context, the cap on
training runs and its queue, and a reload that rejoins the run. Each browser context is one visitor.
Skipped when playwright or /usr/bin/chromium is missing."""
import re
import time

import pytest

from browser import browser, chromium_available, poll, serve

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

FIRST_RUN_S = 120   # Start -> a chart: torch import, data, models, first steps on a busy 2-core machine
CHANGE_S = 45
CHART_POINTS = """(key) => Math.max(0, ...[...document.querySelectorAll('.st-key-' + key + ' .js-plotly-plot')]
    .map(el => (el._fullData && el._fullData[0] && el._fullData[0].x) ? el._fullData[0].x.length : 0))"""


@pytest.fixture(scope="module")
def server():
    with serve(env={"GAN_STUDIO_MAX_RUNS": "1", "GAN_STUDIO_IDLE_MINUTES": "1"}) as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def visit(chromium, url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    return context, page


def choose_ring8(page):
    page.get_by_role("heading", name="Train").wait_for()
    page.locator(".st-key-preset [role=combobox]").click()
    page.get_by_role("option", name="ring8", exact=True).click()
    page.locator(".st-key-cfg-ring8-epochs input").wait_for(state="attached")


def sidebar(page, timeout_ms: float = 60_000) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text(timeout=timeout_ms)


def test_students_watch_the_teachers_run_live_without_control_and_queue_for_their_own(server, chromium):
    teacher_ctx, teacher = visit(chromium, server.url)
    student_ctx, student = None, None
    try:
        choose_ring8(teacher)
        teacher.locator(".st-key-btn-Start button").click()
        poll(lambda: "Run: running" in sidebar(teacher), FIRST_RUN_S, what="the teacher's run to train")
        teacher.get_by_text("Show this run to the class").click()
        url = poll(lambda: next((t for t in teacher.locator('[data-testid="stCode"]').all_inner_texts()
                                 if "watch=" in t), None), CHANGE_S, what="the watch link").strip()
        assert "v=" not in url   # the owner's key never travels in the watch link

        student_ctx, student = visit(chromium, url)
        student.get_by_text("Presenter view").wait_for()
        first = poll(lambda: student.evaluate(CHART_POINTS, "watch-curves"), CHANGE_S, what="the watched chart")
        poll(lambda: student.evaluate(CHART_POINTS, "watch-curves") > first, CHANGE_S, what="the chart to advance")
        # the count shows at either page's next refresh; a page mid-redraw has no sidebar for a moment (CI waited
        # 60 s for the teacher's once, beside a training test on 2 cores), so both are read again until one says it
        poll(lambda: "1 watching" in sidebar(teacher, 5_000) + sidebar(student, 5_000), CHANGE_S,
             what="1 watching in a sidebar")
        main = student.locator('[data-testid="stMain"]')
        for label in ("Start", "Pause", "Resume", "Step", "Stop", "Reset"):
            assert main.get_by_role("button", name=label, exact=True).count() == 0
        assert main.locator("input").count() == 0   # no field that changes the run

        # the cap is 1: the student's own run waits for the teacher's slot, and starts by itself
        student.locator('[data-testid="stSidebarNav"]').get_by_text("Train").click()
        choose_ring8(student)
        student.locator(".st-key-btn-Start button").click()
        poll(lambda: "number 1 in line" in student.locator('[data-testid="stMain"]').inner_text()
             or "your run is next" in student.locator('[data-testid="stMain"]').inner_text(),
             CHANGE_S, what="the student's queue message")
        assert "1 waiting" in sidebar(student)
        # a pause keeps the teacher's slot for a while (Limits.hold_s); a Stop frees it at once
        teacher.locator(".st-key-btn-Stop button").click()
        poll(lambda: "Run: running" in sidebar(student), CHANGE_S, what="the student's run to start by itself")
    finally:
        for ctx in (student_ctx, teacher_ctx):
            if ctx is not None:
                ctx.close()


def test_a_reload_rejoins_the_run(server, chromium):
    context, page = visit(chromium, server.url)
    try:
        poll(lambda: "No run yet" in sidebar(page) or "Run:" in sidebar(page), CHANGE_S, what="the sidebar")
        choose_ring8(page)
        page.locator(".st-key-btn-Step button").click()
        poll(lambda: "paused" in sidebar(page), FIRST_RUN_S, what="a step")
        assert "v=" not in page.url   # the cookie rejoins it: no key in the address (test_browser_identity.py)
        step = poll(lambda: re.search(r"step (\d+)", sidebar(page)), CHANGE_S, what="the step").group(1)
        page.reload()
        poll(lambda: "Run: paused" in sidebar(page), CHANGE_S, what="the same run after the reload")
        assert poll(lambda: re.search(r"step (\d+)", sidebar(page)), CHANGE_S, what="the step").group(1) == step
        time.sleep(1.5)   # the old session's leaving must not stop the rejoined run
        assert "Run: paused" in sidebar(page)
    finally:
        context.close()
