"""python -m ganlib: the command line. List presets, train to a checkpoint (or go on from one), sample from one, measure one.

    python -m ganlib presets
    python -m ganlib train --preset fast-digits --seconds 60 --out /tmp/gan-studio/digits.pt
    python -m ganlib train --resume /tmp/gan-studio/digits.pt --steps 2000 --out /tmp/gan-studio/digits-more.pt
    python -m ganlib train --preset ring8 --set lr_g=5e-4 --set loss=hinge --steps 2000 --out /tmp/gan-studio/ring8.pt
    python -m ganlib sample --checkpoint /tmp/gan-studio/digits.pt --n 16 --out /tmp/gan-studio/grid.png
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import signal
import sys
import threading

from ganlib.engine.config import LIVE_FIELDS
from ganlib.engine.presets import PRESETS
from ganlib.errors import CheckpointError, DatasetError

# One module per command (presets.py, train.py, sample.py, evaluate.py), imported by name once the arguments
# are parsed: `presets` and argument errors then answer at once, without the 2-4 s of torch's import that the
# other commands need.
COMMANDS = {"presets": "presets", "train": "train", "sample": "sample", "eval": "evaluate"}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            return importlib.import_module(f"ganlib.cli.{COMMANDS[args.command]}").run(args)
    except (ValueError, CheckpointError, DatasetError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt as e:
        print("\ninterrupted", file=sys.stderr)
        return 128 + getattr(e, "signum", signal.SIGINT)   # a shell's status for a command ended by that signal


class _Terminated(KeyboardInterrupt):
    signum = signal.SIGTERM


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (docker stop, a scheduler, torchrun ending its workers) ends a command as Ctrl+C does, between two
    Python bytecodes, never inside a torch op, and says so. Without a handler the process ends at once without a
    word, and as PID 1 in a container it ignores SIGTERM until `docker stop` kills it 10 s later. The handler is
    put back after: main() may be called in another program's process."""
    if threading.current_thread() is not threading.main_thread():   # only the main thread may set handlers
        yield
        return

    def interrupt(signum, frame):
        raise _Terminated()
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ganlib", description="Train GANs and sample from them.")
    sub = p.add_subparsers(dest="command", required=True, metavar="{presets,train,sample,eval}")
    sub.add_parser("presets", help="list the presets")

    t = sub.add_parser("train", help="train a preset, or go on from a checkpoint, and write a checkpoint")
    begin = t.add_mutually_exclusive_group(required=True)
    begin.add_argument("--preset", choices=list(PRESETS), metavar="NAME", help="one of: " + ", ".join(PRESETS))
    begin.add_argument("--resume", metavar="PATH.pt",
                       help="go on from a checkpoint, exactly where it stopped (its curves and samples too)")
    t.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a TrainConfig field (repeatable); with --resume, the live fields only: "
                        + ", ".join(LIVE_FIELDS))
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_positive(int), help="train N steps (more, with --resume)")
    budget.add_argument("--seconds", type=_positive(float), help="train S seconds (more, with --resume)")
    budget.add_argument("--epochs", type=_positive(int), help="epoch budget, in all (default: the preset's)")
    t.add_argument("--out", required=True, metavar="PATH.pt", help="where to write the checkpoint")
    t.add_argument("--dry-run", action="store_true", help="one step, to check that everything fits")
    t.add_argument("--compact", action="store_true",
                   help="store the tensors as float16: half the size, for shipping; a resume is then close, not exact")

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file or a .png picture")
    s.add_argument("--checkpoint", required=True, metavar="PATH.pt")
    s.add_argument("--n", type=_positive(int), default=16)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, metavar="FILE.npy|FILE.png",
                   help="FILE.png: a picture (a grid of images, or the points over real ones); else a .npy array")

    e = sub.add_parser("eval", help="measure a checkpoint's samples; prints JSON")
    e.add_argument("--checkpoint", required=True, metavar="PATH.pt")
    e.add_argument("--n", type=_positive(int), default=0, help="samples to measure (default: the metric's own)")
    e.add_argument("--seed", type=int, default=0)
    return p


def _positive(typ):
    def parse(s):
        try:
            v = typ(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {typ.__name__}, got {s!r}") from None
        if not v > 0 or not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be > 0, got {s!r}")
        return v
    return parse
