"""python -m ganlib eval: measure a checkpoint's samples, and print them as JSON beside reference values."""
from __future__ import annotations

import json
import re

import torch

from ganlib.engine.device import set_threads
from ganlib.engine.kinds import MetricKind, kind_of
from ganlib.engine.noise import random_z
from ganlib.metrics.classifier import metadata
from ganlib.metrics.digits import reference_values
from ganlib.metrics.evaluate import clean, default_n, generate, has_density, load_data, measure
from ganlib.metrics.features import feature_floor
from ganlib.metrics.points import js_of_generator, points_reference
from ganlib.run.checkpoint import build_generator, load_checkpoint


def run(args) -> int:
    set_threads()
    text = json.dumps(evaluate_checkpoint(args.checkpoint, n=args.n or None, seed=args.seed), indent=2)
    # short lists of numbers on one line each, as a person reads them
    print(re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text))
    return 0


def evaluate_checkpoint(path: str, n: int | None = None, seed: int = 0) -> dict:
    """What `python -m ganlib eval --checkpoint PATH` prints: the checkpoint's metrics and reference
    values at the same n (real digits, noise and black images for digit runs; real points for toys; real
    images for other images, whose data must be on this machine).
    Plain JSON types only (None where a value is undefined)."""
    payload = load_checkpoint(path)
    cfg, shape = payload["config"], payload["shape"]
    kind = kind_of(cfg, shape)
    # which G is measured, as the app's labels say (words/lab_text.which_g): the EMA where the run keeps one
    out = {"checkpoint": path, "preset": payload.get("preset", ""), "dataset": cfg.dataset,
           "model": cfg.model, "step": int(payload["trainer"]["step"]),
           "generator": "ema" if payload["trainer"].get("ema") is not None else "raw"}
    n = n or default_n(kind)
    G = build_generator(payload)
    z = random_z(n, cfg.latent_dim, seed)
    with torch.inference_mode():
        samples = generate(lambda zz: G(zz).float(), z)
    data = load_data(cfg) if kind in (MetricKind.POINTS, MetricKind.FEATURES) else None
    metrics = ({"js": js_of_generator(G, cfg.latent_dim, data)} if has_density(data)
               else measure(kind, samples, data))
    out.update(n=n, seed=seed, metrics=clean(metrics))
    if kind is MetricKind.POINTS:
        out["reference"] = clean(points_reference(data, n))
    if kind is MetricKind.FEATURES:
        out["reference"] = clean({"n": n, "real": {"feature_fd": feature_floor(data, n)}})
    if kind is MetricKind.DIGITS:
        out["reference"] = clean(reference_values(n))
        out["classifier"] = {"held_out_accuracy": metadata()["held_out_accuracy"]}
    return out
