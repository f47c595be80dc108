"""Runs on a Ray cluster against runs on threads, on this machine: a local head of 2 CPUs (issue 21).

Starts `ray start --head --block` (with a token of its own), then measures:
1. one fast-digits run's steps/s as a Ray actor against the same run on a thread of this process, each alone,
   in alternating windows (target: Ray / thread >= 0.9);
2. command to snapshot: a Pause sent until the snapshot says paused, and a Resume until it says running, for both
   hosts (milliseconds, median and 95th percentile);
3. this process's CPU while its Ray run trains: what an app replica spends on a run it only follows;
4. two app replicas (real `streamlit run` servers) on the cluster: a teacher's fast-digits run started through
   the first, and N watchers spread over both (real Streamlit sessions, bench/sessions.py): the run's steps/s
   against N = 0, and each replica's CPU.

    python bench/cluster.py [--window 15] [--rounds 2] [--watchers 0 10 30]
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from browser import browser_page, chromium_available, free_port, poll, serve  # noqa: E402
from sessions import Session, cpu_seconds  # noqa: E402

TARGET_RATIO = 0.9
TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}


def start_head() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["ray", "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats"],
                            env={**os.environ, **TOKEN}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    time.sleep(8)
    return proc, f"127.0.0.1:{port}"


def stop_head(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def rate(run, seconds: float) -> float:
    a, t0 = run.snapshot().step, time.perf_counter()
    time.sleep(seconds)
    return (run.snapshot().step - a) / (time.perf_counter() - t0)


def latency(run, n: int = 10) -> tuple[list[float], list[float]]:
    """Milliseconds from pause() to a paused snapshot, and from resume() to a running one, n times each."""
    from ganlib.run.state import Status
    took: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for out, send, status in ((took[0], run.pause, Status.PAUSED), (took[1], run.resume, Status.RUNNING)):
            t0 = time.perf_counter()
            send()
            run.wait(lambda s: s.status is status, 30)
            out.append(1000 * (time.perf_counter() - t0))
            time.sleep(0.3)
    return took


def in_process(args) -> dict:
    from ganlib import preset
    from ganlib.run.hosts import THREADS, host_for
    ray_host = host_for(os.environ["GAN_STUDIO_RAY_ADDRESS"])
    cfg = preset("fast-digits").replace(epochs=5000)
    return side_by_side({"thread": THREADS.runner(cfg), "ray": ray_host.runner(cfg)}, "ray", args)


def side_by_side(runs: dict, remote: str, args) -> dict:
    """Each run alone in turn, args.rounds windows of args.window s: their steps/s, this process's CPU while the
    run named `remote` trains elsewhere, and each one's command latency (bench/worker.py uses it too)."""
    from ganlib.run.state import Status
    for r in runs.values():
        r.wait(lambda s: s.status is Status.IDLE, 120)
    speeds: dict[str, list[float]] = {k: [] for k in runs}
    app_cpu = []
    for _ in range(args.rounds):
        for name, r in runs.items():
            r.start()
            r.wait(lambda s: s.status is Status.RUNNING and s.step > 50, 60)
            time.sleep(2)
            c0, w0 = time.process_time(), time.perf_counter()
            speeds[name].append(rate(r, args.window))
            if name == remote:
                app_cpu.append((time.process_time() - c0) / (time.perf_counter() - w0))
            r.pause()
            r.wait(lambda s: s.status is Status.PAUSED, 30)
    lat = {}
    for name, r in runs.items():
        r.start()
        r.wait(lambda s: s.status is Status.RUNNING, 30)
        lat[name] = latency(r)
        r.close()
    return {"speeds": speeds, "app_cpu": app_cpu, "latency": lat}


def teacher_step(page) -> int:
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    return int(re.search(r"step ([\d,]+)", text).group(1).replace(",", ""))


