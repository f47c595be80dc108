"""python -m ganlib: presets, train, resume, sample, and clean errors (a message, no traceback) for bad arguments.

Each command that trains or samples is a fresh Python that imports torch (seconds on a busy
machine), so the independent commands are started together and their results shared by the tests.
"""
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganlib import PRESETS, Trainer, cli, load_checkpoint, preset
from ganlib.engine import lastgood
from ganlib.classroom.downloads import FAKE_RGB, REAL_RGB
from ganlib.cli import train as cli_train

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
    "resume-set-not-live": (["train", "--resume", "{d}/ring8.pt", "--set", "batch_size=8", "--out", "{d}/e8.pt"],
                            ["--set: batch_size cannot change", "lr_g"]),
    "resume-and-preset": (["train", "--preset", "ring8", "--resume", "{d}/ring8.pt", "--out", "{d}/e9.pt"],
                          ["not allowed with"]),
    "resume-missing": (["train", "--resume", "{d}/nothing.pt", "--out", "{d}/e10.pt"], ["no such file"]),
}
LATER_ERRORS = {   # these need a checkpoint the first round writes
    "resume-budget-used": (["train", "--resume", "{d}/done.pt", "--steps", "3", "--out", "{d}/e11.pt"],
                           ["--resume", "whole epoch budget (1 epochs, step 2)", "--epochs"]),
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
        # exact resume: 10 steps, then 5 more, against 15 at once (fast-digits: batch norm, an EMA, fused Adam)
        "fd-10": ["train", "--preset", "fast-digits", "--set", "sample_every=4", "--steps", "10", "--out", f"{d}/fd10.pt"],
        "fd-15": ["train", "--preset", "fast-digits", "--set", "sample_every=4", "--steps", "15", "--out", f"{d}/fd15.pt"],
        "done": ["train", "--preset", "ring8", "--set", "batch_size=4096", "--epochs", "1", "--out", f"{d}/done.pt"],
        **{name: fmt(args) for name, (args, _) in ERRORS.items()},
    }
    res = _run_all(first)
    res.update(_run_all({
        "sample-ring8": ["sample", "--checkpoint", f"{d}/ring8.pt", "--n", "7", "--out", f"{d}/ring8.npy"],
        "sample-mlp": ["sample", "--checkpoint", f"{d}/mlp.pt", "--n", "5", "--seed", "3", "--out", f"{d}/mlp.npy"],
        "fd-resume": ["train", "--resume", f"{d}/fd10.pt", "--steps", "5", "--set", "lr_g=5e-4", "--out",
                      f"{d}/fd10+5.pt"],
        "fd-resume-same": ["train", "--resume", f"{d}/fd10.pt", "--steps", "5", "--out", f"{d}/fd10+5same.pt"],
        "png-mlp": ["sample", "--checkpoint", f"{d}/mlp.pt", "--n", "9", "--seed", "3", "--out", f"{d}/grid.png"],
        "png-ring8": ["sample", "--checkpoint", f"{d}/ring8.pt", "--n", "50", "--out", f"{d}/ring8.png"],
        **{name: fmt(args) for name, (args, _) in LATER_ERRORS.items()},
    }))
    return d, res


def ok(res):
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    return res


@pytest.mark.system
def test_presets(results):
    _, res = results
    out = ok(res["presets"]).stdout
    lines = out.strip().splitlines()
    assert len(lines) == len(PRESETS)
    for line, name in zip(lines, PRESETS):
        assert line.split()[0] == name


@pytest.mark.system
def test_train_toy_and_sample(results):
    d, res = results
    assert "wrote" in ok(res["train-ring8"]).stdout
    p = load_checkpoint(str(d / "ring8.pt"))
    assert p["trainer"]["step"] == 20 and p["preset"] == "ring8" and p["config"].dataset == "ring8"
    assert p["shape"] == (2,) and p["picture"] is None

    assert "7 samples" in ok(res["sample-ring8"]).stdout
    x = np.load(d / "ring8.npy")
    assert x.shape == (7, 2) and x.dtype == np.float32 and np.isfinite(x).all()


@pytest.mark.system
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


@pytest.mark.system
def test_dry_run_takes_one_step(results):
    d, res = results
    ok(res["dry-run"])
    assert load_checkpoint(str(d / "dry.pt"))["trainer"]["step"] == 1


