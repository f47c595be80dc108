"""What the Train and Checkpoints pages' controls do, with no UI in it: check a form, decide which buttons work,
start and step, load a checkpoint and train on from it.

The page stays a list of widgets; the rules ("Start begins an idle run loaded
from a checkpoint, otherwise a new one"; "ask before a load replaces a run that is going") live here, where the
tests reach them without a browser. Every decision is made from a Snapshot's types.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ganlib.engine.config import TrainConfig, coerce, field_meta
from ganlib.engine.kinds import StrEnum
from ganlib.errors import CheckpointError, FieldError
from ganlib.words.describe import BUTTON_LABELS, exact_number, status_message
from ganlib.run.state import Part, Reason, Status

if TYPE_CHECKING:
    from ganlib.run.runner import Runner
    from ganlib.run.snapshot import Snapshot
    from ganlib.classroom.visitor import Visitor

STEP_WAIT_S = 15.0   # a Step press waits this long at most for the step to land, so the page shows it
STATUS_WAIT_S = 5.0  # Start and Resume wait this long at most for the run to report it is running
LOAD_WAIT_S = 60.0   # a checkpoint's run builds its data and models in its own thread: a load waits this long at most


class Action(StrEnum):
    """What a Train page button does, in the row's order (its label: words/describe.py's BUTTON_LABELS)."""
    START = "start"     # the idle run (one loaded from a checkpoint), or a new one from the form
    PAUSE = "pause"
    RESUME = "resume"
    STEP = "step"       # one step of the current run, or of a new paused one
    STOP = "stop"
    RESET = "reset"     # let the current run go (Visitor.reset)


class Load(StrEnum):
    """What a checkpoint's buttons on the Checkpoints page do."""
    RESUME = "resume"   # load it and train on from where it was saved
    LOAD = "load"       # load it and wait: Start on the Train page trains on, Step goes one step


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
    _failed(runner.wait(lambda s: s.status not in (Status.LOADING, Status.IDLE), STATUS_WAIT_S))
    return runner


def _failed(snap: Snapshot | None) -> None:
    """Raise ValueError with what went wrong when a pressed run failed meanwhile (its data could not be loaded):
    the page says it next to the button that was pressed, not only in the run's view far below it."""
    if snap is not None and snap.status is Status.FAILED:
        raise ValueError(status_message(snap)[1])


def load_asks(snap: Snapshot | None) -> bool:
    """Whether loading a checkpoint now must be confirmed first: it would replace a run that is going or has gone
    somewhere (training, queued, paused, or ended after some steps), which a class may be following on the watch
    link and which is lost unless saved. A run loaded and not started since (idle) is still in its file; a failed
    one has nothing to go on with."""
    return snap is not None and snap.status not in (Status.IDLE, Status.FAILED) and (snap.step > 0 or snap.is_active)


def load(visitor: Visitor, source, how: Load, wait: float = LOAD_WAIT_S) -> tuple[int, Snapshot]:
    """A checkpoint (path, bytes or payload) as the visitor's current run, in place of the one it has; Load.RESUME
    trains on from where it was saved at once (unless its epochs are all used: the snapshot says so). Returns the
    step it was saved at and the run's snapshot now; raises CheckpointError (a ValueError) for a file whose state does not fit its config, and
    ValueError for a run larger than the server allows."""
    runner = visitor.resume_from(source)
    snap = runner.wait(lambda s: s.status is not Status.LOADING, wait)
    if snap.ended:   # the file read fine but its state does not fit: said as for a bad file
        raise CheckpointError(snap.problem.message)
    if how is Load.RESUME and snap.epochs_left:
        start(visitor, None)
    return snap.step, runner.snapshot()


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
    _failed(runner.wait(lambda s: landed(s, before), timeout))
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
