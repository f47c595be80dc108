"""The Train page's rules without a browser: button actions, live changes typed in the form, the progress line."""
import pytest

from ganlib import TrainConfig
from ganlib.classroom import controls
from ganlib.classroom.controls import Action
from ganlib.errors import DatasetError
from ganlib.words.describe import BUTTON_LABELS


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


class LoadedVisitor(FakeVisitor):
    """A visitor whose current run was loaded from a checkpoint and waits, idle, for Start."""
    def __init__(self):
        super().__init__()
        self.runner.start = lambda: self.runner.calls.append(("start",))
        self.made = []

    def snapshot(self):
        from types import SimpleNamespace
        from ganlib.run.state import Status
        return SimpleNamespace(status=Status.IDLE)

    def new_run(self, cfg):
        self.made.append(cfg)
        self.runner = FakeRunner()
        self.runner.start = lambda: self.runner.calls.append(("start",))
        return self.runner


def test_start_begins_the_loaded_run_but_a_named_run_replaces_it():
    s = LoadedVisitor()
    loaded = s.runner
    controls.start(s, TrainConfig(dataset="gauss-1d", model="toy-mlp"))   # the Train page's Start: this run
    assert loaded.calls == [("start",)] and s.made == []
    s = LoadedVisitor()
    loaded, toy = s.runner, TrainConfig(dataset="gauss-1d", model="toy-mlp")
    controls.start(s, toy, new=True)                                      # the Theory lab's "Start gauss-1d"
    assert loaded.calls == [] and s.made == [toy] and s.runner.calls == [("start",)]


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
    # where the line before says it already (the sidebar, the projector), once: a class pass read it twice
    assert progress_line(snap, status=False) == "epoch 2.0 / 200 · step 150"


def test_each_action_has_its_label_and_is_pressed_by_either():
    assert [BUTTON_LABELS[a] for a in Action] == ["Start", "Pause", "Resume", "Step", "Stop", "Reset"]
    assert all(controls.action_of(a) is a and controls.action_of(BUTTON_LABELS[a]) is a for a in Action)
    s = FakeVisitor()
    controls.press(Action.PAUSE, s, None)
    assert s.runner.calls == [("pause",)]
    assert controls.buttons(None, form_ok=True) == {Action.START: True, Action.PAUSE: False, Action.RESUME: False,
                                                    Action.STEP: True, Action.STOP: False, Action.RESET: False}


@pytest.mark.parametrize("values,field", [({"lr_g": "fast"}, "lr_g"), ({"dataset": "ring8"}, "model"),
                                          ({"dataset": "folder"}, "data_path")])
def test_check_names_the_bad_field(values, field):
    cfg, bad, msg = controls.check(values)
    assert cfg is None and bad == field and msg.startswith(f"{field}: ")


def test_check_puts_what_data_paths_refuses_under_data_path():
    def refuse(path):
        raise DatasetError("you have no uploaded images named 'x'")   # no field in the sentence: the box is known
    cfg, bad, msg = controls.check({"dataset": "folder", "data_path": "x"}, refuse)
    assert (cfg, bad, msg) == (None, "data_path", "you have no uploaded images named 'x'")


def snap_of(status, step, reason=None, epoch=0.0):
    from ganlib.run.snapshot import Snapshot
    from ganlib.run.state import Reason
    return Snapshot(run_id="1-a", version=1, status=status, reason=reason or Reason.NONE, config=TrainConfig(),
                    kind="image", step=step, epoch=epoch, preset="ring8")


@pytest.mark.parametrize("status, step, asks", [
    ("running", 0, True), ("running", 500, True), ("queued", 0, True), ("paused", 40, True), ("loading", 0, True),
    ("finished", 3000, True), ("stopped", 12, True),
    ("idle", 0, False),      # a new run, set up and never started: nothing to lose
    ("idle", 4000, False),   # a checkpoint loaded and not started since: it is still in its file
    ("stopped", 0, False), ("failed", 80, False)])
def test_a_load_asks_first_when_it_would_replace_a_run_that_is_going(status, step, asks):
    from ganlib.run.state import Status
    assert controls.load_asks(snap_of(Status(status), step)) is asks
    assert controls.load_asks(None) is False


def test_the_question_and_the_lines_after_a_load_say_what_happened():
    from ganlib.run.state import Status
    from ganlib.words.describe import loaded_line, replace_question
    q = replace_question(snap_of(Status.RUNNING, 1234))
    assert q.startswith("This replaces your current run (ring8, step 1,234, running)") and "watch link" in q
    assert loaded_line("a.pt", 20, snap_of(Status.RUNNING, 20), True) == (
        "success", "Resumed a.pt at step 20: it trains on. Watch it on the Train page.")
    assert "waits for a free training slot" in loaded_line("a.pt", 20, snap_of(Status.QUEUED, 20), True)[1]
    assert loaded_line("a.pt", 20, snap_of(Status.IDLE, 20, epoch=1.0), False)[1].startswith(
        "Loaded a.pt at step 20: press Start")
    used = loaded_line("a.pt", 20, snap_of(Status.IDLE, 20, epoch=10.0), True)   # TrainConfig's 10 epochs all used
    assert used[0] == "info" and "10 epochs all used" in used[1]


def test_a_start_whose_run_fails_at_once_says_why_to_the_button_that_was_pressed():
    from ganlib.run.state import Problem, Reason, Status
    failed = snap_of(Status.FAILED, 0, Reason.DATA_ERROR)
    failed = type(failed)(**{**failed.__dict__, "problem": Problem(message="mnist must be downloaded once")})

    class Pressed(FakeVisitor):
        def snapshot(self):
            return None

        def new_run(self, cfg):
            self.runner.start, self.runner.step = (lambda: None), (lambda part=None: None)
            self.runner.wait = lambda predicate, timeout: failed
            return self.runner

    for press in (lambda v: controls.start(v, TrainConfig()), lambda v: controls.step(v, TrainConfig())):
        with pytest.raises(ValueError, match="^The data could not be loaded: mnist must be downloaded once$"):
            press(Pressed())
