"""A run's state in words a beginner understands: progress, status, live changes, the config, the presets, the
buttons and the saved checkpoints.

Used by the app's status panel and pages, and by the charts (event
labels); plain strings only, no UI code.
"""
from __future__ import annotations

import math
import time

from ganlib.engine.config import TrainConfig
from ganlib.engine.presets import FOR_GPU, PRESETS
from ganlib.run.history import Event
from ganlib.engine.kinds import kind_of
from ganlib.run.state import Reason, Status
from ganlib.settings import MB, megabytes
from ganlib.words.plain import CHOICES
from ganlib.words.lab_text import which_g

# the Train page's buttons, by their classroom.controls.Action (its values: words sit below classroom, and an
# Action is equal to its value)
SOURCE_LABELS = {"run": "Current run", "file": "Saved checkpoint", "upload": "Upload"}   # explore.walks.Source
BUTTON_LABELS = {"start": "Start", "pause": "Pause", "resume": "Resume", "step": "Step", "stop": "Stop",
                 "reset": "Reset"}


RATES = ("lr_g", "lr_d")   # written in the e form whatever their size (number, exact_number)


def number(v, field: str | None = None) -> str:
    """2e-4 rather than 0.0002 or 2.000000e-04, so learning rates read the way people say them. A learning rate
    (`field` in RATES) is written so at any size: a class's rows showed "3e-3" beside "0.01" (a class pass)."""
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    if v != 0 and math.isfinite(v) and (field in RATES or not 1e-2 <= abs(v) < 1e4):
        mantissa, exp = f"{v:.1e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:g}"


def exact_number(v, field: str | None = None) -> str:
    """v written so that it reads back exactly, in the shorter of its plain and its e forms ("5e-4", "0.5"); a
    learning rate (`field` in RATES) in its e form, as number() writes it.

    For a field typed as text: number() rounds (1.25e-4 shows as "1.2e-4"), and a form that shows
    a rounded value would hand the rounded value on (a lesson link's 1.25e-4 would become 1.2e-4)."""
    if isinstance(v, bool) or not isinstance(v, float) or not math.isfinite(v):
        return str(v)
    plain = f"{v:g}" if float(f"{v:g}") == v else repr(v)
    for digits in range(17):   # the fewest mantissa digits that give v back
        if float(sci := f"{v:.{digits}e}") == v:
            break
    mantissa, exp = sci.split("e")
    sci = f"{mantissa}e{int(exp)}"
    return sci if len(sci) < len(plain) or (field in RATES and v != 0) else plain


def duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s}s"


def event_label(e: Event, arrow: str = "→") -> str:
    """"lr_g 2e-4 → 1e-3"; files pass arrow="->", for spreadsheets that read them in a legacy encoding."""
    return f"{e.field} {number(e.old, e.field)} {arrow} {number(e.new, e.field)}"


def fraction_done(snap) -> float:
    """Share of the epoch budget used, for a progress bar (0..1)."""
    return max(0.0, min(1.0, snap.epoch / snap.config.epochs))


def progress_line(snap, status: bool = True) -> str:
    """Epoch, step, and the speed and time left while it runs, else its status word; status=False: not the word,
    for a line that says it just before (the sidebar's "Run: paused", the projector's "Paused · ...")."""
    parts = [f"epoch {snap.epoch:.1f} / {snap.config.epochs}", f"step {snap.step:,}"]
    if snap.status is not Status.RUNNING:  # a rate and a time left would be stale while nothing runs
        parts += [status_word(snap)] if status else []
    elif snap.steps_per_sec > 0:
        parts.append(f"{snap.steps_per_sec:.1f} steps/s")
        if snap.eta_seconds is not None:
            parts.append(f"{duration(snap.eta_seconds)} left")
    return " · ".join(parts)


def nan_subject(what: str) -> str:
    """What became NaN, for a sentence: "the d loss" for a loss (StepStats' field), "a value in
    G.net.3.running_var" for a tensor of the run's state (lastgood.py names them with dots)."""
    return f"a value in {what}" if "." in what else f"the {what.replace('_', ' ')}"


