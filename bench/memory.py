"""Measured memory of one run vs ganlib.run.budget's estimate: the calibration behind run/footprint.py's factors.

Each measurement runs in a fresh Python process, the way a run lives in the app's
server: torch and ganlib imported, the data loaded (loading is shared by every
run of a process and budget counts the data as its own part), torch's one-time
kernels warmed up by a tiny run of the same model. Then the peak resident set is
reset (/proc/self/clear_refs), a Runner with the app's metrics does `--steps`
steps, with a sample grid at each and the metrics twice, and saves a checkpoint;
the run's cost is the peak resident set (VmHWM) minus the resident set just
before the run was made.

    python bench/memory.py                     # the calibration table of run/footprint.py
    python bench/memory.py --one '{"model": "mlp", "batch_size": 1024}' [--preset seed-mlp]

--one prints one measurement as JSON (tests/test_budget.py runs it through run_one).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# (preset, changes, steps): the presets as they ship, and bigger ones budget must refuse or pass. Batches of
# tensors under 32 MiB run longer: glibc's heap, where those live, fragments over the first dozens of steps
CONFIGS = [
    ("seed-mlp", {}, 30),
    ("fast-digits", {}, 30),
    ("keras-convgan", {}, 8),
    ("dcgan-upsample", {}, 8),
    ("tf-dcgan", {}, 30),
    ("ring8", {}, 30),
    ("seed-mlp", {"batch_size": 4096, "g_width": 2048, "d_width": 2048}, 6),
    ("fast-digits", {"batch_size": 4096}, 20),
    ("keras-convgan", {"batch_size": 512}, 4),
    ("dcgan-upsample", {"batch_size": 1024}, 3),
    ("tf-dcgan", {"batch_size": 512}, 30),
    ("tf-dcgan", {"batch_size": 512, "d_steps": 5}, 8),
    ("tf-dcgan", {"batch_size": 512, "d_steps": 10}, 8),
    ("tf-dcgan", {"batch_size": 1024}, 10),
    ("tf-dcgan", {"batch_size": 1024, "d_steps": 5}, 4),
    ("tf-dcgan", {"batch_size": 1024, "loss": "wgan-gp"}, 4),
    ("tf-dcgan", {"batch_size": 1024, "r1_weight": 1.0, "augment": "translation"}, 4),
    ("tf-dcgan", {"batch_size": 4096}, 3),
]


def _kb(field: str) -> int:
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))


def _reset_peak() -> bool:
    """Reset VmHWM to the current resident set (Linux >= 4.0); False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(cfg, steps: int = 2) -> dict:
    """The peak MB one run of cfg adds to this process (call it in a fresh one), with the data loaded before."""
    from ganlib.engine.data import load_dataset
    from ganlib.engine.device import set_threads
    from ganlib.metrics import fid_floor
    from ganlib.run.runner import AUTO, Runner
    from ganlib.engine.trainer import Trainer

    set_threads(cfg.threads)
    data = load_dataset(cfg)
    warm = Trainer(cfg.replace(batch_size=2, g_width=8, d_width=8), data)
    warm.step()
    fid_floor(cfg)  # the real digits' features: computed once per process (~40 MB, measured), not per run
    del warm
    # a sample grid at every step and the metrics twice, so that the window holds every cost of a run
    cfg = cfg.replace(sample_every=1, eval_every=max(1, steps // 2))
    with tempfile.TemporaryDirectory() as tmp:
        rss0 = _kb("VmRSS")
        reset = _reset_peak()
        t0 = time.perf_counter()
        runner = Runner(cfg, evaluator=AUTO)
        for i in range(1, steps + 1):
            runner.step()
            snap = runner.wait(lambda s, i=i: s.step >= i or s.ended, 600)
            if snap.ended:
                raise RuntimeError(f"the run ended: {snap.problem}")
        runner.save(os.path.join(tmp, "run.pt"))
        peak_kb = _kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = time.perf_counter() - t0
        runner.close()
    return {"measured_mb": round((peak_kb - rss0) / 1024, 1), "seconds": round(seconds, 1)}


def run_mb(est) -> float:
    """The estimate to compare with a measurement: without the data, which was loaded before the peak was reset."""
    return est.total - est.data


def run_one(changes: dict, preset: str = "", steps: int = 2, timeout: float = 600) -> dict:
    """measure() in a fresh process: what tests/test_budget.py calls."""
    cmd = [sys.executable, os.path.abspath(__file__), "--one", json.dumps(changes), "--steps", str(steps)]
    if preset:
        cmd += ["--preset", preset]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _config(preset: str, changes: dict):
    from ganlib.engine.config import TrainConfig
    from ganlib.engine.presets import preset as named
    base = named(preset) if preset else TrainConfig()
    return base.replace(**changes).validate()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", help="a JSON object of TrainConfig changes: measure this one config")
    ap.add_argument("--preset", default="", help="with --one: the preset the changes apply to")
    ap.add_argument("--steps", type=int, default=0, help="steps of each run (default: 2 with --one, else CONFIGS')")
    ap.add_argument("--jobs", type=int, default=2, help="measurements at once, each in its own process")
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(measure(_config(args.preset, json.loads(args.one)), args.steps or 2)))
        return
    from ganlib.run import budget
    print(f"{'config':62} {'steps':>5} {'measured':>9} {'estimate':>9} {'ratio':>6}  "
          f"params/activations/metrics/checkpoint/history/base")
    with ThreadPoolExecutor(args.jobs) as pool:  # one process each; memory is measured per process
        results = pool.map(lambda c: run_one(c[1], c[0], args.steps or c[2]), CONFIGS)
        for (name, changes, steps), r in zip(CONFIGS, results):
            est = budget.estimate_mb(_config(name, changes))
            label = name + (" " + " ".join(f"{k}={v}" for k, v in changes.items()) if changes else "")
            parts = "/".join(f"{getattr(est, k):.0f}"
                             for k in ("params", "activations", "metrics", "checkpoint", "history", "base"))
            print(f"{label:62} {args.steps or steps:5} {r['measured_mb']:9,.0f} {run_mb(est):9,.0f} "
                  f"{run_mb(est) / r['measured_mb']:6.2f}  {parts}  ({r['seconds']} s)", flush=True)


if __name__ == "__main__":
    main()
