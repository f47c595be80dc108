"""build_models(config, shape) -> (G, D), sized from the data's shape, their weights drawn from config.seed alone."""
from __future__ import annotations

import torch
from torch import nn

from ganlib.engine.models.conv import ClassicDCGANDiscriminator, ClassicDCGANGenerator, DCGANDiscriminator, DCGANGenerator, FastGenerator, KerasConvDiscriminator, KerasConvGenerator, UpsampleDiscriminator, UpsampleGenerator
from ganlib.engine.models.dropout import Dropout, use_generator
from ganlib.engine.models.init import init_weights
from ganlib.engine.models.spectral import spectral_norm
from ganlib.engine.models.mlp import FastMLPGenerator, MLPDiscriminator, MLPGenerator, ToyDiscriminator, ToyGenerator
from ganlib.errors import FieldError

__all__ = ["Dropout", "build_models", "init_weights", "meta_models", "use_generator"]


def build_models(cfg, shape: tuple[int, ...], generator: torch.Generator | None = None) -> tuple[nn.Module, nn.Module]:
    """G and D on the CPU, initialised from a generator seeded with cfg.seed; D's dropout draws from
    `generator` (a run's own: the Trainer passes its gen), or by default from one seeded with cfg.seed."""
    # built on the meta device, so the layers' constructors draw nothing from torch's global RNG (which
    # other threads share); every weight is drawn just below from this call's own generator instead
    G, D = meta_models(cfg, shape)
    weights = torch.Generator().manual_seed(cfg.seed)
    G, D = (init_weights(net.to_empty(device="cpu"), weights) for net in (G, D))  # G first, then D: the old order
    use_generator(D, generator if generator is not None else torch.Generator().manual_seed(cfg.seed))
    return G, D


def meta_models(cfg, shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    """G and D as build_models makes them, on the meta device: every shape, and no memory for any weight."""
    _check_shape(cfg, shape)
    with torch.device("meta"):
        G, D = _architecture(cfg, shape)
        return G, spectral_norm(D) if cfg.spectral_norm else D


def _check_shape(cfg, shape) -> None:
    if len(shape) == 1 and cfg.model != "toy-mlp":
        raise FieldError("model", f"{shape[0]}-D points need model toy-mlp, got {cfg.model!r}")
    if len(shape) != 1 and cfg.model == "toy-mlp":
        raise FieldError("model", f"toy-mlp is for 1-D or 2-D points, not data of shape {tuple(shape)}")
    if len(shape) == 3 and shape[1] % 4:
        raise FieldError("image_size", f"must be divisible by 4 for conv models; got {shape[1]}")


def _architecture(cfg, shape) -> tuple[nn.Module, nn.Module]:
    z, gw, dw, p = cfg.latent_dim, cfg.g_width, cfg.d_width, cfg.d_dropout
    if cfg.model == "mlp":
        return MLPGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p)
    if cfg.model == "keras-convgan":
        return KerasConvGenerator(z, shape, gw), KerasConvDiscriminator(shape, dw, p)
    if cfg.model == "dcgan-upsample":
        return UpsampleGenerator(z, shape, gw), UpsampleDiscriminator(shape, dw, p)
    if cfg.model == "dcgan":
        return DCGANGenerator(z, shape, gw), DCGANDiscriminator(shape, dw, p)
    if cfg.model == "dcgan-classic":
        return ClassicDCGANGenerator(z, shape, gw), ClassicDCGANDiscriminator(shape, dw, p)
    if cfg.model == "fast":
        return FastGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p, depth=2)
    if cfg.model == "fast-mlp":
        return FastMLPGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p, depth=2)
    if cfg.model == "toy-mlp":
        return ToyGenerator(z, shape[0], gw), ToyDiscriminator(shape[0], dw, p)
    raise FieldError("model", f"unknown {cfg.model!r}")
