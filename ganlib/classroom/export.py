"""Files for download: the loss history as CSV (the GIFs are made by engine/grid.gif_bytes)."""
from __future__ import annotations

import bisect
import csv
import io

from ganlib.words.describe import event_label
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
