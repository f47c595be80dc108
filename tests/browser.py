"""Real-browser helpers (not a test file): run `streamlit run app.py` on a free port, and drive Debian's Chromium.

Used by tests/test_browser.py and bench/*.py:

    from browser import chromium_available, serve, browser_page
    with serve() as server, browser_page() as page:
        page.goto(server.url)

The server keeps its shared checkpoints in a temporary folder (a copy of the shipped
checkpoints/*.pt plus any files passed in), and its visitors' own folders beside
it, so nothing is written into the repo or the home folder.
Server and browser are always shut down, whatever happens in the block.
Never `playwright install` here: it downloads; Chromium comes from Debian.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = os.environ.get("GAN_STUDIO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
HEALTH_TIMEOUT_S = 60.0


def chromium_available() -> tuple[bool, str]:
    """(True, "") when playwright and a Chromium binary are here, else (False, why) for pytest.skip."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False, "the Python package playwright is not installed (pip install playwright; no `playwright install`)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return False, f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GAN_STUDIO_CHROMIUM)"
    return True, ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    checkpoint_dir: str
    log_path: str
    launched_at: float                      # time.perf_counter() just before Popen
    healthy_at: float = 0.0                 # ... when /_stcore/health first answered "ok"
    extra: dict = field(default_factory=dict)

    @property
    def health_s(self) -> float:
        return self.healthy_at - self.launched_at

    def log(self, tail: int = 4000) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-tail:]
        except OSError:
            return ""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:  # the server runs in its own process group: end it and any child it made, by that group's id only
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve(checkpoints=(), env: dict | None = None, timeout: float = HEALTH_TIMEOUT_S, wait: bool = True,
          root: str = ROOT):
    """Start `streamlit run app.py` from the repo root; yield a Server once /_stcore/health says ok.

    checkpoints: extra .pt files to copy into the server's (temporary) checkpoint folder.
    wait=False yields right after launch (server.healthy_at stays 0; call wait_healthy yourself).
    root: the folder with the app.py to run (another app, e.g. a baseline for benchmarks).
    """
    with tempfile.TemporaryDirectory(prefix="gan-studio-browser-") as tmp:
        folder = os.path.join(tmp, "checkpoints")
        os.makedirs(folder)
        for path in [*sorted(glob.glob(os.path.join(root, "checkpoints", "*.pt"))), *checkpoints]:
            shutil.copy(path, folder)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
        log_path = os.path.join(tmp, "server.log")
        full_env = {**os.environ, "GAN_STUDIO_CHECKPOINTS": folder, "GAN_STUDIO_SPACES": os.path.join(tmp, "visitors"),
                    "PYTHONUNBUFFERED": "1", "GAN_STUDIO_WORKER": "1", **(env or {})}
        with open(log_path, "wb") as log:
            launched = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            server = Server(url, proc, folder, log_path, launched)
            try:
                if wait:
                    wait_healthy(server, timeout)
                yield server
            finally:
                _stop(proc)


def wait_healthy(server: Server, timeout: float = HEALTH_TIMEOUT_S) -> float:
    """Poll the health endpoint until it answers ok; returns seconds since launch."""
    deadline = server.launched_at + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.proc.returncode}:\n{server.log()}")
        if _healthy(server.url):
            server.healthy_at = time.perf_counter()
            return server.health_s
        if time.perf_counter() > deadline:
            raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s:\n{server.log()}")
        time.sleep(0.05)


@contextlib.contextmanager
def browser(headless: bool = True):
    """A Chromium browser from Debian's binary; closed (and playwright stopped) at the end."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000, timeout_ms: int = 30_000):
    """One page in a fresh browser, with generous default timeouts (the machine is slow)."""
    with browser() as b:
        context = b.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        try:
            yield page
        finally:
            context.close()


# --- small page helpers (the selectors lean on widget keys: Streamlit puts key "a.b" on its element as class st-key-a-b)

def poll(fn, timeout: float, interval: float = 0.25, what: str = "condition", show=None):
    """Call fn() until it returns something truthy; return it, or raise TimeoutError naming `what`, with what
    show() says (the page's text, the server's log: CI's output is all a failure there leaves)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:  # the DOM is redrawn under us: a missing element is just 'not yet'
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001
            last = e
        if time.monotonic() > deadline:
            seen = ""
            if show is not None:
                try:
                    seen = "\n" + show()
                except Exception as e:  # noqa: BLE001
                    seen = f"\n(show failed: {e!r})"
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}){seen}")
        time.sleep(interval)


