"""Samples/s of training in 1 and 2 processes (torchrun, gloo) on the CPU, and on 1 and N GPUs (NCCL) when
there are some, printed side by side as ratios to one plain process.

A sample is one real image that D trains on: batch_size x d_steps per step and rank.
Every run trains the same preset for the same number of steps per rank (set from a
first plain run so that it lasts about --seconds), after a warm-up, and the clock
stops when every rank has finished (a barrier) and the last numbers were read. Each
process has 1 thread (device.py says why), so 2 processes use 2 cores.
Rounds alternate the runs, so that a busy neighbour hurts them alike.

    python bench/scale.py [--seconds 10] [--rounds 2] [--preset fast-digits] [--gpu-preset dcgan-cifar10]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
WARMUP = 10


def worker(a) -> None:
    """One process (under torchrun, one rank): train a.steps steps after a warm-up; rank 0 prints samples/s."""
    import torch
    import torch.distributed as dist

    from ganlib import preset
    from ganlib.engine.config import coerce
    from ganlib.engine.device import set_threads
    from ganlib.engine.distributed import make_trainer
    set_threads(1)
    changes = {k: coerce(k, v) for k, v in (kv.split("=", 1) for kv in a.set)}
    cfg = preset(a.preset).replace(epochs=100000, device=a.device, **changes).validate()
    t = make_trainer(cfg)

    def settle():
        t.step().values()  # reads the numbers: waits for the GPU
        if t.world_size > 1:
            dist.barrier()
        if t.device.type == "cuda":
            torch.cuda.synchronize()
    for _ in range(WARMUP):
        t.step()
    settle()
    t0 = time.perf_counter()
    for _ in range(a.steps - 1):
        t.step()
    settle()
    seconds = time.perf_counter() - t0
    if t.rank == 0:
        samples = a.steps * cfg.batch_size * cfg.d_steps * t.world_size
        print(json.dumps({"samples_per_s": samples / seconds, "steps_per_s": a.steps / seconds,
                          "world_size": t.world_size, "device": str(t.device)}))


def run(a, procs: int | None, device: str, preset: str, sets: list[str], steps: int) -> dict:
    """procs None: a plain process; else torchrun with that many."""
    me = [os.path.abspath(__file__), "--worker", "--preset", preset, "--device", device, "--steps", str(steps)]
    me += [x for kv in sets for x in ("--set", kv)]
    launch = [] if procs is None else ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={procs}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, *launch, *me], env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-4000:])
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def table(title: str, a, device: str, preset: str, sets: list[str], runs: list[tuple[str, int | None]]) -> None:
    first = run(a, runs[0][1], device, preset, sets, 50)
    steps = max(50, int(a.seconds * first["steps_per_s"]))
    got = {name: [] for name, _ in runs}
    for _ in range(a.rounds):
        for name, procs in runs:
            got[name].append(run(a, procs, device, preset, sets, steps)["samples_per_s"])
    base = statistics.median(got[runs[0][0]])
    print(f"\n{title}: {preset} {' '.join(sets)}, {steps} steps per rank, median of {a.rounds}")
    print(f"{'run':<26} {'samples/s':>10} {'ratio':>6}")
    for name, _ in runs:
        m = statistics.median(got[name])
        print(f"{name:<26} {m:10.0f} {m / base:6.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    ap.add_argument("--steps", type=int, default=100, help=argparse.SUPPRESS)
    ap.add_argument("--set", action="append", default=[], help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--preset", default="fast-digits")
    ap.add_argument("--gpu-preset", default="dcgan-cifar10")
    ap.add_argument("--gpu-set", action="append", default=["dataset=digits"], help="FIELD=VALUE for the GPU runs")
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    print(f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f}")
    table("CPU", a, "cpu", a.preset, a.set,
          [("1 process", None), ("torchrun, 1 process", 1), ("torchrun, 2 processes", 2)])
    import torch
    gpus = torch.cuda.device_count()
    if gpus:
        runs = [("1 GPU", None), ("torchrun, 1 GPU", 1)] + ([(f"torchrun, {gpus} GPUs", gpus)] if gpus > 1 else [])
        table(f"CUDA ({torch.cuda.get_device_name()})", a, "cuda", a.gpu_preset, a.gpu_set, runs)
    else:
        print("\nno CUDA GPU here: the GPU rows are left out")


if __name__ == "__main__":
    main()
