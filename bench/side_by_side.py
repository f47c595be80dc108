"""Does a side-by-side pair cost what one run costs? Steps and CPU seconds of one run alone, then of the pair
(Runs.create_pair: one slot, turns a step each), over the same wall time.

    python bench/side_by_side.py                       # the lab's pair (presets.SIDE_BY_SIDE), 10 s each
    python bench/side_by_side.py --seconds 20

Each run's D head start (1,000 updates alone, a few seconds) is its first step, so the window starts once
both runs have passed it. Step counts are read with both runs paused, so they are exact.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib.classroom import controls  # noqa: E402
from ganlib.engine.presets import SIDE_BY_SIDE, preset  # noqa: E402
from ganlib.classroom.capacity import Limits  # noqa: E402
from ganlib.classroom.runs import Runs  # noqa: E402
from ganlib.run.state import Status  # noqa: E402


class Owner:
    key, closed, space = "bench-owner-key-0001", False, None


def paused_steps(runners) -> list[int]:
    for r in runners:
        r.pause()
    return [r.wait(lambda s: s.status is Status.PAUSED, 30).step for r in runners]


def window(runs, runners, seconds: float) -> tuple[list[int], float, int]:
    """Steps each run takes in `seconds` of wall time once past step 1, the process's CPU seconds meanwhile, and
    the training slots in use at the end."""
    for r in runners:
        r.start()
    for r in runners:
        r.wait(lambda s: s.step > 1, 120)
    before = paused_steps(runners)
    cpu = time.process_time()
    controls.resume(*runners)
    time.sleep(seconds)
    slots = runs.load().training
    after = paused_steps(runners)
    return [b - a for a, b in zip(before, after)], time.process_time() - cpu, slots


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    runs = Runs(Limits(max_runs=1))
    lead, twin = SIDE_BY_SIDE
    alone = runs.create(Owner(), preset(lead), preset=lead)
    steps, cpu, _ = window(runs, [alone], args.seconds)
    print(f"{lead} alone: {steps[0]} steps in {args.seconds:g} s, {cpu:.1f} CPU s", flush=True)
    pair = runs.create_pair(Owner(), (preset(lead), lead), (preset(twin), twin))
    steps, cpu, slots = window(runs, list(pair), args.seconds)
    print(f"side by side: {lead} {steps[0]} steps, {twin} {steps[1]} steps in {args.seconds:g} s, {cpu:.1f} CPU s; "
          f"{slots} training slot(s) in use", flush=True)
    for r in pair:
        r.close()


if __name__ == "__main__":
    main()