_ERRORS: dict[int, list[str]] = {}   # id(page) -> the script errors it showed, for pages given to record_errors
NOISE = ("metrics config", "ERR_NAME_NOT_RESOLVED", "status of 404")   # the sandbox's: no internet, no favicon


def record_errors(page) -> None:
    """Keep the page's uncaught script errors and console errors: poll_or_reload's warning names them. A page that
    lost its app in CI left no word of why (Streamlit's "'setIn' cannot be called on an ElementNode" was seen in a
    class pass)."""
    seen = _ERRORS.setdefault(id(page), [])
    page.on("pageerror", lambda e: seen.append(str(e)[:300]))
    page.on("console", lambda m: seen.append(m.text[:300])
            if m.type == "error" and not any(n in m.text for n in NOISE) else None)


def poll_or_reload(page, fn, timeout: float, what: str, show=None, needs: str = '[data-testid="stMain"]',
                   after_reload=None):
    """poll(fn) on a page; if it timed out on a page that lost its app (no text at all, or no element `needs`: CI's
    Chromium showed such a page for a whole minute, once after the teacher's Stop, twice after its replica died),
    reload it, as its visitor would, warn, and poll again. What fn checks is the server's, which a reload does not
    change. after_reload: what the visitor does then (a run whose tab was gone a while is paused: they resume it)."""
    try:
        return poll(fn, timeout, what=what, show=show)
    except TimeoutError:
        try:
            lost = (not page.locator("body").inner_text(timeout=5_000).strip()
                    or page.locator(needs).count() == 0)
        except Exception:   # noqa: BLE001 - a page that cannot say is as good as lost
            lost = True
        if not lost:
            raise
    warnings.warn(f"a page had lost its app for {timeout:.0f} s while waiting for {what}: "
                  f"{page_text(page, 300)!r}; its script errors: {_ERRORS.get(id(page), [])[-5:]}; reloaded it")
    page.reload()
    if after_reload is not None:
        after_reload()
    return poll(fn, timeout, what=what + " (after a reload)", show=show)


def choose_option(page, key: str, option: str, timeout: float = 60) -> None:
    """Choose `option` in the selectbox of `key` (clicked open, then the option clicked); again when a rerun redrew
    the box under the click (a page's first paint is followed by another rerun: the list can close under it)."""
    def attempt():
        page.locator(f".st-key-{key} [role=combobox]").click(timeout=10_000)
        page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
        return True
    poll(attempt, timeout, interval=1.0, what=f"{option} chosen in {key}")


def shoot(page, name: str) -> None:
    """A screenshot of the page as `name`.png in $GAN_STUDIO_SHOTS, when it is set (to look at a layout a test
    measures)."""
    if folder := os.environ.get("GAN_STUDIO_SHOTS"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


def page_text(page, chars: int = 1500) -> str:
    """What a page shows, for a poll's show=: its address and the end of its text."""
    try:
        return f"{page.url[:200]}: " + page.locator("body").inner_text(timeout=5_000)[-chars:]
    except Exception as e:  # noqa: BLE001
        return f"{page.url[:200]}: no text ({e!r})"[:300]


def image_src(page, caption: str) -> str | None:
    """src of the st.image whose caption contains `caption` (the newest one, if Streamlit shows a stale copy)."""
    return page.evaluate("""(caption) => {
        const hits = [...document.querySelectorAll('[data-testid="stImage"]')]
            .filter(e => (e.querySelector('[data-testid="stImageCaption"]') || {}).innerText?.includes(caption));
        const img = hits.length ? hits[hits.length - 1].querySelector('img') : null;
        return img ? img.src : null;
    }""", caption)


def z_slider(page, dim: int | None = None):
    """The (visually hidden, keyboard-focusable) range input of the explorer's z[dim] slider (the first one: None),
    pinned to that one slider's key: a bare `.first` is looked up again at each use, and may meet another slider
    while the page redraws (a CI run read one slider's value and then another's)."""
    prefix = "st-key-ex_z" if dim is None else f"st-key-ex_z{dim}_"
    page.locator(f'[class*="{prefix}"] input[type="range"]').first.wait_for(state="attached")
    key = page.evaluate("""(prefix) => [...document.querySelector(`[class*="${prefix}"]`).classList]
        .find(c => c.startsWith(prefix))""", prefix)
    return page.locator(f'.{key} input[type="range"]').last


def errors_shown(page) -> list[str]:
    """Texts of exceptions Streamlit shows on the page (a crashed script run)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()
