"""On a CUDA GPU (skipped without one): the run lives on the GPU, a step never makes the host wait for it,
bf16 and torch.compile train, a GPU checkpoint resumes on the CPU, and torchrun trains over NCCL.

These have not run on this project's machines (no GPU); run them where there is one:
    python -m pytest -q tests/test_cuda.py
"""
import os
import subprocess
import sys

import pytest
import torch

from ganlib import Trainer, load_checkpoint, preset, save_checkpoint, trainer_from_checkpoint
from ganlib.run.checkpoint import make_payload
from ganlib.engine.device import device_name, pick_device

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "tests", "ddp_worker.py")


def on_gpu(name, **changes):
    return preset(name).replace(device="cuda", **changes).validate()


def test_auto_picks_the_gpu_and_names_it():
    assert pick_device() == torch.device("cuda")
    assert device_name() == (f"cuda: {torch.cuda.get_device_name()}" if torch.cuda.device_count() == 1
                             else f"cuda: {torch.cuda.device_count()} x {torch.cuda.get_device_name()}")


@pytest.mark.parametrize("name, changes", [
    ("fast-digits", {}), ("tf-dcgan", {}), ("ring8", dict(loss="wgan-gp")), ("gauss-1d", {}),
    ("keras-convgan", dict(r1_weight=1.0, augment="translation")), ("dcgan-cifar10", dict(dataset="digits")),
])
def test_a_step_never_makes_the_host_wait_for_the_gpu(name, changes):
    t = Trainer(on_gpu(name, **changes))
    assert t.gen.device.type == "cuda" and next(t.G.parameters()).is_cuda
    if t.data.kind == "image":
        assert t.batches.images.is_cuda  # moved once, not copied each step
    for _ in range(2):  # warm-up: cuDNN's choices, the caching allocator
        t.step()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")  # any synchronising call raises
    try:
        stats = [t.step() for _ in range(5)]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert not any(s.is_read for s in stats)
    assert all(torch.isfinite(torch.tensor(s.values())).all() for s in stats)


def test_bf16_autocast_trains_and_samples_float32():
    t = Trainer(on_gpu("dcgan-cifar10", dataset="digits", precision="bf16", batch_size=32))
    for _ in range(3):
        s = t.step()
    assert all(map(torch.isfinite, torch.tensor(s.values())))
    assert t.generate(t.fixed_z[:4]).dtype == torch.float32


def test_compile_trains():
    t = Trainer(on_gpu("fast-digits", compile=True))
    for _ in range(3):
        s = t.step()
    assert all(map(torch.isfinite, torch.tensor(s.values())))


def test_a_gpu_checkpoint_resumes_on_the_cpu(tmp_path):
    t = Trainer(on_gpu("fast-digits"))
    for _ in range(3):
        t.step()
    path = save_checkpoint(str(tmp_path / "gpu.pt"), make_payload(t.cfg.replace(device="cpu"), t.data.shape,
                                                                  t.state_dict()))
    again, _ = trainer_from_checkpoint(path)
    assert again.device.type == "cpu" and again.step_count == 3
    again.step()
    assert load_checkpoint(path)["trainer"]["rng"]["device"] == "cuda"


def torchrun(nproc, args, cwd):
    env = {**os.environ, "PYTHONPATH": ROOT}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs 2 GPUs")
def test_two_gpus_with_sync_bn_share_weights_and_batch_norm_statistics(tmp_path):
    out = str(tmp_path / "nccl.pt")
    torchrun(2, [WORKER, "--preset", "dcgan-cifar10", "--set", "dataset=digits", "--set", "sync_bn=true",
                 "--steps", "5", "--out", out], tmp_path)
    r0, r1 = (torch.load(f"{out}.rank{r}.pt", map_location="cpu") for r in range(2))
    for key in ("G", "D", "G_buffers", "D_buffers"):  # sync_bn: the same statistics on every rank
        assert all(torch.equal(r0[key][k], r1[key][k]) for k in r0[key]), key
    assert load_checkpoint(out)["world_size"] == 2


def test_one_gpu_under_torchrun(tmp_path):
    out = str(tmp_path / "one.pt")
    done = torchrun(1, ["-m", "ganlib", "train", "--preset", "fast-digits", "--steps", "50", "--out", out], tmp_path)
    assert "world size 1" in done.stdout and load_checkpoint(out)["trainer"]["step"] == 50
