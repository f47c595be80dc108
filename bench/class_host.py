"""Where a class trains, without a server: a class of N runs, all started, on a thread of this process
(class_ticker.Class, GAN_STUDIO_WORKER=0's way) against in a training worker (class_in_worker.PipeClass, the
default), steps/s of each run (the median), in alternating windows so that a busy machine slows both alike.

    python bench/class_host.py [--runs 30] [--window 8] [--rounds 2]

What the worker's path costs by itself (its pipe, the snapshots' trip up and their growing back), apart from a
server's pages (bench/class.py measures those). Target: the worker keeps >= 0.95x of the thread's speed.
Measured (session 15, 2 cores, 30 runs, 8 s windows, two rounds): 130 / 132 steps/s each in the worker, 121 / 125 on
a thread: 1.06x.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib.classroom.class_in_worker import PipeClass  # noqa: E402
from ganlib.classroom.class_ticker import Class  # noqa: E402
from ganlib.classroom.class_view import ClassCommand as C  # noqa: E402
from ganlib.engine.presets import preset  # noqa: E402
from ganlib.run.on_worker import WorkerHost  # noqa: E402

TARGET = 0.95
WARM_S = 3.0   # after every run's Start: the ensemble built, the first steps taken


def rate(cls, ids: list[str], seconds: float) -> float:
    """The median steps/s of the class's runs over `seconds`, from their step counts."""
    a, t0 = cls.snapshot(), time.monotonic()
    time.sleep(seconds)
    b, t1 = cls.snapshot(), time.monotonic()
    return statistics.median((b.student(r).step - a.student(r).step) / (t1 - t0) for r in ids)


def one(where: str, host: WorkerHost, runs: int, seconds: float) -> float:
    base = preset("class-ring8").replace(epochs=100_000)
    cls = Class("THREAD", "class-ring8", base, ()) if where == "thread" else \
        PipeClass(host, "WORKER", "class-ring8", base, ())
    try:
        ids = [cls.join(f"key-{i}") for i in range(runs)]
        for r in ids:
            cls.send(r, C.START)
        time.sleep(WARM_S)
        return rate(cls, ids, seconds)
    finally:
        cls.close(30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--window", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    host, out = WorkerHost(), {"thread": [], "worker": []}
    try:
        for _ in range(args.rounds):
            for where in out:
                out[where].append(one(where, host, args.runs, args.window))
    finally:
        host.shutdown(30)
    for where, rates in out.items():
        print(f"{where}: {' / '.join(f'{r:.1f}' for r in rates)} steps/s each ({args.runs} runs of class-ring8, "
              f"{args.window:.0f} s windows)")
    ratio = statistics.median(out["worker"]) / statistics.median(out["thread"])
    print(f"worker / thread: {ratio:.2f} (target >= {TARGET}: {'met' if ratio >= TARGET else 'NOT met'}); "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
