"""Memory of a run, estimated before it is made, and the per-run limit of a shared server.

estimate_mb(cfg) adds up what a run holds: its weights with their gradients, Adam
states, EMA and the last-good copy; one step's activations; the data set; the
history of sample grids and curves. Nothing of the run's size is allocated: G and
D are built on the meta device (models.meta_models) and run there on a batch of
meta tensors, with forward hooks summing the layers' outputs. check(cfg) refuses
a run above GAN_STUDIO_MAX_RUN_MB and names the field to lower, and to what.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass

import torch
from torch import nn

from ganlib.engine.config import TrainConfig, field_meta
from ganlib.engine.data import plan
from ganlib.engine.grid import tile_shape
from ganlib.run.history import CURVE_ROWS, TIMELINE_FRAMES
from ganlib.limits import DEFAULT_MAX_RUN_MB
from ganlib.metrics.evaluate import GEN_BATCH, default_n, kind_of
from ganlib.engine.models import Dropout, meta_models
from ganlib.engine.trainer import GRID

ENV = "GAN_STUDIO_MAX_RUN_MB"
MB = 2**20
F32 = 4                # bytes: weights and activations are float32 (bf16 autocast keeps fp32 weights and grads)
CURVE_ROW_BYTES = 540  # one loss-curve row as Python floats in a tuple in a list (tracemalloc, 1,250 rows)

# What a run holds is what torch's allocator takes from glibc's malloc, not the sum of the live tensors.
# malloc gives a request of at least its mmap threshold pages of its own, returned when freed; the
# threshold rises with each such block freed, up to 32 MiB, so smaller tensors end in the heap, which
# fragments: tf-dcgan at batch 512 (every tensor under 32 MiB), trained by a Runner for 150 s, peaked at
# 1,013 MB, and at 514 MB with MALLOC_MMAP_THRESHOLD_=131072 (every tensor in its own pages). So a tensor
# counts x MMAP_FACTOR from 32 MiB and x HEAP_FACTOR below.
MMAP_MAX = 32 * MB     # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
MMAP_FACTOR = 1.1
HEAP_FACTOR = 1.6
# The metrics' pass: the input and output of G's largest layer on 500 z, and oneDNN's copies of them in its
# own layout (keras-convgan's pass alone peaked at 628 MB for 400 MB of input and output: 1.6).
METRICS_FACTOR = 1.8
# the backward's gradients of the largest layer's input and output (without them keras-convgan at batch 512 was 0.71x)
BACKWARD_FACTOR = 1.0
# The penalties' and the augmentation's extra tensors, in D passes or batches, as the code makes them; measured
# only in total (the wgan-gp and R1 rows below: 1.09x and 1.07x)
GP_PASSES = 1.5         # wgan-gp: D on the mixed points, and the graph of its gradient (create_graph): half a pass
R1_PASSES = 0.5         # R1: the graph of D's gradient on the real batch
AUGMENT_SAMPLES = 14.0  # translation, per D pass (3): a padded copy (1.6 batches), the shifted one, an int64 index (2)
# d_steps: D's updates run one after another, so nothing more is alive at once, but each one's passes
# fragment the heap further: tf-dcgan at batch 512 measured 932, 1,016 and 1,111 MB at d_steps 1, 5 and 10;
# at batch 1,024 1,451 and 1,870 MB at d_steps 1 and 5
D_STEPS_GROWTH = 0.04  # the activations' growth for each D update after the first
# what digits runs measured beyond their parts (seed-mlp 13-19 MB, fast-digits 12-15): snapshots, the classifier
BASE_MB = 10.0

# Calibration (python bench/memory.py): each run in a fresh process, the data and torch's kernels loaded
# before; a Runner does `steps` steps with a sample grid at each and the metrics twice, then a Save. Measured
# is the peak resident set it added (VmHWM, MB); estimated is estimate_mb() less the data, loaded before.
# The factors above are round values that keep every run above 100 MB within about 0.85-1.35x, erring high.
#
#   config (a preset, with changes)                          steps measured estimate ratio
#   seed-mlp                                                  30       44       35  0.80
#   fast-digits                                               30       56       54  0.97
#   keras-convgan                                              8      817      815  1.00
#   dcgan-upsample                                             8      659      620  0.94
#   tf-dcgan                                                  30      467      537  1.15
#   ring8                                                     30        9       16  1.78
#   seed-mlp batch_size=4096 g_width=2048 d_width=2048         6      361      475  1.32
#   fast-digits batch_size=4096                               20      208      271  1.30
#   keras-convgan batch_size=512                               4    1,218    1,313  1.08
#   dcgan-upsample batch_size=1024                             3    2,809    3,185  1.13
#   tf-dcgan batch_size=512                                   30      932      909  0.98
#   tf-dcgan batch_size=512 d_steps=5                          8    1,016    1,040  1.02
#   tf-dcgan batch_size=512 d_steps=10                         8    1,111    1,204  1.08
#   tf-dcgan batch_size=1024                                  10    1,451    1,410  0.97
#   tf-dcgan batch_size=1024 d_steps=5                         4    1,870    1,621  0.87
#   tf-dcgan batch_size=1024 loss=wgan-gp                      4    1,782    1,941  1.09
#   tf-dcgan batch_size=1024 r1_weight=1 augment=translation   4    1,551    1,652  1.07
#   tf-dcgan batch_size=4096                                   3    3,885    5,023  1.29
#
# Repeats of a run vary by up to 20% (tf-dcgan: 467 and 570 MB; at batch 1,024 with d_steps 5: 1,615-1,870).
# The "5 GB" for tf-dcgan at batch 4,096 is the estimate; its measured peak here was 3.9 GB.


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
    g_params, d_params = _count(G), _count(D)
    g_buffers, d_buffers = _count(G, buffers=True), _count(D, buffers=True)
    sampler = g_params + g_buffers                    # the EMA of G, or G, as a copy
    ema = sampler if cfg.ema > 0 else 0
    weights = g_params + d_params + g_buffers + d_buffers + ema
    adam = 2 * (g_params + d_params)
    grads = g_params + d_params
    saved = weights + adam                            # a state_dict's copy: LastGood keeps one, a Save takes another
    n = cfg.batch_size
    g_layers = _layers(G, torch.empty(n, cfg.latent_dim, device="meta"))
    d_layers = _layers(D, torch.empty(n, *shape, device="meta"))
    step = _step_tensors(cfg, shape, [new for new, _ in g_layers], [new for new, _ in d_layers])
    # backward: the gradients of one layer's output and input are alive beside everything forward kept
    backward = max((_resident([(old, 1), (new, 1)]) for new, old in g_layers + d_layers), default=0.0)
    m = _metrics_samples(cfg, shape)
    metrics = max((_resident([(old, 1), (new, 1)]) for new, old in
                   _layers(G, torch.empty(m, cfg.latent_dim, device="meta"))), default=0.0) if m else 0.0
    return Estimate(
        params=(weights + grads + adam + saved + sampler) * F32 / MB,
        activations=(_resident(step) + BACKWARD_FACTOR * backward) * (1 + D_STEPS_GROWTH * (cfg.d_steps - 1)) / MB,
        metrics=METRICS_FACTOR * metrics / MB,
        checkpoint=saved * F32 / MB,
        data=images * math.prod(shape) / MB,  # uint8
        history=_history_bytes(shape) / MB,
        base=BASE_MB,
        g_params=g_params, d_params=d_params)


def tensor_budget_mb() -> float:
    """The most MB one run may hold: GAN_STUDIO_MAX_RUN_MB, DEFAULT_MAX_RUN_MB when unset; math.inf for 0 (no limit)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return float(DEFAULT_MAX_RUN_MB)
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not (mb >= 0 and math.isfinite(mb)):
        raise ValueError(f"{ENV}: must be a number of MB, 0 for no limit; got {raw!r}")
    return mb or math.inf


