"""The budgets a hosted GAN Studio holds its visitors to, read from the environment: one home for each.

Read when asked, not when the module loads, so that an operator's setting (or a
test's) applies to the next check without a restart. No torch here: the pages
check sizes before anything heavy is imported or allocated.
"""
from __future__ import annotations

import os

MB = 1_000_000
MAX_UPLOAD_MB = 64   # as .streamlit/config.toml's server.maxUploadSize: what a browser can send at all
QUOTA_MB = 200       # a class of 30 then fits in 6 GB of disk
# Why 1,500 MB: the app's process holds ~0.8 GB before any run (measured: torch, streamlit, the digits and
# their metrics' features: 790 MB resident), so a 4 GB server has ~3.2 GB for runs: two at this limit, one
# per core (on 2 cores a third run only slows the other two). Every preset as it ships needs at most
# ~820 MB (keras-convgan, most of it its metrics' pass), and a student can still raise tf-dcgan's batch
# from 256 to 512 (about 910 MB) or 1,024 (about 1,400 MB). An 8 GB server can raise the limit.
KEEP_DAYS = 30       # a space nobody has opened for this long is removed: 30 students x 200 MB would otherwise
                     # pile up class after class on a server's disk
DEFAULT_MAX_RUN_MB = 1500   # GAN_STUDIO_MAX_RUN_MB: the memory one run may take (budget.py estimates it)


def max_upload_bytes() -> int:
    """One uploaded file, and everything a checkpoint declares inside it (GAN_STUDIO_MAX_UPLOAD_MB)."""
    return _mb("GAN_STUDIO_MAX_UPLOAD_MB", MAX_UPLOAD_MB)


def quota_bytes() -> int:
    """All the files of one visitor's space together (GAN_STUDIO_QUOTA_MB)."""
    return _mb("GAN_STUDIO_QUOTA_MB", QUOTA_MB)


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
