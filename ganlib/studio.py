"""Studio: what one browser session owns (its run, its chosen preset), with no UI code in it.

The app keeps one Studio per browser session (st.cache_resource with
scope="session") and closes it when the tab goes away, which stops and joins
the training thread.
"""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from .config import TrainConfig
from .presets import DEFAULT_PRESET, preset

if TYPE_CHECKING:  # the runner imports torch, which the first page paint must not wait for
    from .runner import Runner

CHECKPOINT_DIR = os.environ.get("GAN_STUDIO_CHECKPOINTS",
                                os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "checkpoints"))


class Studio:
    def __init__(self, checkpoint_dir: str = CHECKPOINT_DIR):
        self.checkpoint_dir = checkpoint_dir
        self.preset_name = DEFAULT_PRESET
        self.config: TrainConfig = preset(DEFAULT_PRESET)   # the draft the Train page edits
        self.runner: Runner | None = None
        self._explored: tuple | None = None   # (source key, LatentModel, config, caption) of the explorer
        self._lock = threading.Lock()

    def explorer_model(self, key, build) -> tuple:
        """(LatentModel, config, caption) for the explorer's source `key`, built by build() once per key,
        so that a slider move only runs G; a failed build (a bad upload) raises and caches nothing."""
        if self._explored is None or self._explored[0] != key:
            self._explored = (key, *build())
        return self._explored[1:]

    def choose_preset(self, name: str) -> TrainConfig:
        self.preset_name, self.config = name, preset(name)
        return self.config

    def new_run(self, cfg: TrainConfig | None = None, evaluator=None) -> Runner:
        """Replace the current run (stopping it) with a new one from `cfg`; raises ValueError/DatasetError."""
        from .metrics import evaluator_for
        from .runner import Runner
        cfg = (cfg or self.config).validate()
        runner = Runner(cfg, evaluator=evaluator or evaluator_for(cfg), preset=self.preset_name)
        with self._lock:
            old, self.runner, self.config = self.runner, runner, cfg
        if old is not None:
            old.stop()
        return runner

    def resume_from(self, source, evaluator=None) -> Runner:
        """Load a checkpoint (path, bytes or payload) as the current run, ready to Resume."""
        from .checkpoint import load_checkpoint
        from .metrics import evaluator_for
        from .runs import runner_from_checkpoint
        payload = source if isinstance(source, dict) else load_checkpoint(source)
        runner = runner_from_checkpoint(payload, evaluator=evaluator or evaluator_for(payload["config"]))
        with self._lock:
            old, self.runner = self.runner, runner
            self.config, self.preset_name = runner.trainer.cfg, runner.preset or self.preset_name
        if old is not None:
            old.stop()
        return runner

    def save(self, name: str) -> str:
        if self.runner is None:
            raise ValueError("name: there is no run to save yet; start one on the Train page")
        from .library import save_target  # refuses the names of the shipped checkpoints
        from .runs import save_run
        return save_run(self.runner, save_target(self.checkpoint_dir, name))

    def reset(self) -> None:
        with self._lock:
            old, self.runner = self.runner, None
        if old is not None:
            old.stop()

    def close(self) -> None:
        self.reset()
        self._explored = None


def checkpoint_path(folder: str, name: str) -> str:
    """A safe file path for a checkpoint name typed by a user."""
    clean = "".join(c for c in name.strip() if c.isalnum() or c in "-_ .").strip(" .")
    if not clean:
        raise ValueError("name: use letters, digits, '-', '_', '.' or spaces")
    return os.path.join(folder, clean.removesuffix(".pt") + ".pt")
