"""What a run's tensors cost the process: glibc's heap and its measured factors, and the sizes of G's and D's layers.

budget.py adds these parts up into a run's estimate. The factors are round values calibrated against measured
runs (python bench/memory.py; the table below); the layers' sizes come from G and D run on meta tensors, so
nothing of a run's size is allocated to find them.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ganlib.engine.config import TrainConfig
from ganlib.engine.grid import tile_shape
from ganlib.engine.kinds import LOSSES
from ganlib.engine.models import Dropout
from ganlib.engine.trainer import GRID
from ganlib.metrics.evaluate import GEN_BATCH, default_n, kind_of
from ganlib.run.history import CURVE_ROWS, TIMELINE_FRAMES
from ganlib.settings import MB

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


def step_tensors(cfg: TrainConfig, shape, g_new: list[int], d_new: list[int]) -> list[tuple[int, float]]:
    """(elements, how many) of the float tensors alive at the peak of one step, from the sizes of the new
    tensors G's and D's layers make on the batch: G's graph, kept for G's update, D's graphs on the real and
    the fake batch, and the batch itself. d_steps runs D's updates one after another, not at once."""
    n = cfg.batch_size
    sample = n * math.prod(shape)
    tensors = [(e, 1.0) for e in g_new] + [(e, 2.0) for e in d_new] + [(sample, 2.0), (n * cfg.latent_dim, 1.0)]
    if LOSSES[cfg.loss].penalty:  # D on the points between real and fake, and the graph of its gradient
        tensors += [(e, GP_PASSES) for e in d_new] + [(sample, 2.0)]
    if cfg.r1_weight > 0:      # the graph of D's gradient on the real batch
        tensors += [(e, R1_PASSES) for e in d_new]
    if cfg.augment != "none" and len(shape) == 3:
        tensors += [(sample, AUGMENT_SAMPLES)]
    return tensors


def resident(tensors: list[tuple[int, float]]) -> float:
    """Bytes the process holds for these float tensors: glibc's malloc gives a tensor of at least 32 MiB
    its own pages and returns them when it is freed, while smaller ones share a heap that fragments."""
    return sum(e * k * F32 * (MMAP_FACTOR if e * F32 >= MMAP_MAX else HEAP_FACTOR) for e, k in tensors)


def metrics_samples(cfg: TrainConfig, shape) -> int:
    """How many samples the run's metrics put through G at once (0: this data has no metrics)."""
    return min(default_n(kind_of(cfg, shape)), GEN_BATCH)


def layer_sizes(net: nn.Module, x: torch.Tensor) -> list[tuple[int, int]]:
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


def count(net: nn.Module, buffers: bool = False) -> int:
    return sum(t.numel() for t in (net.buffers() if buffers else net.parameters()) if t.is_floating_point())


def history_bytes(shape) -> float:
    if len(shape) == 3:
        c, h, w = shape
        frame = math.prod(tile_shape(GRID, h, w, c))        # a uint8 grid of the fixed z's samples
    else:
        frame = GRID * math.prod(shape) * F32               # the fixed z's points
    return (TIMELINE_FRAMES + 1) * frame + CURVE_ROWS * CURVE_ROW_BYTES
