"""Training on several processes with torchrun: DDP over gloo (CPUs) or NCCL (CUDA GPUs), one process per device.

    torchrun --nproc_per_node=2 -m ganlib train --preset fast-digits --steps 2000 --out digits.pt
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 -m ganlib train ...

`ganlib train` checks for torchrun's variables (make_trainer) and, under it, trains a
DistributedTrainer: the plain Trainer with G and D each in their own DDP wrapper.
- Each rank trains on its own shard of the data (every world_size-th image) with its
  own random stream (its generator is seeded from the seed and its rank; rank 0's is
  the seed's own), so the ranks see different batches and different z. batch_size is
  per rank: the step's batch is world_size x batch_size, and an epoch is one pass of
  all ranks together over the data.
- Rank 0 alone prints and writes the checkpoint: a plain single-process checkpoint
  (G and D, not their wrappers), which records world_size.
- The losses are averaged over the ranks on the device before anyone reads them, so
  every rank takes the same decision on a NaN.

The traps, and what this module does about them:
- Batch norm under DDP with several forwards of D before one backward (D(real) and
  D(fake), then the gradient penalty's D(mix)): DDP's default broadcast_buffers=True
  copies rank 0's running statistics into the module before each forward, in place,
  which bumps the version of tensors that the previous forward saved for backward:
  "one of the variables needed for gradient computation has been modified by an
  inplace operation" (pytorch/pytorch#175024, since PyTorch 2.6; the torch 2.15 here
  preserves the version counters, pytorch/pytorch#175851). Both wrappers sync no buffers before a
  forward (broadcast_buffers=False, as NVlabs' stylegan2-ada-pytorch does; 2.15 calls
  it forward_sync_buffers=False): each rank keeps its own statistics, and rank 0's
  (which it saves) are exactly those a broadcast would have left it. sync_bn=true
  computes them over all ranks' batches instead.
- D in G's update: D is frozen there and gets no gradients, so there is nothing for
  DDP to reduce; G's update calls the bare D (Trainer.d_frozen), as stylegan2-ada's
  loss runs D without gradient sync in G's phase. (A DDP D there prepares a reduction
  that never comes; on torch 2.15 with gloo, 8 of 9 such runs passed and one failed,
  its log not kept: work for nothing at best.)
- The gradient penalty and R1 differentiate D's output with create_graph=True and then
  call backward once: DDP reduces the gradients of that one backward, double-backward
  parts included, so no special handling; the tests run wgan-gp and R1 under DDP.
- find_unused_parameters stays False (it costs a graph walk each step): every
  parameter of every G and D gets a gradient each update (a test checks every model).
"""
from __future__ import annotations

import atexit
import dataclasses
import inspect
import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from ganlib.engine.config import TrainConfig
from ganlib.engine.data import Dataset, load_dataset
from ganlib.engine.device import pick_device
from ganlib.engine.stats import StepStats
from ganlib.engine.trainer import Trainer
from ganlib.errors import FieldError

# Steps between two checks that a --seconds budget is spent: every rank must stop at the same step, so they
# agree on it, and each agreement is a host read
AGREE_EVERY = 16
# torch's CPU generator keeps only the low 32 bits of a seed, so the ranks' seeds are spread over those:
# rank r's is the seed plus r times this odd stride (2^32 / golden ratio), modulo 2^32
RANK_STRIDE = 0x9E3779B9


