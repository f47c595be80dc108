"""Visitor: what one browser session owns (its run, its draft config, the explorer's model), with no UI code.

The app keeps one Visitor per browser session and tells the server's Runs
when the session ends; it never joins a thread itself. It holds its run by
id and looks it up in Runs, so a run it let go is gone from every page at once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import ganlib
from ganlib.engine.config import TrainConfig
from ganlib.classroom.identity import server_keys
from ganlib.classroom.downloads import checkpoint_bytes   # torch-free: the checkpoint's tensors load with the first save
from ganlib.engine.presets import DEFAULT_PRESET, preset
from ganlib.classroom.runs import Runs
from ganlib.classroom.spaces import Space, spaces_root
from ganlib.settings import read

if TYPE_CHECKING:
    from ganlib.classroom.lesson import Lesson
    from ganlib.run.runner import Runner
    from ganlib.run.snapshot import Snapshot


class Visitor:
    def __init__(self, runs: Runs, checkpoint_dir: str | None = None, key: str | None = None, *,
                 spaces_dir: str | None = None, address: str | None = None):
        """A session of visitor `key`, which rejoins that key's run and files; a new visitor when the key is None
        or not one this server made (identity.py: a typed or guessed key is refused, never adopted).
        checkpoint_dir: the shared, read-only checkpoints (default GAN_STUDIO_CHECKPOINTS); spaces_dir: the root
        of visitors' own folders (default spaces.spaces_root()); address: the client's IP, where known (a cap on
        new spaces per address)."""
        self.runs, self.checkpoint_dir = runs, checkpoint_dir or read("GAN_STUDIO_CHECKPOINTS")
        root = spaces_dir or spaces_root()
        keys = server_keys(root)
        self.key = key if keys.valid(key) else keys.new()
        self.space = Space(root, self.key, self.checkpoint_dir, address=address)   # what only this visitor sees
        self.closed = False                  # set by Runs.owner_gone
        self.preset_name = DEFAULT_PRESET
        self.config: TrainConfig = preset(DEFAULT_PRESET)   # the draft the Train page edits
        self.watch_code: str | None = None   # set when this session follows someone else's run
        self.lesson: Lesson | None = None    # the lesson link this session opened: its locked and hidden fields
        self._explored: tuple | None = None  # (source key, LatentModel, config, caption) of the explorer
        self.run_id: str | None = runs.attach(self)
        if (snap := self.snapshot()) is not None:  # rejoined: the form shows the run's settings
            self.config, self.preset_name = snap.config, snap.preset or self.preset_name

    @property
    def runner(self) -> Runner | None:
        return self.runs.get(self.run_id)

    @property
    def twin(self) -> Runner | None:
        """The second run of a side-by-side demo, which rides with the current run; None for a single run."""
        return self.runs.twin(self.run_id)

    def snapshot(self) -> Snapshot | None:
        runner = self.runner
        return runner.snapshot() if runner is not None else None

    def choose_preset(self, name: str) -> TrainConfig:
        self.preset_name, self.config = name, preset(name)
        return self.config

    def open_lesson(self, lesson: Lesson) -> TrainConfig:
        """Set up the run a lesson link describes (its preset and config as the draft), ready to Start."""
        self.preset_name, self.config, self.lesson = lesson.preset_name, lesson.config, lesson
        return self.config

    def leave_lesson(self) -> None:
        """Unlock and show every field again; the draft stays as it is."""
        self.lesson = None

    def new_run(self, cfg: TrainConfig | None = None) -> Runner:
        """A new run of `cfg` (or the draft) in place of the current one; raises ValueError for a bad config."""
        cfg = (cfg or self.config).validate()
        runner = self.runs.create(self, cfg, preset=self.preset_name)
        self._replace(runner)
        self.config = cfg
        return runner

    def new_pair(self, lead: str, twin: str) -> tuple[Runner, Runner]:
        """Two presets side by side (presets.SIDE_BY_SIDE) in place of the current run, on the same seed: the
        lead is the current run, the twin rides its slot (Runs.create_pair)."""
        pair = self.runs.create_pair(self, (preset(lead), lead), (preset(twin), twin))
        self._replace(pair[0])
        self.preset_name, self.config = lead, pair[0].snapshot().config
        return pair

    def resume_from(self, source) -> Runner:
        """A checkpoint (path, bytes or payload) as the current run: it loads, then waits for Start."""
        # ganlib's lazy name (ganlib/__init__.py): torch loads with the first checkpoint read, not with the first page
        payload = source if isinstance(source, dict) else ganlib.load_checkpoint(source)
        runner = self.runs.create(self, payload=payload)
        self._replace(runner)
        self.config, self.preset_name = payload["config"], payload.get("preset") or self.preset_name
        return runner

    def save(self, name: str) -> str:
        """Save the current run under `name` in this visitor's own space; returns its ref (see spaces.py)."""
        runner = self.runner
        if runner is None:
            raise ValueError("name: there is no run to save yet; start one on the Train page")
        return self.space.save(name, checkpoint_bytes(runner))   # the whole file first: the quota comes before writing

    def reset(self) -> None:
        self.runs.retire(self.run_id)
        self.run_id = None

    def share(self) -> str:
        """This visitor's watch code: others follow its current run with it, read-only."""
        return self.runs.share(self)

    def watch_known(self) -> bool:
        """Whether someone shares under this session's watch code (a typo'd code is never shared)."""
        return self.runs.shared(self.watch_code)

    def watched(self):
        """The run this session follows through its watch code, or None."""
        return self.runs.watch(self.watch_code, self) if self.watch_code else None

    def explorer_model(self, key, build: Callable[[], tuple]) -> tuple:
        """(LatentModel, config, caption) for the explorer's source `key`, built by build() once per key,
        so that a slider move only runs G; a failed build (a bad upload) raises and caches nothing."""
        if self._explored is None or self._explored[0] != key:
            self._explored = (key, *build())
        return self._explored[1:]

    def close(self) -> None:
        """The session has ended: its runs stop in the background."""
        self.runs.owner_gone(self)
        self._explored = None

    def _replace(self, runner: Runner) -> None:
        self.run_id = runner.run_id   # Runs.create has let the old run go
