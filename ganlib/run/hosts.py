"""Where runs train: threads of this server process (the default), or actors on a Ray cluster.

Runs (classroom/runs.py) asks its host for every new run, and gets back an
object with the Runner's interface either way: commands in, numbered snapshots
out, copies of G and checkpoints on request.

- ThreadHost: each run is a thread of this process that asks the server's
  training slots before it trains. Nothing to install or start:
  `streamlit run app.py` as it always was.
- RayHost (on_ray.py), when GAN_STUDIO_RAY_ADDRESS is set ("auto", or
  "ray://HOST:10001"): each run is a Ray actor that asks the cluster for a CPU
  (and a GPU where its config wants CUDA), and the cluster's free CPUs are the
  slots.
"""
from __future__ import annotations

from typing import Any


class ThreadHost:
    """Each run a thread of this process (run/runner.py)."""
    on_cluster = False

    def runner(self, cfg=None, **kw) -> Any:
        from ganlib.run.runner import Runner  # torch: with the first run, not the first page
        return Runner(cfg, **kw)


THREADS = ThreadHost()


def host_for(address: str):
    """The host of runs for a GAN_STUDIO_RAY_ADDRESS value: threads when it is blank, Ray's otherwise."""
    if not address:
        return THREADS
    from ganlib.run.on_ray import RayHost  # ray is optional (pip install -e .[ray]): imported only when asked for
    return RayHost.connect(address)
