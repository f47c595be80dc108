"""Trainer.step of two git revisions side by side: steps/s of each and their ratio (target: new/base >= 0.95).

For a change to the step that must not make it slower (issue 11's lazy StepStats
and the generator on the run's device). Each revision is exported with
`git archive` into a temporary folder and timed in its own child process,
rounds alternating base / new so that a busy neighbour hurts both alike; each
timing reads every step's numbers, as the Runner and the CLI do on a CPU.

    python bench/revisions.py [--base 086a7fe] [--new HEAD] [--seconds 8] [--rounds 3] [--presets fast-digits,seed-mlp,ring8]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, sys, time
from ganlib import Trainer, preset
from ganlib.engine.device import set_threads
name, seconds = sys.argv[1], float(sys.argv[2])
set_threads(1)
t = Trainer(preset(name).replace(epochs=100000))
for _ in range(20):  # warm-up
    t.step()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    s = t.step()
    s.d_loss, s.g_loss, s.d_real, s.d_fake, s.value  # read, as the Runner and the CLI do on a CPU
    n += 1
print(json.dumps(n / (time.perf_counter() - t0)))
"""


def export(rev: str, into: str) -> str:
    path = os.path.join(into, rev.replace("/", "_"))
    os.makedirs(path)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev, "ganlib"], capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        tarfile.open(fileobj=f).extractall(path, filter="data")
    return path


def rate(src: str, name: str, seconds: float) -> float:
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(seconds)], env=env, cwd=src,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="086a7fe")
    ap.add_argument("--new", default="HEAD")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presets", default="fast-digits,seed-mlp,ring8")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, new = export(a.base, tmp), export(a.new, tmp)
        print(f"{'preset':<12} {a.base + ' steps/s':>18} {a.new + ' steps/s':>18} {'ratio':>6}")
        for name in a.presets.split(","):
            b, n = [], []
            for _ in range(a.rounds):
                b.append(rate(base, name, a.seconds))
                n.append(rate(new, name, a.seconds))
            mb, mn = statistics.median(b), statistics.median(n)
            print(f"{name:<12} {mb:18.1f} {mn:18.1f} {mn / mb:6.3f}", flush=True)


if __name__ == "__main__":
    main()
