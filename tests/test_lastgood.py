"""LastGood: NaN recovery rolls back to a state that was all finite (weights, batch norm statistics, both Adams'
moments), even when the bad value lands on a kept step or never shows in a loss."""
import math
from types import SimpleNamespace

import pytest
import torch

from ganlib import Dataset, StepStats, Trainer, preset
from ganlib.engine import lastgood
from ganlib.words.describe import status_message
from ganlib.engine.lastgood import LastGood
from ganlib.run.state import Problem, Reason, Status


def small_ring8():
    return preset("ring8").replace(batch_size=32, g_width=16, d_width=16).validate()


def small_fast_digits():
    """fast-digits' G has batch norm; on 64 random images, so that it builds in a moment."""
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8, generator=g)
    cfg = preset("fast-digits").replace(batch_size=16, g_width=8, d_width=8, latent_dim=4, ema_calibrate=64)
    return cfg.validate(), Dataset("random", (1, 28, 28), 64, images=images)


def floats(state, prefix=""):
    """{name: a copy} of every float tensor in a nested state, named as LastGood names them."""
    if torch.is_tensor(state):
        return {prefix: state.detach().clone()} if state.is_floating_point() else {}
    items = state.items() if isinstance(state, dict) else enumerate(state) if isinstance(state, (list, tuple)) else ()
    return {n: v for k, s in items for n, v in floats(s, f"{prefix}.{k}" if prefix else str(k)).items()}


def all_finite(tensors: dict) -> bool:
    return all(torch.isfinite(v.float()).all() for v in tensors.values())


def poisoned_after(step_no, real_step, poison):
    """A Trainer.step that, after its update of step `step_no`, hides a NaN or an inf in the state where `poison`
    puts it, as a bad update does: that step's losses were computed before the update and stay finite."""
    def step(self):
        stats = real_step(self)
        if self.step_count == step_no:
            with torch.no_grad():
                poison(self)
            assert LastGood.bad_value(stats) is None
        return stats
    return step


def d_weight(t):
    next(t.D.parameters()).view(-1)[0] = math.nan


def adam_moment(t):
    t.opt_d.state[list(t.D.parameters())[2]]["exp_avg_sq"].view(-1)[0] = math.inf


def bn_running_var(t):
    t.G.net[1].running_var[0] = math.nan


@pytest.mark.parametrize("make, at, poison, name", [
    (lambda: (small_ring8(), None), 10, d_weight, "D.net.0.weight"),
    # an inf exp_avg_sq only freezes its weight: no loss ever shows it, and every later update carries it
    (lambda: (small_ring8(), None), 10, adam_moment, "opt_d.state.2.exp_avg_sq"),
    # G trains on batch statistics, so its losses stay finite (steps 8 and 9 read them) while its samples
    # in eval mode are NaN: only the state's check at the kept step 10 can find it
    (small_fast_digits, 7, bn_running_var, "G.net.1.running_var"),
], ids=["nan-weight", "inf-adam-moment", "nan-bn-running-var"])
def test_a_state_not_all_finite_is_not_kept_and_rolls_back_to_the_kept_step_before(monkeypatch, make, at, poison,
                                                                                      name):
    monkeypatch.setattr(Trainer, "step", poisoned_after(at, Trainer.step, poison))
    t = Trainer(*make())
    good = LastGood(t, every=5)
    seen = {}
    for _ in range(30):
        stats = t.step()
        seen[t.step_count] = floats(t.state_dict())
        if not good.after_step(t, stats):
            break
    step, what, value = good.bad
    assert (t.step_count, step, what) == (10, 10, name) and not math.isfinite(value)
    assert good.step == 5  # step 10's state was not finite: it was not kept

    assert good.restore(t) == 5 and t.step_count == 5
    now = floats(t.state_dict())
    assert all_finite(now) and now.keys() == seen[5].keys()
    assert [k for k in now if not torch.equal(now[k], seen[5][k])] == []


@pytest.mark.parametrize("what, says", [
    ("d_loss", "The d loss became nan at step 11."),
    ("G.net.1.running_var", "A value in G.net.1.running_var became nan at step 11."),
])
def test_the_app_says_what_became_nan_a_loss_or_a_tensor(what, says):
    snap = SimpleNamespace(status=Status.PAUSED, reason=Reason.NAN, step=5, problem=Problem(what, math.nan, 11, 5))
    level, text = status_message(snap)
    assert level == "warning" and text.startswith(says) and "rolled back to step 5" in text


def test_bad_value_names_the_first_non_finite_field():
    assert LastGood.bad_value(StepStats(0.1, 0.2, 0.5, 0.5, -1.3)) is None
    name, value = LastGood.bad_value(StepStats(0.1, math.nan, 0.5, math.inf, -1.3))
    assert name == "g_loss" and math.isnan(value)


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
        runs.append(floats(t.state_dict()))
    assert all(torch.equal(run[k], runs[0][k]) for run in runs[1:] for k in runs[0])


def test_default_every_is_read_when_made(monkeypatch):
    monkeypatch.setattr(lastgood, "GOOD_EVERY", 7)
    assert LastGood(Trainer(small_ring8())).every == 7
