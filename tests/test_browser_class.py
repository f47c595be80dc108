"""A class in real Chromium: a teacher opens a class of class-ring8, ten students join by its link (each browser
context is one visitor, one of them typing the code in lower case), each starts a run of their own; one pauses, one
changes lr_g, one resets; the teacher's wall shows the ten, the pause, the change, and the CSV has their rows; the
teacher puts one student's run on the watch link, and a projector that opens it sees that run.
The AppTest tier plays one student (tests/test_app_class.py); several at once need a browser each.
Skipped when playwright or /usr/bin/chromium is missing."""
import csv
import io
import os
import re
import time
import warnings

import pytest

from browser import browser, choose_option, chromium_available, errors_shown, page_text, poll, serve, shoot
from pages.parts.wall import WALL_REFRESH_S

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

OPEN_S = 90      # Open the class -> the link: torch and the class's first models, on a busy 2-core machine
JOIN_S = 90      # a student's link -> their Start button and fields
TRAIN_S = 120    # Start -> steps counting
CHANGE_S = 60    # a command or a change -> the wall shows it (the wall redraws every 2 s, a student each second)
STUDENTS = 10
STEP = re.compile(r"step ([\d,]+)")
WALL_THUMBS = """() => [...document.querySelectorAll('[data-testid="stImage"]')]
    .map(e => (e.querySelector('[data-testid="stImageCaption"]') || {}).innerText || '')
    .filter(t => t.includes('Student'))"""


@pytest.fixture(scope="module")
def server():
    with serve() as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def visit(chromium, url, contexts):
    context = chromium.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    return page


# the bottoms of what a projector must show whole: the picture, the loss chart, the quality line under it
BOTTOMS = """() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot, [data-testid=stImage] img')]
    .concat([...document.querySelectorAll('[data-testid=stMain] [data-testid=stMarkdownContainer]')]
            .filter(e => e.innerText.startsWith('Modes covered')))
    .map(e => Math.round(e.getBoundingClientRect().bottom))"""


def fits(page, what: str) -> None:
    """Everything the projector must show lies within its 720 pixels (a class pass found a student's run on the
    watch link cut off at the bottom, and worse under the ended class's note), once the charts are drawn."""
    poll(lambda: len(page.evaluate(BOTTOMS)) >= 2, CHANGE_S, what=f"{what}, drawn",   # and the quality line once measured
         show=lambda: f"bottoms {page.evaluate(BOTTOMS)}; " + page_text(page))
    page.wait_for_timeout(1000)   # plotly's relayout
    bottoms = page.evaluate(BOTTOMS)
    shoot(page, what.replace(" ", "-").replace("'", ""))
    assert max(bottoms) <= 720, f"{what} runs below 720 px: {bottoms}"


def status(page) -> str:
    """A student's status line: "Student 2 · training · step 1,234 · ...", the caption that starts with the name
    (mid-redraw another caption can come first: CI read the losses' note as the status line once)."""
    captions = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]')
    return poll(lambda: next((t for t in captions.all_inner_texts() if t.startswith("Student ")), None), 10,
                what="the student's status line")


def step(text: str) -> int:
    return int(STEP.search(text).group(1).replace(",", ""))


def thumbs(teacher) -> dict[str, str]:
    """The wall's thumbnail captions by student name (the newest, where Streamlit still shows a stale copy); the
    captions' no-break spaces (pages/parts/wall.unbroken: a phrase wraps whole) read as spaces."""
    captions = [t.replace("\u00a0", " ") for t in teacher.evaluate(WALL_THUMBS)]
    return {t.split(" · ")[0]: t for t in captions}


def wall_line(teacher) -> str:
    return " ".join(t for t in teacher.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                    if t.startswith("Class "))


