"""No run outlives its tab, and a closing tab never stalls the server: a real server, real Chromium.

The server is slowed on purpose (tests/slowdata/sitecustomize.py): its data
take seconds to load, so a tab can close or reload while Start is still
working, and each step sleeps, so a tab can close mid-step. Training threads
are counted from outside, by their OS names in /proc (ganlib.run.runner names
them). Skipped when playwright or /usr/bin/chromium is missing.
"""
import os
import time
import urllib.request

import pytest

from browser import ROOT, browser, chromium_available, poll, serve

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

SLOW = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slowdata")
THREAD = b"ganlib-runner"
GONE_S = 10.0      # a run whose tab has gone has no thread after this
HEALTH_S = 1.0     # the server answers its health check within this, also while a tab closes


def training_threads(pid: int) -> int:
    """The runs' threads of the server `pid`: its own and its training worker's (a child process)."""
    n = 0
    for proc in (pid, *children(pid)):
        try:
            tasks = os.listdir(f"/proc/{proc}/task")
        except OSError:   # the worker ended while we looked
            continue
        for task in tasks:
            try:
                with open(f"/proc/{proc}/task/{task}/comm", "rb") as f:
                    n += f.read().strip() == THREAD
            except OSError:  # the thread ended while we looked
                pass
    return n


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if entry.isdigit() and int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError):
            pass
    return found


def health_s(url: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as r:
        assert r.read().strip() == b"ok"
    return time.perf_counter() - t0


@pytest.fixture(scope="module")
def server():
    env = {"PYTHONPATH": os.pathsep.join([SLOW, ROOT]), "GAN_STUDIO_TEST_DATA_DELAY": "3", "GAN_STUDIO_IDLE_MINUTES": "0",
           "GAN_STUDIO_TEST_STEP_DELAY": "0.5"}
    with serve(env=env) as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def open_train(chromium, url: str):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("heading", name="Train").wait_for()
    page.locator(".st-key-btn-Start button:not([disabled])").wait_for()
    return context, page


@pytest.mark.parametrize("after", [0.2, 0.5, 1, 2, 5])
@pytest.mark.parametrize("how", ["close", "reload"])
def test_no_training_thread_outlives_its_tab(server, chromium, how, after):
    pid = server.proc.pid
    poll(lambda: training_threads(pid) == 0, GONE_S, what="runs of earlier tests to end")
    context, page = open_train(chromium, server.url)
    try:
        page.locator(".st-key-btn-Start button").click()
        time.sleep(after)
        if how == "close":
            page.close()
        else:
            page.reload()
            page.get_by_role("heading", name="Train").wait_for()
        poll(lambda: training_threads(pid) == 0, GONE_S, what=f"no training thread {GONE_S:.0f} s after the {how}")
    finally:
        context.close()


def test_no_side_by_side_twin_outlives_its_tab(server, chromium):
    pid = server.proc.pid
    poll(lambda: training_threads(pid) == 0, GONE_S, what="runs of earlier tests to end")
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server.url + "/theory")
        page.get_by_text("Failure demos").click()
        page.locator(".st-key-th_pair button").click()
        poll(lambda: training_threads(pid) == 2, 60, what="both runs of the pair to train")
        page.close()
        poll(lambda: training_threads(pid) == 0, GONE_S, what=f"no training thread {GONE_S:.0f} s after the close")
    finally:
        context.close()


def test_closing_a_tab_mid_step_never_stalls_the_server(server, chromium):
    pid = server.proc.pid
    context, page = open_train(chromium, server.url)
    page.locator(".st-key-btn-Start button").click()
    poll(lambda: page.get_by_text("steps/s").count() > 0, 60, what="the run to train")
    assert training_threads(pid) == 1
    context.close()   # each step sleeps 0.5 s, so this lands mid-step
    worst = max(health_s(server.url) for _ in range(40) if time.sleep(0.05) is None)
    assert worst < HEALTH_S, f"the health check took {worst:.2f} s while a tab closed"
    poll(lambda: training_threads(pid) == 0, GONE_S, what="the closed tab's run to end")


def test_a_first_visit_to_a_page_url_gets_the_apps_navigation(chromium):
    """A bookmark to /train opened on a fresh server, before any session ran app.py."""
    with serve() as fresh:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(fresh.url + "/train")
            page.get_by_role("heading", name="Train").wait_for()
            nav = page.locator('[data-testid="stSidebarNav"]')
            poll(lambda: "Latent explorer" in nav.inner_text(), 30, what="the app's page list in the sidebar")
            assert "_ui" not in nav.inner_text() and "app" not in nav.inner_text().lower().split()
            # app.py's run-status panel: drawn after the page list, later in the same rerun
            poll(lambda: page.get_by_text("No run yet").count() > 0, 30, what="app.py's run-status panel")
        finally:
            context.close()
