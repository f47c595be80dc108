"""The server warms up: torch and the training code load in the background once the first page is drawn.

Why: the first page paints without torch (tests/test_first_paint.py), so the first Start of a server paid for all
that a first run loads before its first chart. Measured in one process on this 2-core machine, before any run:
import torch 2-7 s, a first Trainer of fast-digits 3.8 s, 2.35 s of it the import of torch._dynamo (the first
torch.optim.Adam made imports it), its data 0.07 s after that, and a first step 0.9 s (its lazy set-up; the next
steps 0.02-0.05 s). A tiny run built and stepped once here pays for all of it while the visitor reads the page.
With the training worker (GAN_STUDIO_WORKER, run/worker.py), it starts the worker, which loads torch and steps a
tiny run of its own, in its own process, and this process loads no torch: its runs, and their size checks
(run/budget.py), are the worker's. Torch's ~290 MB of its own (526 MB resident) then come to this process only with a
page that uses it itself (the latent explorer, the Theory lab, the Checkpoints page, a Save, a class's door), at
that page's first use (1.6-2.8 s for such a page in a browser here; import torch alone 2-7 s). GAN_STUDIO_WARM=0 turns it off (ganlib/settings.py).
"""
from __future__ import annotations

import threading

import ganlib
from ganlib import settings
from ganlib.classroom import shutdown
from ganlib.run.hosts import host_for

_lock = threading.Lock()
_warm: Warm | None = None


class Warm:
    """The warm-up's thread, which the process's end waits for as for a run's (classroom/shutdown.py: a thread
    inside torch as the interpreter finalizes aborts the process)."""

    def __init__(self):
        self.thread = threading.Thread(target=self._run, name="ganlib-warm-up", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            if settings.read("GAN_STUDIO_WORKER") and not settings.read("GAN_STUDIO_RAY_ADDRESS"):
                worker = host_for("", in_worker=True)
                shutdown.register(worker)
                worker.start()
                return
            # ganlib's lazy names: torch loads here, in this thread, never on the first page's (the pages use it)
            ganlib.Trainer(ganlib.preset("ring8").replace(batch_size=8, g_width=8, d_width=8)).step()
        except Exception as e:   # noqa: BLE001 - a warm-up that fails costs the first run its time, nothing more
            self.error = e

    def shutdown(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()


def warm_up() -> Warm | None:
    """Start the warm-up once per process; returns it, or None when GAN_STUDIO_WARM is off."""
    global _warm
    with _lock:
        if _warm is None and settings.warm():
            _warm = Warm()
            shutdown.register(_warm)
            _warm.thread.start()
        return _warm
