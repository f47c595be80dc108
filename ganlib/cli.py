"""python -m ganlib: list presets, train to a checkpoint, sample from one.

    python -m ganlib presets
    python -m ganlib train --preset fast-digits --seconds 60 --out checkpoints/digits.pt
    python -m ganlib train --preset ring8 --set lr_g=5e-4 --set loss=hinge --steps 2000 --out ring8.pt
    python -m ganlib sample --checkpoint checkpoints/digits.pt --n 16 --out samples.npy
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time

import numpy as np

from .config import coerce
from .errors import CheckpointError, DatasetError
from .presets import PRESETS, preset

# torch-heavy modules are imported inside the commands: `presets` and argument errors
# then answer at once instead of after torch's 2-4 s import.


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, CheckpointError, DatasetError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ganlib", description="Train GANs and sample from them.")
    sub = p.add_subparsers(dest="command", required=True, metavar="{presets,train,sample,eval}")
    sub.add_parser("presets", help="list the presets").set_defaults(func=cmd_presets)

    t = sub.add_parser("train", help="train a preset and write a checkpoint")
    t.add_argument("--preset", required=True, choices=list(PRESETS), metavar="NAME", help="one of: " + ", ".join(PRESETS))
    t.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="override a TrainConfig field (repeatable)")
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=_positive(int), help="stop after N steps")
    budget.add_argument("--seconds", type=_positive(float), help="stop after S seconds of training")
    budget.add_argument("--epochs", type=_positive(int), help="epoch budget (default: the preset's)")
    t.add_argument("--out", required=True, metavar="PATH.pt", help="where to write the checkpoint")
    t.add_argument("--dry-run", action="store_true", help="one step, to check that everything fits")
    t.add_argument("--compact", action="store_true",
                   help="store the tensors as float16: half the size, for shipping; a resume is then close, not exact")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file")
    s.add_argument("--checkpoint", required=True, metavar="PATH.pt")
    s.add_argument("--n", type=_positive(int), default=16)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True, metavar="FILE.npy")
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


def _config(args):
    changes = {}
    for item in args.set:
        if "=" not in item:
            raise ValueError(f"--set: expected FIELD=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        changes[k.strip()] = coerce(k.strip(), v.strip())
    if args.epochs:
        changes["epochs"] = args.epochs
    return preset(args.preset).replace(**changes).validate()


def cmd_train(args) -> int:
    from .device import set_threads
    from .lastgood import LastGood
    from .trainer import Trainer
    cfg = _config(args)
    set_threads(cfg.threads)
    trainer = Trainer(cfg)
    steps = 1 if args.dry_run else args.steps
    last_good, t0, shown = LastGood(trainer), time.perf_counter(), 0.0
    while not trainer.done and (steps is None or trainer.step_count < steps):
        if args.seconds and time.perf_counter() - t0 >= args.seconds:
            break
        stats = trainer.step()
        if not last_good.after_step(trainer, stats):
            return _roll_back(args, trainer, last_good, stats)
        now = time.perf_counter() - t0
        if now - shown > 0.5 or trainer.done:
            shown = now
            _progress(trainer, stats, now, steps, args.seconds)
    print(file=sys.stderr)
    path = _save(args.out, trainer, args.preset, args.compact)
    print(f"wrote {path} (step {trainer.step_count}, epoch {trainer.epoch:.2f}, "
          f"{time.perf_counter() - t0:.1f} s)")
    return 0


def _roll_back(args, trainer, last_good, stats) -> int:
    """Write the last good state to --out and say what went wrong; the exit status of a NaN run."""
    bad_step = trainer.step_count  # before the rollback, which resets step_count
    name, value = last_good.bad_value(stats)
    good_step = last_good.restore(trainer)
    _save(args.out, trainer, args.preset, args.compact)
    print(f"\nerror: the {name.replace('_', ' ')} became {value} at step {bad_step}; {args.out} holds the "
          f"last good state (step {good_step}). Try a lower lr_d / lr_g.", file=sys.stderr)
    return 1


def _progress(trainer, stats, seconds, steps, budget_s) -> None:
    rate = trainer.step_count / max(seconds, 1e-9)
    if steps:
        frac = trainer.step_count / steps
    elif budget_s:
        frac = seconds / budget_s
    else:
        frac = trainer.epoch / trainer.cfg.epochs
    bar = "#" * int(24 * min(frac, 1.0))
    print(f"\r[{bar:<24}] {100 * min(frac, 1):5.1f}%  step {trainer.step_count}  epoch {trainer.epoch:.2f}  "
          f"{rate:.1f} steps/s  D loss {stats.d_loss:.3f}  G loss {stats.g_loss:.3f}  "
          f"D on real {stats.d_real:.2f}, on fake {stats.d_fake:.2f}", end="", file=sys.stderr, flush=True)


def _save(out: str, trainer, preset_name: str, compact: bool = False) -> str:
    from .checkpoint import make_payload, save_checkpoint
    from .grid import make_grid
    picture = make_grid(trainer.generate(trainer.fixed_z)) if trainer.data.kind == "image" else None
    state = trainer.state_dict()
    if compact:
        from .checkpoint import halve
        state = halve(state)
    payload = make_payload(trainer.cfg, trainer.data.shape, state, preset=preset_name, picture=picture)
    return save_checkpoint(out, payload)


def cmd_sample(args) -> int:
    from .device import set_threads
    from .latent import LatentModel, random_z
    set_threads()
    model = LatentModel.from_checkpoint(args.checkpoint)
    x = model(random_z(args.n, model.latent_dim, args.seed)).numpy().astype(np.float32)
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"  # np.save adds it
    np.save(out, x)
    print(f"wrote {out}: {x.shape[0]} samples of shape {tuple(x.shape[1:])}, float32")
    return 0


def cmd_eval(args) -> int:
    import json

    from .device import set_threads
    from .metrics import evaluate_checkpoint
    set_threads()
    text = json.dumps(evaluate_checkpoint(args.checkpoint, n=args.n or None, seed=args.seed), indent=2)
    print(re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text))
    return 0
