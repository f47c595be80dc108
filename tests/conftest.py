"""Shared test setup: AppTest runs app.py on every rerun, as the server does; each test gets new sessions;
visitors' files go to a temporary folder.

Runs of a closed session stop at once in tests (no grace period), so a test
leaves no training thread behind to slow the next.
"""
import os
import sys
import threading

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from browser import Server

os.environ.setdefault("GAN_STUDIO_IDLE_MINUTES", "0")
# Runs made in a test's own process train on its threads, where a test can hold a build (held_build) or patch a
# Trainer; the server that browser tests start (browser.serve) trains in its worker process, as a server does.
os.environ.setdefault("GAN_STUDIO_WORKER", "0")
# the repo root, for tests that import the app's own parts (pages.parts): a test file run alone found none
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# Test tiers (pyproject.toml names the markers). A module's tier comes from its name; the rest are unit tests,
# and a test may name its own tier. Browser, system (subprocesses, servers, torchrun) and science (convergence)
# tests are also `slow`: `python -m pytest -q -m "not slow"` is the quick tier for daily work, and the README's
# `python -m pytest -q -n 2 --dist loadgroup` still runs everything, as CI does.
MODULE_TIERS = (("test_browser", "browser"), ("test_app_", "app"), ("test_shutdown", "system"),
                ("test_distributed", "system"), ("test_package", "system"), ("test_reap_memory", "system"),
                ("test_cuda", "system"), ("test_alarms", "science"), ("test_demos", "science"))
SLOW_TIERS = ("browser", "system", "science")
# The README's command runs the tests in two processes (pytest-xdist, `-n 2 --dist loadgroup`). Servers, browsers,
# clusters and the tests that time a wall clock run one after another in one of them, as they would alone: two
# Chromiums, two Ray heads, or a 0.1 s bound beside a training test on 2 cores would each slow or fail the other.
# The rest (unit, app, science) fills both processes; a module with a fixture made once per module (its runs, a
# CLI's output) goes to one process whole, or each process would make it again.
ALONE_TIERS = ("browser", "system")
ALONE_FILES = ("test_ray_host.py", "test_deploy_cluster.py", "test_docker.py", "test_first_paint.py",
               "test_data_online.py", "test_runs.py", "test_runner.py", "test_visitor.py", "test_keys.py",
               "test_cli.py", "test_worker_host.py")
_shared_fixtures: dict = {}


def _has_module_fixture(path) -> bool:
    if path not in _shared_fixtures:
        text = path.read_text()
        _shared_fixtures[path] = 'scope="module"' in text or 'scope="session"' in text
    return _shared_fixtures[path]


@pytest.hookimpl(tryfirst=True)   # before xdist's own, which reads the xdist_group marks given here
def pytest_collection_modifyitems(items):
    for item in items:
        tier = next((t for prefix, t in MODULE_TIERS if item.path.name.startswith(prefix)), None)
        tier = tier or next((t for t in ("app", *SLOW_TIERS) if item.get_closest_marker(t)), "unit")
        item.add_marker(getattr(pytest.mark, tier))
        if tier in SLOW_TIERS:
            item.add_marker(pytest.mark.slow)
        if tier in ALONE_TIERS or item.path.name in ALONE_FILES:
            item.add_marker(pytest.mark.xdist_group("alone"))
        elif _has_module_fixture(item.path):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that served the app gets the server's log in its report: a browser test that timed out on a
    missing button (CI, once) said nothing of the traceback or the frontend error that had blanked the page."""
    report = yield
    if report.failed and call.when == "call":
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, Server):
                text = value.log(200_000)
                start = text.find("Traceback")
                report.sections.append((f"the server's log ({name}), from its first traceback" if start >= 0
                                        else f"the server's log ({name}) ends", text[start:][:6000] if start >= 0
                                        else text[-4000:]))
    return report


@pytest.fixture(autouse=True)
def visitors_spaces(tmp_path_factory, monkeypatch):
    """Every test's visitors keep their own files (spaces.py) in a fresh temporary folder, never in ~/.cache."""
    root = tmp_path_factory.mktemp("visitors")
    monkeypatch.setenv("GAN_STUDIO_SPACES", str(root))
    return root


@pytest.fixture(autouse=True)
def navigation_v2(monkeypatch):
    """Run app.py on every rerun, as the server does.

    AppTest re-detects the pages/ folder before each run and then takes the
    legacy (MPA v1) path, which reruns the current page alone, without app.py;
    a server does that at most for a session's first run, before app.py's
    st.navigation switches it off."""
    init = PagesManager.__init__

    def v2_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", v2_init)


@pytest.fixture
def held_build(monkeypatch):
    """Runs stay LOADING (their thread inside Trainer.__init__) until the test sets the returned Event."""
    from ganlib.engine.trainer import Trainer
    gate, real_init = threading.Event(), Trainer.__init__

    def held_init(self, *a, **kw):
        gate.wait(60)
        real_init(self, *a, **kw)
    monkeypatch.setattr(Trainer, "__init__", held_init)
    yield gate
    gate.set()


@pytest.fixture(autouse=True)
def fresh_sessions():
    """Every AppTest shares one session id, so a session's cached Visitor would outlive its test: clearing
    the cache releases it (Visitor.close, which stops its runs) before and after each test."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def made():
    """The Visitors a test makes (tests/test_runs.py's visitors()): closed when it ends, so their runs stop."""
    visitors = []
    yield visitors
    for v in visitors:
        v.close()
    for v in visitors:
        if (r := v.runs.get(v.run_id)) is not None:
            r.join(60.0)
