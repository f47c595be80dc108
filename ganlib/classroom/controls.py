"""What the Train page's controls do, with no UI in it: check a form, decide which buttons work, start and step.

The page stays a list of widgets; the rules ("Start begins an idle run loaded
from a checkpoint, otherwise a new one") live here, where the tests reach them
without a browser. Every decision is made from a Snapshot's types.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ganlib.engine.config import TrainConfig, coerce, field_meta
from ganlib.engine.kinds import StrEnum
from ganlib.errors import FieldError
from ganlib.words.describe import BUTTON_LABELS, exact_number
from ganlib.run.state import Part, Reason, Status

if TYPE_CHECKING:
    from ganlib.run.runner import Runner
    from ganlib.run.snapshot import Snapshot
    from ganlib.classroom.visitor import Visitor

STEP_WAIT_S = 15.0   # a Step press waits this long at most for the step to land, so the page shows it
STATUS_WAIT_S = 5.0  # Start and Resume wait this long at most for the run to report it is running


class Action(StrEnum):
    """What a Train page button does, in the row's order (its label: words/describe.py's BUTTON_LABELS)."""
    START = "start"     # the idle run (one loaded from a checkpoint), or a new one from the form
    PAUSE = "pause"
    RESUME = "resume"
    STEP = "step"       # one step of the current run, or of a new paused one
    STOP = "stop"
    RESET = "reset"     # let the current run go (Visitor.reset)


def check(values: dict, data_paths: Callable[[str], str] | None = None) -> tuple[TrainConfig | None, str, str]:
    """Form values (maybe strings) -> (config, "", "") or (None, bad field, message naming it).
    data_paths: what data_path may name (a visitor's Space.data_path), checked here so Start waits for it."""
    clean = {}
    try:
        for name, v in values.items():
            clean[name] = coerce(name, v.strip() if isinstance(v, str) and _is_number(name) else v)
        cfg = TrainConfig(**clean).validate()
    except FieldError as e:
        return None, e.field, str(e)
    if cfg.dataset == "folder" and data_paths is not None:
        try:
            data_paths(cfg.data_path)
        except ValueError as e:   # whatever it refuses (no such upload, a server path), data_path's box says it
            return None, "data_path", str(e)
    return cfg, "", ""


def _is_number(name: str) -> bool:
    return field_meta(name)["lo"] is not None


def buttons(snap: Snapshot | None, form_ok: bool) -> dict[Action, bool]:
    """Which Actions can be pressed now."""
    if snap is None:
        return {Action.START: form_ok, Action.PAUSE: False, Action.RESUME: False, Action.STEP: form_ok,
                Action.STOP: False, Action.RESET: False}
    s, fresh = snap.status, not snap.is_active  # an ended run: Start and Step begin a new one from the form
    return {Action.START: s is Status.IDLE or (fresh and form_ok), Action.PAUSE: s is Status.RUNNING,
            Action.RESUME: snap.can_resume, Action.STEP: s in (Status.IDLE, Status.PAUSED) or (fresh and form_ok),
            Action.STOP: s in (Status.LOADING, Status.QUEUED, Status.RUNNING, Status.PAUSED, Status.IDLE),
            Action.RESET: True}


def start(visitor: Visitor, cfg: TrainConfig | None, *, new: bool = False) -> Runner:
    """Start the idle run (one loaded from a checkpoint), or a new run from `cfg`; new=True: always a new one.

    The Train page's Start means "this run", whichever it is; a button that names its run (the Theory lab's
    toys and demos) passes new=True, or it started a checkpoint loaded on the Checkpoints page instead."""
    runner, snap = visitor.runner, visitor.snapshot()
    if new or snap is None or snap.status not in (Status.LOADING, Status.IDLE):
        runner = visitor.new_run(cfg)
    runner.start()
    runner.wait(lambda s: s.status not in (Status.LOADING, Status.IDLE), STATUS_WAIT_S)
    return runner


def start_pair(visitor: Visitor, lead: str, twin: str) -> Runner:
    """Start two presets side by side (Visitor.new_pair: one slot, turns a step each), waiting until both show
    it; returns the lead."""
    pair = visitor.new_pair(lead, twin)
    for r in pair:
        r.start()
    for r in pair:
        r.wait(lambda s: s.status not in (Status.LOADING, Status.IDLE), STATUS_WAIT_S)
    return pair[0]


def resume(runner: Runner, *also: Runner) -> Runner:
    """Resume the run (and the twin of a side-by-side pair: `also`), waiting until each shows it."""
    for r in (runner, *also):   # all asked first: a twin does not train alone while its lead is waited for
        r.resume()
    for r in (runner, *also):
        r.wait(lambda s: s.status is not Status.PAUSED and not s.can_resume, STATUS_WAIT_S)
    return runner


def step(visitor: Visitor, cfg: TrainConfig | None, timeout: float = STEP_WAIT_S) -> Runner:
    """One step of the current run (a new paused one if there is none), waiting until it is done."""
    runner, snap = visitor.runner, visitor.snapshot()
    if snap is None or snap.status not in (Status.LOADING, Status.IDLE, Status.PAUSED):
        runner, snap = visitor.new_run(cfg), None
    before = snap.step if snap is not None else 0
    runner.step()
    runner.wait(lambda s: landed(s, before), timeout)
    return runner


def half_step(runner: Runner, part: Part, timeout: float = STEP_WAIT_S) -> None:
    """Step D or Step G (Part.D, Part.G) of an idle or paused run, waiting until it shows (Snapshot.half_steps)."""
    before = runner.snapshot().half_steps
    runner.step(part)
    runner.wait(lambda s: s.half_steps != before or s.status not in (Status.IDLE, Status.PAUSED)
                or s.reason is not Reason.BY_USER, timeout)


def landed(snap: Snapshot, before: int) -> bool:
    """The asked-for step shows, or the run ended, or a NaN paused it (with its own reason)."""
    return (snap.step > before or snap.status in (Status.RUNNING, Status.FINISHED) or snap.ended
            or (snap.status is Status.PAUSED and snap.reason is not Reason.BY_USER))


def press(action: Action | str, visitor: Visitor, cfg: TrainConfig | None) -> None:
    """What a Train page button does (an Action, or its button's label: action_of). Pause, Resume and Stop act on
    both runs of a side-by-side pair (Visitor.twin): the pair is one demo."""
    runner, twin = visitor.runner, visitor.twin
    pair = (runner, twin) if twin is not None else (runner,)
    does = {Action.START: lambda: start(visitor, cfg), Action.PAUSE: lambda: _pause(*pair),
            Action.RESUME: lambda: resume(*pair), Action.STEP: lambda: step(visitor, cfg),
            Action.STOP: lambda: _stop(*pair), Action.RESET: visitor.reset}
    does[action_of(action)]()


def action_of(pressed: Action | str) -> Action:
    """The Action of a button, from the Action itself or its label ("Pause": scripts and tests name buttons as
    people read them); ValueError for anything else."""
    for action in Action:
        if pressed == action or pressed == BUTTON_LABELS[action]:
            return action
    raise ValueError(f"button: unknown {pressed!r}; one of {', '.join(BUTTON_LABELS[a] for a in Action)}")


def _pause(*runners: Runner) -> None:
    for r in runners:
        r.pause()
    for r in runners:
        r.wait(lambda s: s.status is not Status.RUNNING, STATUS_WAIT_S)


def _stop(*runners: Runner) -> None:
    for r in runners:
        r.stop()
    for r in runners:
        r.wait(lambda s: s.ended, STATUS_WAIT_S)


def apply_live(runner: Runner, name: str, raw) -> str | None:
    """A live change typed into the Train page (lr_g, lr_d, d_steps, epochs): None, or the error naming the field
    and the value that stays in force (the page puts that value back in the box: see in_force)."""
    try:
        value = coerce(name, raw)
        runner.update(**{name: value})
    except ValueError as e:
        return f"{e}. {name} stays {in_force(runner, name)}."
    # the page redraws from the run's snapshot: wait (briefly) until it shows the change, so that raising a
    # finished run's epochs enables Resume at once
    runner.wait(lambda s: getattr(s.config, name) == value or s.ended, STATUS_WAIT_S)
    return None


def in_force(runner: Runner, name: str) -> str:
    """A live field's value in force, as its box shows it ("2e-4", "10")."""
    return exact_number(getattr(runner.settings, name))
