"""The budgets a hosted GAN Studio holds its visitors to, read from the environment: one home for each.

Read when asked, not when the module loads, so that an operator's setting (or a
test's) applies to the next check without a restart. No torch here: the pages
check sizes before anything heavy is imported or allocated.
"""
from __future__ import annotations

import os

MB = 1_000_000
MAX_UPLOAD_MB = 64   # as .streamlit/config.toml's server.maxUploadSize: what a browser can send at all
QUOTA_MB = 200       # a class of 30 at the full quota takes 6 GB; few fill it (see DISK_MB)
# Why 1,500 MB: the app's process holds ~0.8 GB before any run (measured: torch, streamlit, the digits and
# their metrics' features: 790 MB resident), so a 4 GB server has ~3.2 GB for runs: two at this limit, one
# per core (on 2 cores a third run only slows the other two). Every preset as it ships needs at most
# ~820 MB (keras-convgan, most of it its metrics' pass), and a student can still raise tf-dcgan's batch
# from 256 to 512 (about 910 MB) or 1,024 (about 1,400 MB). An 8 GB server can raise the limit.
KEEP_DAYS = 30       # a space nobody has opened for this long is removed: 30 students x 200 MB would otherwise
                     # pile up class after class on a server's disk
DEFAULT_MAX_RUN_MB = 1500   # GAN_STUDIO_MAX_RUN_MB: the memory one run may take (budget.py estimates it)
# Why 5,000 MB for all visitors' spaces together: the smallest disks GAN Studio is hosted on (a Hugging Face
# Space's 20 GB persistent storage, a school's small VM) also hold the image (1.9 GB CPU-only, 6.6 GB with
# PyPI's CUDA torch) and the downloaded datasets (~0.4 GB), so a quarter of 20 GB is left to visitors. That
# is 25 spaces at the full quota, but a class keeps far less (a fast-digits checkpoint saved in the app is
# 12 MB, measured; with a full sample timeline up to ~16 MB; a toy's under 1 MB): a class of 30 saving five
# each takes ~2 GB, and the spaces of past classes make room first (disk.py). A bigger disk can raise it.
DISK_MB = 5000
# Why 120 new spaces an hour per address: a school's NAT puts a whole class behind one address, and a space
# is made at a session's first save or upload: 60 students, each saving from two sessions in the hour (a
# second browser, a tab opened without their link), is 120. A script making a space a second is stopped
# after two minutes; what it writes is bounded anyway by GAN_STUDIO_DISK_MB.
SPACES_PER_HOUR = 120


def max_upload_bytes() -> int:
    """One uploaded file, and everything a checkpoint declares inside it (GAN_STUDIO_MAX_UPLOAD_MB)."""
    return _mb("GAN_STUDIO_MAX_UPLOAD_MB", MAX_UPLOAD_MB)


def quota_bytes() -> int:
    """All the files of one visitor's space together (GAN_STUDIO_QUOTA_MB)."""
    return _mb("GAN_STUDIO_QUOTA_MB", QUOTA_MB)


def disk_bytes() -> int:
    """All visitors' spaces together, everything under the spaces root (GAN_STUDIO_DISK_MB)."""
    return _mb("GAN_STUDIO_DISK_MB", DISK_MB)


def spaces_per_hour() -> int:
    """New visitor spaces one client address may make in an hour (GAN_STUDIO_SPACES_PER_HOUR)."""
    raw = os.environ.get("GAN_STUDIO_SPACES_PER_HOUR", "").strip()
    try:
        value = int(raw) if raw else SPACES_PER_HOUR
    except ValueError:
        raise ValueError(f"GAN_STUDIO_SPACES_PER_HOUR: must be a whole number of spaces, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"GAN_STUDIO_SPACES_PER_HOUR: must be at least 1, got {raw!r}")
    return value


def keep_seconds() -> float:
    """How long a visitor's space outlives its last visit (GAN_STUDIO_KEEP_DAYS; 0 keeps spaces for ever)."""
    raw = os.environ.get("GAN_STUDIO_KEEP_DAYS", "").strip()
    try:
        days = float(raw) if raw else KEEP_DAYS
    except ValueError:
        raise ValueError(f"GAN_STUDIO_KEEP_DAYS: must be a number of days, got {raw!r}") from None
    if not days >= 0 or days == float("inf"):
        raise ValueError(f"GAN_STUDIO_KEEP_DAYS: must be 0 (keep for ever) or a number of days, got {raw!r}")
    return days * 86400.0


def local_paths() -> bool:
    """GAN_STUDIO_LOCAL_PATHS=1: data_path may name any folder of the server (for one person on their own
    machine); otherwise only a visitor's own uploads."""
    return os.environ.get("GAN_STUDIO_LOCAL_PATHS", "").strip().lower() in ("1", "true", "yes", "on")


def megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def _mb(name: str, default: float) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name}: must be a number of megabytes, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name}: must be a positive number of megabytes, got {raw!r}")
    return int(value * MB)
