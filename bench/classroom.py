"""A class on one server: one teacher's run, watched by N students. Does watching slow the run down?

Starts a real `streamlit run app.py`. The teacher is a Chromium tab that
starts the default preset (fast-digits) and shares its watch link. The
students are real Streamlit sessions: websocket clients that speak Streamlit's
protocol as a browser does (a first run of the app with ?watch=CODE, then the
watch page's fragment rerun at the interval the server asks for), without a
browser's own rendering cost on these 2 cores.

For N = 0, 5, 10, 30 watchers it measures, over the same window each (and with
--rounds R, R times in turn, keeping each N's median, so that other work on the
machine weighs on every N alike):
- the run's steps/s, as a ratio to N = 0 (target: >= 0.8 at N = 10);
- the server's CPU time per watcher refresh: (server CPU with N watchers - with
  none) / refreshes served.

    python bench/classroom.py [--window 20] [--watchers 0 5 10 30] [--rounds 1]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from browser import browser_page, chromium_available, poll, serve  # noqa: E402
from sessions import Session, cpu_seconds  # noqa: E402

TARGET_AT_10 = 0.8


def teacher_step(page) -> int:
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    return int(re.search(r"step ([\d,]+)", text).group(1).replace(",", ""))


def measure(page, server, code: str, n: int, window: float) -> dict:
    stop = threading.Event()
    watchers = [Session(server.url, f"watch={code}", stop) for _ in range(n)]
    for w in watchers:
        w.start()
    time.sleep(3.0 if n else 1.0)   # let every session run the page once before the clock starts
    refreshed0 = sum(w.ran for w in watchers)
    step0, cpu0, t0 = teacher_step(page), cpu_seconds(server.proc.pid), time.perf_counter()
    time.sleep(window)
    step1, cpu1, t1 = teacher_step(page), cpu_seconds(server.proc.pid), time.perf_counter()
    refreshes = sum(w.ran for w in watchers) - refreshed0
    stop.set()
    for w in watchers:
        w.join(10)
    return {"n": n, "steps_per_s": (step1 - step0) / (t1 - t0), "cpu_s": cpu1 - cpu0, "refreshes": refreshes}


def median_row(rows: list[dict]) -> dict:
    """The row of the round whose steps/s is the median for this N (its own CPU and refreshes with it)."""
    return sorted(rows, key=lambda r: r["steps_per_s"])[len(rows) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=20.0, help="seconds measured for each N")
    ap.add_argument("--watchers", type=int, nargs="+", default=[0, 5, 10, 30])
    ap.add_argument("--rounds", type=int, default=1, help="measure every N this many times, in turn; keep medians")
    args = ap.parse_args()
    ok, why = chromium_available()
    if not ok:
        print(f"skipped: {why}")
        return 0
    with serve(env={"GAN_STUDIO_IDLE_MINUTES": "5"}) as server, browser_page() as page:
        # a lesson link with a long epoch budget: at ~120 steps/s fast-digits' 200 epochs end within the bench
        page.goto(server.url + "/?preset=fast-digits&epochs=5000")
        page.locator(".st-key-btn-Start button:not([disabled])").wait_for(timeout=120_000)
        page.locator(".st-key-btn-Start button").click()
        poll(lambda: "Run: running" in page.locator('[data-testid="stSidebar"]').inner_text(), 120,
             what="the teacher's run to train")
        page.get_by_text("Show this run to the class").click()
        url = poll(lambda: next((t for t in page.locator('[data-testid="stCode"]').all_inner_texts()
                                 if "watch=" in t), None), 60, what="the watch link")
        code = url.strip().rsplit("watch=", 1)[1]
        time.sleep(5)   # past the first steps' warm-up
        rounds = [[measure(page, server, code, n, args.window) for n in args.watchers] for _ in range(args.rounds)]
    rows = [median_row([r[i] for r in rounds]) for i in range(len(args.watchers))]
    base = next(r for r in rows if r["n"] == 0) if any(r["n"] == 0 for r in rows) else rows[0]
    print(f"one fast-digits run, N watchers, {args.window:.0f} s each, median of {args.rounds} round(s), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'N':>3}  {'steps/s':>8}  {'vs N=0':>6}  {'refreshes':>9}  {'server CPU s':>12}  {'ms CPU / refresh':>16}")
    for r in rows:
        ratio = r["steps_per_s"] / base["steps_per_s"]
        per = 1000 * (r["cpu_s"] - base["cpu_s"]) / r["refreshes"] if r["refreshes"] else float("nan")
        print(f"{r['n']:>3}  {r['steps_per_s']:>8.1f}  {ratio:>6.2f}  {r['refreshes']:>9}  {r['cpu_s']:>12.1f}  "
              f"{per:>16.1f}")
    at10 = next((r for r in rows if r["n"] == 10), None)
    if at10:
        ratio = at10["steps_per_s"] / base["steps_per_s"]
        print(f"N = 10: {ratio:.2f}x of the run's solo speed (target >= {TARGET_AT_10}): "
              f"{'met' if ratio >= TARGET_AT_10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