def check(cfg: TrainConfig, limit_mb: float | None = None, shape: tuple[int, ...] | None = None) -> Estimate:
    """The estimate of cfg when it fits in limit_mb (default tensor_budget_mb(); 0 = no limit), else ValueError
    naming the field to lower and to what, e.g. 'batch_size: this run needs about 5,000 MB ...'."""
    limit = tensor_budget_mb() if limit_mb is None else (limit_mb or math.inf)
    est = estimate_mb(cfg.validate(), shape)
    if est.total <= limit:
        return est
    field, advice = _advice(cfg, shape, est, limit)
    raise ValueError(f"{field}: this run needs about {_about(est.total)} MB ({_what(cfg, shape, est)}); "
                     f"this server allows {_mb(limit)} MB per run: {advice}")


# --- activations ---------------------------------------------------------------------------------------

def _step_tensors(cfg: TrainConfig, shape, g_new: list[int], d_new: list[int]) -> list[tuple[int, float]]:
    """(elements, how many) of the float tensors alive at the peak of one step, from the sizes of the new
    tensors G's and D's layers make on the batch: G's graph, kept for G's update, D's graphs on the real and
    the fake batch, and the batch itself. d_steps runs D's updates one after another, not at once."""
    n = cfg.batch_size
    sample = n * math.prod(shape)
    tensors = [(e, 1.0) for e in g_new] + [(e, 2.0) for e in d_new] + [(sample, 2.0), (n * cfg.latent_dim, 1.0)]
    if cfg.loss == "wgan-gp":  # D on the points between real and fake, and the graph of its gradient
        tensors += [(e, GP_PASSES) for e in d_new] + [(sample, 2.0)]
    if cfg.r1_weight > 0:      # the graph of D's gradient on the real batch
        tensors += [(e, R1_PASSES) for e in d_new]
    if cfg.augment != "none" and len(shape) == 3:
        tensors += [(sample, AUGMENT_SAMPLES)]
    return tensors


