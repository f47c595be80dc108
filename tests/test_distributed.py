"""torchrun on CPUs (gloo): the ranks end with the same weights, rank 0 writes one plain checkpoint that loads
and samples, one rank is a plain run bit for bit, and batch norm in D, the gradient penalty and R1 run under DDP.

Each torchrun run starts 1 or 2 Python processes that import torch: about 10 s each on 2 busy cores.
"""
import os
import subprocess
import sys

import pytest
import torch

from ganlib import LatentModel, TrainConfig, Trainer, cli, load_checkpoint, preset, trainer_from_checkpoint
from ganlib.engine import distributed
from ganlib.engine.config import MODELS
from ganlib.engine.models import build_models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "tests", "ddp_worker.py")
SMALL = ["--preset", "fast-digits", "--set", "batch_size=16", "--set", "d_width=64"]


def torchrun(nproc: int, args: list[str], cwd) -> subprocess.CompletedProcess:
    """`torchrun --standalone` (a free port of its own) with nproc ranks, from cwd."""
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def ranks(out: str, n: int) -> list[dict]:
    return [torch.load(f"{out}.rank{r}.pt") for r in range(n)]


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_two_ranks_end_with_the_same_weights_and_rank_0_writes_a_plain_checkpoint(tmp_path):
    out = str(tmp_path / "two.pt")
    done = torchrun(2, [WORKER, *SMALL, "--steps", "3", "--out", out], tmp_path)
    r0, r1 = ranks(out, 2)
    assert (r0["world_size"], r1["world_size"], r0["step"], r1["step"]) == (2, 2, 3, 3)
    assert same(r0["G"], r1["G"]) and same(r0["D"], r1["D"])                 # DDP kept them in step
    assert r0["seed"] == 0 and r1["seed"] != r0["seed"]                      # each rank its own stream
    assert r0["shard"] == r1["shard"] == 2500 and not torch.equal(r0["first"], r1["first"])  # and shard
    assert done.stdout.count("wrote") == 1 and "world size 2" in done.stdout  # rank 0 alone writes

    payload = load_checkpoint(out)
    assert payload["world_size"] == 2 and payload["trainer"]["step"] == 3
    assert payload["trainer"]["batches_seen"] == 6  # batches of batch_size, as one process counts them
    assert same(payload["trainer"]["G"], {**r0["G"], **r0["G_buffers"]})  # G itself, not its DDP wrapper
    z = torch.randn(4, payload["config"].latent_dim)
    x = LatentModel.from_checkpoint(out)(z)
    assert x.shape == (4, 1, 28, 28) and torch.isfinite(x).all()
    again, _ = trainer_from_checkpoint(out)   # and one process resumes it
    again.step()
    assert again.step_count == 4 and again.world_size == 1


def test_one_rank_under_torchrun_is_a_plain_run_bit_for_bit(tmp_path, capsys):
    args = [*SMALL, "--set", "d_steps=2", "--steps", "4"]
    torchrun(1, ["-m", "ganlib", "train", *args, "--out", str(tmp_path / "ddp.pt")], tmp_path)
    assert cli.main(["train", *args, "--out", str(tmp_path / "plain.pt")]) == 0
    assert "world size 1" in capsys.readouterr().out
    ddp, plain = (load_checkpoint(str(tmp_path / f"{k}.pt"))["trainer"] for k in ("ddp", "plain"))
    for key in ("G", "D", "ema"):
        assert same(ddp[key], plain[key]), key
    assert torch.equal(ddp["rng"]["gen"], plain["rng"]["gen"])
    assert ddp["batches_seen"] == plain["batches_seen"] == 8


@pytest.mark.parametrize("extra", [
    ["--preset", "dcgan-upsample", "--set", "loss=wgan-gp", "--set", "d_steps=2"],
    ["--preset", "dcgan-cifar10", "--set", "dataset=digits", "--set", "r1_weight=1.0", "--set", "augment=translation"],
], ids=["bn-d-wgan-gp", "bn-d-r1"])
def test_batch_norm_in_d_with_the_gradient_penalty_and_r1_under_ddp(extra, tmp_path):
    """D with batch norm runs 2 (R1) or 3 (wgan-gp: the penalty's mix) forwards before one backward, and both
    penalties differentiate through D with create_graph: the traps of distributed.py's docstring."""
    out = str(tmp_path / "bn.pt")
    small = ["--set", "batch_size=8", "--set", "g_width=8", "--set", "d_width=8"]
    torchrun(2, [WORKER, *extra, *small, "--steps", "2", "--out", out], tmp_path)
    r0, r1 = ranks(out, 2)
    assert any("running_mean" in k for k in r0["D_buffers"])
    assert same(r0["G"], r1["G"]) and same(r0["D"], r1["D"])
    assert load_checkpoint(out)["world_size"] == 2


@pytest.mark.parametrize("model", MODELS)
def test_every_parameter_gets_a_gradient(model):
    """What lets DDP run with find_unused_parameters=False: no parameter of G or D is left out of an update."""
    shape = (2,) if model == "toy-mlp" else (3, 32, 32)
    cfg = TrainConfig(dataset="ring8" if model == "toy-mlp" else "cifar10", model=model, latent_dim=8,
                      g_width=8, d_width=8)
    G, D = build_models(cfg, shape)
    D(G(torch.randn(4, 8))).sum().backward()
    assert all(p.grad is not None for p in list(G.parameters()) + list(D.parameters()))


def test_shards_are_equal_disjoint_and_one_rank_has_everything():
    data = distributed.load_dataset(preset("fast-digits"))
    parts = [distributed.shard(data, r, 3) for r in range(3)]
    assert {p.size for p in parts} == {data.size // 3}
    seen = torch.cat([p.images.flatten(1) for p in parts])
    assert len(seen) == 3 * (data.size // 3)
    assert torch.equal(distributed.shard(data, 0, 1).images, data.images)
    assert distributed.shard(distributed.load_dataset(preset("ring8")), 1, 4).size == 10_000 // 4


def test_rank_seeds_differ_and_rank_0_keeps_the_seed():
    seeds = [distributed.rank_seed(s, r) for s in range(50) for r in range(8)]
    assert len(set(seeds)) == len(seeds) and all(0 <= x < 2**32 for x in seeds)
    assert distributed.rank_seed(7, 0) == 7


def test_a_plain_run_is_not_distributed(monkeypatch):
    for k in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(k, raising=False)
    t = distributed.make_trainer(preset("ring8").replace(batch_size=32))
    assert type(t) is Trainer and (t.rank, t.world_size) == (0, 1)
    assert distributed.time_is_up(t, True) and not distributed.time_is_up(t, False)


@pytest.mark.parametrize("changes, message", [
    (dict(sync_bn=True, device="cpu"), "^sync_bn: SyncBatchNorm runs on CUDA GPUs only"),
])
def test_what_torchrun_cannot_do_is_said_before_anything_starts(changes, message, monkeypatch):
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    with pytest.raises(ValueError, match=message):
        distributed.make_trainer(preset("fast-digits").replace(**changes))
