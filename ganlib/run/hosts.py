"""Where runs train: a training worker process beside the server (the default), threads of the server process,
or actors on a Ray cluster.

Runs (classroom/runs.py) asks its host for every new run, and gets back an
object with the Runner's interface either way: commands in, numbered snapshots
out, copies of G and checkpoints on request.

- WorkerHost (on_worker.py, worker.py): each run is a thread of one worker
  process that the server starts with its first run, so no watcher's page
  holds the GIL a step needs. Its runs ask the server's training slots.
  Nothing to install or start: `streamlit run app.py` as it always was.
- ThreadHost (GAN_STUDIO_WORKER=0): each run is a thread of this process that
  asks the server's training slots before it trains.
- RayHost (on_ray.py), when GAN_STUDIO_RAY_ADDRESS is set ("auto", or
  "ray://HOST:10001"): each run is a Ray actor that asks the cluster for a CPU
  (and a GPU where its config wants CUDA), and the cluster's free CPUs are the
  slots.
"""
from __future__ import annotations

from typing import Any

import ganlib


class ThreadHost:
    """Each run a thread of this process (run/runner.py)."""
    on_cluster = False
    autosaves = False   # a run's weights live as long as the server: nothing to keep against a lost worker
    hosts_boards = False   # a class here is a thread of this process (classroom/class_ticker.Class), not hosted

    def runner(self, cfg=None, **kw) -> Any:
        return ganlib.Runner(cfg, **kw)   # the package's lazy name: torch loads with the first run, not the first page

    def check(self, cfg, limit_mb: float | None = None, shape: tuple[int, ...] | None = None) -> None:
        """run/budget.check(cfg, limit_mb, shape) where the run would train, here: it raises ValueError for a run too
        large, naming the field to lower."""
        from ganlib.run.budget import check  # torch (G and D on the meta device): with the first run, likewise
        check(cfg, limit_mb, shape)


THREADS = ThreadHost()


def host_for(address: str, in_worker: bool = False):
    """The host of runs for a GAN_STUDIO_RAY_ADDRESS value and GAN_STUDIO_WORKER: Ray's when the address is set,
    else the server's one training worker (it starts with the first run), or threads."""
    if address:
        from ganlib.run.on_ray import RayHost  # ray is optional (pip install -e .[ray]): imported only when asked for
        return RayHost.connect(address)
    if in_worker:
        from ganlib.run.on_worker import WORKER  # torch: with the first run, not the first page
        return WORKER
    return THREADS
