"""What the Train page's controls do, with no UI in it: check a form, decide which buttons work, start and step.

The page stays a list of widgets; the rules ("Start continues an idle run
loaded from a checkpoint, otherwise begins a new one") live here, where the
tests can reach them without a browser.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .config import TrainConfig, coerce, field_meta
from .describe import can_resume

if TYPE_CHECKING:  # only for hints: importing the runner imports torch, which the first page paint can skip
    from .runner import Runner

STEP_WAIT_S = 15.0   # a Step press waits this long at most for the step to land, so the page shows it
STATUS_WAIT_S = 5.0  # Start and Resume wait this long at most for the worker to report it is running


def check(values: dict) -> tuple[TrainConfig | None, str, str]:
    """Form values (maybe strings) -> (config, "", "") or (None, bad field, message naming it)."""
    clean = {}
    try:
        for name, v in values.items():
            clean[name] = coerce(name, v.strip() if isinstance(v, str) and _is_number(name) else v)
        return TrainConfig(**clean).validate(), "", ""
    except ValueError as e:
        msg = str(e)
        return None, msg.split(":", 1)[0], msg


def _is_number(name: str) -> bool:
    return field_meta(name)["lo"] is not None


def buttons(runner: Runner | None, form_ok: bool) -> dict[str, bool]:
    """Which of start, pause, resume, step, stop, reset can be pressed now."""
    if runner is None:
        return dict(start=form_ok, pause=False, resume=False, step=form_ok, stop=False, reset=False)
    snap = runner.snapshot()
    s, resumable = snap.status, can_resume(snap, runner.alive)
    fresh = not active(runner)  # a finished or failed run: Start and Step begin a new one from the form
    return dict(start=s == "idle" or (fresh and form_ok), pause=s == "running", resume=resumable,
                step=s in ("idle", "paused") or (fresh and form_ok), stop=s in ("running", "paused"),
                reset=True)


def active(runner: Runner | None) -> bool:
    """A run that can still go on; while there is one, the form is replaced by live controls."""
    if runner is None:
        return False
    snap = runner.snapshot()
    return snap.status in ("idle", "paused", "running") or can_resume(snap, runner.alive)


def live(runner: Runner | None) -> bool:
    """Whether the live fields (lr_g, lr_d, d_steps, epochs) can still change the run, e.g. to extend a finished one."""
    if runner is None:
        return False
    status = runner.snapshot().status
    return status in ("idle", "paused", "running") or (status == "finished" and runner.alive)


def start(studio, cfg: TrainConfig | None) -> Runner:
    """Start the idle run (one loaded from a checkpoint), or a new run from `cfg`."""
    runner = studio.runner
    if runner is None or runner.snapshot().status != "idle":
        runner = studio.new_run(cfg)
    runner.start()
    return _wait(runner, lambda snap: snap.status != "idle")


def resume(runner: Runner) -> Runner:
    before = runner.snapshot().status
    runner.resume()
    return _wait(runner, lambda snap: snap.status != before)


def step(studio, cfg: TrainConfig | None, timeout: float = STEP_WAIT_S) -> Runner:
    """One step of the current run (a new paused one if there is none), waiting until it is done."""
    runner = studio.runner
    if not active(runner) or runner.snapshot().status not in ("idle", "paused"):
        runner = studio.new_run(cfg)
    before = runner.snapshot().step
    runner.step_once()
    return _wait(runner, lambda snap: _landed(snap, before), timeout)


def _wait(runner: Runner, done, timeout: float = STATUS_WAIT_S) -> Runner:
    """Poll the snapshot until done(snapshot): the worker publishes on its own thread, and the page
    should show the state the button asked for, not the one before it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done(runner.snapshot()):
        time.sleep(0.01)
    return runner


def _landed(snap, before: int) -> bool:
    """The asked-for step shows in the snapshot, or the run ended, or a NaN paused it (with its own reason)."""
    return (snap.step > before or snap.status in ("running", "finished", "failed")
            or (snap.status == "paused" and snap.reason != "paused by you"))


def press(label: str, studio, cfg: TrainConfig | None) -> None:
    """What a Train page button does: Start, Pause, Resume, Step, Stop or Reset."""
    runner = studio.runner
    actions = {"Start": lambda: start(studio, cfg), "Pause": lambda: runner.pause(),
               "Resume": lambda: resume(runner), "Step": lambda: step(studio, cfg),
               "Stop": lambda: runner.stop(), "Reset": lambda: studio.reset()}
    if label not in actions:
        raise ValueError(f"button: unknown {label!r}; one of {', '.join(actions)}")
    actions[label]()


def apply_live(runner: Runner, name: str, raw) -> str | None:
    """A live change typed into the Train page (lr_g, lr_d, d_steps, epochs): None, or the error naming the field."""
    try:
        runner.update(**{name: coerce(name, raw)})
    except ValueError as e:
        return str(e)
    return None
