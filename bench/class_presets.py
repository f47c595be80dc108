"""Do the class presets learn fast enough? Each class-* preset on seeds 0-4, measured at fixed step counts.

    python bench/class_presets.py                              # every class preset, seeds 0-4
    python bench/class_presets.py --presets class-ring8 --seeds 0 1 2 3 4 5 6 7 8 9

All runs train together in one Ensemble (engine/ensemble.py), the way a class trains them; a run there gives
the numbers it gives alone with Trainer.step, to float rounding (tests/test_ensemble.py), so these are also what
one student sees alone. Measured as the app's live metrics measure (ganlib.metrics.evaluator_for, the EMA of G
where the preset has one, as bench/toys.py does): ring8 and grid25 by the PacGAN protocol (modes covered; high
quality: within 3 std of the nearest mode), gauss-1d by the exact JS of p_g to p_data (nats), moons and spiral
by the energy distance to real points (real points' own at 2,500: the floor). Steps are a fixed amount of work,
immune to a busy machine; the wall time is printed too.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib import Trainer, preset  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402
from ganlib.engine.ensemble import Ensemble  # noqa: E402
from ganlib.metrics import evaluator_for  # noqa: E402
from ganlib.metrics.evaluate import fid_floor  # noqa: E402

# preset -> (the steps it is measured at, the last one's target on every seed, in words, and its check)
TARGETS = {
    "class-ring8": ((2000, 3000, 4000), "8 of 8 modes, >= 90% high quality at 4,000 steps",
                    lambda m: m.get("modes_covered") == 8 and m.get("high_quality", 0) >= 0.90),
    "class-grid25": ((4000, 6000, 8000), "25 of 25 modes, >= 85% high quality at 8,000 steps",
                     lambda m: m.get("modes_covered") == 25 and m.get("high_quality", 0) >= 0.85),
    "class-gauss-1d": ((2000, 4000, 6000), "JS <= 0.05 at 6,000 steps",
                       lambda m: m.get("js", 1.0) <= 0.05),
    "class-moons": ((2000, 4000), "energy distance <= 0.005 at 4,000 steps",
                    lambda m: m.get("energy", 1.0) <= 0.005),
    "class-spiral": ((2000, 4000), "energy distance <= 0.005 at 4,000 steps",
                     lambda m: m.get("energy", 1.0) <= 0.005),
}


def words(m: dict) -> str:
    if "modes_covered" in m:
        return f"{m['modes_covered']:>2}/{m['n_modes']} {100 * m['high_quality']:5.1f}%"
    if "js" in m:
        return f"JS {m['js']:.4f}"
    if "energy" in m:
        return f"E {m['energy']:.4f}"
    return "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", nargs="+", default=list(TARGETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = ap.parse_args()
    set_threads()
    print(f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f} at the start")
    ens, measure, at, last = Ensemble(), {}, {}, 0
    for name in args.presets:
        at[name] = TARGETS[name][0]
        last = max(last, at[name][-1])
        for seed in args.seeds:
            key = f"{name}/{seed}"
            ens.add(key, Trainer(preset(name).replace(seed=seed)))
            measure[key] = evaluator_for(ens.trainer(key))
    rows = {name: [] for name in args.presets}   # (step, [metrics of each seed])
    t0, step = time.perf_counter(), 0
    while step < last:
        step += 1
        ens.step([key for key in measure if step <= at[key.split("/")[0]][-1]])
        for name in args.presets:
            if step in at[name]:
                rows[name].append((step, [measure[f"{name}/{s}"](ens.trainer(f"{name}/{s}")) for s in args.seeds]))
    wall = time.perf_counter() - t0
    every = True
    for name in args.presets:
        cfg, (_, goal, ok) = preset(name), TARGETS[name]
        print(f"\n{name}: G {cfg.g_width} / D {cfg.d_width} wide, batch {cfg.batch_size}, {cfg.loss}, "
              f"lr {cfg.lr_g:g}/{cfg.lr_d:g}" + (f", halving every {cfg.lr_half_life} steps after "
                                                  f"{cfg.lr_decay_after}" if cfg.lr_decay_after else ""))
        print("  " + f"{'steps':>6}  " + "  ".join(f"{'seed ' + str(s):>13}" for s in args.seeds))
        for step, ms in rows[name]:
            print("  " + f"{step:>6}  " + "  ".join(f"{words(m):>13}" for m in ms))
        floor = fid_floor(cfg) if name in ("class-moons", "class-spiral") else None
        met = all(ok(m) for m in rows[name][-1][1])
        every &= met
        print(f"  target: {goal} on every seed: {'met' if met else 'NOT met'}"
              + (f" (real points' own energy distance: {floor:.4f})" if floor is not None else ""))
    print(f"\n{len(measure)} runs in one Ensemble, {wall:.0f} s; targets {'met' if every else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
