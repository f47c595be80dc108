"""python -m ganlib train: train a preset, or go on from a checkpoint, and write a checkpoint.

The loop is the app's: each step goes to a RunRecord (run/record.py), which
keeps the curves, the sample timeline, the quality measurements and the last
good state as the Runner's does, so that a checkpoint from here opens in the
app where it stopped, and a NaN rolls back here as it does there.
"""
from __future__ import annotations

import sys
import time

from ganlib.engine.config import LIVE_FIELDS, coerce
from ganlib.engine.device import set_threads
from ganlib.engine.distributed import make_trainer, time_is_up
from ganlib.engine.presets import preset
from ganlib.metrics import evaluator_for
from ganlib.run.checkpoint import load_checkpoint, restore_trainer, save_checkpoint
from ganlib.run.history import Records, note_changes
from ganlib.run.record import RunRecord
from ganlib.words.describe import nan_subject

SHOW_EVERY_S = 0.5   # seconds between progress lines


def run(args) -> int:
    trainer, records, preset_name = begin(args)
    evaluator = evaluator_for(trainer) if trainer.cfg.eval_every else None   # the app's quality chart, same steps
    record = RunRecord(trainer, records, evaluator)
    start, steps = trainer.step_count, 1 if args.dry_run else args.steps
    t0, shown = time.perf_counter(), 0.0
    while not trainer.done and (steps is None or trainer.step_count - start < steps):
        if args.seconds and time_is_up(trainer, time.perf_counter() - t0 >= args.seconds):
            break
        began = time.perf_counter()
        stats = trainer.step()
        now = time.perf_counter()
        show = now - t0 - shown > SHOW_EVERY_S or trainer.done
        if not record.after_step(stats, now - began, record.due(), read=show):
            return roll_back(args, record, preset_name)
        if show:
            shown = now - t0
            progress(trainer, stats, shown, start, steps, args.seconds)
    # the last steps' losses, unread on a GPU, and the state to write, unchecked since the last kept step
    if not record.finish():
        return roll_back(args, record, preset_name)
    if trainer.rank != 0:  # under torchrun rank 0 alone writes
        return 0
    print(file=sys.stderr)
    path = save(args.out, record, preset_name, args.compact)
    print(f"wrote {path} (step {trainer.step_count}, epoch {trainer.epoch:.2f}, "
          f"{time.perf_counter() - t0:.1f} s, world size {trainer.world_size})")
    return 0


def changes_of(args) -> dict:
    changes = {}
    for item in args.set:
        if "=" not in item:
            raise ValueError(f"--set: expected FIELD=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        changes[k.strip()] = coerce(k.strip(), v.strip())
    if args.epochs:
        changes["epochs"] = args.epochs
    return changes


def begin(args):
    """(trainer, its Records, preset name) of a new run of --preset, or of the run a --resume checkpoint holds,
    with --set's live changes applied and recorded as the app records them."""
    changes = changes_of(args)
    if args.preset:
        cfg = preset(args.preset).replace(**changes).validate()
        set_threads(cfg.threads)   # one run in this process: its own setting is the process's
        return make_trainer(cfg), Records(), args.preset  # under torchrun, one rank of a DDP team
    not_live = sorted(set(changes) - set(LIVE_FIELDS))
    if not_live:
        raise ValueError(f"--set: {not_live[0]} cannot change when a run goes on (--resume); the live fields are "
                         f"{', '.join(LIVE_FIELDS)}")
    payload = load_checkpoint(args.resume)
    set_threads(payload["config"].threads)
    trainer = make_trainer(payload["config"])
    restore_trainer(trainer, payload)
    records, old = Records.from_payload(payload), trainer.cfg
    trainer.apply(**changes)
    note_changes(records.events, trainer.step_count, old, changes)
    if trainer.done:
        raise ValueError(f"--resume: {args.resume} has used its whole epoch budget ({trainer.cfg.epochs} epochs, "
                         f"step {trainer.step_count:,}); raise it with --epochs")
    return trainer, records, payload.get("preset", "")


def roll_back(args, record: RunRecord, preset_name: str) -> int:
    """Write the last good state to --out and say what went wrong; the exit status of a NaN run. When even the
    state the run began from was not finite there is no good state: nothing is written."""
    trainer, start_bad = record.trainer, record.last_good.start_bad
    bad_step, name, value, good_step = record.rollback()   # the curves and samples go back with the weights
    if trainer.rank != 0:  # under torchrun every rank stops, and rank 0 alone writes
        return 1
    if start_bad is not None:
        start_name, start_value = start_bad
        print(f"\nerror: {nan_subject(name)} became {value} at step {bad_step}, and the state the run began from "
              f"(step {good_step}) was not finite either ({start_name} is {start_value}); nothing was written to "
              f"{args.out}", file=sys.stderr)
        return 1
    save(args.out, record, preset_name, args.compact)
    print(f"\nerror: {nan_subject(name)} became {value} at step {bad_step}; {args.out} holds the "
          f"last good state (step {good_step}). Try a lower lr_d / lr_g.", file=sys.stderr)
    return 1


def progress(trainer, stats, seconds, start, steps, budget_s) -> None:
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


def save(out: str, record: RunRecord, preset_name: str, compact: bool = False) -> str:
    frames = record.timeline.frames
    if not frames or frames[-1].step != record.trainer.step_count:   # the samples it ends with
        record.take_frame()
    return save_checkpoint(out, record.payload(preset_name, compact))