def status_word(snap) -> str:
    """The run's state in one or two words for the sidebar."""
    if snap.status is Status.IDLE:
        return "ready" if snap.step == 0 else f"loaded at step {snap.step:,}"
    if snap.status is Status.LOADING:
        return "loading"
    if snap.status is Status.PAUSED and snap.reason is Reason.NAN:
        return "paused (NaN)"
    if snap.reason is Reason.D_ALONE:
        return "training D alone"
    if snap.status is Status.PAUSED and snap.reason is Reason.OWNER_AWAY:
        return "paused (you left)"
    return snap.status.value


def status_message(snap) -> tuple[str, str]:
    """(level, text) with level one of info, success, warning, error."""
    s, reason, p = snap.status, snap.reason, snap.problem
    if s is Status.LOADING:
        return "info", "Loading the data and building G and D…"
    if s is Status.IDLE and snap.step > 0 and not snap.epochs_left:  # loaded, and Start would end at once
        return "info", (f"Loaded at step {snap.step:,}, with its {snap.config.epochs} epochs all used. Raise epochs "
                        "under 'Change while it trains', then press Start to train on from there.")
    if s is Status.IDLE and snap.step > 0:  # loaded from a checkpoint: Start goes on from there
        return "info", (f"Loaded at step {snap.step:,}. Press Start to train on from there, "
                        "or Step to go one step at a time.")
    if s is Status.IDLE:
        return "info", "Ready. Press Start to train, or Step to watch one step at a time."
    if s is Status.QUEUED:
        return "info", "Waiting for a free training slot on this server; it starts by itself."
    if s is Status.RUNNING:
        return "info", "Training: D learns to tell real from fake, then G learns to fool D, over and over."
    if s is Status.PAUSED and reason is Reason.TIME_BUDGET:
        return "warning", ("This server gives each run a fixed training time, and this run has used it. Its slot "
                           "is free for others. Save it on the Checkpoints page, or download it below.")
    if reason is Reason.D_ALONE:
        return "info", (f"G is frozen and D trains alone ({snap.d_alone_left:,} updates to go): on the Theory lab, "
                        "watch D approach the best D*. Pause or Resume ends it.")
    if s is Status.PAUSED and reason is Reason.NAN:
        subject = nan_subject(p.what)
        return "warning", (f"{subject[0].upper()}{subject[1:]} became {p.value} at step {p.step:,}. Training was "
                           f"paused and the weights were rolled back to step {p.good_step:,}. Try a lower learning "
                           "rate (lr_d, lr_g), a smaller batch, or another loss, then Resume.")
    if s is Status.PAUSED and reason is Reason.OWNER_AWAY:
        return "info", ("Paused because you left: with no tab of yours open, a run trains on a short while, then "
                        "pauses and gives its training slot to others. Press Resume to go on.")
    if s is Status.PAUSED:
        return "info", "Paused. Press Resume to go on, or Step to take one step at a time."
    if s is Status.FAILED and reason is Reason.WORKER_LOST:
        kept = (f"Its autosave from step {p.good_step:,} is on the Checkpoints page (autosave): load it there to go "
                "on." if p.good_step else "It had made no autosave yet: press Reset and start again.")
        return "error", ("The machine process that trained this run was lost (stopped, out of memory, or its machine "
                         f"went away). What it last sent is shown. {kept}")
    if s is Status.FAILED and reason is Reason.DATA_ERROR:
        return "error", f"The data could not be loaded: {p.message}"
    if s is Status.FAILED:
        return "error", (f"Training stopped with an error: {p.what}: {p.message}. The weights of the last good "
                         "step are kept; press Reset, change the settings and start again.")
    if s is Status.FINISHED and reason is Reason.BUDGET_EXTENDED:
        return "info", "The epoch budget was extended: press Resume to go on."
    if s is Status.FINISHED:
        return "success", ("Finished: the epoch budget is used up. To train longer, raise epochs under 'Train this "
                           "run longer' and press Resume; or set up a new run above, or download the results.")
    if reason is Reason.OWNER_GONE:
        return "info", "Stopped: the session that owned this run has closed."
    if reason is Reason.SERVER_STOPPING:
        return "info", "Stopped: the server is shutting down (a restart or an update). Open the app again soon."
    return "info", "Stopped by you. Download the results, or set up a new run above and press Start."


