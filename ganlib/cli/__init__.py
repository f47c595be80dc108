"""python -m ganlib: list presets, train to a checkpoint (or go on from one), sample from one, measure one.

    python -m ganlib presets
    python -m ganlib train --preset fast-digits --seconds 60 --out /tmp/gan-studio/digits.pt
    python -m ganlib train --resume /tmp/gan-studio/digits.pt --steps 2000 --out /tmp/gan-studio/digits-more.pt
    python -m ganlib train --preset ring8 --set lr_g=5e-4 --set loss=hinge --steps 2000 --out /tmp/gan-studio/ring8.pt
    python -m ganlib sample --checkpoint /tmp/gan-studio/digits.pt --n 16 --out /tmp/gan-studio/grid.png
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import sys
import threading
import time

import numpy as np

from ganlib.engine.config import LIVE_FIELDS, coerce
from ganlib.errors import CheckpointError, DatasetError
from ganlib.engine.presets import PRESETS, preset

# torch-heavy modules are imported inside the commands: `presets` and argument errors
# then answer at once instead of after torch's 2-4 s import.
PNG_WIDTH = 512   # a sample grid as a picture is enlarged, by whole pixels, to at least this many pixels wide


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            return args.func(args)
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
    sub.add_parser("presets", help="list the presets").set_defaults(func=cmd_presets)

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
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file or a .png picture")
    s.add_argument("--checkpoint", required=True, metavar="PATH.pt")
    s.add_argument("--n", type=_positive(int), default=16)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, metavar="FILE.npy|FILE.png",
                   help="FILE.png: a picture (a grid of images, or the points over real ones); else a .npy array")
    s.set_defaults(func=cmd_sample)

    e = sub.add_parser("eval", help="measure a checkpoint's samples; prints JSON")
    e.add_argument("--checkpoint", required=True, metavar="PATH.pt")
    e.add_argument("--n", type=_positive(int), default=0, help="samples to measure (default: the metric's own)")
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(func=cmd_eval)
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


def cmd_presets(args) -> int:
    width = max(map(len, PRESETS))
    for name, (text, _) in PRESETS.items():
        print(f"{name:<{width}}  {text}")
    return 0


def _changes(args) -> dict:
    changes = {}
    for item in args.set:
        if "=" not in item:
            raise ValueError(f"--set: expected FIELD=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        changes[k.strip()] = coerce(k.strip(), v.strip())
    if args.epochs:
        changes["epochs"] = args.epochs
    return changes


def _begin(args):
    """(trainer, its Records, preset name) of a new run of --preset, or of the run a --resume checkpoint holds,
    with --set's live changes applied and recorded as the app records them."""
    from ganlib.run.checkpoint import load_checkpoint, restore_trainer
    from ganlib.engine.device import set_threads
    from ganlib.engine.distributed import make_trainer
    from ganlib.run.history import Event, Records
    changes = _changes(args)
    if args.preset:
        cfg = preset(args.preset).replace(**changes).validate()
        set_threads(cfg.threads)
        return make_trainer(cfg), Records(), args.preset  # under torchrun, one rank of a DDP team
    not_live = sorted(set(changes) - set(LIVE_FIELDS))
    if not_live:
        raise ValueError(f"--set: {not_live[0]} cannot change when a run goes on (--resume); the live fields are "
                         f"{', '.join(LIVE_FIELDS)}")
    payload = load_checkpoint(args.resume)
    set_threads(payload["config"].threads)
    trainer = make_trainer(payload["config"])
    restore_trainer(trainer, payload)
    records = Records.from_payload(payload)
    old = trainer.cfg
    trainer.apply(**changes)
    records.events += [Event(trainer.step_count, k, getattr(old, k), v) for k, v in changes.items()
                       if getattr(old, k) != v]
    if trainer.done:
        raise ValueError(f"--resume: {args.resume} has used its whole epoch budget ({trainer.cfg.epochs} epochs, "
                         f"step {trainer.step_count:,}); raise it with --epochs")
    return trainer, records, payload.get("preset", "")


