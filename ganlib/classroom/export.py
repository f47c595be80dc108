"""Files for download: the loss history as CSV, and animated GIFs of pictures."""
from __future__ import annotations

import bisect
import csv
import io

import numpy as np
from PIL import Image

from ganlib.words.describe import event_label
from ganlib.engine.grid import enlarge
from ganlib.run.history import COLUMNS

EVENT_COLUMN = "event"   # the live changes of a setting (lr_g, lr_d, d_steps, epochs) at that row's step


def history_csv(history: dict, events=()) -> bytes:
    """The curves and the live changes as one table that pandas.read_csv and spreadsheets read as it is.

    Columns: history.COLUMNS, then EVENT_COLUMN. A live change made after step k (Event.step = k, where the
    chart draws its dotted line) goes on the row of step k; when the curve averages several steps a row and
    no row has step k, on the next row, whose average takes in the first steps with the new value. A change
    after the last row gets a row of its own, with only its step and the change. Several changes on one row
    are joined by "; "."""
    rows = [list(r) for r in zip(*(history.get(c, ()) for c in COLUMNS))]
    notes: dict[int, list[str]] = {}   # row index -> its changes
    extra: dict[int, list[str]] = {}   # step after the last row -> its changes
    steps = [r[0] for r in rows]
    for e in sorted(events, key=lambda e: e.step):
        i = bisect.bisect_left(steps, e.step)
        (notes.setdefault(i, []) if i < len(rows) else extra.setdefault(e.step, [])).append(
            event_label(e, arrow="->"))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*COLUMNS, EVENT_COLUMN])
    for i, row in enumerate(rows):
        w.writerow([*(f"{v:.6g}" if isinstance(v, float) else v for v in row), "; ".join(notes.get(i, ()))])
    for step, labels in extra.items():
        w.writerow([step, *[""] * (len(COLUMNS) - 1), "; ".join(labels)])
    return out.getvalue().encode()


def gif_bytes(pictures: list[np.ndarray], seconds_per_frame: float = 0.2, scale: int = 2,
              hold_last: float = 1.5) -> bytes:
    """H x W x C uint8 pictures -> an endlessly looping GIF, enlarged `scale` times with crisp pixels."""
    if not len(pictures):
        raise ValueError("pictures: need at least one frame for a GIF")
    frames = [Image.fromarray(enlarge(p, scale)) for p in pictures]
    ms = int(seconds_per_frame * 1000)
    durations = [ms] * (len(frames) - 1) + [int(max(hold_last, seconds_per_frame) * 1000)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buf.getvalue()
