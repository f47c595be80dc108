"""Run under torchrun by tests/test_distributed.py: `ganlib train` as the CLI runs it, then each rank writes
what the test compares: its G and D parameters and buffers, its generator's seed and its data shard's size
and first image, to OUT.rankN.pt. Usage: torchrun ... tests/ddp_worker.py TRAIN-ARGS... --out OUT"""
import sys

import torch

from ganlib import cli
from ganlib.engine import distributed

made = []
real_make = distributed.make_trainer


def make_trainer(cfg, data=None):
    made.append(real_make(cfg, data))
    return made[-1]


distributed.make_trainer = make_trainer
code = cli.main(["train", *sys.argv[1:]])
t = made[0]
out = sys.argv[sys.argv.index("--out") + 1]
torch.save({"G": dict(t.G.named_parameters()), "D": dict(t.D.named_parameters()),
            "G_buffers": dict(t.G.named_buffers()), "D_buffers": dict(t.D.named_buffers()),
            "seed": t.gen.initial_seed(), "shard": t.data.size,
            "first": t.data.images[0].clone() if t.data.images is not None else None,
            "rank": t.rank, "world_size": t.world_size, "step": t.step_count, "code": code},
           f"{out}.rank{t.rank}.pt")
sys.exit(code)
