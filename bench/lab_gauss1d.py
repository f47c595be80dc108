"""gauss-1d in the Theory lab, in a browser, for 60 s: does the raw G reach JS <= 0.01 while the lab redraws (issue 23)?

A real `streamlit run app.py` and Chromium at 1280x720. For each seed: a new visitor opens the lesson link
`/?preset=gauss-1d&seed=S`, goes to the Theory lab, presses Start gauss-1d, and the lab's own numbers are read
60 s after the run first shows a step: its step count and "JS(p_data, p_g), raw G" (ganlib/lab/density.py's
push-forward, within 0.001 of the exact JS: tests/test_density.py). --hosts runs it on the training worker (the
default) and on threads of the server (GAN_STUDIO_WORKER=0), one after the other.

    python bench/lab_gauss1d.py [--seconds 60] [--seeds 0 1 2] [--hosts thread worker]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from browser import browser, poll, serve  # noqa: E402
from sessions import HOSTS, hosts_argument, without_chromium  # noqa: E402

TARGET = 0.01


def lab_numbers(page) -> tuple[int, float]:
    text = page.locator('[data-testid="stMain"]').inner_text()
    step = int(re.search(r"step ([\d,]+)", text).group(1).replace(",", ""))
    js = float(re.search(r"JS\(p_data, p_g\), raw G\s*([\d.]+) nats", text).group(1))
    return step, js


def one_seed(chromium, url: str, seed: int, seconds: float) -> tuple[int, float]:
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{url}/?preset=gauss-1d&seed={seed}")
        page.get_by_role("heading", name="Train").wait_for(timeout=120_000)
        page.get_by_role("link", name="Theory lab").click()
        page.locator(".st-key-th_start_gauss-1d button").click(timeout=60_000)
        poll(lambda: lab_numbers(page)[0] > 0, 120, interval=0.5, what="the lab's first step")
        time.sleep(seconds)
        return poll(lambda: lab_numbers(page), 30, what="the lab's numbers")
    finally:
        context.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    hosts_argument(ap)
    args = ap.parse_args()
    if without_chromium():
        return 0
    rows = []
    for host in args.hosts:
        # idle 0: a seed's run stops as its visitor's context closes, and never holds the training slot that the
        # next seed's run needs (one per 2 cores)
        with serve(env={"GAN_STUDIO_WORKER": HOSTS[host], "GAN_STUDIO_IDLE_MINUTES": "0"}) as server, \
                browser() as chromium:
            for seed in args.seeds:
                rows.append((host, seed, *one_seed(chromium, server.url, seed, args.seconds)))
    print(f"gauss-1d in the Theory lab, {args.seconds:.0f} s from its first step, Chromium at 1280x720, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'host':>7}  {'seed':>4}  {'steps':>6}  {'JS raw G':>8}")
    for host, seed, step, js in rows:
        print(f"{host:>7}  {seed:>4}  {step:>6,}  {js:>8.4f}  {'<= ' if js <= TARGET else '>  '}{TARGET}")
    for host in args.hosts:
        met = [js <= TARGET for h, _, _, js in rows if h == host]
        print(f"{host}: JS <= {TARGET} on {sum(met)} of {len(met)} seeds ({'met' if all(met) else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
