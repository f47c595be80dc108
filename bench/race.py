"""Good digits within a minute: fast-digits vs the seed's MLP recipe vs a plain DCGAN, at equal wall time.

Each recipe trains from scratch on the offline digits for the same wall time,
with the app's thread count, one after the other in this one run. At each
checkpoint time (default 15, 30, 60 s) the clock stops while we measure: the
digit metrics of 500 samples from a fixed z (ganlib.metrics), and an 8 x 8
grid for the picture. Prints a table with real-vs-real and noise references and
the ratios against fast-digits, writes bench/results/race.json and the picture
bench/results/race.png (rows: recipes; columns: the checkpoint times).

    python bench/race.py [--times 15,30,60] [--recipes fast-digits,seed-mlp,tf-dcgan] [--seeds 0]
    python bench/race.py --app --times 30,60 [--recipes fast-digits] [--seeds 0 1 2]   # as the app trains

--app trains each recipe the way the Train page does instead: a ganlib.Runner
thread with its live snapshots and its own metrics every eval_every steps,
started once built (as Start comes after the page has built the run), left alone
for the last of --times seconds, then stopped; so every cost of the app's training
loop is inside the minute. At each of --times a copy of its sampling G is taken
between two steps, the clock running on, and measured after the run; per seed,
then the mean and the worst, and whether the targets (TARGETS) hold on every seed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import ganlib  # noqa: E402
from ganlib.engine.device import set_threads  # noqa: E402
from ganlib.engine.grid import make_grid  # noqa: E402
from ganlib.metrics import digit_metrics, reference_values  # noqa: E402
from ganlib.run.state import Status  # noqa: E402

OUT = os.path.join(ROOT, "bench", "results")
TARGETS = {30.0: 3.0, 60.0: 2.0}  # the goal for --app: seconds from Start -> FID / real-vs-real


def race(name: str, times: list[float], seed: int) -> tuple[list[dict], list[np.ndarray]]:
    cfg = ganlib.preset(name).replace(seed=seed, epochs=100000)
    threads = set_threads(cfg.threads)
    trainer = ganlib.Trainer(cfg)
    z = torch.randn(500, cfg.latent_dim, generator=torch.Generator().manual_seed(1234))
    rows, grids, spent = [], [], 0.0
    for t in times:
        while spent < t:
            t0 = time.perf_counter()
            trainer.step()
            spent += time.perf_counter() - t0
        m = digit_metrics(trainer.generate(z))
        rows.append({"recipe": name, "seconds": t, "steps": trainer.step_count, "threads": threads,
                     **{k: m[k] for k in ("fid", "classes_covered", "confident", "class_kl")}})
        grids.append(make_grid(trainer.generate(trainer.fixed_z)))
        print(f"{name:<12} {t:5.0f} s  step {trainer.step_count:6d}  FID {m['fid']:8.1f}  "
              f"classes {m['classes_covered']:2d}  confident {m['confident']:.2f}", flush=True)
    return rows, grids


def race_in_app(name: str, times: list[float], seed: int) -> list[dict]:
    """One run as the Train page trains it; at each of `times` (seconds from Start) a copy of its sampling G is
    taken between two steps while the clock runs on, and measured after the run."""
    from ganlib.metrics import evaluator_for
    cfg = ganlib.preset(name).replace(seed=seed, epochs=100000)
    runner = ganlib.Runner(cfg, evaluator=evaluator_for(cfg))
    runner.wait(lambda s: s.status is not Status.LOADING, 120)  # the app's Start comes after the build
    copies = []
    runner.start()
    t0 = time.perf_counter()
    for t in times:
        time.sleep(max(0.0, t0 + t - time.perf_counter()))
        copies.append((t, runner.snapshot().step, runner.generator_copy()))
    runner.stop()
    runner.close()
    z = torch.randn(500, cfg.latent_dim, generator=torch.Generator().manual_seed(1234))
    rows = []
    for t, step, G in copies:
        with torch.no_grad():
            m = digit_metrics(G(z))
        rows.append({"recipe": name, "seed": seed, "seconds": t, "steps": step, **m})
    return rows


def app_targets(name: str, rows: list[dict], times: list[float], real: float) -> None:
    """Per seed and time: steps, FID as a multiple of real-vs-real, classes; then the mean, the worst, and
    whether the issue's targets (TARGETS) hold on every seed."""
    print(f"\n{name} in the app: FID / real-vs-real ({real:.1f}) and classes, per seed")
    met = True
    for t in times:
        at = [r for r in rows if r["seconds"] == t]
        ratios = [r["fid"] / real for r in at]
        cells = "  ".join(f"seed {r['seed']}: {r['steps']:5d} steps {x:4.2f}x {r['classes_covered']:2d} cl"
                          for r, x in zip(at, ratios))
        print(f"  {t:4.0f} s  {cells}  | mean {sum(ratios) / len(ratios):4.2f}x  worst {max(ratios):4.2f}x", flush=True)
        if t in TARGETS:
            ok = max(ratios) <= TARGETS[t] and min(r["classes_covered"] for r in at) == 10
            met = met and ok
            print(f"         target <= {TARGETS[t]:g}x with 10 of 10 classes on every seed: {'met' if ok else 'NOT met'}")
    if any(t in TARGETS for t in times):
        print(f"  targets {'met' if met else 'NOT met'} over seeds {', '.join(str(s) for s in sorted({r['seed'] for r in rows}))}")