def launched() -> bool:
    """Whether this process was started by torchrun (which sets RANK and WORLD_SIZE, even for one process)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def make_trainer(cfg: TrainConfig, data: Dataset | None = None) -> Trainer:
    """A DistributedTrainer under torchrun, else a plain Trainer."""
    return DistributedTrainer(cfg, data) if launched() else Trainer(cfg, data)


def time_is_up(trainer: Trainer, late: bool) -> bool:
    """Whether to stop for a time budget: `late` for one process; under torchrun, every AGREE_EVERY steps,
    whether any rank is late (each rank's clock differs, and a rank that stopped alone would hang the rest)."""
    if not isinstance(trainer, DistributedTrainer):
        return late
    return trainer.step_count % AGREE_EVERY == 0 and trainer.any_rank(late)


def _ddp(net: torch.nn.Module) -> DDP:
    """net in a DDP wrapper that syncs no buffers before a forward (the batch norm trap: see above)."""
    # the option's name since torch 2.15, which warns about the old one; the old one before
    name = "forward_sync_buffers" if "forward_sync_buffers" in inspect.signature(DDP).parameters else "broadcast_buffers"
    ids = [torch.cuda.current_device()] if next(net.parameters()).is_cuda else None
    return DDP(net, device_ids=ids, **{name: False})


def rank_seed(seed: int, rank: int) -> int:
    return (seed + rank * RANK_STRIDE) % 2**32


def shard(data: Dataset, rank: int, world_size: int) -> Dataset:
    """Rank's share: every world_size-th image from the rank-th on, the same number for every rank (the
    few that do not divide are left out), so that all ranks run the same number of steps an epoch.
    Toy data is drawn fresh from each rank's own stream; its nominal epoch is shared out the same way."""
    size = data.size // world_size
    if data.images is None:
        return dataclasses.replace(data, size=size)
    pick = torch.arange(rank, size * world_size, world_size)
    labels = data.labels[pick] if data.labels is not None else None
    return dataclasses.replace(data, size=size, images=data.images[pick], labels=labels)


class DistributedTrainer(Trainer):
    """One rank of a torchrun team: a Trainer on its own shard and stream, G and D wrapped in DDP."""

    def __init__(self, cfg: TrainConfig, data: Dataset | None = None):
        cfg = cfg.validate()
        rank, world, local = (int(os.environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
        device = pick_device(cfg.device)
        if device.type == "mps":
            raise FieldError("device", "torchrun trains on CUDA GPUs (NCCL) or on CPUs (gloo), not on Apple's "
                             "MPS; use --set device=cpu")
        if device.type == "cuda":
            if local >= torch.cuda.device_count():
                raise FieldError("device", f"this node has {torch.cuda.device_count()} GPU(s), so "
                                 f"torchrun --nproc_per_node may be at most that (local rank {local})")
            torch.cuda.set_device(local)  # "cuda" below is this rank's GPU
        if cfg.sync_bn and device.type != "cuda":
            raise FieldError("sync_bn", f"SyncBatchNorm runs on CUDA GPUs only; this run is on the {device.type} "
                             f"(set sync_bn=false)")
        if not dist.is_initialized():
            if device.type == "cuda":
                dist.init_process_group("nccl", device_id=torch.device("cuda", local))
            else:
                dist.init_process_group("gloo")
            atexit.register(dist.destroy_process_group)
        self.rank, self.world_size = rank, world
        if data is None:  # rank 0 first: a dataset that downloads does so once, not once per rank at the same time
            if rank != 0:
                dist.barrier()
            data = load_dataset(cfg)
            if rank == 0:
                dist.barrier()
        super().__init__(cfg, shard(data, rank, world))
        # each rank its own stream (z, data order, dropout, ...); the weights come from the seed alone, and DDP
        # also copies rank 0's into every rank when it wraps them. Nothing has drawn from gen yet
        self.gen.manual_seed(rank_seed(cfg.seed, rank))
        if cfg.sync_bn:  # the same parameters and statistics in new modules: the optimizers and the EMA stay valid
            self.G = torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.G)
            self.D = torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.D)
        self.g_train, self.d_train = self._compiled(_ddp(self.G)), self._compiled(_ddp(self.D))
        self.d_frozen = self._compiled(self.D)

    @property
    def batches_per_epoch(self) -> int:
        return super().batches_per_epoch * self.world_size

    def step(self) -> StepStats:
        # batches_seen counts batches of batch_size, as one process would: each D update takes one on every rank
        seen = self.batches_seen
        stats = super().step()
        self.batches_seen = seen + (self.batches_seen - seen) * self.world_size
        # the mean over the ranks, on the device (NCCL queues it; gloo's is a few floats): no host read here
        dist.all_reduce(stats.tensor, op=dist.ReduceOp.SUM)
        stats.tensor /= self.world_size
        return stats

    def state_dict(self) -> dict:
        """The state a single process resumes from: rank 0's, with its place in its shard left out (a resumed
        run starts a new pass over its data)."""
        state = super().state_dict()
        state["batches"] = {"order": torch.empty(0, dtype=torch.long), "pos": 0}
        return state

    def load_state_dict(self, s: dict) -> None:
        super().load_state_dict(s)
        if self.rank != 0:  # every rank loads rank 0's stream; the others go on with streams of their own
            self.gen.manual_seed(rank_seed(self.cfg.seed + self.step_count, self.rank))

    def any_rank(self, flag: bool) -> bool:
        """Whether `flag` holds on any rank (a host read on every rank: call it seldom)."""
        t = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())
