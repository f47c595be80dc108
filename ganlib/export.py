"""Files for download: the loss history as CSV, and animated GIFs of pictures."""
from __future__ import annotations

import csv
import io

import numpy as np
from PIL import Image

from .grid import enlarge
from .history import COLUMNS


def history_csv(history: dict, events=()) -> bytes:
    """One row per curve point (columns of history.COLUMNS), then the live changes as comment-free rows."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for row in zip(*(history.get(c, ()) for c in COLUMNS)):
        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    if events:
        w.writerow([])
        w.writerow(["event_step", "field", "old", "new"])
        for e in events:
            w.writerow([e.step, e.field, e.old, e.new])
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
