"""load_online: fails fast and kindly offline, and reads a cached copy without the network."""
import os
import pickle
import socket
import time

import numpy as np
import pytest
import torch

from ganlib.engine.data import DatasetError, DatasetUnavailable
from ganlib.engine.data.online import load_online


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_DATA", str(tmp_path))
    return tmp_path


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails at once, as on an offline machine."""
    def refuse(*a, **k):
        raise OSError("network disabled in tests")
    monkeypatch.setattr(socket, "create_connection", refuse)


def _write_idx(path, arr: np.ndarray, type_code=0x08):
    # IDX: two zero bytes, data type, number of dims, then big-endian dims and the bytes
    header = bytes([0, 0, type_code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    path.write_bytes(header + arr.astype(np.uint8).tobytes())


def _fake_mnist(root, folder, n=7):
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    # torchvision checks that the test split files exist too, though we never read them
    for split, k in (("train", n), ("t10k", 2)):
        _write_idx(raw / f"{split}-images-idx3-ubyte", images[:k])
        _write_idx(raw / f"{split}-labels-idx1-ubyte", labels[:k])
    return images, labels


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10"])
def test_offline_uncached_is_unavailable_and_fast(cache, name):
    t0 = time.monotonic()
    with pytest.raises(DatasetUnavailable) as e:
        load_online(name)
    assert time.monotonic() - t0 < 8
    msg = str(e.value)
    assert msg.startswith(f"dataset: '{name}'")
    assert "offline" in msg and "'digits'" in msg and str(cache) in msg


def test_unavailable_is_a_dataset_error(cache, no_network):
    with pytest.raises(DatasetError):
        load_online("mnist")


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_cached_mnist_loads_without_network(cache, no_network, name, folder):
    images, labels = _fake_mnist(cache, folder)
    ds = load_online(name)
    assert ds.name == name and ds.shape == (1, 28, 28) and ds.size == 7
    assert ds.images.dtype == torch.uint8 and ds.images.shape == (7, 1, 28, 28)
    assert ds.labels.dtype == torch.int64
    assert torch.equal(ds.images[:, 0], torch.from_numpy(images))
    assert torch.equal(ds.labels, torch.from_numpy(labels.astype(np.int64)))


def test_cached_cifar_loads_without_network(cache, no_network, monkeypatch):
    # torchvision checks each CIFAR file's md5, which fake files cannot pass; accept any present file
    import torchvision.datasets.cifar as cifar
    monkeypatch.setattr(cifar, "check_integrity", lambda path, md5=None: os.path.isfile(path))
    base = cache / "cifar-10-batches-py"
    base.mkdir()
    rng = np.random.default_rng(0)
    batches = []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (3, 3072), dtype=np.uint8)  # rows: 1024 R, 1024 G, 1024 B
        batch = {"data": data, "labels": [int(x) for x in rng.integers(0, 10, 3)]}
        (base / name).write_bytes(pickle.dumps(batch))
        batches.append(batch)
    (base / "batches.meta").write_bytes(pickle.dumps({"label_names": [str(i) for i in range(10)]}))

    ds = load_online("cifar10")
    assert ds.shape == (3, 32, 32) and ds.size == 15
    assert ds.images.dtype == torch.uint8 and ds.images.shape == (15, 3, 32, 32)
    assert ds.images.is_contiguous()
    assert ds.labels.dtype == torch.int64 and ds.labels.tolist() == sum((b["labels"] for b in batches[:5]), [])
    expected = torch.from_numpy(batches[0]["data"][0].reshape(3, 32, 32))
    assert torch.equal(ds.images[0], expected)


def test_failed_download_becomes_unavailable(cache, no_network, monkeypatch):
    # The probe says online but every connection fails: the URLError must not escape
    import ganlib.engine.data.online as online
    monkeypatch.setattr(online, "_reachable", lambda url: True)
    before = socket.getdefaulttimeout()
    with pytest.raises(DatasetUnavailable, match="dataset: downloading 'mnist'.*failed") as e:
        load_online("mnist")
    assert "'digits'" in str(e.value)
    assert socket.getdefaulttimeout() == before


def test_unknown_name(cache):
    with pytest.raises(DatasetError, match="dataset: unknown"):
        load_online("imagenet")
