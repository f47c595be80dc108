"""Do the Theory lab's failure demos fail, and do their healthy twins not? Modes, D's verdicts, G's gradients.

    python bench/demos.py                                        # every demo and twin, 60 s, seeds 0 1 2
    python bench/demos.py --presets collapse-ring8 ring8 --steps 3000

Each run trains a preset from scratch on one torch thread (as the app does) until --seconds of wall time
(or --steps) pass, and prints every --every seconds: steps, modes covered and high-quality share (PacGAN
protocol, 2,500 samples of the sampling G, its EMA where there is one), mean D(x) and D(G(z)) of the last step, and the
norm of G's gradient under minimax and under non-saturating at that G and D (ganlib.lab.gradients.g_gradient_norms).
Wall time on a shared machine is noisy: the step counts say how much work each row is.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib import Trainer, preset
from ganlib.lab import coverage, gradients, views  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402

DEMOS = ("collapse-ring8", "ring8", "minimax-stall", "minimax-stall-ns", "d-overpowers")


def probe(t: Trainer, stats) -> dict:
    G, D = t.G.eval(), t.D.eval()
    # modes of the G the samples come from (its EMA where there is one, as the Train page's metric)
    c = coverage.mode_coverage(views.fake_points(t.sampler(), t.cfg.latent_dim), t.data.modes.numpy(), t.data.mode_std)
    grads = gradients.g_gradient_norms(G, D, t.cfg.latent_dim)
    G.train(), D.train()
    return {"modes": c["modes_covered"], "hq": c["high_quality"], "d_real": stats.d_real, "d_fake": stats.d_fake,
            "g_mm": grads["minimax"], "g_ns": grads["non_saturating"]}


def run(name: str, seed: int, seconds: float, steps: int | None, every: float, every_steps: int = 0) -> list[dict]:
    t = Trainer(preset(name).replace(seed=seed))
    rows, t0, next_at = [], time.perf_counter(), every
    while not t.done and (t.step_count < steps if steps else time.perf_counter() - t0 < seconds):
        stats = t.step()
        due = t.step_count % every_steps == 0 if every_steps else time.perf_counter() - t0 >= next_at
        if due and t.step_count != steps:
            next_at += every
            rows.append({"t": time.perf_counter() - t0, "step": t.step_count, **probe(t, stats)})
    rows.append({"t": time.perf_counter() - t0, "step": t.step_count, **probe(t, stats)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", nargs="+", default=list(DEMOS))
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--every", type=float, default=15.0)
    ap.add_argument("--every-steps", type=int, default=0, help="probe every this many steps instead of --every s")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    set_threads(1)
    print(f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    for name in args.presets:
        finals = []
        for seed in args.seeds:
            print(f"{name} seed {seed}", flush=True)
            for r in run(name, seed, args.seconds, args.steps, args.every, args.every_steps):
                print(f"  {r['t']:5.0f}s step {r['step']:6d}  modes {r['modes']}/8  HQ {100 * r['hq']:5.1f}%  "
                      f"D(x) {r['d_real']:.3f}  D(G(z)) {r['d_fake']:.3f}  |grad G| minimax {r['g_mm']:.2e}  "
                      f"non-sat {r['g_ns']:.2e}", flush=True)
            finals.append(r)
        print(f"{name}: final modes " + " ".join(str(r["modes"]) for r in finals), flush=True)


if __name__ == "__main__":
    main()
