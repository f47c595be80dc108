"""StepStats stay on the device until read, a step reads nothing back to the host, and LastGood reads
them every few steps on a GPU while still naming the step where a NaN appeared."""
import math

import pytest
import torch

from ganlib import StepStats, Trainer, cli, load_checkpoint, preset
from ganlib.engine import lastgood
from ganlib.engine.lastgood import LastGood

HOST_READS = ("item", "tolist", "__bool__", "__float__", "__int__", "numpy")


def small(name, **changes):
    base = dict(batch_size=8, g_width=8, d_width=8) if not preset(name).is_toy else dict(batch_size=32)
    return preset(name).replace(**{**base, **changes}).validate()


def test_stats_are_read_once_for_all_five_and_many_steps_at_once():
    a = StepStats.pending(torch.tensor([0.5, 1.0, 0.6, 0.4, -1.3]))
    b = StepStats.pending(torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5]))
    assert not a.is_read and repr(a) == "StepStats(unread)"
    StepStats.read_all([a, b])
    assert a.is_read and b.is_read and a.tensor is None
    assert (a.d_loss, a.g_loss, a.value) == (0.5, 1.0, pytest.approx(-1.3))
    assert b.as_dict() == pytest.approx(dict(d_loss=0.1, g_loss=0.2, d_real=0.3, d_fake=0.4, value=0.5))
    assert StepStats(0.5, 1, 0.6, 0.4, -1.3) == StepStats.pending(torch.tensor([0.5, 1.0, 0.6, 0.4, -1.3], dtype=torch.float64))


@pytest.mark.parametrize("name, changes", [
    ("fast-digits", {}), ("tf-dcgan", {}), ("ring8", dict(loss="wgan-gp")),
    ("keras-convgan", dict(r1_weight=1.0, augment="translation")), ("gauss-1d", {}),
])
def test_a_step_reads_nothing_back_to_the_host(name, changes, monkeypatch):
    """On a GPU each such read waits for the GPU to finish its queue; a step must make none (here on the
    CPU every way a tensor's value reaches Python raises)."""
    t = Trainer(small(name, **changes))
    t.step()

    def host_read(*a, **k):
        raise AssertionError("a step read a tensor's value back to the host")
    for attr in HOST_READS:
        monkeypatch.setattr(torch.Tensor, attr, host_read)
    stats = t.step()
    monkeypatch.undo()
    assert not stats.is_read and all(math.isfinite(v) for v in stats.values())


def nan_at(step_no):
    """Trainer.step whose step `step_no` writes NaN into D after its (finite) losses were measured."""
    real_step = Trainer.step

    def step(self):
        stats = real_step(self)
        if self.step_count == step_no:
            with torch.no_grad():
                next(self.D.parameters()).view(-1)[0] = math.nan
        return stats
    return step


def test_reading_every_few_steps_names_the_first_bad_step_and_keeps_only_read_states(monkeypatch):
    monkeypatch.setattr(Trainer, "step", nan_at(9))
    t = Trainer(small("ring8"))
    good = LastGood(t, every=6, read_every_n=4)
    results = {}
    while True:
        stats = t.step()
        results[t.step_count] = (good.after_step(t, stats), stats.is_read)
        if not results[t.step_count][0]:
            break
    # read at 4, at the kept step 6 and at 8; step 10's NaN loss (after step 9's bad update) is read at 12
    assert [s for s, (_, read) in results.items() if read] == [4, 6, 8, 12]
    assert t.step_count == 12 and good.bad[0] == 10 and good.bad[1] == "d_loss" and math.isnan(good.bad[2])
    assert good.step == 6 and good.restore(t) == 6 and good.bad is None


def test_cli_reads_the_last_unread_steps_before_saving(tmp_path, monkeypatch, capsys):
    """A NaN in the last steps of a run, still unread when the budget ends, is not saved as a good state."""
    monkeypatch.setattr(lastgood, "GOOD_EVERY", 5)
    monkeypatch.setattr(lastgood, "read_every", lambda device: 100)
    monkeypatch.setattr(Trainer, "step", nan_at(6))
    out = str(tmp_path / "nan.pt")
    code = cli.main(["train", "--preset", "ring8", "--set", "batch_size=32", "--steps", "8", "--out", out])
    assert code == 1 and "at step 7" in capsys.readouterr().err
    assert load_checkpoint(out)["trainer"]["step"] == 5
