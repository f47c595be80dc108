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


def max_upload_bytes() -> int:
    """One uploaded file, and everything a checkpoint declares inside it (GAN_STUDIO_MAX_UPLOAD_MB)."""
    return _mb("GAN_STUDIO_MAX_UPLOAD_MB", MAX_UPLOAD_MB)


def quota_bytes() -> int:
    """All the files of one visitor's space together (GAN_STUDIO_QUOTA_MB)."""
    return _mb("GAN_STUDIO_QUOTA_MB", QUOTA_MB)


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
