"""Memory of a run, estimated before it is made, and the per-run limit of a shared server.

estimate_mb(cfg) adds up what a run holds: its weights with their gradients, Adam
states, EMA and the last-good copy; one step's activations; the data set; the
history of sample grids and curves. Nothing of the run's size is allocated: G and
D are built on the meta device (models.meta_models) and run there on a batch of
meta tensors, with forward hooks summing the layers' outputs; what each tensor
costs the process is footprint.py's. check(cfg) refuses a run above
GAN_STUDIO_MAX_RUN_MB and names the field to lower, and to what.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from ganlib.engine.config import TrainConfig, field_meta
from ganlib.engine.data import plan
from ganlib.engine.models import meta_models
from ganlib.run.footprint import (BACKWARD_FACTOR, BASE_MB, D_STEPS_GROWTH, F32, METRICS_FACTOR, count,
                                  history_bytes, layer_sizes, metrics_samples, resident, step_tensors)
from ganlib.settings import MB, read


@dataclass(frozen=True)
class Estimate:
    """MB one run holds at its peak, by part. The step, the metrics' pass and a Save's copy come one after
    another on the run's thread, so total = params + max(activations, metrics, checkpoint) + data + history + base."""
    params: float       # G and D, their gradients and Adam states, the EMA of G, the last-good copy, the explorer's G
    activations: float  # one step: G's and D's forward passes on the batch and their backward
    metrics: float      # G's forward pass on the metrics' samples (500 digits, 2,500 points)
    checkpoint: float   # the copy of the state a Save takes
    data: float         # the images held in memory (toys hold none)
    history: float      # the timeline of sample grids and the loss curve, at their largest
    base: float         # what every run costs besides
    g_params: int       # parameters of G and of D: which width to lower
    d_params: int

    @property
    def total(self) -> float:
        return self.params + max(self.activations, self.metrics, self.checkpoint) + self.data + self.history + self.base

    def parts(self) -> dict[str, float]:
        """The MB of each part, and the total, by name."""
        d = {k: v for k, v in asdict(self).items() if k not in ("g_params", "d_params")}
        return {**d, "total": self.total}


def estimate_mb(cfg: TrainConfig, shape: tuple[int, ...] | None = None) -> Estimate:
    """What a run of cfg would hold at its peak, in MB, found without allocating it. `shape` is one sample's
    shape when the data is loaded already; by default the one its dataset has (data.plan)."""
    planned, images = plan(cfg)
    shape = tuple(shape) if shape is not None else planned
    G, D = meta_models(cfg, shape)
    g_params, d_params = count(G), count(D)
    g_buffers, d_buffers = count(G, buffers=True), count(D, buffers=True)
    sampler = g_params + g_buffers                    # the EMA of G, or G, as a copy
    ema = sampler if cfg.ema > 0 else 0
    weights = g_params + d_params + g_buffers + d_buffers + ema
    adam = 2 * (g_params + d_params)
    grads = g_params + d_params
    saved = weights + adam                            # a state_dict's copy: LastGood keeps one, a Save takes another
    n = cfg.batch_size
    g_layers = layer_sizes(G, torch.empty(n, cfg.latent_dim, device="meta"))
    d_layers = layer_sizes(D, torch.empty(n, *shape, device="meta"))
    step = step_tensors(cfg, shape, [new for new, _ in g_layers], [new for new, _ in d_layers])
    # backward: the gradients of one layer's output and input are alive beside everything forward kept
    backward = max((resident([(old, 1), (new, 1)]) for new, old in g_layers + d_layers), default=0.0)
    m = metrics_samples(cfg, shape)
    metrics = max((resident([(old, 1), (new, 1)]) for new, old in
                   layer_sizes(G, torch.empty(m, cfg.latent_dim, device="meta"))), default=0.0) if m else 0.0
    return Estimate(
        params=(weights + grads + adam + saved + sampler) * F32 / MB,
        activations=(resident(step) + BACKWARD_FACTOR * backward) * (1 + D_STEPS_GROWTH * (cfg.d_steps - 1)) / MB,
        metrics=METRICS_FACTOR * metrics / MB,
        checkpoint=saved * F32 / MB,
        data=images * math.prod(shape) / MB,  # uint8
        history=history_bytes(shape) / MB,
        base=BASE_MB,
        g_params=g_params, d_params=d_params)


