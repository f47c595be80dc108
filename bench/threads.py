"""How many torch threads should the trainer use? Steps/s measured in the real app, with the server running.

For each setting, a fresh `streamlit run app.py` (GAN_STUDIO_THREADS=N) is
opened in Chromium by 1 or 2 browser sessions (a class where two people train
at once); each picks the preset and presses Start, and the step counter on the
Train page is read twice, WINDOW seconds apart. Settings alternate so that
drift on the machine hurts each alike. Prints steps/s per session and ratios.

    python bench/threads.py [--preset fast-digits] [--window 30] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from browser import browser, poll, serve  # noqa: E402

STEP = re.compile(r"step ([\d,]+)")


def open_session(b, url: str, preset: str):
    page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("heading", name="Train").wait_for()
    page.locator(".st-key-preset [role=combobox]").click()
    page.get_by_role("option", name=preset, exact=True).click()
    time.sleep(2)
    page.locator(".st-key-btn-Start button").click()
    return page


def step_of(page) -> int:
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    m = STEP.search(text)
    return int(m.group(1).replace(",", "")) if m else 0


def measure(threads: int, sessions: int, preset: str, window: float) -> list[float]:
    with serve(env={"GAN_STUDIO_THREADS": str(threads)}) as server, browser() as b:
        pages = [open_session(b, server.url, preset) for _ in range(sessions)]
        for p in pages:
            poll(lambda: step_of(p) > 20, 120, what="the run to get going")
        time.sleep(5)  # past start-up: torch's first steps and the first metrics are slower
        first = [(time.perf_counter(), step_of(p)) for p in pages]
        time.sleep(window)
        rates = [(step_of(p) - s0) / (time.perf_counter() - t0) for p, (t0, s0) in zip(pages, first)]
        return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="fast-digits")
    ap.add_argument("--window", type=float, default=30.0)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    print(f"preset {a.preset}; steps/s of each session, {a.window:.0f} s window, {os.cpu_count()} cores")
    for sessions in (1, 2):
        got = {1: [], 2: []}
        for _ in range(a.rounds):
            for threads in (1, 2):
                rates = measure(threads, sessions, a.preset, a.window)
                got[threads].append(statistics.mean(rates))
                print(f"  sessions {sessions}  threads {threads}: " + ", ".join(f"{r:.1f}" for r in rates), flush=True)
        one, two = statistics.median(got[1]), statistics.median(got[2])
        print(f"{sessions} session(s): 1 thread {one:.1f} steps/s, 2 threads {two:.1f} steps/s, "
              f"ratio 2/1 = {two / one:.2f}", flush=True)


if __name__ == "__main__":
    main()
