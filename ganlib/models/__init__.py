"""build_models(config, shape) -> (G, D), sized from the data's shape."""
from __future__ import annotations

from torch import nn

from .conv import (DCGANDiscriminator, DCGANGenerator, FastGenerator, KerasConvDiscriminator,
                   KerasConvGenerator, UpsampleDiscriminator, UpsampleGenerator)
from .mlp import FastMLPGenerator, MLPDiscriminator, MLPGenerator, ToyDiscriminator, ToyGenerator


def build_models(cfg, shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    z, gw, dw, p = cfg.latent_dim, cfg.g_width, cfg.d_width, cfg.d_dropout
    if len(shape) == 1 and cfg.model != "toy-mlp":
        raise ValueError(f"model: {shape[0]}-D points need model toy-mlp, got {cfg.model!r}")
    if len(shape) != 1 and cfg.model == "toy-mlp":
        raise ValueError(f"model: toy-mlp is for 1-D or 2-D points, not data of shape {tuple(shape)}")
    if len(shape) == 3 and shape[1] % 4:
        raise ValueError(f"image_size: must be divisible by 4 for conv models; got {shape[1]}")
    if cfg.model == "mlp":
        return MLPGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p)
    if cfg.model == "keras-convgan":
        return KerasConvGenerator(z, shape, gw), KerasConvDiscriminator(shape, dw, p)
    if cfg.model == "dcgan-upsample":
        return UpsampleGenerator(z, shape, gw), UpsampleDiscriminator(shape, dw, p)
    if cfg.model == "dcgan":
        return DCGANGenerator(z, shape, gw), DCGANDiscriminator(shape, dw, p)
    if cfg.model == "fast":
        return FastGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p, depth=2)
    if cfg.model == "fast-mlp":
        return FastMLPGenerator(z, shape, gw), MLPDiscriminator(shape, dw, p, depth=2)
    if cfg.model == "toy-mlp":
        return ToyGenerator(z, shape[0], gw), ToyDiscriminator(shape[0], dw, p)
    raise ValueError(f"model: unknown {cfg.model!r}")