def cmd_train(args) -> int:
    from ganlib.engine.distributed import time_is_up
    from ganlib.run.history import Frame, add_measurement
    from ganlib.engine.lastgood import LastGood
    from ganlib.metrics import evaluator_for
    from ganlib.engine.samples import fake_picture
    trainer, records, preset_name = _begin(args)
    cfg = trainer.cfg
    evaluator = evaluator_for(trainer) if cfg.eval_every else None   # the app's quality chart, at the same steps
    start, steps = trainer.step_count, 1 if args.dry_run else args.steps
    last_good, t0, shown = LastGood(trainer), time.perf_counter(), 0.0
    if not records.timeline.frames:   # the untrained G's samples, where the app's timeline begins
        records.timeline.add(Frame(start, records.seconds, fake_picture(trainer)))
    unread = []   # (step, seconds, StepStats) whose numbers wait on the device until something shows them
    while not trainer.done and (steps is None or trainer.step_count - start < steps):
        if args.seconds and time_is_up(trainer, time.perf_counter() - t0 >= args.seconds):
            break
        stats = trainer.step()
        now, step = time.perf_counter() - t0, trainer.step_count
        frame, measure = step % cfg.sample_every == 0, evaluator is not None and step % cfg.eval_every == 0
        show = now - shown > 0.5 or trainer.done
        if not last_good.after_step(trainer, stats, read=frame or measure or show):
            return _roll_back(args, trainer, records, last_good, preset_name)
        unread.append((step, records.seconds + now, stats))
        if stats.is_read:   # lastgood.py read them (and the steps before): the curve gets them all
            for row_step, seconds, row in unread:
                records.curve.add(row_step, seconds, row.values())
            unread.clear()
        if frame:
            records.timeline.add(Frame(step, records.seconds + now, fake_picture(trainer)))
        if measure:
            add_measurement(records.metrics, step, evaluator(trainer))
        if show:
            shown = now
            _progress(trainer, stats, now, start, steps, args.seconds)
    # the last steps' losses, unread on a GPU, and the state to write, unchecked since the last kept step: a file
    # with a NaN would be refused when loaded (checkpoint_check.py)
    if not (last_good.read() and last_good.keep(trainer)):
        return _roll_back(args, trainer, records, last_good, preset_name)
    for row_step, seconds, row in unread:
        records.curve.add(row_step, seconds, row.values())
    if trainer.rank != 0:  # under torchrun rank 0 alone writes
        return 0
    print(file=sys.stderr)
    path = _save(args.out, trainer, records, preset_name, args.compact, time.perf_counter() - t0)
    print(f"wrote {path} (step {trainer.step_count}, epoch {trainer.epoch:.2f}, "
          f"{time.perf_counter() - t0:.1f} s, world size {trainer.world_size})")
    return 0


def _roll_back(args, trainer, records, last_good, preset_name) -> int:
    """Write the last good state to --out and say what went wrong; the exit status of a NaN run. When even the
    state the run began from was not finite there is no good state: nothing is written."""
    from ganlib.words.describe import nan_subject
    bad_step, name, value = last_good.bad  # before the rollback, which forgets it
    good_step = last_good.restore(trainer)
    if trainer.rank != 0:  # under torchrun every rank stops, and rank 0 alone writes
        return 1
    if last_good.start_bad is not None:
        start_name, start_value = last_good.start_bad
        print(f"\nerror: {nan_subject(name)} became {value} at step {bad_step}, and the state the run began from "
              f"(step {good_step}) was not finite either ({start_name} is {start_value}); nothing was written to "
              f"{args.out}", file=sys.stderr)
        return 1
    # the curves and samples go back with the weights, as the app's Runner does
    records.curve.rows = [r for r in records.curve.rows if r[0] <= good_step]
    records.timeline.frames = [f for f in records.timeline.frames if f.step <= good_step] or records.timeline.frames[:1]
    _save(args.out, trainer, records, preset_name, args.compact)
    print(f"\nerror: {nan_subject(name)} became {value} at step {bad_step}; {args.out} holds the "
          f"last good state (step {good_step}). Try a lower lr_d / lr_g.", file=sys.stderr)
    return 1


