"""Visitor and Runs: who owns a run, that no run outlives its owner, the explorer's cache and checkpoint list."""
import os

import pytest

from ganlib import explorer as ex
from ganlib.runs import OwnerGone, Runs
from ganlib.state import Reason, Status
from ganlib.visitor import Visitor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_explorer_model_is_built_once_per_source_and_a_failure_caches_nothing(tmp_path):
    s = Visitor(Runs(), str(tmp_path))
    builds = []

    def build(tag):
        builds.append(tag)
        return f"model {tag}", "cfg", f"caption {tag}"
    assert s.explorer_model(("file", "a"), lambda: build("a")) == ("model a", "cfg", "caption a")
    assert s.explorer_model(("file", "a"), lambda: build("a")) == ("model a", "cfg", "caption a")
    assert builds == ["a"]

    def broken():
        raise ValueError("bad upload")
    with pytest.raises(ValueError):
        s.explorer_model(("upload", 1), broken)
    assert s.explorer_model(("file", "a"), lambda: build("a"))[0] == "model a" and builds == ["a"]
    s.explorer_model(("file", "b"), lambda: build("b"))
    assert builds == ["a", "b"]


def test_saved_checkpoints_open_on_the_shipped_digits(tmp_path):
    paths, first = ex.saved_checkpoints(os.path.join(ROOT, "checkpoints"))
    assert os.path.basename(first) == "pretrained-digits.pt" and first in paths
    assert ex.saved_checkpoints(str(tmp_path)) == ([], None)


def test_walk_gif_is_a_gif():
    import torch

    from ganlib.checkpoint import load_checkpoint
    model, cfg, _ = ex.from_payload(load_checkpoint(os.path.join(ROOT, "checkpoints", "pretrained-digits.pt")), "d")
    data = ex.walk_gif(model, torch.zeros(cfg.latent_dim), torch.ones(cfg.latent_dim), "slerp", frames=4)
    assert data[:6] in (b"GIF87a", b"GIF89a")
