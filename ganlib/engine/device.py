"""Where a run computes: the device (CUDA, then Apple MPS, then CPU), its name for people, and the CPU thread count."""
from __future__ import annotations

import os

import torch

from ganlib.settings import threads

# A dataset moves onto the GPU once, and batches are cut there, when it takes at most this share of the
# GPU's free memory; a larger one stays in host memory and each batch is copied over.
DATA_SHARE = 0.25


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: CUDA when a GPU is there, then Apple's MPS, then the CPU; a named device must be there."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but no CUDA GPU is available (use auto or cpu)")
    if name == "mps" and not _mps_available():
        raise ValueError("device: 'mps' was asked for but Apple's MPS is not available (use auto or cpu)")
    return torch.device(name)


# threads(n): the count itself, and why it is the server's, not a run's: ganlib/settings.py
def set_threads(n: int = 0) -> int:
    """Set torch's intra-op threads (process-wide) to threads(n); returns it."""
    n = threads(n)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def device_name(name: str = "auto") -> str:
    """Where a run of device=`name` computes, in a few words for the sidebar: "cuda: NVIDIA H200",
    "cuda: 4 x NVIDIA H200", "mps: Apple GPU", "cpu: 1 thread of 2 cores"; "cuda: not available" when
    that device is asked for but missing. Never raises. Imports torch: 2-4 s the first time in a process."""
    try:
        device = pick_device(name)
    except ValueError:
        return f"{name}: not available"
    if device.type == "cuda":
        count, gpu = torch.cuda.device_count(), torch.cuda.get_device_name()
        return f"cuda: {gpu}" if count == 1 else f"cuda: {count} x {gpu}"
    if device.type == "mps":
        return "mps: Apple GPU"
    n, cores = threads(), os.cpu_count() or 1
    return f"cpu: {n} thread{'s' * (n != 1)} of {cores} core{'s' * (cores != 1)}"


def free_memory(device: torch.device) -> int:
    """Bytes free for tensors on an accelerator (0 for the CPU: nothing is moved there)."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    if device.type == "mps" and hasattr(torch.mps, "recommended_max_memory"):
        return torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory()
    return 0


def data_fits(nbytes: int, device: torch.device) -> bool:
    """Whether a dataset of `nbytes` should live on `device` (see DATA_SHARE); never on the CPU's behalf."""
    return device.type != "cpu" and nbytes <= DATA_SHARE * free_memory(device)
