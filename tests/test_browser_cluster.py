"""Two app replicas on one Ray cluster, in real Chromium (issue 21).

A local head runs here (`ray start --head --block`, stopped through its own process at the end), and two
`streamlit run app.py` replicas use it (GAN_STUDIO_RAY_ADDRESS), with one secret and one visitors' folder, as
behind a load balancer. A teacher starts a run through the first; a student watches it through the second with the
watch code the first made; the first replica is killed (SIGKILL) and the run trains on; the teacher, with the same
cookie, rejoins it through the second. Skipped where ray or Chromium is missing.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from browser import browser, chromium_available, free_port, poll, serve

ok, why = chromium_available()
pytestmark = [pytest.mark.skipif(not ok, reason=why),
              pytest.mark.skipif(shutil.which("ray") is None, reason="ray is optional: pip install -e .[ray]")]

FIRST_RUN_S = 180   # Start -> training: the head places the actor, a worker imports torch and builds the run
CHANGE_S = 60
CHART_POINTS = """(key) => Math.max(0, ...[...document.querySelectorAll('.st-key-' + key + ' .js-plotly-plot')]
    .map(el => (el._fullData && el._fullData[0] && el._fullData[0].x) ? el._fullData[0].x.length : 0))"""


# Ray's token authentication (on by default for local clusters since 2.59): the head and every replica share one token
TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}


@pytest.fixture(scope="module")
def head():
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="ray-head-", suffix=".log", delete=False)
    proc = subprocess.Popen(["ray", "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats"],
                            env={**os.environ, **TOKEN}, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        poll(lambda: _listening(port), 90, what="the Ray head's port")
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)   # --block: the head and its processes end with this one
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:   # it drains for up to 30 s: nothing here needs draining
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def visit(chromium, url):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    return context, page


def sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def step_of(page) -> int:
    """The run's step as the sidebar says it ("step 1,234")."""
    words = sidebar(page).replace(",", "").split()
    return max((int(w) for a, w in zip(words, words[1:]) if a.lower() == "step" and w.isdigit()), default=-1)


def test_a_run_trains_on_the_cluster_is_watched_through_another_replica_and_outlives_its_own(head):
    spaces = tempfile.mkdtemp(prefix="gan-studio-spaces-")
    env = {"GAN_STUDIO_RAY_ADDRESS": head, "GAN_STUDIO_SECRET": "a-secret-both-replicas-share",
           "GAN_STUDIO_SPACES": spaces, **TOKEN}
    with serve(env=env) as one, serve(env=env) as two, browser() as chromium:
        teacher_ctx, teacher = visit(chromium, one.url)
        teacher.get_by_role("heading", name="Train").wait_for()
        teacher.locator(".st-key-preset [role=combobox]").click()
        teacher.get_by_role("option", name="ring8", exact=True).click()
        teacher.locator(".st-key-cfg-ring8-epochs input").wait_for(state="attached")
        teacher.locator(".st-key-btn-Start button").click()
        poll(lambda: "Run: running" in sidebar(teacher), FIRST_RUN_S, what="the run to train on the cluster")
        teacher.get_by_text("Show this run to the class").click()
        link = poll(lambda: next((t for t in teacher.locator('[data-testid="stCode"]').all_inner_texts()
                                  if "watch=" in t), None), CHANGE_S, what="the watch link").strip()
        code = link.split("watch=")[1]

        student_ctx, student = visit(chromium, f"{two.url}/?watch={code}")   # the other replica
        student.get_by_text("Presenter view").wait_for()
        first = poll(lambda: student.evaluate(CHART_POINTS, "watch-curves"), CHANGE_S, what="the watched chart")
        poll(lambda: student.evaluate(CHART_POINTS, "watch-curves") > first, CHANGE_S,
             what="the watched chart to advance")

        os.killpg(one.proc.pid, signal.SIGKILL)   # the teacher's replica dies mid-run
        one.proc.wait(10)
        shown = student.evaluate(CHART_POINTS, "watch-curves")
        poll(lambda: student.evaluate(CHART_POINTS, "watch-curves") > shown, CHANGE_S,
             what="the run to train on with its replica gone")

        teacher.goto(two.url)                     # the same browser, so the same cookie: the owner rejoins
        poll(lambda: "Run: running" in sidebar(teacher), CHANGE_S, what="the owner to rejoin through the other")
        before = poll(lambda: (s := step_of(teacher)) > 0 and s, CHANGE_S, what="the rejoined run's step")
        time.sleep(3)
        poll(lambda: step_of(teacher) > before, CHANGE_S, what="the rejoined run to train on")
        teacher.locator(".st-key-btn-Pause button").click()   # and it is the owner's to control
        poll(lambda: "Run: paused" in sidebar(teacher), CHANGE_S, what="the owner's pause through the other replica")
        student_ctx.close()
        teacher_ctx.close()
    shutil.rmtree(spaces, ignore_errors=True)
