"""The classic image sets (MNIST, Fashion-MNIST, CIFAR-10) via torchvision, downloaded once.

Files live in $GAN_STUDIO_DATA, else data/ under home.home() (/data/gan-studio when /data is
writable, else ~/.cache/gan-studio). A cached copy is always tried first, so a machine that
downloaded once works offline after.
Offline and uncached, we fail fast with DatasetUnavailable and a hint, rather
than letting torchvision hang on a dead connection or leak a URLError.
"""
from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit

import numpy as np
import torch
from torchvision import datasets   # this module is imported for these sets only (data/__init__.py's LOADERS)

from ganlib.settings import read
from ganlib.engine.data.dataset import Dataset, DatasetError, DatasetUnavailable

PROBE_TIMEOUT_S = 3.0     # how long the "is the internet there?" check may take
DOWNLOAD_TIMEOUT_S = 30.0  # per socket operation, so a stalled download ends
CLASSES = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}


def cache_dir() -> str:
    return read("GAN_STUDIO_DATA")


def load_online(name: str) -> Dataset:
    """The train split of `name` as uint8 N x C x H x W images with int64 labels (their sizes: data.ONLINE)."""
    if name not in CLASSES:
        raise DatasetError(f"dataset: unknown {name!r}; choose one of {', '.join(CLASSES)}")
    root = cache_dir()
    try:
        ds = CLASSES[name](root, train=True, download=False)
    except Exception:  # not cached, or a partial copy: both need a download
        ds = _download(name, CLASSES[name], root)
    return _to_dataset(name, ds)


def _download(name: str, cls, root: str):
    url = cls.mirrors[0] if hasattr(cls, "mirrors") else cls.url
    if not _reachable(url):
        raise DatasetUnavailable(
            f"dataset: {name!r} must be downloaded once from the internet, and this machine is offline. "
            f"Use dataset 'digits' (5,000 real MNIST digits that work offline), "
            f"or copy the files into {_files_dir(cls, root)}.")
    # torchvision's urllib calls have no timeout of their own; the global default
    # is the only handle, and it is put back at once.
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return cls(root, train=True, download=True)
    except Exception as e:
        raise DatasetUnavailable(
            f"dataset: downloading {name!r} into {root} failed ({type(e).__name__}: {_brief(e)}). "
            f"Try again later, or use dataset 'digits', which works offline.") from e
    finally:
        socket.setdefaulttimeout(old)


def _files_dir(cls, root: str) -> str:
    """Where torchvision looks for the files, so a user can copy them in by hand."""
    if hasattr(cls, "base_folder"):  # CIFAR: the unpacked python batches
        return os.path.join(root, cls.base_folder)
    return os.path.join(root, cls.__name__, "raw")


def _reachable(url: str) -> bool:
    """Can we open a TCP connection to the dataset's host within PROBE_TIMEOUT_S?"""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ok = []

    def probe():
        try:
            socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S).close()
            ok.append(True)
        except OSError:
            pass

    # A thread, because a DNS lookup ignores socket timeouts and can stall far longer.
    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(PROBE_TIMEOUT_S + 0.5)
    return bool(ok)


def _brief(e: Exception, limit: int = 300) -> str:
    # torchvision puts the real cause on later lines, so keep them, on one line
    text = " ".join(str(e).split()) or "no details"
    return text if len(text) <= limit else text[:limit] + "..."


def _to_dataset(name: str, ds) -> Dataset:
    data = ds.data
    if isinstance(data, np.ndarray):  # CIFAR keeps N x H x W x C numpy
        images = torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    else:                             # MNIST family keeps N x H x W torch
        images = data.unsqueeze(1).contiguous()
    images = images.to(torch.uint8)
    labels = torch.as_tensor(np.asarray(ds.targets), dtype=torch.int64)
    return Dataset(name, tuple(images.shape[1:]), len(images), images=images, labels=labels)
