"""Runner vs a bare training loop: steps/s side by side in one process (target: ratio >= 0.95).

The runner adds what the app needs: a background thread, loss history, sample
grids every `sample_every` steps, snapshots 4 times a second, the NaN check and
the last-good copies, and quality metrics every `eval_every` steps. Rounds
alternate bare / runner so that a busy neighbour hurts both alike.

    python bench/runner_overhead.py [--seconds 10] [--rounds 3] [--presets fast-digits,seed-mlp,ring8]

Each measurement runs about --seconds (the step count is set from a first bare
run), long enough that starting and stopping the thread do not count.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ganlib  # noqa: E402
from ganlib import Status  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402
from ganlib.metrics import DEFAULT_EVERY, evaluator_for  # noqa: E402


def bare(cfg, steps: int) -> float:
    """Steps/s of Trainer.step() in a plain loop, in a thread like the runner's."""
    out = {}

    def loop():
        set_threads(cfg.threads)
        t = ganlib.Trainer(cfg)
        t.step()  # warm-up, as the runner's first snapshot is
        t0 = time.perf_counter()
        for _ in range(steps):
            t.step()
        out["rate"] = steps / (time.perf_counter() - t0)
    th = threading.Thread(target=loop)
    th.start()
    th.join()
    return out["rate"]


def runner(cfg, steps: int) -> float:
    r = ganlib.Runner(cfg, evaluator=evaluator_for(cfg))
    r.step()
    r.wait(lambda s: s.step >= 1 and s.status is Status.PAUSED, timeout=120)
    t0 = time.perf_counter()
    r.resume()
    # wait() wakes at the snapshot (4 a second) that first reaches the count
    snap = r.wait(lambda s: s.step >= steps + 1 or s.problem is not None, timeout=600)
    rate = (snap.step - 1) / (time.perf_counter() - t0)
    r.close()
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presets", default="fast-digits,seed-mlp,ring8")
    a = ap.parse_args()
    print(f"{'preset':<12} {'bare steps/s':>13} {'runner steps/s':>15} {'ratio':>6}")
    for name in a.presets.split(","):
        cfg = ganlib.preset(name).replace(epochs=100000, eval_every=DEFAULT_EVERY)
        steps = max(50, int(a.seconds * bare(cfg, 30)))
        b, r = [], []
        for _ in range(a.rounds):
            b.append(bare(cfg, steps))
            r.append(runner(cfg, steps))
        mb, mr = statistics.median(b), statistics.median(r)
        print(f"{name:<12} {mb:13.1f} {mr:15.1f} {mr / mb:6.3f}", flush=True)


if __name__ == "__main__":
    main()