def _resident(tensors: list[tuple[int, float]]) -> float:
    """Bytes the process holds for these float tensors: glibc's malloc gives a tensor of at least 32 MiB
    its own pages and returns them when it is freed, while smaller ones share a heap that fragments."""
    return sum(e * k * F32 * (MMAP_FACTOR if e * F32 >= MMAP_MAX else HEAP_FACTOR) for e, k in tensors)


def _metrics_samples(cfg: TrainConfig, shape) -> int:
    """How many samples the run's metrics put through G at once (0: this data has no metrics)."""
    return min(default_n(kind_of(cfg, shape)), GEN_BATCH)


def _layers(net: nn.Module, x: torch.Tensor) -> list[tuple[int, int]]:
    """(elements of the new tensor each layer makes, elements of its input) for net on x, in order.
    x is a meta tensor: nothing is computed, nothing allocated."""
    out_sizes = []

    def record(m, inputs, out):
        old = inputs[0].numel()
        if isinstance(m, Dropout):
            new = 2 * old if m.p > 0 else 0   # in training: its output and the mask kept for backward
        elif out is inputs[0] or out._base is not None:
            new = 0                           # a view (Flatten, Reshape) makes nothing new
        else:
            new = out.numel()
        out_sizes.append((new, old))

    leaves = [m for m in net.modules() if not any(True for _ in m.children())]
    hooks = [m.register_forward_hook(record) for m in leaves]
    was_training = net.training
    try:
        with torch.no_grad():
            net.eval()(x)  # eval: a Dropout in training would draw its mask on the CPU, at the batch's size
    finally:
        net.train(was_training)
        for h in hooks:
            h.remove()
    return out_sizes


def _count(net: nn.Module, buffers: bool = False) -> int:
    return sum(t.numel() for t in (net.buffers() if buffers else net.parameters()) if t.is_floating_point())


def _history_bytes(shape) -> float:
    if len(shape) == 3:
        c, h, w = shape
        frame = math.prod(tile_shape(GRID, h, w, c))        # a uint8 grid of the fixed z's samples
    else:
        frame = GRID * math.prod(shape) * F32               # the fixed z's points
    return (TIMELINE_FRAMES + 1) * frame + CURVE_ROWS * CURVE_ROW_BYTES


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