def queue_message(place: int | None, load) -> str:
    """What a run waiting for a training slot is told: how busy the server is and its place in line."""
    where = f"you are number {place} in line" if place else "your run is next"
    busy = ("The server's training slot is busy" if load.slots == 1 else
            f"All {load.slots} training slots of this server are busy")
    return (f"{busy} ({load.training} run{'s' * (load.training != 1)} training or paused a moment), so {where}. "
            "It starts by itself when a slot frees; keep this tab open, or you lose your place. Meanwhile you "
            "can watch a shared run with its watch link.")


def load_line(load, classes: tuple[int, int] = (0, 0)) -> str:
    """The server's load in one line, for every page's sidebar; classes: (training, waiting), in slots of their own."""
    training, waiting = classes
    # a class trains in a slot of its own, beside the runs' slots: "0 of 1 training slots busy · 1 class training"
    # read as a contradiction (a class pass), and "0 of 1 run slots busy · 1 class training, in a slot of its own"
    # as nothing running (the next): the classes come first, and the slots are the other runs'
    parts = ([f"{training} class{'es' if training > 1 else ''} training"] if training else []) + (
        [f"{waiting} class{'es' if waiting > 1 else ''} waiting"] if waiting else [])
    runs = "other runs: " if parts else ""
    parts.append(f"{runs}{load.training} of {load.slots} {'' if runs else 'run '}slots busy" if load.slots
                 else f"{runs}{load.training} training")
    parts += ([f"{load.queued} waiting"] if load.queued else []) + ([f"{load.watching} watching"] if load.watching else [])
    return "Server: " + " · ".join(parts)


def pair_label(action: str) -> str:
    """A Theory lab button that acts on both runs of a side-by-side pair: "Pause both"."""
    return f"{BUTTON_LABELS[action]} both"


def choice_word(name: str, value) -> str:
    """A choice of field `name` as the form lists it: its value, with what it means where that is not plain
    (plain.CHOICES: "least squares (lsgan)")."""
    return CHOICES.get(name, {}).get(value, str(value))


GPU_NOTE = "Presets marked (GPU) are made for a GPU: on a CPU they are slow, seconds a step."


def describe_preset(name: str) -> str:
    """What a preset is for, in a sentence (its entry in engine/presets.py's PRESETS)."""
    return PRESETS[name][0]


def preset_label(name: str) -> str:
    """A preset as the Train page's picker lists it: those made for a GPU (presets.FOR_GPU) marked "(GPU)"."""
    return f"{name} (GPU)" if name in FOR_GPU else name


