"""Take the README's three screenshots (docs/img/*.png) at 1280 x 720 in Debian's Chromium: the Train page with a
run training, the Theory lab on ring8, and the Class wall with three students.

    python docs/screenshots.py [--port 8537] [--host 192.0.2.2] [--only train theory class]

It starts `streamlit run app.py --server.headless true --server.address 0.0.0.0` on the port, opens it at the
machine's network address (as students would, so no page warns of a localhost link), and writes each picture
quantised to 256 colours, to keep it under ~200 KB. Never `playwright install`: Chromium comes from Debian.
"""
from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from browser import _stop, browser, poll, wait_healthy, Server   # noqa: E402  (tests/browser.py, the tests' own)

OUT = os.path.join(ROOT, "docs", "img")
STUDENTS = 3


def network_host() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))   # no packet is sent: this only picks the interface a route would use
        return s.getsockname()[0]


def save(page, name: str) -> None:
    from PIL import Image
    png = Image.open(io.BytesIO(page.screenshot()))
    path = os.path.join(OUT, name)
    png.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path}: {os.path.getsize(path) / 1024:.0f} KB")


def fold_sidebar(page) -> None:
    """More room for the page (and no page icons, which show as boxes where a machine has no emoji font)."""
    page.locator('[data-testid="stSidebar"]').hover()
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    time.sleep(1)


def scroll_to(page, selector: str, above: int = 0) -> None:
    """Scroll the page so that the first element matching `selector` starts `above` pixels below the top."""
    page.evaluate("([sel, above]) => { const e = document.querySelector(sel); e.scrollIntoView({block: 'start'});"
                  " const main = document.querySelector('[data-testid=stMain]'); if (main) main.scrollBy(0, -above); }",
                  [selector, above])
    time.sleep(2)


def context(chromium):
    c = chromium.new_context(viewport={"width": 1280, "height": 720})
    c.set_default_timeout(90_000)
    return c


def train(chromium, url: str) -> None:
    page = context(chromium).new_page()
    page.goto(url)
    page.locator(".st-key-btn-Start button").click()
    poll(lambda: "step" in page.locator('[data-testid="stSidebar"]').inner_text(), 90, what="the run to train")
    time.sleep(40)   # the samples turn from noise into digits
    page.locator(".st-key-presenter label").click()   # the projector's view: samples and losses on one screen
    time.sleep(3)
    fold_sidebar(page)
    time.sleep(3)
    save(page, "train.png")
    page.locator(".st-key-btn-Reset button").click()   # the training slot and the cores go to the next picture
    time.sleep(2)
    page.context.close()


def theory(chromium, url: str) -> None:
    page = context(chromium).new_page()
    page.goto(url + "/theory")
    page.locator(".st-key-th_start_ring8 button").click()
    time.sleep(35)
    page.locator(".st-key-th_pause button").click()   # a still picture: the lab's maps settle
    time.sleep(6)
    fold_sidebar(page)
    scroll_to(page, ".st-key-th_field", above=120)
    save(page, "theory.png")
    page.context.close()   # its paused run frees its slot when the tab has been gone a while; the class has its own


def classroom(chromium, url: str) -> None:
    teacher = context(chromium).new_page()
    teacher.goto(url + "/classroom")
    teacher.locator(".st-key-cls_preset [role=combobox]").click()
    teacher.get_by_role("option", name="class-ring8", exact=True).click()
    teacher.get_by_role("button", name="Open the class").click()
    link = poll(lambda: next((t.strip() for t in teacher.locator('[data-testid="stCode"]').all_inner_texts()
                              if "?class=" in t), None), 120, what="the class link")
    for i in range(STUDENTS):
        student = context(chromium).new_page()
        student.goto(link)
        student.locator(".st-key-cls-start button").wait_for()
        if i == 1:   # one student tries a faster G
            student.locator('[class*="st-key-cls_f_"][class*="_lr_g_"] input').fill("2e-3")
            student.get_by_role("button", name="Apply my changes").click()
            time.sleep(3)
        student.locator(".st-key-cls-start button").click()
    time.sleep(40)
    fold_sidebar(teacher)
    teacher.get_by_text("Class link", exact=True).click()   # folded: the wall comes up under the title
    time.sleep(3)
    save(teacher, "class.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8537)
    ap.add_argument("--host", default=None, help="the address the browser opens (default: this machine's network one)")
    ap.add_argument("--only", nargs="+", choices=("train", "theory", "class"), default=("train", "theory", "class"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gan-studio-shots-") as tmp:
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
               str(args.port), "--server.address", "0.0.0.0", "--browser.gatherUsageStats", "false"]
        env = {**os.environ, "GAN_STUDIO_SPACES": os.path.join(tmp, "visitors"), "PYTHONUNBUFFERED": "1"}
        log = open(os.path.join(tmp, "server.log"), "wb")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        url = f"http://{args.host or network_host()}:{args.port}"
        try:
            wait_healthy(Server(url, proc, "", log.name, time.perf_counter()))
            with browser() as chromium:
                for name in args.only:
                    {"train": train, "theory": theory, "class": classroom}[name](chromium, url)
        finally:
            _stop(proc)
            log.close()


if __name__ == "__main__":
    main()
