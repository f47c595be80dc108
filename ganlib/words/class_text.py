"""The words of a class (classroom/classes.py): why a join, a change or a class was refused, and a student's
default name. Plain strings only, torch-free, as all of words/."""
from __future__ import annotations

from typing import Iterable

from ganlib.words.describe import number
from ganlib.words.lab_text import which_g

COMMANDS_HELP = "one of the class's commands: start, pause, resume, step, reset, update, leave"
NOT_A_LIST = "must be a list of field names, e.g. ['lr_g', 'lr_d']"
UNKNOWN_RUN = "not a run of this class (the student may have left it)"
ONLY_WITH_UPDATE = "a change of a field goes with the update command only"
BAD_KEY = "must be a visitor key"
CLASS_CLOSED = "this class has ended: ask your teacher for the new code"
CLASS_NOT_STARTED = "the class could not start in this server's training worker: open it again"


def default_name(number: int) -> str:
    """What the wall calls a student who gave no name: their place in the order of joining."""
    return f"Student {number}"


def bad_name(most: int) -> str:
    return f"must be printable text of at most {most} characters"


def closed_field(open_fields: Iterable[str]) -> str:
    opened = ", ".join(open_fields)
    return (f"the teacher keeps this one fixed for the class; you may change {opened}" if opened
            else "the teacher keeps every field fixed for this class")


def not_openable(openable: Iterable[str]) -> str:
    return f"cannot be opened for a class; a teacher may open {', '.join(openable)}"


def not_a_toy(preset: str) -> str:
    return f"a class trains a 1-D or 2-D toy together, and {preset!r} is not one"


def refused(why: str) -> str:
    return f"cannot train in a class's batched step: {why}"


def class_full(size: int) -> str:
    return (f"this class is full: it has {size} students, the most this server takes in one class "
            f"(GAN_STUDIO_CLASS_SIZE)")


def class_memory(need_mb: float, limit_mb: float) -> str:
    return (f"the class would then need about {need_mb:,.0f} MB, more than the {limit_mb:,.0f} MB this server "
            f"gives a class (all its runs train in one slot, so together they get what one run may take, "
            f"GAN_STUDIO_MAX_RUN_MB); keep the model smaller")


# --- the Class page (pages/classroom.py, pages/parts/klass.py, pages/parts/wall.py) --------------------------------
INTRO = ("**Every student trains a GAN of their own, at once.** Open a class, show its link or QR code: each "
         "student who opens it gets a run of their own, and all the class's runs train together in one batched "
         "step, so nobody waits in line. Each run starts from its own seed (the class's seed + 0, 1, 2... in the "
         "order students join), so no two are alike. This page then shows every run, live.")
NO_PRESETS = "This server has no class presets."
OPEN_HELP = ("What students may change on their own run. Learning rates, d_steps and epochs change at the next "
             "step; any other field starts the student's run over.")
LINK_TITLE = "Class link"
LINK_NOTE = ("Students open this link (or scan the code) to join: each gets a run of their own. The link gives "
             "no control of anyone else's run.")
BAD_CODE = ("A class code is 6 letters and digits, as shown on the teacher's screen (no 0, O, 1, I or L). This "
            "link's is not one: ask for the link again.")
CLASS_ENDED = ("**This class has ended**, and your run with it. To go on: ask your teacher for the new class link, "
               "or train a GAN of your own on the Train page.")
TO_TRAIN = "Train a GAN of your own"
RESET_YES, RESET_NO = "Yes, start it over", "No, keep my run"
APPLY = "Apply my changes"
START_ALL, PAUSE_ALL, CLOSE_CLASS = "Start all", "Pause all", "End the class"
END_YES, END_NO = "Yes, end the class", "No, keep it"


def reset_question(step: int, training: bool = False) -> str:
    """Asked before a student's Reset throws their run away (one click did, a class pass). training: the run goes on
    while the question waits, so its count is a floor ("9,641 steps" under a status line at 10,070: the next pass)."""
    steps = f"{'more than ' if training else ''}{step:,} steps"
    return (f"This starts your run over from step 0: its {steps} of training, its points and its curves are gone. "
            "Start it over anyway?")


