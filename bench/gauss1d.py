"""Does gauss-1d converge, and does the Theory lab tell the truth about it? The true JS over wall time.

    python bench/gauss1d.py                                   # the preset, 60 s, seeds 0 1 2
    python bench/gauss1d.py --seconds 30 --set lr_g=1e-3 --set d_steps=2
    python bench/gauss1d.py --steps 6000 --every-steps 1000   # a fixed amount of work: immune to a busy machine

Each seed trains the preset (with --set changes) on one torch thread, as the app does, and every
--every seconds prints: steps, the JS of the raw G (the one D plays) and of its EMA (the samples), both
from ganlib.lab.density (p_g computed from G: within 0.001 for a 1-D latent), how far D is from D*
(mean |D - D*| where the data and G lie), how flat D is (mean |D - 1/2|), and the mini-batch V.
Wall time on a shared machine is noisy: the step counts say how much work each row is.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from ganlib import Trainer, preset
from ganlib.lab import density, views  # noqa: E402
from ganlib.engine.config import coerce  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402


def probe(t: Trainer) -> dict:
    v = views.view_1d(t.G.eval(), t.D.eval(), t.data, t.cfg.latent_dim)
    t.G.train(), t.D.train()
    ema = density.estimate(t.sampler(), t.cfg.latent_dim, t.data.density, *views.data_range(t.data)).js
    flat = views._mean_distance_to(v.d, 0.5, v.p_data, v.p_g)
    return {"js": v.js, "js_ema": ema, "gap": v.gap, "flat": flat, "value": v.value}


def run(cfg, seconds: float, every: float, steps: int | None = None, every_steps: int = 0) -> list[dict]:
    t = Trainer(cfg)
    rows, t0, next_at = [], time.perf_counter(), every
    while (t.step_count < steps if steps else time.perf_counter() - t0 < seconds) and not t.done:
        stats = t.step()
        due = t.step_count % every_steps == 0 if every_steps else time.perf_counter() - t0 >= next_at
        if due and t.step_count != steps:
            next_at += every
            rows.append({"t": time.perf_counter() - t0, "step": t.step_count, "V_batch": stats.value, **probe(t)})
    rows.append({"t": time.perf_counter() - t0, "step": t.step_count, "V_batch": stats.value, **probe(t)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="gauss-1d")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--every", type=float, default=10.0)
    ap.add_argument("--steps", type=int, help="train this many steps instead of --seconds")
    ap.add_argument("--every-steps", type=int, default=0, help="probe every this many steps instead of --every s")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    set_threads(1)
    changes = dict(kv.split("=", 1) for kv in args.set)
    cfg = preset(args.preset).replace(**{k: coerce(k, v) for k, v in changes.items()})
    finals = []
    for seed in args.seeds:
        print(f"seed {seed}: {args.preset} {changes or ''}", flush=True)
        for r in run(cfg.replace(seed=seed), args.seconds, args.every, args.steps, args.every_steps):
            print(f"  {r['t']:5.0f}s step {r['step']:6d}  JS raw {r['js']:.4f}  JS ema {r['js_ema']:.4f}  "
                  f"|D-D*| {r['gap']:.3f}  |D-1/2| {r['flat']:.3f}  V {r['value']:.3f}  V batch {r['V_batch']:.3f}",
                  flush=True)
        finals.append(r)
    print("final JS raw: " + " ".join(f"{r['js']:.4f}" for r in finals) +
          f"   ema: " + " ".join(f"{r['js_ema']:.4f}" for r in finals) +
          f"   max {max(r['js'] for r in finals):.4f}")


if __name__ == "__main__":
    main()