def picture(names, times, grids) -> Image.Image:
    h, w = grids[0][0].shape[:2]
    label_w, top = 130, 24
    img = Image.new("RGB", (label_w + len(times) * (w + 8), top + len(names) * (h + 8)), "white")
    draw = ImageDraw.Draw(img)
    for j, t in enumerate(times):
        draw.text((label_w + j * (w + 8) + w // 2 - 10, 6), f"{t:.0f} s", fill="black")
    for i, (name, row) in enumerate(zip(names, grids)):
        draw.text((6, top + i * (h + 8) + h // 2), name, fill="black")
        for j, g in enumerate(row):
            img.paste(Image.fromarray(g[..., 0]).convert("RGB"), (label_w + j * (w + 8), top + i * (h + 8)))
    return img.resize((img.width * 2, img.height * 2), Image.NEAREST)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--times", default="15,30,60")
    ap.add_argument("--recipes", help="default: fast-digits,seed-mlp,tf-dcgan, and fast-digits with --app")
    ap.add_argument("--seeds", type=int, nargs="+", help="default: 0, and 0 1 2 with --app")
    ap.add_argument("--app", action="store_true", help="train in a Runner thread as the app does")
    a = ap.parse_args()
    times = [float(t) for t in a.times.split(",")]
    names = (a.recipes or ("fast-digits" if a.app else "fast-digits,seed-mlp,tf-dcgan")).split(",")
    seeds = a.seeds or ([0, 1, 2] if a.app else [0])
    ref = reference_values(500)
    real = ref["real"]["fid"]
    print(f"reference at n=500: real-vs-real FID {real:.1f}, uniform noise FID {ref['noise']['fid']:.0f}")
    print(f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    if a.app:
        set_threads(0)  # this thread's count; the Runner sets its own
        for name in names:
            app_targets(name, [r for seed in seeds for r in race_in_app(name, times, seed)], times, real)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        return
    if len(seeds) > 1:
        ap.error("--seeds: one seed without --app (the picture shows one run)")
    a.seed = seeds[0]
    rows, grids = [], []
    for name in names:
        r, g = race(name, times, a.seed)
        rows += r
        grids.append(g)
    last = {r["recipe"]: r for r in rows if r["seconds"] == times[-1]}
    best = last[names[0]]
    print(f"\nat {times[-1]:.0f} s: FID / real-vs-real, and FID ratio against {names[0]}")
    for name in names:
        r = last[name]
        print(f"  {name:<12} {r['steps']:6d} steps  FID {r['fid']:7.1f} = {r['fid'] / ref['real']['fid']:5.1f}x real  "
              f"classes {r['classes_covered']:2d}  ratio {r['fid'] / best['fid']:5.2f}")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "race.json"), "w") as f:
        json.dump({"reference": {"real_fid": ref["real"]["fid"], "noise_fid": ref["noise"]["fid"]},
                   "cores": os.cpu_count(), "rows": rows}, f, indent=1)
    picture(names, times, grids).save(os.path.join(OUT, "race.png"))
    print(f"wrote {os.path.join(OUT, 'race.json')} and race.png")


if __name__ == "__main__":
    main()
