"""RunRecord: the step record the Runner and the command line share (run/record.py).

A NaN rollback is tested here once, for both: the weights, the curve and the
sample timeline go back to the last good state together. The Runner's tests
check that it pauses and says so; the CLI's, that it writes that state.
"""
import math

import torch

from ganlib import StepStats, Trainer, preset
from ganlib.run.history import Curve, Records, Timeline
from ganlib.run.record import RunRecord


def toy(**changes):
    return preset("ring8").replace(**{"batch_size": 64, "sample_every": 2, **changes}).validate()


def state_of(t: Trainer) -> list[torch.Tensor]:
    return [v.clone() for part in (t.G, t.D) for v in part.state_dict().values()]


def test_a_record_stays_bounded_and_keeps_its_first_frame():
    t = Trainer(toy(sample_every=1))
    record = RunRecord(t, Records(curve=Curve(capacity=8), timeline=Timeline(capacity=5)))
    for _ in range(120):
        assert record.after_step(t.step(), 0.01, record.due())
    assert len(record.curve.rows) <= 8 and len(record.timeline.frames) <= 5
    assert record.timeline.frames[0].step == 0 and record.timeline.frames[-1].step == 120
    assert math.isclose(record.seconds, 1.2) and math.isclose(record.rate, 100.0)


def test_a_nan_rolls_the_weights_the_curve_and_the_samples_back_together():
    t = Trainer(toy())
    record, kept = RunRecord(t, good_every=4), {}
    for _ in range(7):
        stats = t.step()
        if t.step_count == 7:   # step 7 reports a NaN loss and leaves NaN weights behind
            with torch.no_grad():
                for p in t.D.parameters():
                    p.fill_(math.nan)
            stats = StepStats(math.nan, stats.g_loss, stats.d_real, stats.d_fake, math.nan)
        kept[t.step_count] = state_of(t)
        if not record.after_step(stats, 0.01, record.due()):
            break
    assert t.step_count == 7 and record.curve.rows[-1][0] == 6
    bad_step, what, value, good = record.rollback()
    assert (bad_step, what, good, t.step_count) == (7, "d_loss", 4, 4) and math.isnan(value)
    assert all(torch.equal(a, b) for a, b in zip(state_of(t), kept[4]))
    assert [r[0] for r in record.curve.rows] == [1, 2, 3, 4]
    assert [f.step for f in record.timeline.frames] == [0, 2, 4]
    assert record.after_step(t.step(), 0.01, record.due()) and t.step_count == 5   # it trains on from there


def test_changes_are_recorded_once_each_and_a_payload_brings_the_record_back():
    t = Trainer(toy())
    record = RunRecord(t)
    for _ in range(3):
        record.after_step(t.step(), 0.01, record.due())
    record.change(lr_g=7e-4, lr_d=t.cfg.lr_d)   # lr_d is unchanged: no event for it
    assert [(e.step, e.field, e.new) for e in record.events] == [(3, "lr_g", 7e-4)]
    assert record.finish()
    back = Records.from_payload(record.payload("ring8"))
    assert back.curve.rows == record.curve.rows and back.events == record.events
    assert [f.step for f in back.timeline.frames] == [f.step for f in record.timeline.frames]
    assert math.isclose(back.seconds, record.seconds)