def _flat(x, prefix=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _flat(v, f"{prefix}.{k}")
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, x


def _same(a, b) -> bool:
    return torch.equal(a, b) if torch.is_tensor(a) else type(a) is type(b) and a == b


def test_a_resumed_run_goes_on_exactly_bit_for_bit(results):
    """10 steps, then --resume for 5 more, is the 15-step run: every weight, Adam moment, the EMA, batch norm's
    statistics, the random state and the data order; and the curves, samples and step counts add up."""
    d, res = results
    for name in ("fd-10", "fd-15", "fd-resume-same"):
        ok(res[name])
    ten, fifteen, resumed = (load_checkpoint(str(d / f)) for f in ("fd10.pt", "fd15.pt", "fd10+5same.pt"))
    a, b = dict(_flat(resumed["trainer"])), dict(_flat(fifteen["trainer"]))
    assert a.keys() == b.keys() and len(a) > 50
    assert [k for k in a if not _same(a[k], b[k])] == []
    assert resumed["trainer"]["step"] == 15 and resumed["preset"] == "fast-digits"
    rows = lambda p: [r[:-1] for r in p["history"]["rows"]]   # noqa: E731 (all but the seconds)
    assert rows(resumed) == rows(fifteen) and [r[0] for r in rows(resumed)] == list(range(1, 16))
    assert [f["step"] for f in ten["timeline"]] == [0, 4, 8, 10]             # every sample_every, and the last
    assert [f["step"] for f in resumed["timeline"]] == [0, 4, 8, 10, 12, 15]
    seconds = [r[-1] for r in resumed["history"]["rows"]]
    assert seconds == sorted(seconds) and seconds[9] == ten["history"]["rows"][-1][-1]   # its clock goes on


def test_resume_takes_live_changes_and_records_them(results):
    d, res = results
    assert "step 15" in ok(res["fd-resume"]).stdout
    p = load_checkpoint(str(d / "fd10+5.pt"))
    assert p["config"].lr_g == 5e-4 and p["events"] == [[10, "lr_g", preset("fast-digits").lr_g, 5e-4]]
    assert all(g["lr"] == 5e-4 for g in p["trainer"]["opt_g"]["param_groups"])


def test_sample_writes_a_picture_when_the_name_ends_in_png(results):
    from PIL import Image

    from ganlib.engine.grid import make_grid
    d, res = results
    assert "9 samples as a" in ok(res["png-mlp"]).stdout
    picture = np.asarray(Image.open(d / "grid.png"))
    x = torch.from_numpy(np.load(d / "mlp.npy"))                             # --seed 3 as well, 5 of the 9
    grid = make_grid(torch.cat([x, x[:4]]))                                  # 3 x 3 tiles: the same layout
    scale = picture.shape[1] // grid.shape[1]
    assert picture.shape == (grid.shape[0] * scale, grid.shape[1] * scale) and picture.shape[1] >= 512
    top_left = picture[2 * scale:30 * scale:scale, 2 * scale:30 * scale:scale]   # the first sample, unenlarged
    assert np.array_equal(top_left, grid[2:30, 2:30, 0])
    assert np.array_equal(picture[:scale, :scale], np.full((scale, scale), picture[0, 0]))   # crisp pixels
    ok(res["png-ring8"])
    points = np.asarray(Image.open(d / "ring8.png").convert("RGB"))
    assert points.shape[0] == points.shape[1] >= 512
    assert (points == FAKE_RGB).all(-1).any() and (points == REAL_RGB).all(-1).any()   # G's over real, in the charts' colours


@pytest.mark.parametrize("name", list(ERRORS) + list(LATER_ERRORS))
def test_bad_arguments_fail_cleanly(results, name):
    d, res = results
    r = res[name]
    words = {**ERRORS, **LATER_ERRORS}[name][1]
    assert r.returncode != 0
    assert r.stderr.strip(), "no message on stderr"
    assert "Traceback" not in r.stdout + r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    # and nothing was written
    produced = [f.name for f in d.iterdir() if f.name.startswith("e")]
    assert not [f for f in produced if f.split(".")[0] in [f"e{i}" for i in range(1, 12)]]


# --- NaN: what a run that went NaN writes (in this process: the test hides the NaN) ------------------------
SMALL_RING8 = ["--preset", "ring8", "--set", "batch_size=32", "--set", "g_width=16", "--set", "d_width=16"]


def _poison_adam(t):
    t.opt_d.state[list(t.D.parameters())[2]]["exp_avg"].view(-1)[0] = math.nan


def _poison_weight(t):
    next(t.D.parameters()).view(-1)[0] = math.nan


def _poisoned_after(step_no, real_step, poison):
    def step(self):
        stats = real_step(self)
        if self.step_count == step_no:
            with torch.no_grad():
                poison(self)
        return stats
    return step


def _all_finite(path) -> bool:
    """Every float tensor of the file's trainer state, read without ganlib's checks (which refuse a NaN)."""
    state = torch.load(path, weights_only=True)["trainer"]
    return all(torch.isfinite(v).all() for _, v in _flat(state) if torch.is_tensor(v) and v.is_floating_point())


@pytest.mark.parametrize("at, steps, poison, said", [
    # Adam's moments go NaN on the kept step 10: its weights are finite, the next update is not
    (10, 30, _poison_adam, "a value in opt_d.state.2.exp_avg became nan at step 10"),
    # the last step's update writes NaN: its losses were finite, and no kept step checked it
    (8, 8, _poison_weight, "a value in D.net.0.weight became nan at step 8"),
], ids=["adam-on-a-kept-step", "weights-on-the-last-step"])
def test_train_never_writes_a_state_that_is_not_finite(tmp_path, monkeypatch, capsys, at, steps, poison, said):
    monkeypatch.setattr(lastgood, "GOOD_EVERY", 5)
    monkeypatch.setattr(Trainer, "step", _poisoned_after(at, Trainer.step, poison))
    out = str(tmp_path / "nan.pt")
    code = cli.main(["train", *SMALL_RING8, "--steps", str(steps), "--out", out])
    err = capsys.readouterr().err
    assert code == 1 and said in err and f"{out} holds the last good state (step 5)" in err
    assert _all_finite(out) and load_checkpoint(out)["trainer"]["step"] == 5


def test_train_writes_nothing_when_even_its_first_state_is_not_finite(tmp_path, monkeypatch, capsys):
    real_begin = cli_train.begin

    def begin(args):
        trainer, records, name = real_begin(args)
        with torch.no_grad():
            _poison_weight(trainer)
        return trainer, records, name
    monkeypatch.setattr(cli_train, "begin", begin)
    out = tmp_path / "nan.pt"
    code = cli.main(["train", *SMALL_RING8, "--steps", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "the d loss became nan at step 1" in err
    assert "the state the run began from (step 0) was not finite either (D.net.0.weight is nan)" in err
    assert f"nothing was written to {out}" in err and not out.exists() and list(tmp_path.iterdir()) == []