def describe_checkpoint(entry: dict) -> str:
    """One line for a listing of saved checkpoints (classroom/library.py's entries): preset · dataset · step ·
    date · size."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["created"])) if entry["created"] else "?"
    dataset = entry["dataset"] if entry["dataset"] != entry["preset"] else ""   # toy presets share their data's name
    parts = [entry["preset"], dataset, f"step {entry['step']:,}" if entry["step"] is not None else "",
             when, human_size(entry["size"])]
    return " · ".join(p for p in parts if p)


def human_size(n: int) -> str:
    """Bytes as people read them: "512 B", "3.5 KB", "5.0 MB", in settings.MB's units (the limits' own)."""
    if n < 1024:
        return f"{n:.0f} B"
    return f"{n / 1024:.1f} KB" if n < MB else megabytes(n)


def config_summary(cfg: TrainConfig) -> str:
    """One line: what plays against what, on which data, and how."""
    d = "D with spectral norm" if cfg.spectral_norm else "D"
    return (f"{cfg.model} G and {d} on {cfg.dataset} · {cfg.loss} loss · latent_dim {cfg.latent_dim} · "
            f"batch {cfg.batch_size} · lr_g {number(cfg.lr_g)}, lr_d {number(cfg.lr_d)} "
            f"(beta1 {number(cfg.beta1)}) · d_steps {cfg.d_steps} · {cfg.epochs} epochs · seed {cfg.seed}")


def quality_note(cfg: TrainConfig, metrics) -> str:
    """What the quality chart shows and how often it is measured; "" when there is nothing to say yet."""
    names = set().union(*(m for _, m in metrics)) if metrics else set()
    every = f"Measured every {cfg.eval_every:,} steps"
    if "fid" in names or "classes_covered" in names:
        return (f"{every} on 500 samples of G. Fréchet distance: how far G's samples are from real digits, "
                "as a digit classifier sees them (lower is better; the dashed line is what real digits score "
                "against other real digits). Classes covered: how many of the digits 0-9 G draws at least 2% "
                "of the time (10 is best; fewer means mode collapse).")
    if "feature_fd" in names:
        return (f"{every} on 500 samples of G. Fréchet distance on random features: how far G's images are from "
                "the real ones, compared on features that no network learned (a 4 x 4 thumbnail of each image "
                "and 16 fixed random 5 x 5 filters), so they need no download and fit any images. Lower is "
                "better; the dashed line is what real images score against other real images. Read it against "
                "that line and against this run's own past: its numbers do not compare with other data sets, "
                "nor with the digits' Fréchet distance.")
    if "energy" in names:
        return (f"{every} on 1,000 samples of G. Energy distance: how far G's points are from real points, from "
                "the distances between points (0 when the two clouds are alike; lower is better; the dashed "
                "line is what 1,000 real points score against other real points). It needs no clusters to "
                "count, so it measures the spiral, the moons and the points you draw.")
    if "modes_covered" in names:
        return (f"{every} on 2,500 samples of {which_g(cfg.ema)}. Modes covered: how many of the real clusters "
                "have at least one of its points close to them (within 3 standard deviations). High-quality share: "
                "how many of its points are that close to some cluster.")
    if "js" in names:
        return (f"{every}. JS (Jensen-Shannon divergence, in nats: a unit of information) compares G's density "
                "with the real one: 0 when they match, 0.693 when they do not overlap at all. G's density is "
                f"computed from {which_g(cfg.ema)} itself (the G the samples come from), not guessed from a few "
                "samples: within 0.001 of the exact JS for a 1-D latent.")
    if kind_of(cfg) and cfg.eval_every > 0 and not metrics:   # every data set has a measurement (quality.py)
        return (f"A chart of sample quality appears at step {cfg.eval_every:,}, "
                f"and is updated every {cfg.eval_every:,} steps.")
    return ""


def replace_question(snap, new: str = "the loaded run", verb: str = "Load") -> str:
    """What a load (or the lab's Start of a toy: new, verb) would replace, asked before it does
    (classroom.controls.load_asks)."""
    return (f"This replaces your current run ({snap.preset or snap.config.dataset}, step {snap.step:,}, "
            f"{status_word(snap)}): anyone following your watch link sees {new} instead, and the current "
            f"one is gone unless you saved it. {verb} anyway?")


def loaded_line(name: str, step: int, snap, resumed: bool) -> tuple[str, str]:
    """(level, text) once checkpoint `name`, saved at `step`, is the current run (`snap` now); resumed: its Resume
    button was pressed (it trains on at once, unless its epochs are all used)."""
    at = f"{name} at step {step:,}"
    if snap.status is Status.RUNNING:
        return "success", f"Resumed {at}: it trains on. Watch it on the Train page."
    if snap.status is Status.QUEUED:
        return "success", (f"Resumed {at}: it waits for a free training slot on this server, then trains on by "
                           "itself. Watch it on the Train page.")
    if resumed and snap.status is Status.IDLE and not snap.epochs_left:
        return "info", (f"Loaded {at}, with its {snap.config.epochs} epochs all used: raise epochs on the Train page, "
                        "then press Start to train on.")
    return "success", f"Loaded {at}: press Start on the Train page to train on from where it was saved."
