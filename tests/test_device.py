"""Devices: auto picks CUDA, then MPS, then the CPU; the sidebar's name for it; a dataset moves to a GPU only when it fits."""
import os

import pytest
import torch

from ganlib import Dataset
from ganlib.engine import device
from ganlib.engine.data import Batches
from ganlib.engine.data.digits import digits


def fake(monkeypatch, cuda=False, mps=False, gpus=1, name="NVIDIA H200"):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: name)


@pytest.mark.parametrize("cuda, mps, want", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_picks_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, want):
    fake(monkeypatch, cuda=cuda, mps=mps)
    assert device.pick_device("auto") == torch.device(want)
    assert device.pick_device("cpu") == torch.device("cpu")


def test_a_named_device_that_is_missing_says_so(monkeypatch):
    fake(monkeypatch)
    with pytest.raises(ValueError, match="^device: 'cuda' was asked for"):
        device.pick_device("cuda")
    with pytest.raises(ValueError, match="^device: 'mps' was asked for"):
        device.pick_device("mps")


def test_device_name_for_the_sidebar(monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_THREADS", "1")
    cores = os.cpu_count()
    fake(monkeypatch)
    assert device.device_name() == f"cpu: 1 thread of {cores} core{'s' * (cores != 1)}"
    assert device.device_name("cuda") == "cuda: not available"
    fake(monkeypatch, cuda=True)
    assert device.device_name() == "cuda: NVIDIA H200"
    assert device.device_name("cpu").startswith("cpu: 1 thread")
    fake(monkeypatch, cuda=True, gpus=8)
    assert device.device_name() == "cuda: 8 x NVIDIA H200"
    fake(monkeypatch, mps=True)
    assert device.device_name() == "mps: Apple GPU"


def test_data_fits_on_a_gpu_within_its_share_of_free_memory(monkeypatch):
    monkeypatch.setattr(device, "free_memory", lambda d: 1000)
    assert device.data_fits(250, torch.device("cuda"))
    assert not device.data_fits(251, torch.device("cuda"))
    assert not device.data_fits(1, torch.device("cpu"))  # the CPU is where the data already is


@pytest.fixture(scope="module")
def images():
    d = digits()
    return Dataset("digits", d.shape, 64, images=d.images[:64].clone())


def test_images_stay_put_on_the_cpu(images):
    b = Batches(images, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert b.images is images.images
    assert b.next(8).shape == (8, 1, 28, 28)


def test_images_move_to_the_device_once_when_they_fit(images, monkeypatch):
    """On the meta device (no GPU here): the images move once, and batches are cut there."""
    meta = torch.device("meta")
    monkeypatch.setattr("ganlib.engine.data.dataset.data_fits", lambda nbytes, d: d == meta)
    b = Batches(images, torch.Generator().manual_seed(0), meta)
    assert b.images.device == meta and images.images.device.type == "cpu"  # the Dataset itself is shared
    x = b.next(8)
    assert x.device == meta and x.shape == (8, 1, 28, 28) and x.dtype == torch.float32
    assert b.order.device == meta  # each pass's order is brought to the images once, not each batch
