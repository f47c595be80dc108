"""LastGood: NaN recovery rolls back to a state whose weights were finite, even when the bad update lands on a kept step."""
import math

import pytest
import torch

from ganlib import StepStats, Trainer, cli, lastgood, load_checkpoint, preset
from ganlib.lastgood import LastGood

BAD_STEP = 10  # a kept step (every = 5): its update writes NaN while the losses it reports are finite


def small_ring8():
    return preset("ring8").replace(batch_size=32, g_width=16, d_width=16).validate()


def weights(t):
    return [v.clone() for v in list(t.G.state_dict().values()) + list(t.D.state_dict().values())]


def finite(tensors):
    return all(torch.isfinite(v.float()).all() for v in tensors)


def nan_update_at(step_no, real_step):
    """A Trainer.step whose optimizer update of step `step_no` writes NaN into D (as a bad update does):
    that step's losses were computed before the update and stay finite; the next step's are NaN."""
    def step(self):
        stats = real_step(self)
        if self.step_count == step_no:
            with torch.no_grad():
                next(self.D.parameters()).view(-1)[0] = math.nan
            assert LastGood.bad_value(stats) is None
        return stats
    return step


def test_bad_value_names_the_first_non_finite_field():
    assert LastGood.bad_value(StepStats(0.1, 0.2, 0.5, 0.5, -1.3)) is None
    name, value = LastGood.bad_value(StepStats(0.1, math.nan, 0.5, math.inf, -1.3))
    assert name == "g_loss" and math.isnan(value)


def test_nan_written_on_a_kept_step_rolls_back_to_the_kept_step_before(monkeypatch):
    monkeypatch.setattr(Trainer, "step", nan_update_at(BAD_STEP, Trainer.step))
    t = Trainer(small_ring8())
    good = LastGood(t, every=5)
    assert good.step == 0
    seen = {}
    while True:
        stats = t.step()
        seen[t.step_count] = weights(t)
        if not good.after_step(t, stats):
            break
    assert t.step_count == BAD_STEP + 1 and not finite(weights(t))
    assert good.step == 5  # step 10's losses were finite, but its weights were not: it was not kept

    assert good.restore(t) == 5 and t.step_count == 5
    assert finite(weights(t))
    assert all(torch.equal(a, b) for a, b in zip(weights(t), seen[5]))


def test_the_kept_state_survives_training_after_a_restore():
    """restore loads a copy: the optimizers must not go on to update the kept tensors (Adam's moments) in place."""
    t = Trainer(small_ring8())
    good = LastGood(t, every=2)
    for _ in range(2):
        good.after_step(t, t.step())
    runs = []
    for restore in (False, True, True):
        if restore:
            assert good.restore(t) == 2 and t.step_count == 2
        for _ in range(3):
            t.step()
        runs.append(weights(t))
    assert all(torch.equal(a, b) for run in runs[1:] for a, b in zip(run, runs[0]))


def test_default_every_is_read_when_made(monkeypatch):
    monkeypatch.setattr(lastgood, "GOOD_EVERY", 7)
    assert LastGood(Trainer(small_ring8())).every == 7


def test_cli_train_writes_finite_weights_after_a_nan_on_a_kept_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lastgood, "GOOD_EVERY", 5)
    monkeypatch.setattr(Trainer, "step", nan_update_at(BAD_STEP, Trainer.step))
    out = str(tmp_path / "nan.pt")
    code = cli.main(["train", "--preset", "ring8", "--set", "batch_size=32", "--set", "g_width=16",
                     "--set", "d_width=16", "--steps", "30", "--out", out])
    err = capsys.readouterr().err
    assert code == 1
    assert f"at step {BAD_STEP + 1}" in err and "last good state (step 5)" in err and "d loss became nan" in err
    state = load_checkpoint(out)["trainer"]
    assert state["step"] == 5
    assert finite(list(state["G"].values()) + list(state["D"].values()))
