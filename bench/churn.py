"""Memory churn: does the server give back what a run took? Start/Stop/Reset on the Train page, over and over.

Starts a real `streamlit run app.py` (headless, on a free 127.0.0.1 port, via
tests/browser.py), opens it in Debian's Chromium, and presses Start, Stop and
Reset on the Train page N times (default 200), each press waited out in the
page (Start: the sidebar says "Run: running"; Stop: "Run: stopped"; Reset:
"No run yet"). Every --every cycles (default 50) it prints the resident memory
of the server process (VmRSS from /proc/PID/status, plus any children), and at
the end the growth after the first --every cycles.

Target: flat within 150 MB after the first 50 cycles (the first ones pay for
torch, the data and the allocator's high-water mark; a Reset must give back
what a run took). Exits 1 if the target is missed or the page showed an
exception. Server and browser are always shut down at the end.

    python bench/churn.py [--cycles 200] [--every 50] [--preset fast-digits] [--target-mb 150] [--root DIR]

A cycle takes ~1 s on 2 idle cores (a run is stopped as soon as it shows as
running), so the default 200 cycles take ~4 minutes.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from browser import browser_page, chromium_available, errors_shown, poll, serve  # noqa: E402

PRESS_S = 60.0   # one press taking effect; the first Start imports torch and loads the data


def rss_kb(pid: int) -> int:
    """VmRSS of pid and all its descendants, in kB (from /proc)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def press(page, label: str, done, what: str) -> None:
    """Click the button once the page shows exactly one of it, enabled (a redraw can briefly show a stale
    copy beside the new one), then wait until the sidebar says the press took effect."""
    button = page.locator(f".st-key-btn-{label} button")

    def click():
        if button.count() == 1 and button.is_enabled():
            button.click(timeout=5_000)
            return True
        return False

    poll(click, PRESS_S, interval=0.05, what=f"one enabled {label} button to click")
    poll(lambda: done(sidebar(page)), PRESS_S, interval=0.05, what=what)


def cycle(page) -> None:
    press(page, "Start", lambda t: "Run: running" in t, "the sidebar to say running")
    press(page, "Stop", lambda t: "Run: stopped" in t, "the sidebar to say stopped")
    press(page, "Reset", lambda t: "No run yet" in t, "the sidebar to say no run")


def choose_preset(page, name: str) -> None:
    page.locator(".st-key-preset [role=combobox]").click()
    page.get_by_role("option", name=name, exact=True).click()
    poll(lambda: page.locator(f'[class*="st-key-cfg-{name}-"]').count() > 0, 30, what=f"the {name} form")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--preset", default="", help="a preset to pick first (default: the page's default)")
    ap.add_argument("--target-mb", type=float, default=150.0)
    ap.add_argument("--root", default=ROOT, help="folder with the app.py to serve (e.g. an export of another commit)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # killed: still shut the server and browser down
    ok, why = chromium_available()
    if not ok:
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    marks: list[tuple[int, float, float]] = []   # (cycles, MB, seconds since the first mark)
    with serve(root=args.root) as server, browser_page() as page:
        pid = server.proc.pid
        page.goto(server.url)
        page.get_by_role("heading", name="Train").wait_for(timeout=60_000)
        if args.preset:
            choose_preset(page, args.preset)
        print(f"server pid {pid} at {server.url}; {args.cycles} Start/Stop/Reset cycles", flush=True)
        t0 = last = time.perf_counter()
        marks.append((0, rss_kb(pid) / 1024, 0.0))
        print(f"cycles {0:5d}  RSS {marks[-1][1]:8.1f} MB", flush=True)
        for i in range(1, args.cycles + 1):
            cycle(page)
            if i % args.every == 0 or i == args.cycles:
                now = time.perf_counter()
                marks.append((i, rss_kb(pid) / 1024, now - t0))
                n = i - marks[-2][0]
                print(f"cycles {i:5d}  RSS {marks[-1][1]:8.1f} MB  ({(now - last) / n:.2f} s a cycle)", flush=True)
                last = now
        errors = errors_shown(page)
    if errors:
        print("the page showed exceptions:", *errors, sep="\n", file=sys.stderr)
    base = next((m for m in marks if m[0] >= args.every), marks[-1])
    later = [m for m in marks if m[0] >= base[0]]
    growth, peak = marks[-1][1] - base[1], max(m[1] for m in later) - base[1]
    per = marks[-1][2] / max(1, marks[-1][0])
    print(f"growth after the first {base[0]} cycles: {growth:+.1f} MB at the end, {peak:+.1f} MB at most, over "
          f"{marks[-1][0] - base[0]} cycles (target: within {args.target_mb:.0f} MB); {per:.2f} s a cycle on average")
    return 0 if peak <= args.target_mb and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
