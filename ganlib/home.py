"""Where GAN Studio keeps what it writes: one rule for every kind of file.

`/data/gan-studio` when `/data` is a folder this process may write (a Hugging Face Space's
persistent storage, or the volume that `docker run -v ...:/data` mounts), else
`~/.cache/gan-studio`. Visitors' spaces (their checkpoints and uploads, spaces.py) and the
downloaded image sets (data/online.py) live under it, unless GAN_STUDIO_SPACES or
GAN_STUDIO_DATA name another folder (settings.py). Asked each time, never cached: a test or an operator
that changes the environment is heard at the next call. No torch here.
"""
from __future__ import annotations

import os

PERSISTENT = "/data"


def home() -> str:
    """The folder GAN Studio writes under: on the persistent disk when there is one this process may write."""
    if os.path.isdir(PERSISTENT) and os.access(PERSISTENT, os.W_OK):
        return os.path.join(PERSISTENT, "gan-studio")
    return os.path.join(os.path.expanduser("~"), ".cache", "gan-studio")