def _progress(trainer, stats, seconds, start, steps, budget_s) -> None:
    if trainer.rank != 0:  # under torchrun rank 0 alone prints
        return
    done = trainer.step_count - start
    rate = done / max(seconds, 1e-9)
    if steps:
        frac = done / steps
    elif budget_s:
        frac = seconds / budget_s
    else:
        frac = trainer.epoch / trainer.cfg.epochs
    bar = "#" * int(24 * min(frac, 1.0))
    print(f"\r[{bar:<24}] {100 * min(frac, 1):5.1f}%  step {trainer.step_count}  epoch {trainer.epoch:.2f}  "
          f"{rate:.1f} steps/s  D loss {stats.d_loss:.3f}  G loss {stats.g_loss:.3f}  "
          f"D on real {stats.d_real:.2f}, on fake {stats.d_fake:.2f}", end="", file=sys.stderr, flush=True)


def _save(out: str, trainer, records, preset_name: str, compact: bool = False, seconds: float | None = None) -> str:
    from ganlib.run.checkpoint import make_payload, save_checkpoint
    from ganlib.run.history import Frame
    from ganlib.engine.samples import fake_picture
    frames = records.timeline.frames
    if not frames or frames[-1].step != trainer.step_count:   # the samples it ends with
        records.timeline.add(Frame(trainer.step_count, records.seconds + (seconds or 0.0), fake_picture(trainer)))
    picture = records.timeline.frames[-1].picture if trainer.data.kind == "image" else None
    state = trainer.state_dict()
    if compact:
        from ganlib.run.checkpoint import halve
        state = halve(state)
    events = [(e.step, e.field, e.old, e.new) for e in records.events]
    payload = make_payload(trainer.cfg, trainer.data.shape, state, records.curve.state_dict(), events, preset_name,
                           picture, metrics=records.metrics, frames=records.timeline.frames,
                           world_size=trainer.world_size)
    return save_checkpoint(out, payload)


def cmd_sample(args) -> int:
    from ganlib.run.checkpoint import load_checkpoint
    from ganlib.engine.device import set_threads
    from ganlib.files import atomic_write
    from ganlib.explore.latent import LatentModel, random_z
    set_threads()
    payload = load_checkpoint(args.checkpoint)
    model = LatentModel.from_checkpoint(payload)
    x = model(random_z(args.n, model.latent_dim, args.seed)).numpy().astype(np.float32)
    if args.out.lower().endswith(".png"):
        picture = _png_picture(x, payload["config"])
        from ganlib.engine.grid import png_bytes
        path = atomic_write(args.out, png_bytes(picture))
        print(f"wrote {path}: {x.shape[0]} samples as a {picture.shape[1]} x {picture.shape[0]} picture")
        return 0
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"  # np.save would add it
    path = atomic_write(out, lambda f: np.save(f, x))
    print(f"wrote {path}: {x.shape[0]} samples of shape {tuple(x.shape[1:])}, float32")
    return 0


def _png_picture(x: np.ndarray, cfg) -> np.ndarray:
    """Samples as one picture: images in a grid (as the app shows them), points drawn over real ones (as the
    timeline GIF draws them); enlarged by whole pixels to at least PNG_WIDTH wide."""
    import torch

    from ganlib.engine.grid import enlarge, make_grid, whole_scale
    if x.ndim == 4:
        picture = make_grid(torch.from_numpy(x))
    else:
        from ganlib.engine.data import load_dataset
        from ganlib.classroom.downloads import points_picture
        from ganlib.engine.samples import REAL_POINTS
        picture = points_picture(x, load_dataset(cfg).sample(REAL_POINTS).numpy())
    return enlarge(picture, whole_scale(picture.shape[1], PNG_WIDTH))


def cmd_eval(args) -> int:
    import json

    from ganlib.engine.device import set_threads
    from ganlib.metrics import evaluate_checkpoint
    set_threads()
    text = json.dumps(evaluate_checkpoint(args.checkpoint, n=args.n or None, seed=args.seed), indent=2)
    print(re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text))
    return 0
