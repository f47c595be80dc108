"""How much do live metrics slow training? Steps/s with and without the evaluator, side by side.

    python bench/metric_overhead.py                      # fast-digits and seed-mlp, at their eval_every
    python bench/metric_overhead.py --presets ring8 gauss-1d --rounds 3

Two identical trainers (same preset, same seed) train in the same process on
one thread; the evaluator (ganlib.metrics.evaluator_for) measures one of them
every `--every` steps, as the Runner does with TrainConfig.eval_every. The two
take turns step by step (A B, B A, ...), and each one's own steps are timed, so
that a slow spell of a shared machine hits both alike. The evaluator does not touch the
trainers' random streams, so both do exactly the same training work. Prints
steps/s for each, their ratio (the target is >= 0.95), the cost of one
measurement, and the ratio that cost implies (less noisy than the timed one on
a busy machine). The first measurement in a process also classifies the 5,000
real digits once; it is timed separately ("warm-up"), as it is paid once per
process, not every N steps.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib import Trainer, preset  # noqa: E402
from ganlib.metrics import DEFAULT_EVERY, evaluator_for  # noqa: E402


def bench(name: str, every: int | None, rounds: int) -> dict:
    cfg = preset(name).replace(epochs=100000)
    every = every or cfg.eval_every or DEFAULT_EVERY  # the cadence the app uses for this preset
    plain, measured = Trainer(cfg), Trainer(cfg)
    ev = evaluator_for(measured)
    for _ in range(10):  # warm up the kernels and the allocator
        plain.step()
        measured.step()
    t0 = time.perf_counter()
    first = ev(measured)
    warm = time.perf_counter() - t0
    if not first:
        print(f"{name}: no metrics for dataset {cfg.dataset!r}; nothing to measure")
        return {}
    clock = time.perf_counter
    time_plain = time_measured = 0.0
    evals, ratios = [], []
    for r in range(rounds):
        round_plain = round_measured = 0.0
        for i in range(every):
            # one step of each, in turn (order alternating), so a busy spell hits both alike
            pair = (plain, measured) if i % 2 == 0 else (measured, plain)
            for t in pair:
                t0 = clock()
                t.step()
                dt = clock() - t0
                if t is plain:
                    round_plain += dt
                else:
                    round_measured += dt
        t0 = clock()
        ev(measured)
        evals.append(clock() - t0)
        round_measured += evals[-1]
        time_plain += round_plain
        time_measured += round_measured
        ratios.append(round_plain / round_measured)
        print(f"  {name} round {r + 1}: {every / round_plain:7.1f} steps/s without, "
              f"{every / round_measured:7.1f} with  (ratio {ratios[-1]:.3f}, one measurement "
              f"{1000 * evals[-1]:.0f} ms)", flush=True)
    steps = every * rounds
    eval_s = statistics.median(evals)
    step_s = time_plain / steps
    out = {"preset": name, "every": every, "steps_per_s_without": steps / time_plain,
           "steps_per_s_with": steps / time_measured, "ratio": time_plain / time_measured,
           "eval_ms": 1000 * eval_s, "warmup_ms": 1000 * warm, "implied_ratio": 1 / (1 + eval_s / (every * step_s))}
    print(f"{name}: {out['steps_per_s_without']:.1f} steps/s without, {out['steps_per_s_with']:.1f} with, "
          f"ratio {out['ratio']:.3f} (target >= 0.95); one measurement {out['eval_ms']:.0f} ms "
          f"(first in the process {out['warmup_ms']:.0f} ms), implied ratio {out['implied_ratio']:.4f}", flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--presets", nargs="+", default=["fast-digits", "seed-mlp"])
    p.add_argument("--every", type=int, help="steps between measurements (default: the preset's eval_every)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of --every steps each, one measurement per round")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = [bench(name, args.every, args.rounds) for name in args.presets]
    print("\npreset          every  steps/s without  steps/s with  ratio  implied  eval ms")
    for r in filter(None, results):
        print(f"{r['preset']:<15} {r['every']:>5}  {r['steps_per_s_without']:>15.1f}  {r['steps_per_s_with']:>12.1f}"
              f"  {r['ratio']:.3f}  {r['implied_ratio']:.4f}  {r['eval_ms']:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