def replicas(args, address: str) -> list[dict]:
    env = {"GAN_STUDIO_RAY_ADDRESS": address, "GAN_STUDIO_SECRET": secrets.token_hex(16),
           "GAN_STUDIO_IDLE_MINUTES": "5", **TOKEN}
    rows = []
    with serve(env=env) as one, serve(env=env) as two, browser_page() as page:
        page.goto(one.url + "/?preset=fast-digits&epochs=5000")
        page.locator(".st-key-btn-Start button:not([disabled])").wait_for(timeout=120_000)
        page.locator(".st-key-btn-Start button").click()
        poll(lambda: "Run: running" in page.locator('[data-testid="stSidebar"]').inner_text(), 180,
             what="the teacher's run to train")
        page.get_by_text("Show this run to the class").click()
        url = poll(lambda: next((t for t in page.locator('[data-testid="stCode"]').all_inner_texts()
                                 if "watch=" in t), None), 60, what="the watch link")
        code = url.strip().rsplit("watch=", 1)[1]
        time.sleep(5)
        for n in args.watchers:
            stop = threading.Event()
            watchers = [Session((one, two)[i % 2].url, f"watch={code}", stop) for i in range(n)]
            for w in watchers:
                w.start()
            time.sleep(3.0 if n else 1.0)
            ran0 = sum(w.ran for w in watchers)
            s0, c0, t0 = teacher_step(page), [cpu_seconds(x.proc.pid) for x in (one, two)], time.perf_counter()
            time.sleep(args.window)
            s1, c1, t1 = teacher_step(page), [cpu_seconds(x.proc.pid) for x in (one, two)], time.perf_counter()
            stop.set()
            for w in watchers:
                w.join(10)
            rows.append({"n": n, "steps_per_s": (s1 - s0) / (t1 - t0), "refreshes": sum(w.ran for w in watchers) - ran0,
                         "cpu": [(b - a) / (t1 - t0) for a, b in zip(c0, c1)],
                         "errors": sum(w.error is not None for w in watchers)})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=15.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--watchers", type=int, nargs="+", default=[0, 10, 30])
    args = ap.parse_args()
    head, address = start_head()
    os.environ.update(TOKEN, GAN_STUDIO_RAY_ADDRESS=address)
    try:
        a = in_process(args)
        ok, why = chromium_available()
        rows = replicas(args, address) if ok else []
    finally:
        stop_head(head)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; a local Ray head of 2 CPUs; "
          f"{args.window:.0f} s windows, {args.rounds} rounds")
    thread, ray_ = statistics.median(a["speeds"]["thread"]), statistics.median(a["speeds"]["ray"])
    ratio = ray_ / thread
    print(f"1. fast-digits alone: thread {thread:.1f} steps/s, Ray actor {ray_:.1f}: {ratio:.2f}x "
          f"(target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'}); rounds "
          f"{[round(x, 1) for x in a['speeds']['thread']]} / {[round(x, 1) for x in a['speeds']['ray']]}")
    for name, (pause, resume) in a["latency"].items():
        q = lambda xs: f"median {statistics.median(xs):.0f} ms, 95th {sorted(xs)[int(0.95 * (len(xs) - 1))]:.0f} ms"  # noqa
        print(f"2. {name}: Pause -> paused snapshot {q(pause)}; Resume -> running {q(resume)}")
    print(f"3. this process while its Ray run trains: {100 * statistics.median(a['app_cpu']):.1f}% of a core")
    if not rows:
        print(f"4. skipped: {why}")
        return 0
    base = rows[0]["steps_per_s"]
    print("4. two replicas, a teacher's run through the first, N watchers spread over both:")
    print(f"{'N':>3}  {'steps/s':>8}  {'vs N=0':>6}  {'refreshes':>9}  {'replica CPU (cores)':>20}  errors")
    for r in rows:
        print(f"{r['n']:>3}  {r['steps_per_s']:>8.1f}  {r['steps_per_s'] / base:>6.2f}  {r['refreshes']:>9}  "
              f"{r['cpu'][0]:>9.2f} {r['cpu'][1]:>9.2f}  {r['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
