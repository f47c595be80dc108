"""Save a live run to a checkpoint, and resume a run from one."""
from __future__ import annotations

from .checkpoint import load_checkpoint, make_payload, restore_trainer, save_checkpoint
from .history import Event
from .runner import Runner
from .trainer import Trainer


def save_run(runner: Runner, path: str) -> str:
    """Write the runner's current state to `path` atomically; safe while it trains."""
    s = runner.checkpoint_state()
    frames = runner.snapshot().timeline
    picture = frames[-1].picture if frames and runner.trainer.data.kind == "image" else None
    payload = make_payload(s["config"], runner.trainer.data.shape, s["trainer"], s["history"],
                           s["events"], s["preset"], picture)
    return save_checkpoint(path, payload)


def trainer_from_checkpoint(source, data=None) -> tuple[Trainer, dict]:
    payload = source if isinstance(source, dict) else load_checkpoint(source)
    trainer = Trainer(payload["config"], data)
    restore_trainer(trainer, payload)
    return trainer, payload


def runner_from_checkpoint(source, evaluator=None) -> Runner:
    """A paused-at-idle Runner that carries on where the checkpoint stopped, history included."""
    trainer, payload = trainer_from_checkpoint(source)
    runner = Runner(trainer=trainer, evaluator=evaluator, preset=payload.get("preset", ""))
    runner.curve.load_state_dict(payload["history"])
    runner.events.extend(Event(*e) for e in payload.get("events", []))
    runner.republish()
    return runner
