"""The class wall's data: each student's run as a thumbnail, the wall's order and groups, the class map's points,
and the class's results as one CSV.

All of it is made from a ClassSnapshot (classes.py), once per snapshot version, and shared by every page that
shows the wall (the teacher's, the projector's): thirty students watching cost one drawing per tick, not thirty.
numpy and Pillow only: no torch, no plotly.
"""
from __future__ import annotations

import csv
import io
from enum import Enum

from ganlib.classroom.downloads import points_picture
from ganlib.engine.grid import png_bytes
from ganlib.words import class_text as W

THUMB_POINTS = 256   # G's points in a thumbnail: enough to see the modes, few enough to draw 60 in a tick
JOINED = "joined"    # the wall's order as the students joined, beside the outcomes and the fields


class Outcome(Enum):
    """What the class map and the wall's order measure a run by."""
    MODES = "modes"                # modes covered (ring8, grid25)
    HIGH_QUALITY = "high_quality"  # the share of G's points near a mode
    JS = "js"                      # JS divergence to the data (gauss-1d), lower is better
    ENERGY = "energy"              # energy distance to the data (spiral, moons, a drawing), lower is better
    STEP = "step"


LOWER_IS_BETTER = (Outcome.JS, Outcome.ENERGY)
WHOLE = (Outcome.MODES, Outcome.STEP)   # counts: the class map's axis ticks whole numbers only


def outcome(student, which: Outcome) -> float | None:
    value = student.step if which is Outcome.STEP else getattr(student, which.value)
    return None if value is None else float(value)


def outcomes_of(snapshot) -> list[Outcome]:
    """The outcomes this class's data has values for (a ring has modes, a 1-D Gaussian has JS)."""
    return [o for o in Outcome if any(outcome(s, o) is not None for s in snapshot.students)]


def thumbnail(student, real) -> bytes:
    """G's points over the real ones, as a small PNG."""
    return png_bytes(points_picture(student.points[:THUMB_POINTS], real))


def field_value(student, base, field: str):
    """The value a student's run has for `field` (its own config: a seed of its own, and its changes)."""
    return getattr(student.config, field)


def _by_value(value) -> tuple:
    """Numbers in numeric order (1e-5 before 0.01), then text."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (0, float(value), "") if is_number else (1, 0.0, str(value))


def ordered(snapshot, by: str) -> list:
    """The students in the wall's order: by an outcome (best first; JS, energy lowest first), by a field's value, or as
    they joined (JOINED)."""
    students = list(snapshot.students)
    if by == JOINED:
        return students
    if by in {o.value for o in Outcome}:
        which = Outcome(by)
        sign = 1 if which in LOWER_IS_BETTER else -1
        return sorted(students, key=lambda s: (outcome(s, which) is None, sign * (outcome(s, which) or 0.0)))
    return sorted(students, key=lambda s: _by_value(field_value(s, snapshot.base, by)))


def groups(snapshot, field: str | None) -> list[tuple[str, list]]:
    """(the field's value, its students) in order of value; one group of all when field is None."""
    if field is None:
        return [("", list(snapshot.students))]
    out: dict = {}
    for s in snapshot.students:
        out.setdefault(field_value(s, snapshot.base, field), []).append(s)
    return [(str(value), out[value]) for value in sorted(out, key=_by_value)]


def map_points(snapshot, field: str, which: Outcome) -> list[tuple[float, float, str]]:
    """(the field's value, the outcome, the student's name) of each run that has both, for the class map. A name
    says what else its student changed: a run that collapsed after a change of loss is not the lr_g's doing."""
    points = []
    for s in snapshot.students:
        x, y = field_value(s, snapshot.base, field), outcome(s, which)
        if y is not None and isinstance(x, (int, float)) and not isinstance(x, bool):
            others = {k: v for k, v in s.changed.items() if k != field}
            points.append((float(x), y, W.with_changes(s.name, others)))
    return points


def class_csv(snapshot) -> bytes:
    """One row per student: who, where the run is (in the words the wall uses), its seed (each run has its own),
    every open field's value, and how it turned out: the outcomes this class's data has (outcomes_of: a ring's
    modes, a 1-D Gaussian's JS), not a column of another data's that stays empty."""
    fields = [f for f in snapshot.open_fields if f != "seed"]
    measured = [o for o in outcomes_of(snapshot) if o is not Outcome.STEP]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["name", "status", "step", "started_over", "away", "seed", *fields, *(o.value for o in measured),
                "d_loss", "g_loss"])
    for s in snapshot.students:
        last = {k: (s.history.get(k) or (None,))[-1] for k in ("d_loss", "g_loss")}
        w.writerow([s.name, W.STATUS_WORDS[s.status.value], s.step, s.starts - 1, "yes" if s.away else "",
                    s.config.seed, *(field_value(s, snapshot.base, f) for f in fields),
                    *(_cell(getattr(s, o.value)) for o in measured), _cell(last["d_loss"]), _cell(last["g_loss"])])
    return out.getvalue().encode()


def _cell(value) -> str:
    return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)
