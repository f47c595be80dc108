"""python -m ganlib: presets, train, sample, and clean errors (a message, no traceback) for bad arguments.

Each command that trains or samples is a fresh Python that imports torch (seconds on a busy
machine), so the independent commands are started together and their results shared by the tests.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganlib import PRESETS, load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300


def _start(args):
    env = {**os.environ, "GAN_STUDIO_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "ganlib", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _run_all(commands: dict) -> dict:
    procs = {name: _start(args) for name, args in commands.items()}
    out = {}
    for name, p in procs.items():
        try:
            stdout, stderr = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
        out[name] = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
    return out


ERRORS = {
    # name: (arguments, words the message must contain)
    "unknown-preset": (["train", "--preset", "no-such-preset", "--out", "{d}/e1.pt"], ["preset"]),
    "bad-set-value": (["train", "--preset", "ring8", "--set", "lr_g=-1", "--out", "{d}/e2.pt"], ["lr_g"]),
    "bad-set-type": (["train", "--preset", "ring8", "--set", "batch_size=lots", "--out", "{d}/e3.pt"], ["batch_size"]),
    "set-without-equals": (["train", "--preset", "ring8", "--set", "lr_g", "--out", "{d}/e4.pt"], ["--set", "FIELD=VALUE"]),
    "set-unknown-field": (["train", "--preset", "ring8", "--set", "speed=11", "--out", "{d}/e5.pt"], ["speed"]),
    "missing-out": (["train", "--preset", "ring8", "--steps", "1"], ["--out"]),
    "zero-steps": (["train", "--preset", "ring8", "--steps", "0", "--out", "{d}/e6.pt"], ["--steps"]),
    "sample-non-checkpoint": (["sample", "--checkpoint", "{d}/notes.txt", "--out", "{d}/e7.npy"], ["checkpoint"]),
    "no-command": ([], ["required"]),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "notes.txt").write_text("not a checkpoint\n")
    fmt = lambda args: [a.format(d=d) for a in args]  # noqa: E731
    first = {
        "presets": ["presets"],
        "train-ring8": ["train", "--preset", "ring8", "--steps", "20", "--out", f"{d}/ring8.pt"],
        "train-mlp": ["train", "--preset", "seed-mlp", "--set", "batch_size=16", "--set", "lr_g=1e-4",
                      "--steps", "3", "--out", f"{d}/mlp.pt"],
        "dry-run": ["train", "--preset", "ring8", "--dry-run", "--out", f"{d}/dry.pt"],
        **{name: fmt(args) for name, (args, _) in ERRORS.items()},
    }
    res = _run_all(first)
    res.update(_run_all({
        "sample-ring8": ["sample", "--checkpoint", f"{d}/ring8.pt", "--n", "7", "--out", f"{d}/ring8.npy"],
        "sample-mlp": ["sample", "--checkpoint", f"{d}/mlp.pt", "--n", "5", "--seed", "3", "--out", f"{d}/mlp.npy"],
    }))
    return d, res


def ok(res):
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    return res


def test_presets(results):
    _, res = results
    out = ok(res["presets"]).stdout
    lines = out.strip().splitlines()
    assert len(lines) == len(PRESETS)
    for line, name in zip(lines, PRESETS):
        assert line.split()[0] == name


def test_train_toy_and_sample(results):
    d, res = results
    assert "wrote" in ok(res["train-ring8"]).stdout
    p = load_checkpoint(str(d / "ring8.pt"))
    assert p["trainer"]["step"] == 20 and p["preset"] == "ring8" and p["config"].dataset == "ring8"
    assert p["shape"] == (2,) and p["picture"] is None

    assert "7 samples" in ok(res["sample-ring8"]).stdout
    x = np.load(d / "ring8.npy")
    assert x.shape == (7, 2) and x.dtype == np.float32 and np.isfinite(x).all()


def test_train_images_and_sample(results):
    d, res = results
    ok(res["train-mlp"])
    p = load_checkpoint(str(d / "mlp.pt"))
    assert p["trainer"]["step"] == 3 and p["preset"] == "seed-mlp"
    assert p["config"].batch_size == 16 and p["config"].lr_g == 1e-4   # --set reached the config
    assert p["shape"] == (1, 28, 28) and p["picture"] is not None

    ok(res["sample-mlp"])
    x = np.load(d / "mlp.npy")
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32
    assert x.min() >= -1 and x.max() <= 1


def test_dry_run_takes_one_step(results):
    d, res = results
    ok(res["dry-run"])
    assert load_checkpoint(str(d / "dry.pt"))["trainer"]["step"] == 1


@pytest.mark.parametrize("name", list(ERRORS))
def test_bad_arguments_fail_cleanly(results, name):
    d, res = results
    r = res[name]
    words = ERRORS[name][1]
    assert r.returncode != 0
    assert r.stderr.strip(), "no message on stderr"
    assert "Traceback" not in r.stdout + r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    # and nothing was written
    produced = [f.name for f in d.iterdir() if f.name.startswith("e")]
    assert not [f for f in produced if f.split(".")[0] in ("e1", "e2", "e3", "e4", "e5", "e6", "e7")]
