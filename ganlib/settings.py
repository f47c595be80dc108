"""The server's settings: every GAN_STUDIO_* variable in one table, with its default and why, read when asked.

The only module of ganlib that reads a GAN_STUDIO_* variable (tests/test_settings.py holds it to that). A value is
read at each call, never at import, so that an operator's setting (or a test's monkeypatch.setenv) applies to the
next check without a restart. One parser reads them all: a bad value is a ValueError that names the variable and
what it allows. No torch here: the first page checks sizes and builds the server's Runs before torch loads.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ganlib.home import home

MB = 2**20   # one megabyte everywhere: Streamlit's server.maxUploadSize counts 2**20 bytes as 1 MB too
DAY_S = 86400.0
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
RAY_ADDRESS = re.compile(r"auto|(ray://)?[A-Za-z0-9][A-Za-z0-9.-]{0,252}:[0-9]{1,5}")


@dataclass(frozen=True)
class Setting:
    """One GAN_STUDIO_* variable: what kind of value it holds, its default, and the values it allows."""
    name: str
    kind: str            # "number", "whole" (a whole number), "flag", "folder", "address" (a Ray cluster's) or
                         # "text" (never echoed: a secret)
    default: Any         # its value when unset or blank; a function is called then (a default that is the machine's)
    unit: str = ""       # what a number counts, as its error says ("megabytes"); for text, characters
    least: float = 0     # the smallest value allowed (for text: the fewest characters)
    above: bool = False  # the value must be more than `least`, not equal to it
    zero: str = ""       # what 0 means where it is allowed and special ("no limit"), as its error says


def _runs_per_cores() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


def _under_home(name: str):
    return lambda: os.path.join(home(), name)


SETTINGS = {s.name: s for s in (
    # --- runs -------------------------------------------------------------------------------------------------
    # Why 1 run per 2 cores: on 2 cores two runs each got about half the steps/s of one (bench/threads.py: 30 vs
    # 63 steps/s), so a second slot only halves everyone's speed; see docs/benchmarks.md.
    Setting("GAN_STUDIO_MAX_RUNS", "whole", _runs_per_cores, "runs", zero="no cap"),
    Setting("GAN_STUDIO_MAX_RUN_MINUTES", "number", 0.0, "minutes", zero="no limit"),
    Setting("GAN_STUDIO_IDLE_MINUTES", "number", 5.0, "minutes"),
    # Why 1,500 MB: the app's process holds ~0.8 GB before any run (measured: torch, streamlit, the digits and
    # their metrics' features: 790 MB resident), so a 4 GB server has ~3.2 GB for runs: two at this limit, one
    # per core (on 2 cores a third run only slows the other two). Every preset as it ships needs at most
    # ~820 MB (keras-convgan, most of it its metrics' pass), and a student can still raise tf-dcgan's batch
    # from 256 to 512 (about 910 MB) or 1,024 (about 1,400 MB). An 8 GB server can raise the limit.
    # ganlib/run/budget.py estimates what a run takes.
    Setting("GAN_STUDIO_MAX_RUN_MB", "number", 1500.0, "megabytes", zero="no limit"),
    # Why 1 thread: the trainer shares the machine's cores with the Streamlit server. Measured on 2 cores
    # (bench/threads.py), torch's default of 2 threads collapses when anything else is busy (16 -> 3.3 DCGAN
    # steps/s with one busy process beside it), while 1 thread holds its pace. An idle machine may set 2 for up
    # to ~1.7x more speed. A server setting, not a run's: engine/device.py says why.
    Setting("GAN_STUDIO_THREADS", "whole", 1, "threads", least=1),
    # Why 60 students in a class: two classes of 30 taught together still fit. A class trains all its runs in
    # one slot, so its memory is held to GAN_STUDIO_MAX_RUN_MB as a whole (classroom/class_door.py: a ring8 run
    # is ~16 MB by run/budget.py, 60 take ~1 GB), and each run's speed falls as the class grows. Measured (one
    # batched step, engine/ensemble.py, 1 thread on 2 busy cores): ring8 with G and D 32 wide, 235 steps/s alone,
    # 23 each in a class of 30, 16 in one of 60; at ring8's own 128 wide, 109, 5.0 and 3.4.
    Setting("GAN_STUDIO_CLASS_SIZE", "whole", 60, "students", least=1),
    # Why 1 class training at a time, in slots of its own beside the runs': a class asked the runs' one slot of a
    # 2-core server, so the teacher's own run on the Train page (the run a watch link shows) kept all ten students
    # of a class trial waiting for minutes, and nothing said why. A class's batch and one run now train side by
    # side, about a core each; a second class waits in line for the first (the classes' own line).
    Setting("GAN_STUDIO_MAX_CLASSES", "whole", 1, "classes", zero="no cap"),
    # Why on: a run's thread in the server's interpreter needs the GIL between every two torch ops, and every
    # watcher's page holds it meanwhile, so a fast-digits run kept 0.53x of its speed with 30 watchers
    # (bench/classroom.py). On, runs train in one worker process beside the server (run/worker.py); off, as
    # threads of the server (one process, ~0.4 GB less memory).
    Setting("GAN_STUDIO_WORKER", "flag", True),
    # Why blank: runs train on this machine, with nothing to install or start. "auto" (a cluster started
    # on this machine with `ray start --head`) or "ray://HOST:10001" trains each run as a Ray actor there
    # (run/hosts.py, run/on_ray.py; pip install -e .[ray]).
    Setting("GAN_STUDIO_RAY_ADDRESS", "address", ""),
    # Why 5 minutes: a run on a cluster lives in a worker process that can be lost with its weights; its actor keeps
    # its checkpoint in the owner's space this often (classroom/autosave.py), so a loss costs at most this much
    # training. A ring8 checkpoint is under 1 MB and fast-digits' 12 MB: a save takes well under a second.
    Setting("GAN_STUDIO_AUTOSAVE_MINUTES", "number", 5.0, "minutes", above=True),
    # --- visitors' files --------------------------------------------------------------------------------------
    Setting("GAN_STUDIO_SPACES", "folder", _under_home("visitors")),
    Setting("GAN_STUDIO_DATA", "folder", _under_home("data")),
    Setting("GAN_STUDIO_CHECKPOINTS", "folder", lambda: os.path.join(REPO, "checkpoints")),
    # Why 64 MB: as .streamlit/config.toml's server.maxUploadSize, what a browser can send at all.
    Setting("GAN_STUDIO_MAX_UPLOAD_MB", "number", 64.0, "megabytes", above=True),
    # Why 200 MB: a class of 30 at the full quota takes 6 GB; few fill it (see GAN_STUDIO_DISK_MB).
    Setting("GAN_STUDIO_QUOTA_MB", "number", 200.0, "megabytes", above=True),
    # Why 5,000 MB for all visitors' spaces together: the smallest disks GAN Studio is hosted on (a Hugging Face
    # Space's 20 GB persistent storage, a school's small VM) also hold the image (1.9 GB CPU-only, 6.6 GB with
    # PyPI's CUDA torch) and the downloaded datasets (~0.4 GB), so a quarter of 20 GB is left to visitors. That
    # is 25 spaces at the full quota, but a class keeps far less (a fast-digits checkpoint saved in the app is
    # 12 MB, measured; with a full sample timeline up to ~16 MB; a toy's under 1 MB): a class of 30 saving five
    # each takes ~2 GB, and the spaces of past classes make room first (classroom/disk.py). A bigger disk can
    # raise it.
    Setting("GAN_STUDIO_DISK_MB", "number", 5000.0, "megabytes", above=True),
    # Why 30 days: a space nobody has opened for this long is removed; 30 students x 200 MB would otherwise pile
    # up class after class on a server's disk.
    Setting("GAN_STUDIO_KEEP_DAYS", "number", 30.0, "days", zero="keep for ever"),
    # Why 120 new spaces an hour per address: a school's NAT puts a whole class behind one address, and a space
    # is made at a session's first save or upload: 60 students, each saving from two sessions in the hour (a
    # second browser, a tab opened without their link), is 120. A script making a space a second is stopped
    # after two minutes; what it writes is bounded anyway by GAN_STUDIO_DISK_MB.
    Setting("GAN_STUDIO_SPACES_PER_HOUR", "whole", 120, "spaces", least=1),
    # Why no secret by default: a random one is made once beside the visitors' spaces (classroom/identity.py);
    # app replicas that share visitors set the same one. 16 characters at least: a short one can be guessed.
    Setting("GAN_STUDIO_SECRET", "text", "", "characters", least=16),
    # Why off: on a shared server a visitor's data_path must reach only their own uploads, never the server's
    # folders; on for one person on their own machine.
    Setting("GAN_STUDIO_LOCAL_PATHS", "flag", False),
    # Why on: the first Start of a server waited for torch, torch._dynamo (which the first optimizer imports) and
    # the first step's set-up: ~3.5 s of a quiet 2-core machine's first chart (classroom/warm.py); off for a test
    # of what the first page imports by itself (tests/test_first_paint.py).
    Setting("GAN_STUDIO_WARM", "flag", True),
)}


def read(name: str, env: Mapping[str, str] | None = None) -> Any:
    """The value of setting `name` in its unit (its default when unset or blank), from `env` (default: the
    process's environment, as it is now); ValueError naming the variable and what it allows for a bad value."""
    s = SETTINGS[name]
    raw = (os.environ if env is None else env).get(name, "")
    if s.kind != "text":   # a secret is used as it is: stripping it would change every key it signed
        raw = raw.strip()
    if not raw:
        return s.default() if callable(s.default) else s.default
    return _parse(s, raw)


def max_upload_bytes() -> int:
    """One uploaded file, and everything a checkpoint declares inside it (GAN_STUDIO_MAX_UPLOAD_MB)."""
    return int(read("GAN_STUDIO_MAX_UPLOAD_MB") * MB)


def quota_bytes() -> int:
    """All the files of one visitor's space together (GAN_STUDIO_QUOTA_MB)."""
    return int(read("GAN_STUDIO_QUOTA_MB") * MB)


def disk_bytes() -> int:
    """All visitors' spaces together, everything under the spaces root (GAN_STUDIO_DISK_MB)."""
    return int(read("GAN_STUDIO_DISK_MB") * MB)


def spaces_per_hour() -> int:
    """New visitor spaces one client address may make in an hour (GAN_STUDIO_SPACES_PER_HOUR)."""
    return read("GAN_STUDIO_SPACES_PER_HOUR")


def keep_seconds() -> float:
    """How long a visitor's space outlives its last visit (GAN_STUDIO_KEEP_DAYS; 0 keeps spaces for ever)."""
    return read("GAN_STUDIO_KEEP_DAYS") * DAY_S


def local_paths() -> bool:
    """GAN_STUDIO_LOCAL_PATHS=1: data_path may name any folder of the server (for one person on their own
    machine); otherwise only a visitor's own uploads."""
    return read("GAN_STUDIO_LOCAL_PATHS")


def warm() -> bool:
    """GAN_STUDIO_WARM (on by default): torch and the training code load in the background after the first page."""
    return read("GAN_STUDIO_WARM")


# Why the thread count is the server's (GAN_STUDIO_THREADS), not a run's: torch.set_num_threads reaches past the
# thread that calls it. Measured here (torch 2.15 with OpenMP, 2 cores): set_num_threads(k) in one thread gives k
# to every thread that has not used torch yet (new threads, and older ones not yet in torch), while a thread that
# has used torch keeps its count. Streamlit runs each rerun on a new thread and each run trains on a thread of its
# own, so one run's count would become that of every later thread, the pages' and other visitors' runs included:
# one server process has one count. Its default, and why, are above. engine/device.set_threads applies it.
def threads(n: int = 0) -> int:
    """The intra-op threads a run gets: n, or the server's GAN_STUDIO_THREADS for 0; at most the cores."""
    n = n or read("GAN_STUDIO_THREADS")
    return max(1, min(n, os.cpu_count() or 1))


def megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def _parse(s: Setting, raw: str) -> Any:
    if s.kind == "folder":
        return os.path.abspath(os.path.expanduser(raw))
    if s.kind == "text":
        if len(raw) < s.least:   # the count only: the text may be a secret, and errors end up in logs
            raise ValueError(f"{s.name}: must be at least {s.least:g} {s.unit}, got {len(raw)}")
        return raw
    if s.kind == "address":
        if not RAY_ADDRESS.fullmatch(raw):
            raise ValueError(f"{s.name}: must be auto, HOST:PORT or ray://HOST:PORT, got {raw!r}")
        return raw
    if s.kind == "flag":
        if raw.lower() not in TRUE + FALSE:
            raise ValueError(f"{s.name}: must be 1, true, yes or on (on), or 0, false, no or off (off), got {raw!r}")
        return raw.lower() in TRUE
    try:
        value = int(raw) if s.kind == "whole" else float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{s.name}: must be a {'whole ' * (s.kind == 'whole')}number of {s.unit}, got {raw!r}")
    if value < s.least or (s.above and value == s.least):
        raise ValueError(f"{s.name}: must be {_allowed(s)}, got {raw!r}")
    return value


def _allowed(s: Setting) -> str:
    """The values a number may take, in words: "more than 0", "at least 1", "0 (no limit) or more"."""
    if s.above:
        return f"more than {s.least:g}"
    if s.least:
        return f"at least {s.least:g}"
    return f"0 ({s.zero}) or more" if s.zero else "0 or more"
