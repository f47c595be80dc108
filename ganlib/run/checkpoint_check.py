"""A checkpoint's tensors, checked before anything is built from them (checkpoint.py's _check reads the rest).

Each has the shape of the model its config describes (G, D, the EMA of G, both Adams' moments), so that what is
later built for real is only as large as the config says; and all are finite, so that a run that went NaN before
it was saved is refused with its tensor named, not loaded (or resumed, and "rolled back" to itself) as good.
"""
from __future__ import annotations

import torch

from ganlib.engine.config import TrainConfig
from ganlib.engine.lastgood import non_finite
from ganlib.engine.models import meta_models


def check_state(cfg: TrainConfig, shape: tuple[int, ...], state: dict) -> None:
    """ValueError, its message for "checkpoint: NAME ...", when a tensor of the trainer's state does not fit the
    model or is not finite."""
    _check_weights(cfg, shape, state)
    found = non_finite(state, "trainer")   # one pass over every float tensor: weights, buffers, EMA, Adam
    if found is not None:
        name, value = found
        raise ValueError(f"has a non-finite value in {name} ({value}): the run had gone NaN when it was saved, "
                         f"so nothing can train on from it or sample from it; load one saved before")


def _check_weights(cfg: TrainConfig, shape: tuple[int, ...], state: dict) -> None:
    """Every tensor has the shape of the models the config builds (built on the meta device: nothing allocated)."""
    try:
        G, D = meta_models(cfg, shape)
    except ValueError as e:
        raise ValueError(f"has a data shape {shape} that does not fit its config ({e})") from None
    for key, net in (("G", G), ("D", D)) + ((("ema", G),) if state.get("ema") is not None else ()):
        _check_tensors(key, state.get(key), net)
    _check_adam("opt_g", state.get("opt_g"), G)
    _check_adam("opt_d", state.get("opt_d"), D)


def _check_tensors(key: str, got, net: torch.nn.Module) -> None:
    want = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    if not isinstance(got, dict) or set(got) != set(want):
        raise ValueError(f"has weights (trainer.{key}) that do not fit the model its config describes")
    for k, t in got.items():
        if not torch.is_tensor(t) or tuple(t.shape) != want[k]:
            have = tuple(t.shape) if torch.is_tensor(t) else type(t).__name__
            raise ValueError(f"has weights that do not fit the model its config describes: {key}.{k} is "
                             f"{have}, not {want[k]}")


def _check_adam(key: str, opt, net: torch.nn.Module) -> None:
    """Adam's moments have their parameter's shape (load_state_dict checks only how many there are)."""
    shapes = [tuple(p.shape) for p in net.parameters()]
    if not (isinstance(opt, dict) and isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list)):
        raise ValueError(f"has a malformed optimizer state (trainer.{key})")
    for i, moments in opt["state"].items():
        if type(i) is not int or not 0 <= i < len(shapes) or not isinstance(moments, dict):
            raise ValueError(f"has a malformed optimizer state (trainer.{key})")
        for k, t in moments.items():
            want = () if k == "step" else shapes[i]
            if not torch.is_tensor(t) or tuple(t.shape) != want:
                raise ValueError(f"has an optimizer state that does not fit the model its config describes "
                                 f"(trainer.{key}, parameter {i}, {k})")