def ended_on_watch(code: str) -> str:
    """Above the run a teacher had on their watch link when their class ended."""
    return (f"Class {code} has ended. This is the run that was on this link, as it was last: the link shows the "
            "teacher's next run when they start one.")


def ended_on_projector(code: str, name: str) -> str:
    """ended_on_watch in one line, for a projector's 720 pixels."""
    return f"Class {code} has ended: {name}'s run as it was last"


def last_picture(step: int) -> str:
    """Under a student's last picture, kept once their class has ended."""
    return f"Your run's last picture, at step {step:,}"


def end_question(students: int) -> str:
    return (f"End the class? Every student's run stops for good ({students} student{'' if students == 1 else 's'}); "
            "download the CSV first if you want the results.")


def class_ended(code: str, students: int) -> str:
    """What the teacher reads once their class has ended (the students' pages say so too)."""
    whose = ("no student had joined" if not students else "1 student's run stopped" if students == 1
             else f"{students} students' runs stopped")
    return f"Class {code} has ended: {whose}. Open a new class below; it gets a new code."


NO_STUDENTS = "No student has joined yet: show them the link or the QR code."
SORT_BY, GROUP_BY, NO_GROUPS = "Order", "Group by", "no groups"
MAP_FIELD, MAP_OUTCOME = "Class map: a field students may change", "against"
SPOTLIGHT = "One run in large"
ON_WATCH, OFF_WATCH = "Show it on my watch link", "Back to my own run on the watch link"
OFF_WATCH_NO_RUN = "Take it off my watch link"   # a teacher with no run of their own: the link then shows nothing
AWAY = "away (no tab open)"
CLASS_QUEUED = ("waiting: another class is training, and this server trains one class at a time "
                "(GAN_STUDIO_MAX_CLASSES); it starts by itself when that one pauses or ends")
CLASS_DRAWING = "the teacher's drawing"
DATA_CHOICES = {"preset": "The preset's data", "drawn": "Points I draw"}
DATA_LABEL = "Data the class learns"
CSV_BUTTON = "Download the class's results (CSV)"
OUTCOME_NAMES = {"modes": "modes covered", "high_quality": "share near a mode", "js": "JS divergence (nats)",
                 "energy": "energy distance", "step": "step"}
STATUS_WORDS = {"idle": "ready", "queued": "waiting for the server", "running": "training", "paused": "paused",
                "finished": "finished", "stopped": "ended", "failed": "failed", "loading": "starting"}


def no_class(code: str) -> str:
    return (f"No class is open under the code {code} on this server: check it against the teacher's screen, or "
            "ask whether the class has ended.")


def outcome_name(outcome) -> str:
    return OUTCOME_NAMES[outcome.value]


def quality_text(student) -> str:
    """The run's quality in one line, from what its data measures, and of which G (one name per number: the
    Theory lab measures the raw G); "" before the first measurement."""
    of = f" · measured on {which_g(student.config.ema)}"
    if student.modes is not None:
        hq = "" if student.high_quality is None else f", {100 * student.high_quality:.0f}% of its points near one"
        return f"**Modes covered: {student.modes}**{hq}{of}"
    if student.js is not None:
        return f"**JS divergence to the data: {student.js:.3f} nats** (0 is a perfect match){of}"
    if student.energy is not None:
        return f"**Energy distance to the data: {student.energy:.3f}** (0 is a perfect match){of}"
    return ""


def status_line(snap, student) -> str:
    """The student's run in one line: who, where it is, and the class's pace."""
    words = STATUS_WORDS[student.status.value]
    pace = f" · the class trains at {snap.steps_per_sec:.0f} steps/s each" if snap.steps_per_sec > 0 else ""
    return f"{student.name} · {words} · step {student.step:,}{pace}{schedule_words(student.config, student.step)}"


def schedule_words(cfg, step: int) -> str:
    """What the lr schedule does to the learning rates now, short ("" before it starts): a class pass saw a run's
    picture freeze by step 15,000 and a change of lr_g do nothing, with nothing on the page to say why; the whole
    sentence, four lines on a student's half page, is the line's help (schedule_help)."""
    scale = cfg.lr_scale(step)
    if scale >= 1.0:
        return ""
    return f" · lr now {scale:.2g}x " + ("(its floor)" if scale <= cfg.lr_floor else
                                          f"(halving every {cfg.lr_half_life:,} steps)")


