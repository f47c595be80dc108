"""A class at once: steps/s of each run when N runs of a class preset train in one Ensemble vs one after another.

    python bench/class_step.py                        # class-ring8, N = 1 10 30 60
    python bench/class_step.py --ns 30 --seconds 5    # longer windows: steadier on a busy machine
    python bench/class_step.py --ns 30 --set d_width=32   # the preset with changes

For each N, N runs (seeds 0..N-1) train two ways, in alternating windows of about --seconds each so that a
busy machine slows both alike: batched (engine/ensemble.py: one Ensemble.step for all N) and one after another
(a plain Trainer.step of each, as N Runners would take turns on the same cores). Each way's rate is the median
over --rounds windows, in the training worker's allocator settings (on_worker.ALLOCATOR). torch's threads are
the server's (ganlib.engine.device.set_threads(), GAN_STUDIO_THREADS), as every run in the app gets them. Target (issue 20): at N = 30, >= 50 steps/s each and >= 8x one after another.

Rates are per second of this process's CPU time, what a core of its own would give, and per second of wall time
(in brackets), which falls with the machine's load: at a load average of 22 on 2 cores the wall rates were 1/8 to
1/3 of the CPU rates (measured). A busy machine slows the batched step more than the plain one: its (N, batch,
width) tensors are megabytes that its neighbours push out of the shared cache, where a lone run's fit in its
core's own.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib import Trainer, preset  # noqa: E402
from ganlib.engine.config import coerce  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402
from ganlib.engine.ensemble import Ensemble  # noqa: E402
from ganlib.run.on_worker import ALLOCATOR  # noqa: E402

TARGET_N, TARGET_RATE, TARGET_RATIO = 30, 50.0, 8.0


def rate(step_all, seconds: float) -> tuple[float, float]:
    """Steps/s of each run, per CPU second and per wall second: rounds of step_all() (one step of every run)
    for about `seconds` of wall time."""
    done, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        step_all()
        done += 1
        wall = time.perf_counter() - t0
        if wall >= seconds:
            return done / (time.process_time() - c0), done / wall


def measure(cfg, n: int, seconds: float, rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(batched, one after another): the median steps/s of each of n runs, per CPU second and per wall second."""
    cfgs = [cfg.replace(seed=s) for s in range(n)]
    ens, keys = Ensemble(), [str(s) for s in range(n)]
    for key, cfg in zip(keys, cfgs):
        ens.add(key, Trainer(cfg))
    alone = [Trainer(cfg) for cfg in cfgs]

    def batched():
        ens.step(keys)

    def one_by_one():
        for t in alone:
            t.step()

    batched(), one_by_one()   # warm up, outside the timing
    fast, slow = [], []
    for _ in range(rounds):
        fast.append(rate(batched, seconds))
        slow.append(rate(one_by_one, seconds))
    median = lambda rates: tuple(statistics.median(r) for r in zip(*rates))  # noqa: E731
    return median(fast), median(slow)


def main() -> None:
    if not ALLOCATOR.keys() <= os.environ.keys():
        # glibc reads these once, as the process starts: run again with them, as the training worker runs a class
        # (the batched step at N = 30 took 170 against 131 steps/s with and without them, measured side by side)
        os.execve(sys.executable, [sys.executable, *sys.argv], {**ALLOCATOR, **os.environ})
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="class-ring8")
    ap.add_argument("--ns", type=int, nargs="+", default=[1, 10, 30, 60])
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each timing window (default 2)")
    ap.add_argument("--rounds", type=int, default=3, help="windows of each way per N (default 3)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a change to the preset")
    args = ap.parse_args()
    threads = set_threads()
    changes = dict(kv.split("=", 1) for kv in args.set)
    cfg = preset(args.preset).replace(**{k: coerce(k, v) for k, v in changes.items()})
    print(f"{args.preset}{' ' + str(changes) if changes else ''}: G {cfg.g_width} / D {cfg.d_width} wide, "
          f"batch {cfg.batch_size}, {cfg.loss}; "
          f"{threads} torch thread{'s' * (threads > 1)} (GAN_STUDIO_THREADS), {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print(f"  {'N':>3}  {'batched':>24}  {'one after another':>24}  {'ratio':>6}   (steps/s per CPU second [wall])")
    verdict = "not measured (N = 30 not asked for)"
    for n in args.ns:
        (fast, fast_wall), (slow, slow_wall) = measure(cfg, n, args.seconds, args.rounds)
        line = (f"  {n:>3}  {fast:>7.1f} [{fast_wall:>5.1f}] steps/s  {slow:>7.1f} [{slow_wall:>5.1f}] steps/s  "
                f"{fast / slow:>5.1f}x")
        if n == TARGET_N:
            met = fast >= TARGET_RATE and fast / slow >= TARGET_RATIO
            verdict = "met" if met else "NOT met"
            line += f"   target >= {TARGET_RATE:g} steps/s each and >= {TARGET_RATIO:g}x: {verdict}"
        print(line, flush=True)
    print(f"steps/s are each run's (all N advance together); target at N = {TARGET_N}: {verdict}; "
          f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
