"""The training worker against a thread, in one process and one run of this bench (issue 24).

Measures, for runs in the worker (ganlib/run/worker.py) and runs on threads of this process, side by side:
1. the worker's start: a fresh interpreter, torch, and a tiny warm-up step, until it says it is ready (3 starts);
2. one fast-digits run's steps/s alone, in alternating windows (the worker should lose nothing: target >= 0.95);
3. command to snapshot: a Pause sent until the snapshot says paused, a Resume until it says running (ms);
4. this process's CPU while its worker's run trains: what the server spends on a run it only follows.

    python bench/worker.py [--window 12] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from cluster import side_by_side  # noqa: E402
from ganlib import preset  # noqa: E402
from ganlib.run.hosts import THREADS  # noqa: E402
from ganlib.run.on_worker import WorkerHost  # noqa: E402

TARGET_RATIO = 0.95


def starts(n: int = 3) -> list[float]:
    took = []
    for _ in range(n):
        host = WorkerHost()
        host.start()
        while host.started_s is None:
            time.sleep(0.05)
        took.append(host.started_s)
        host.shutdown(30)
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=12.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    started = starts()
    host = WorkerHost()
    cfg = preset("fast-digits").replace(epochs=5000)
    found = side_by_side({"thread": THREADS.runner(cfg), "worker": host.runner(cfg)}, "worker", args)
    speeds, app_cpu, lat = found["speeds"], found["app_cpu"], found["latency"]
    host.shutdown(30)

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds of {args.window:.0f} s")
    print(f"worker start (interpreter, torch, a warm-up step): {', '.join(f'{s:.1f}' for s in started)} s")
    thread, worker = statistics.median(speeds["thread"]), statistics.median(speeds["worker"])
    print(f"fast-digits alone: thread {thread:.1f} steps/s, worker {worker:.1f} "
          f"(rounds {', '.join(f'{v:.0f}' for v in speeds['worker'])})")
    print(f"worker / thread: {worker / thread:.2f}x (target >= {TARGET_RATIO}): "
          f"{'met' if worker / thread >= TARGET_RATIO else 'NOT met'}")
    for name, (pause, resume) in lat.items():
        print(f"{name}: Pause -> paused {statistics.median(pause):.0f} ms, Resume -> running "
              f"{statistics.median(resume):.0f} ms (medians of {len(pause)})")
    print(f"this process's CPU while its worker's run trains: {100 * statistics.mean(app_cpu):.1f}% of a core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