def schedule_help(cfg, step: int) -> str | None:
    """The lr schedule in full, for the status line's help; None before it starts."""
    scale = cfg.lr_scale(step)
    if scale >= 1.0:
        return None
    floor = f", down to {cfg.lr_floor:.2g}x" if cfg.lr_floor > 0 else ""
    return (f"The learning rates are now at {scale:.2g}x what is set: they halve every {cfg.lr_half_life:,} steps "
            f"after step {cfg.lr_decay_after:,}{floor}. A change of lr_g or lr_d is scaled alike.")


def points_caption(off: int, ema: float) -> str:
    """Under a run's picture: what it shows, of which G, and how many of G's points lie outside it (left out)."""
    return (f"The points of {which_g(ema)} in orange, over the data in grey"
            + (f" · {off} of G's points lie outside the picture" if off else ""))


def thumb_caption(student, off: int = 0) -> str:
    """A wall thumbnail's caption: name, step, quality, and the fields this student changed; `off`: G's points
    outside the thumbnail."""
    bits = [student.name, f"step {student.step:,}"]
    if student.modes is not None:
        bits.append(f"{student.modes} modes")
    elif student.js is not None:
        bits.append(f"JS {student.js:.3f}")
    elif student.energy is not None:
        bits.append(f"energy {student.energy:.3f}")
    bits += [f"{k} {number(v, k)}" for k, v in student.changed.items()]
    if student.status.value != "running":
        bits.append(STATUS_WORDS[student.status.value])
    if student.starts > 1:   # back at step 0: a Reset, or a change that starts the run over
        bits.append("started over" + (f" {student.starts - 1} times" if student.starts > 2 else ""))
    if student.away:
        bits.append(AWAY)
    if off:
        bits.append(f"{off} points off the picture")
    return " · ".join(bits)


def with_changes(name: str, changes: dict) -> str:
    """A student's name on the class map, with the other fields they changed: "Student 4 (loss hinge)"."""
    return f"{name} ({', '.join(f'{k} {number(v, k)}' for k, v in changes.items())})" if changes else name


def group_title(field: str, value: str) -> str:
    """A wall group's heading, a number in it written as the thumbnails' captions write it (3e-3, not 0.003)."""
    try:   # a float's text (an int's has no "." nor "e": a seed stays 12345, not 1.2e4)
        shown = number(float(value), field) if "." in value or "e" in value else value
    except ValueError:
        shown = value
    return f"**{field} = {shown}**"


def wall_line(snap) -> str:
    training = sum(s.training for s in snap.students)
    where = (CLASS_QUEUED if snap.queued else
             f"{training} training" + (f" at {snap.steps_per_sec:.0f} steps/s each" if snap.steps_per_sec > 0 else "")
             if snap.training else "none training")
    n = len(snap.students)
    what = snap.preset + (f" on {CLASS_DRAWING}" if snap.base.dataset == "drawn" else "")
    # the thumbnails' points and scores are of the G the runs sample: a run whose student changed ema says so in
    # its caption ("ema 0")
    of = "the EMA of each run's G" if snap.base.ema > 0 else "each run's raw G"
    return f"Class {snap.code} · {what} · {n} student{'' if n == 1 else 's'} · {where} · points and scores of {of}"


def sidebar_line(code: str) -> str:
    """A student's class run in the sidebar of every page, where a single run's status would be (its status and
    step are on the Class page, which redraws them each second)."""
    return f"**Class {code}:** your own run, its buttons and its fields are on the Class page."


def losses_every_line(seconds: float) -> str:
    return (f"The losses are drawn again every {seconds:.0f} s while the class trains (the points every second): "
            "one server draws them for the whole class.")


def watch_title(snap, student) -> str:
    return f"Class {snap.code}: {student.name}'s run"


def on_watch_line(name: str, url: str) -> str:
    return f"Everyone on your watch link sees **{name}**'s run now: {url}"
