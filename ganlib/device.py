"""Where a run computes: the device (CUDA, then Apple MPS, then CPU) and the CPU thread count."""
from __future__ import annotations

import os

import torch

# Why 1 thread by default: the trainer shares the machine's cores with the
# Streamlit server. Measured on 2 cores (bench/threads.py), torch's default of
# 2 threads collapses when anything else is busy (16 -> 3.3 DCGAN steps/s with
# one busy process beside it), while 1 thread holds its pace. Set threads=2 on
# an idle machine for up to ~1.7x more speed.
DEFAULT_THREADS = 1


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but no CUDA GPU is available (use auto or cpu)")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("device: 'mps' was asked for but Apple's MPS is not available (use auto or cpu)")
    return torch.device(name)


def set_threads(n: int = 0) -> int:
    """Set torch's intra-op threads (process-wide); 0 means DEFAULT_THREADS, or GAN_STUDIO_THREADS if set."""
    n = n or int(os.environ.get("GAN_STUDIO_THREADS", DEFAULT_THREADS))
    n = max(1, min(n, os.cpu_count() or 1))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
