"""A lesson link in a real browser: a teacher makes one on the Train page, a student opens it in a fresh context.

`streamlit run app.py` driven by Debian's Chromium through playwright; skipped without them.
The teacher's tab copies the link from the page (st.code of st.context.url + the lesson's
parameters); the student's tab, a new browser context (its own session, no shared state), opens
it and sees the teacher's values with the locked fields disabled; a reload keeps the lesson.
"""
import urllib.parse

import pytest

from browser import browser, choose_option, chromium_available, errors_shown, poll, serve

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

LOAD_S = 60   # first paint of a page on a busy 2-core machine


def new_page(b):
    context = b.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def test_a_teacher_shares_a_lesson_and_a_student_opens_it():
    with serve() as server, browser() as b:
        teacher_ctx, teacher = new_page(b)
        teacher.goto(server.url)
        teacher.get_by_role("heading", name="Train").wait_for(timeout=LOAD_S * 1000)
        choose_option(teacher, "preset", "ring8", LOAD_S)   # again if a rerun redrew the box under the click
        lr_g = teacher.locator(".st-key-cfg-ring8-lr_g input")
        poll(lambda: lr_g.input_value() == "1e-3", 30, what="ring8's lr_g in the form")
        lr_g.fill("2.5e-4")
        lr_g.press("Enter")
        poll(lambda: teacher.get_by_text("lr_g 2.5e-4", exact=False).count() > 0, 30, what="lr_g 2.5e-4 in the summary")

        teacher.get_by_text("Copy lesson link").click()
        teacher.locator(".st-key-lesson-lock_all_but button").click()
        code = teacher.locator('[data-testid="stCode"] code')
        url = poll(lambda: "open=" in (t := code.inner_text()) and t.strip(), 30, what="a link with locks")
        assert url == server.url + "/?preset=ring8&lr_g=2.5e-4&open=lr_g+lr_d", url   # all but the open two locked
        teacher_ctx.close()

        student_ctx, student = new_page(b)   # a fresh context: no cookies, no session of the teacher's
        student.goto(url)
        student.get_by_role("heading", name="Train").wait_for(timeout=LOAD_S * 1000)
        for _ in range(2):   # as opened, then after a reload (a new session reads the lesson from the URL again)
            poll(lambda: student.locator(".st-key-cfg-ring8-lr_g input").input_value() == "2.5e-4", LOAD_S,
                 what="the teacher's lr_g in the student's form")
            assert student.locator(".st-key-cfg-ring8-lr_g input").is_enabled()
            assert student.locator(".st-key-cfg-ring8-lr_d input").is_enabled()
            batch = student.locator(".st-key-cfg-ring8-batch_size input")
            assert batch.is_disabled() and batch.input_value() == "256"
            assert student.locator(".st-key-preset input").is_disabled()
            assert student.get_by_text("batch_size 🔒", exact=True).count() == 1
            assert urllib.parse.parse_qs(urllib.parse.urlparse(student.url).query)["lr_g"] == ["2.5e-4"]
            assert not errors_shown(student)
            student.reload()
            student.get_by_role("heading", name="Train").wait_for(timeout=LOAD_S * 1000)
        student_ctx.close()