def test_a_teacher_and_ten_students_train_together_and_the_wall_shows_them(server, chromium):
    contexts = []
    try:
        teacher = visit(chromium, server.url + "/classroom", contexts)
        crashed = []
        teacher.on("crash", lambda _: crashed.append(time.strftime("%H:%M:%S")))
        choose_option(teacher, "cls_preset", "class-ring8", OPEN_S)   # again if a rerun redrew the box under the click
        assert "lr_g" in teacher.locator(".st-key-cls_fields").inner_text()   # opened by default, with loss, seed...
        teacher.get_by_role("button", name="Open the class").click()
        url = poll(lambda: next((t.strip() for t in teacher.locator('[data-testid="stCode"]').all_inner_texts()
                                 if "?class=" in t), None), OPEN_S, what="the class link")
        code = url.rsplit("=", 1)[1]
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code), url

        links = [url, url.replace(code, code.lower())] + [url] * (STUDENTS - 2)   # lower case joins the same class
        students = []
        for link in links:   # one after another, as a class comes in: ten first runs at once took over 90 s once
            students.append(page := visit(chromium, link, contexts))
            page.locator(".st-key-cls-start button").wait_for(timeout=JOIN_S * 1000)
            page.get_by_role("button", name="Apply my changes").wait_for(timeout=JOIN_S * 1000)
            assert page.get_by_role("heading", name=f"Class {code}").count() == 1
        names = [poll(lambda p=page: status(p).split(" · ")[0], CHANGE_S, what="a student's name")
                 for page in students]
        assert sorted(names, key=lambda n: int(n.split()[1])) == [f"Student {i}" for i in range(1, STUDENTS + 1)]

        for page in students:
            page.locator(".st-key-cls-start button").click()
        for page in students:
            poll(lambda p=page: "training" in status(p) and step(status(p)) > 0, TRAIN_S, what="steps to count")

        paused, changed, reset = students[:3]
        paused_name, changed_name, reset_name = names[:3]
        paused.locator(".st-key-cls-pause button").click()
        changed.locator('[class*="st-key-cls_f_"][class*="_lr_g_"] input').fill("0.01")   # read back as 1e-2
        changed.get_by_role("button", name="Apply my changes").click()
        reset.locator(".st-key-cls-reset button").click()
        reset.locator(".st-key-cls-reset-yes button").click()   # a run that has trained asks before it starts over

        poll(lambda: "paused" in status(paused), CHANGE_S, what="the pause")
        poll(lambda: "ready" in status(reset) and step(status(reset)) == 0, CHANGE_S, what="the reset")
        lr_g_box = changed.locator('[class*="st-key-cls_f_"][class*="_lr_g_"] input')
        try:
            poll(lambda: lr_g_box.input_value() == "1e-2", CHANGE_S / 3, what="the lr_g box to say the value in force")
        except TimeoutError:
            # once in CI the change never arrived (the box's value unknown): typed and applied again, as its student
            # would, and said; what the class does with it is checked below, on the wall and in the CSV
            warnings.warn(f"the lr_g change did not show in {CHANGE_S / 3:.0f} s (the box: "
                          f"{lr_g_box.input_value()!r}); applied again")
            lr_g_box.fill("0.01")
            changed.get_by_role("button", name="Apply my changes").click()
            poll(lambda: lr_g_box.input_value() == "1e-2", CHANGE_S, what="the lr_g box to say the value in force",
                 show=lambda: page_text(changed))

        # the wall: three thumbnails, the class's line, the change in the changed student's caption
        poll(lambda: len(teacher.evaluate(WALL_THUMBS)) == STUDENTS and len(thumbs(teacher)) == STUDENTS, CHANGE_S,
             what="a thumbnail for each student")
        poll(lambda: f"· {STUDENTS} students ·" in wall_line(teacher), CHANGE_S, what="the wall's line")
        # drawn while the wall was empty, Start all and Pause all stayed disabled until a reload (a class pass)
        poll(lambda: all(teacher.locator(f".st-key-wall-{b} button").is_enabled() for b in ("start", "pause")),
             CHANGE_S, what="Start all and Pause all enabled once students joined, without a reload")
        poll(lambda: "lr_g 1e-2" in thumbs(teacher).get(changed_name, ""), CHANGE_S, what="the change on the wall")
        poll(lambda: "paused" in thumbs(teacher).get(paused_name, ""), CHANGE_S, what="the pause on the wall")
        poll(lambda: "ready" in thumbs(teacher).get(reset_name, ""), CHANGE_S, what="the reset on the wall")

        # the paused run stands still while the changed one trains on, on the students' pages and on the wall
        held, going = step(status(paused)), step(status(changed))
        poll(lambda: step(status(changed)) >= going + 20, TRAIN_S, what="the changed run to train on")
        poll(lambda: step(thumbs(teacher)[changed_name]) > going, CHANGE_S, what="the wall to show it")
        assert step(status(paused)) == held
        assert step(thumbs(teacher)[paused_name]) == held

        # the class's results: one row a student, as they are now
        got = []

        def results() -> dict | None:
            """The CSV as the link gives it now; None until it shows the change the wall showed (the link is made
            at each redraw: a click that met a copy from before the change is tried again, 2 s later)."""
            copies = teacher.locator(".st-key-wall-csv a")
            if copies.count() != 1:
                warnings.warn(f"the wall showed {copies.count()} CSV links")
            copies.last.scroll_into_view_if_needed()
            with teacher.expect_download() as download:
                copies.last.click()
            with open(download.value.path(), newline="") as f:
                got.append(rows := {r["name"]: r for r in csv.DictReader(io.StringIO(f.read()))})
            return rows if rows.get(changed_name, {}).get("lr_g") == "0.01" else None

        rows = poll(results, CHANGE_S, interval=WALL_REFRESH_S, what="the CSV to have the change",
                    show=lambda: f"{len(got)} downloads, the last: {got[-1] if got else None}")
        assert sorted(rows) == sorted(names)
        assert rows[paused_name]["status"] == "paused"
        assert int(rows[paused_name]["step"]) == held and rows[reset_name]["step"] == "0"

        # the teacher puts the run in large (the first to join, as it opens) on their watch link; a projector that
        # opens the link sees that run
        box = teacher.locator(".st-key-wall_spot")
        spot = poll(lambda: re.search(r"Student \d+", box.inner_text() + " " + box.locator("input").input_value()
                                      ).group(0), CHANGE_S, what="the run in large")
        on_watch, clicked = teacher.locator(".st-key-wall-on-watch button"), [time.monotonic()]
        on_watch.click()

        def seen() -> str:
            parts = [f"the teacher's page: crashed {crashed}, closed {teacher.is_closed()}", page_text(teacher)]
            try:
                teacher.screenshot(path=os.path.join(os.environ.get("TMPDIR", "/tmp"), "class-teacher.png"), timeout=5_000)
            except Exception:  # noqa: BLE001  (a page that lost its app may not draw)
                pass
            return "\n".join(parts + ["the server's log ends:", server.log(1500)])

        def watch_line():
            found = next((t for t in teacher.locator('[data-testid="stAlertContentInfo"]').all_inner_texts()
                          if "?watch=" in t), None)
            if found is None and time.monotonic() - clicked[0] > 10:
                clicked[0] = time.monotonic()
                if teacher.locator('[data-testid="stMain"]').count() == 0:
                    # twice in full CI runs (never alone) the teacher's page had no app left after the CSV's
                    # download, and the wall came back at a reload, as the teacher would do: kept as a warning
                    # with what the page showed, so the next run that meets it says what it was
                    warnings.warn("the teacher's page lost its app; reloaded. " + seen())
                    teacher.reload()
                elif on_watch.count():
                    # again, as the same run: a click while the wall redrew was lost once in CI. A short wait: the
                    # button goes once the line comes, and a click that waited for it ate the whole poll once
                    on_watch.click(timeout=5_000)
            return found

        line = poll(watch_line, CHANGE_S, what="the watch link's line", show=seen)
        projector = visit(chromium, re.search(r"https?://\S+\?watch=\S+", line).group(0), contexts)
        poll(lambda: f"{spot}'s run" in projector.locator('[data-testid="stMain"]').inner_text(), CHANGE_S,
             what="the projector to show the student's run")
        fits(projector, "the student's run on the projector")

        for page in (teacher, projector, *students):
            assert errors_shown(page) == []
        teacher.evaluate("window.scrollTo(0, 0)")
        teacher.get_by_role("button", name="End the class").click()
        teacher.get_by_role("button", name="Yes, end the class").click()
        teacher.get_by_role("button", name="Open the class").wait_for(timeout=CHANGE_S * 1000)
        poll(lambda: "This class has ended" in paused.locator('[data-testid="stMain"]').inner_text(), CHANGE_S,
             what="the students to hear that the class ended")
        # the projector keeps the run it had on, said to be over (it said "Nothing to show yet"); a student who
        # reloads hears the class ended and gets their picture back (it said "No class is open", and had none)
        poll(lambda: f"has ended: {spot}'s run as it was last" in page_text(projector, 4000), CHANGE_S,
             what="the projector to keep the student's run, ended", show=lambda: page_text(projector))
        fits(projector, "the ended class's run on the projector")
        paused.reload()
        poll(lambda: "This class has ended" in page_text(paused) and "Your run's last picture" in page_text(paused),
             CHANGE_S, what="a student's page after a reload", show=lambda: page_text(paused))
    finally:
        for context in contexts:
            context.close()
