"""Good digits within a minute: fast-digits vs the seed's MLP recipe vs a plain DCGAN, at equal wall time.

Each recipe trains from scratch on the offline digits for the same wall time,
with the app's thread count, one after the other in this one run. At each
checkpoint time (default 15, 30, 60 s) the clock stops while we measure: the
digit metrics of 500 samples from a fixed z (ganlib.metrics), and an 8 x 8
grid for the picture. Prints a table with real-vs-real and noise references and
the ratios against fast-digits, writes bench/results/race.json and the picture
bench/results/race.png (rows: recipes; columns: the checkpoint times).

    python bench/race.py [--times 15,30,60] [--recipes fast-digits,seed-mlp,tf-dcgan] [--seed 0]
    python bench/race.py --app [--recipes fast-digits]   # as the app trains: the clock never stops

--app trains each recipe the way the Train page does instead: a ganlib.Runner
thread with its live snapshots and its own metrics every eval_every steps,
started, left alone for the last of --times seconds, then stopped; so every
cost of the app's training loop is inside the minute.
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
from ganlib.device import set_threads  # noqa: E402
from ganlib.grid import make_grid  # noqa: E402
from ganlib.metrics import digit_metrics, reference_values  # noqa: E402

OUT = os.path.join(ROOT, "bench", "results")


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


def race_in_app(name: str, seconds: float, seed: int) -> dict:
    from ganlib.metrics import evaluator_for
    cfg = ganlib.preset(name).replace(seed=seed, epochs=100000)
    runner = ganlib.Runner(cfg, evaluator=evaluator_for(cfg))
    runner.start()
    time.sleep(seconds)
    runner.stop()
    snap = runner.snapshot()
    z = torch.randn(500, cfg.latent_dim, generator=torch.Generator().manual_seed(1234))
    m = digit_metrics(runner.trainer.generate(z))
    live = snap.metrics[-1] if snap.metrics else (0, {})
    print(f"{name:<12} in the app, {seconds:.0f} s: step {snap.step:6d}  FID {m['fid']:8.1f}  classes "
          f"{m['classes_covered']:2d}  (the app's own last measurement, step {live[0]}: FID "
          f"{live[1].get('fid', float('nan')):.1f})", flush=True)
    return {"recipe": name, "seconds": seconds, "steps": snap.step, **m}


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
    ap.add_argument("--recipes", default="fast-digits,seed-mlp,tf-dcgan")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--app", action="store_true", help="train in a Runner thread as the app does")
    a = ap.parse_args()
    times = [float(t) for t in a.times.split(",")]
    names = a.recipes.split(",")
    ref = reference_values(500)
    print(f"reference at n=500: real-vs-real FID {ref['real']['fid']:.1f}, uniform noise FID {ref['noise']['fid']:.0f}")
    if a.app:
        set_threads(0)  # this thread's count; the Runner sets its own
        for name in names:
            r = race_in_app(name, times[-1], a.seed)
            print(f"  = {r['fid'] / ref['real']['fid']:.1f}x real-vs-real")
        return
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