def check(cfg: TrainConfig, limit_mb: float | None = None, shape: tuple[int, ...] | None = None) -> Estimate:
    """The estimate of cfg when it fits in limit_mb MB (default: the server's GAN_STUDIO_MAX_RUN_MB; 0 = no limit),
    else ValueError naming the field to lower and to what, e.g. 'batch_size: this run needs about 5,000 MB ...'."""
    limit = (read("GAN_STUDIO_MAX_RUN_MB") if limit_mb is None else limit_mb) or math.inf
    est = estimate_mb(cfg.validate(), shape)
    if est.total <= limit:
        return est
    field, advice = _advice(cfg, shape, est, limit)
    raise ValueError(f"{field}: this run needs about {_about(est.total)} MB ({_what(cfg, shape, est)}); "
                     f"this server allows {_mb(limit)} MB per run: {advice}")


# --- the refusal ---------------------------------------------------------------------------------------

def _advice(cfg: TrainConfig, shape, est: Estimate, limit: float) -> tuple[str, str]:
    """(field, what to do): of the fields that can bring the run under the limit alone, the one whose part of
    the estimate is largest, and the largest value of it that does."""
    peak = max(est.activations, est.metrics, est.checkpoint)
    g_share = est.g_params / max(1, est.g_params + est.d_params)
    levers = [name for part, name in sorted([
        (est.activations if est.activations == peak else 0.0, "batch_size"),
        (est.params * g_share + (est.metrics if est.metrics == peak else 0.0), "g_width"),
        (est.params * (1 - g_share), "d_width"),
        (est.data if cfg.dataset == "folder" else 0.0, "image_size"),  # other sets come at one size
    ], key=lambda x: -x[0]) if part > 0]
    for name in levers:
        found = _lower(cfg, shape, name, est, limit)
        if found is not None:
            return found
    return levers[0], f"lower {_and(levers)} together, or choose a smaller model: no one of them alone is enough"


def _lower(cfg: TrainConfig, shape, name: str, est: Estimate, limit: float) -> tuple[str, str] | None:
    """(field, what to set it to) so that the run fits; None when no value of `name` does."""
    now = getattr(cfg, name)
    if name == "image_size":
        sizes = sorted((v for v in field_meta(name)["choices"] if v < now), reverse=True)
        best = _largest(sizes, lambda v: _fits(cfg.replace(image_size=v), None, limit))
        if best is not None:
            return name, f"lower image_size to {best}, or choose a smaller model"
        other = est.total - est.data
        if other >= limit:
            return None
        images = est.data * MB / math.prod(shape if shape is not None else plan(cfg)[0])
        keep = _about(images * (limit - other) / est.data, down=True)
        return "data_path", f"use a folder of about {keep} images or fewer, or a smaller image_size"
    lo = field_meta(name)["lo"] or 1
    ladder = [2 ** k for k in range(int(math.log2(max(now - 1, 1))), -1, -1) if lo <= 2 ** k < now]
    best = _largest(ladder, lambda v: _fits(cfg.replace(**{name: v}), shape, limit))
    return None if best is None else (name, f"lower {name} to {best:,} or fewer, or choose a smaller model")


def _fits(cfg: TrainConfig, shape, limit: float) -> bool:
    return estimate_mb(cfg, shape).total <= limit


def _largest(values: list[int], fits) -> int | None:
    """The first of `values` (in falling order, where fits holds from some point on) for which fits holds."""
    lo, hi = 0, len(values)  # binary search: values[hi:] fit, values[:lo] do not
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(values[mid]):
            hi = mid
        else:
            lo = mid + 1
    return values[lo] if lo < len(values) else None


def _about(x: float, down: bool = False) -> str:
    """x to two significant digits, as people say sizes: 5,023 -> '5,000', 673 -> '670'."""
    if x < 100:
        return f"{math.floor(x) if down else round(x):,}"
    step = 10 ** (len(str(int(x))) - 2)
    return f"{(math.floor(x / step) if down else round(x / step)) * step:,}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _what(cfg: TrainConfig, shape, est: Estimate) -> str:
    s = tuple(shape) if shape is not None else plan(cfg)[0]
    kind = (f"{s[1]}x{s[2]}" + (" RGB" if s[0] == 3 else "")) if len(s) == 3 else f"{s[0]}-D points"
    what = f"batch {cfg.batch_size} of {kind} with model {cfg.model}"
    if est.data > est.total / 2:
        what += f", {_about(est.data)} MB of them in memory"
    return what


def _mb(x: float) -> str:
    return "no limit" if math.isinf(x) else f"{round(x):,}"
