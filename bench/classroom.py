"""A class on one server: one teacher's run, watched by N students. Does watching slow the run down?

Starts a real `streamlit run app.py`. The teacher is a Chromium tab that
starts the default preset (fast-digits) and shares its watch link. The
students are real Streamlit sessions: websocket clients that speak Streamlit's
protocol as a browser does (a first run of the app with ?watch=CODE, then the
watch page's fragment rerun at the interval the server asks for), without a
browser's own rendering cost on these 2 cores.

It does so on each host of runs in turn (ganlib/run/hosts.py), before and after
in one run: `thread` (GAN_STUDIO_WORKER=0: the run a thread of the server, as
before issue 24) and `worker` (the default: the run in the training worker
process beside the server).

For N = 0, 5, 10, 30 watchers it measures, over the same window each (and with
--rounds R, R times in turn, keeping each N's median, so that other work on the
machine weighs on every N alike):
- the run's steps/s, as a ratio to N = 0 (target: >= 0.9 at N = 10 and 30 on
  the worker);
- the server's CPU time per watcher refresh: (server CPU with N watchers - with
  none) / refreshes served;
- the memory of the server and of its worker with 10 watchers (target: the
  worker host's total within 1.3x of the thread host's one process).

    python bench/classroom.py [--window 20] [--watchers 0 5 10 30] [--rounds 1] [--hosts thread worker]
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

from browser import browser_page, poll, serve  # noqa: E402
from sessions import HOSTS, Session, cpu_seconds, hosts_argument, without_chromium  # noqa: E402

TARGET = 0.9          # the worker host's steps/s with 10 and with 30 watchers, as a share of its solo speed
MEMORY_TARGET = 1.3   # the worker host's memory (server + worker) against the thread host's one process


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
    return {"n": n, "steps_per_s": (step1 - step0) / (t1 - t0), "cpu_s": cpu1 - cpu0, "refreshes": refreshes,
            "pss_mb": memory(server.proc.pid), "torch": has_torch(server.proc.pid)}


def has_torch(pid: int) -> bool:
    """Whether the process has loaded torch (its library is mapped): a server whose runs train in its worker
    should not, with only the Train and watch pages open (classroom/warm.py)."""
    with open(f"/proc/{pid}/maps") as f:
        return "libtorch" in f.read()


def memory(pid: int) -> tuple[float, float]:
    """(the server's proportional set size in MB, its training worker's: 0 when it has none). PSS, not RSS: the two
    processes map the same torch libraries, whose pages RSS would count twice (import torch: 526 MB resident,
    290 MB of it its own)."""
    worker = 0.0
    for child in os.listdir("/proc"):
        try:
            with open(f"/proc/{child}/stat") as f:
                if child.isdigit() and int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    worker += pss_mb(int(child))
        except (OSError, ValueError):
            continue
    return pss_mb(pid), worker


def pss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Pss:")) / 1024


def median_row(rows: list[dict]) -> dict:
    """The row of the round whose steps/s is the median for this N (its own CPU and refreshes with it)."""
    return sorted(rows, key=lambda r: r["steps_per_s"])[len(rows) // 2]


def bench_host(host: str, args) -> list[dict]:
    """The rows (one per N: medians of the rounds) of one host of runs."""
    with serve(env={"GAN_STUDIO_IDLE_MINUTES": "5", "GAN_STUDIO_WORKER": HOSTS[host]}) as server, \
            browser_page() as page:
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
    return [median_row([r[i] for r in rounds]) for i in range(len(args.watchers))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=20.0, help="seconds measured for each N")
    ap.add_argument("--watchers", type=int, nargs="+", default=[0, 5, 10, 30])
    ap.add_argument("--rounds", type=int, default=1, help="measure every N this many times, in turn; keep medians")
    hosts_argument(ap)
    args = ap.parse_args()
    if without_chromium():
        return 0
    results = {host: bench_host(host, args) for host in args.hosts}
    print(f"one fast-digits run, N watchers, {args.window:.0f} s each, median of {args.rounds} round(s), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    totals = {}
    for host, rows in results.items():
        base = next((r for r in rows if r["n"] == 0), rows[0])
        print(f"\n{host}: {'N':>3}  {'steps/s':>8}  {'vs N=0':>6}  {'refreshes':>9}  {'server CPU s':>12}  "
              f"{'ms CPU / refresh':>16}  {'server PSS MB':>13}  {'worker PSS MB':>13}  server has torch")
        for r in rows:
            ratio = r["steps_per_s"] / base["steps_per_s"]
            per = 1000 * (r["cpu_s"] - base["cpu_s"]) / r["refreshes"] if r["refreshes"] else float("nan")
            print(f"{'':>{len(host)}}  {r['n']:>3}  {r['steps_per_s']:>8.1f}  {ratio:>6.2f}  {r['refreshes']:>9}  "
                  f"{r['cpu_s']:>12.1f}  {per:>16.1f}  {r['pss_mb'][0]:>13.0f}  {r['pss_mb'][1]:>13.0f}  "
                  f"{'yes' if r['torch'] else 'no'}")
            if r["n"] == 10:
                totals[host] = sum(r["pss_mb"])
        for n in (10, 30):
            r = next((r for r in rows if r["n"] == n), None)
            if r and host == "worker":
                ratio = r["steps_per_s"] / base["steps_per_s"]
                print(f"{host}, N = {n}: {ratio:.2f}x of the run's solo speed (target >= {TARGET}): "
                      f"{'met' if ratio >= TARGET else 'NOT met'}")
    if len(totals) == 2:
        ratio = totals["worker"] / totals["thread"]
        print(f"memory with 10 watchers: worker host {totals['worker']:.0f} MB (server + worker) against the thread "
              f"host's {totals['thread']:.0f} MB: {ratio:.2f}x (target <= {MEMORY_TARGET}): "
              f"{'met' if ratio <= MEMORY_TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
