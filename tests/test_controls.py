"""The Train page's rules without a browser: button actions, live changes typed in the form, the progress line."""
import pytest

from ganlib import TrainConfig
from ganlib.classroom import controls


class FakeRunner:
    def __init__(self):
        self.calls = []
        self.settings = TrainConfig(lr_g=2.5e-4)   # the config in force

    def wait(self, predicate, timeout):
        return None

    def update(self, **changes):
        self.calls.append(("update", changes))

    def pause(self):
        self.calls.append(("pause",))

    def stop(self):
        self.calls.append(("stop",))


class FakeVisitor:
    def __init__(self):
        self.runner, self.twin, self.resets = FakeRunner(), None, 0

    def reset(self):
        self.resets += 1


def test_live_change_is_coerced_and_applied():
    r = FakeRunner()
    assert controls.apply_live(r, "lr_g", "3e-4") is None
    assert r.calls == [("update", {"lr_g": 3e-4})]


def test_live_change_that_is_not_a_number_names_the_field_and_changes_nothing():
    r = FakeRunner()
    msg = controls.apply_live(r, "lr_g", "fast")
    assert msg.startswith("lr_g:") and "a number from" in msg
    assert msg.endswith("lr_g stays 2.5e-4.")   # the value in force, which the page puts back in the box
    assert r.calls == [] and controls.in_force(r, "lr_g") == "2.5e-4" and controls.in_force(r, "epochs") == "10"


@pytest.mark.parametrize("label,call", [("Pause", ("pause",)), ("Stop", ("stop",))])
def test_buttons_run_their_action(label, call):
    s = FakeVisitor()
    controls.press(label, s, None)
    assert s.runner.calls == [call]


@pytest.mark.parametrize("label,call", [("Pause", ("pause",)), ("Stop", ("stop",))])
def test_pause_and_stop_act_on_both_runs_of_a_side_by_side_pair(label, call):
    s = FakeVisitor()
    s.twin = FakeRunner()
    controls.press(label, s, None)
    assert s.runner.calls == s.twin.calls == [call]


def test_reset_button_resets_the_visitor_and_unknown_buttons_are_refused():
    s = FakeVisitor()
    controls.press("Reset", s, None)
    assert s.resets == 1
    with pytest.raises(ValueError, match="button: unknown 'Go'"):
        controls.press("Go", s, None)


def test_progress_line_shows_speed_and_time_left_only_while_running_else_the_status():
    from types import SimpleNamespace

    from ganlib import preset
    from ganlib.words.describe import progress_line
    from ganlib.run.state import Reason, Status
    snap = SimpleNamespace(status=Status.RUNNING, reason=Reason.NONE, epoch=2.0, step=150, steps_per_sec=80.0,
                           eta_seconds=90.0, config=preset("fast-digits"))
    assert progress_line(snap) == "epoch 2.0 / 200 · step 150 · 80.0 steps/s · 1m 30s left"
    snap.status = Status.PAUSED
    assert progress_line(snap) == "epoch 2.0 / 200 · step 150 · paused"
