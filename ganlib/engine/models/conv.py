"""Convolutional G and D for C x S x S images (S divisible by 4: 28, 32, 64).

Each generator but the classic DCGAN starts with a dense layer to 128 (or w) maps
of S/4 x S/4 and doubles the size twice; the shape comments are for S = 28. The
classic DCGAN starts at 4 x 4 (7 x 7 for 28) and doubles as often as it takes;
its comments are for S = 64.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.engine.models.dropout import Dropout


def _leaky():
    return nn.LeakyReLU(0.2)


class Reshape(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(-1, *self.shape)


def _flat_size(net: nn.Module, shape) -> int:
    was_training = net.training
    try:
        with torch.no_grad():
            return net.eval()(torch.zeros(1, *shape)).numel()
    finally:
        net.train(was_training)  # else D's dropout and batch norm would stay in eval mode while it trains


class FoldConvTranspose2d(nn.ConvTranspose2d):
    """A 4x4 stride-2 transposed conv computed as one matmul and a fold (col2im).

    For few output channels (the image layer) oneDNN's transposed conv was 4x
    slower on a small CPU (measured: 3.6 ms vs 0.9 ms forward, batch 64, 32 -> 1
    channels). Same weights and result as nn.ConvTranspose2d(cin, cout, 4, 2, 1).
    """

    def __init__(self, cin, cout):
        super().__init__(cin, cout, 4, 2, 1)

    def forward(self, x):
        n, _, h, w = x.shape
        cols = self.weight.flatten(1).t() @ x.flatten(2)                       # (N, cout*16, H*W)
        out = F.fold(cols, (2 * h, 2 * w), 4, stride=2, padding=1)             # (N, cout, 2H, 2W)
        return out + self.bias.view(1, -1, 1, 1)


class KerasConvGenerator(nn.Module):
    """Keras conv GAN: dense -> 7x7x128 -> 2 stride-2 transposed convs (4x4) -> 7x7 conv to C."""

    def __init__(self, latent_dim, shape, width=128):
        super().__init__()
        c, s = shape[0], shape[1] // 4
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width * s * s), _leaky(), Reshape(width, s, s),  # (N, 128, 7, 7)
            nn.ConvTranspose2d(width, width, 4, 2, 1), _leaky(),                  # (N, 128, 14, 14)
            nn.ConvTranspose2d(width, width, 4, 2, 1), _leaky(),                  # (N, 128, 28, 28)
            nn.Conv2d(width, c, 7, padding=3), nn.Tanh(),                          # (N, C, 28, 28)
        )

    def forward(self, z):
        return self.net(z)


class KerasConvDiscriminator(nn.Module):
    """Keras conv GAN: 2 stride-2 convs (64, 128) with LeakyReLU, global max pooling, dense 1."""

    def __init__(self, shape, width=64, dropout=0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(shape[0], width, 3, 2, 1), _leaky(), Dropout(dropout),       # (N, 64, 14, 14)
            nn.Conv2d(width, 2 * width, 3, 2, 1), _leaky(), Dropout(dropout),      # (N, 128, 7, 7)
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),                                 # (N, 128)
            nn.Linear(2 * width, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(1)


class UpsampleGenerator(nn.Module):
    """Keras DCGAN: dense -> 7x7x128 -> [UpSampling2D, 3x3 conv, batch norm, ReLU] x 2 -> 3x3 conv to C."""

    def __init__(self, latent_dim, shape, width=128):
        super().__init__()
        c, s = shape[0], shape[1] // 4
        self.net = nn.Sequential(
            nn.Linear(latent_dim, width * s * s), nn.ReLU(), Reshape(width, s, s),  # (N, 128, 7, 7)
            nn.Upsample(scale_factor=2), nn.Conv2d(width, width, 3, padding=1),    # (N, 128, 14, 14)
            nn.BatchNorm2d(width, momentum=0.2), nn.ReLU(),  # Keras momentum 0.8 keeps 80% of the old mean
            nn.Upsample(scale_factor=2), nn.Conv2d(width, width // 2, 3, padding=1),  # (N, 64, 28, 28)
            nn.BatchNorm2d(width // 2, momentum=0.2), nn.ReLU(),
            nn.Conv2d(width // 2, c, 3, padding=1), nn.Tanh(),                      # (N, C, 28, 28)
        )

    def forward(self, z):
        return self.net(z)


class UpsampleDiscriminator(nn.Module):
    """Keras DCGAN: 4 convs (32, 64, 128, 256) with LeakyReLU, dropout and batch norm."""

    def __init__(self, shape, width=32, dropout=0.25):
        super().__init__()
        w = width

        def block(cin, cout, stride, bn=True):
            return [nn.Conv2d(cin, cout, 3, stride, 1)] + ([nn.BatchNorm2d(cout, momentum=0.2)] if bn else []) \
                + [_leaky(), Dropout(dropout)]
        self.features = nn.Sequential(
            *block(shape[0], w, 2, bn=False),            # (N, 32, 14, 14)
            nn.Conv2d(w, 2 * w, 3, 2, 1),                 # (N, 64, 7, 7)
            nn.ZeroPad2d((0, 1, 0, 1)),                   # (N, 64, 8, 8): Keras pads so the next stride-2 divides evenly
            nn.BatchNorm2d(2 * w, momentum=0.2), _leaky(), Dropout(dropout),
            *block(2 * w, 4 * w, 2),                      # (N, 128, 4, 4)
            *block(4 * w, 8 * w, 1),                      # (N, 256, 4, 4)
            nn.Flatten(),
        )
        self.head = nn.Linear(_flat_size(self.features, shape), 1)

    def forward(self, x):
        return self.head(self.features(x)).squeeze(1)


class DCGANGenerator(nn.Module):
    """The TensorFlow DCGAN tutorial: dense 7x7x256 -> 5x5 transposed convs 128, 64 (stride 1, 2) -> C (stride 2)."""

    def __init__(self, latent_dim, shape, width=64):
        super().__init__()
        c, s, w = shape[0], shape[1] // 4, width
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 4 * w * s * s, bias=False), nn.BatchNorm1d(4 * w * s * s), _leaky(),
            Reshape(4 * w, s, s),                                                         # (N, 256, 7, 7)
            nn.ConvTranspose2d(4 * w, 2 * w, 5, 1, 2, bias=False), nn.BatchNorm2d(2 * w), _leaky(),   # (N, 128, 7, 7)
            nn.ConvTranspose2d(2 * w, w, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(w), _leaky(),  # (N, 64, 14, 14)
            nn.ConvTranspose2d(w, c, 5, 2, 2, output_padding=1), nn.Tanh(),               # (N, C, 28, 28)
        )

    def forward(self, z):
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """The TensorFlow DCGAN tutorial: 5x5 stride-2 convs 64, 128 with LeakyReLU and dropout 0.3, dense 1."""

    def __init__(self, shape, width=64, dropout=0.3):
        super().__init__()
        s = shape[1] // 4
        self.net = nn.Sequential(
            nn.Conv2d(shape[0], width, 5, 2, 2), _leaky(), Dropout(dropout),           # (N, 64, 14, 14)
            nn.Conv2d(width, 2 * width, 5, 2, 2), _leaky(), Dropout(dropout),          # (N, 128, 7, 7)
            nn.Flatten(), nn.Linear(2 * width * s * s, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(1)


class FastGenerator(nn.Module):
    """Ours for 2 CPU cores: a slim DCGAN G, dense -> 7x7x4w -> 2 stride-2 transposed convs (4x4) to C.

    The last transposed conv writes the image directly: a final 3x3 conv to one
    channel at full size cost as much as the rest of G on a small CPU (measured
    2.4x slower per step, and no better samples per step).
    """

    def __init__(self, latent_dim, shape, width=16):
        super().__init__()
        c, s, w = shape[0], shape[1] // 4, width
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 4 * w * s * s), Reshape(4 * w, s, s),
            nn.BatchNorm2d(4 * w), nn.ReLU(),                                             # (N, 64, 7, 7)
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(),  # (N, 32, 14, 14)
            FoldConvTranspose2d(2 * w, c), nn.Tanh(),                                     # (N, C, 28, 28)
        )

    def forward(self, z):
        return self.net(z)


def _doublings(size: int) -> tuple[int, int]:
    """(start, n): a DCGAN starts at start x start and doubles n times to size: 28 -> (7, 2), 32 -> (4, 3), 64 -> (4, 4)."""
    n = 0
    while size % 2 == 0 and size > 4:
        size, n = size // 2, n + 1
    return size, n


class ClassicDCGANGenerator(nn.Module):
    """The DCGAN of Radford et al. as pytorch/examples builds it: z as a 1 x 1 map, a transposed conv to
    8w maps of 4 x 4 (for 64-pixel images; 4w for 32, 2w of 7 x 7 for 28), then stride-2 4x4 transposed
    convs with batch norm and ReLU, halving the channels as they double the size, to C x S x S, Tanh."""

    def __init__(self, latent_dim, shape, width=64):
        super().__init__()
        c, (start, n) = shape[0], _doublings(shape[1])
        ch = width * 2 ** (n - 1)
        layers = [Reshape(latent_dim, 1, 1), nn.ConvTranspose2d(latent_dim, ch, start, 1, 0, bias=False),
                  nn.BatchNorm2d(ch), nn.ReLU()]                                    # (N, 512, 4, 4) for 64
        for _ in range(n - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU()]
            ch //= 2                                                                # ... (N, 64, 32, 32)
        self.net = nn.Sequential(*layers, nn.ConvTranspose2d(ch, c, 4, 2, 1, bias=False), nn.Tanh())  # (N, C, 64, 64)

    def forward(self, z):
        return self.net(z)


class ClassicDCGANDiscriminator(nn.Module):
    """Its mirror: stride-2 4x4 convs with LeakyReLU(0.2), doubling the channels as they halve the size,
    with batch norm after all but the first; a last conv over the 4 x 4 (or 7 x 7) maps gives the logit."""

    def __init__(self, shape, width=64, dropout=0.0):
        super().__init__()
        c, (start, n) = shape[0], _doublings(shape[1])
        layers, ch = [nn.Conv2d(c, width, 4, 2, 1, bias=False), _leaky(), Dropout(dropout)], width  # (N, 64, 32, 32)
        for _ in range(n - 1):
            layers += [nn.Conv2d(ch, 2 * ch, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * ch), _leaky(), Dropout(dropout)]
            ch *= 2                                                                 # ... (N, 512, 4, 4)
        self.net = nn.Sequential(*layers, nn.Conv2d(ch, 1, start, 1, 0, bias=False), nn.Flatten())  # (N, 1)

    def forward(self, x):
        return self.net(x).squeeze(1)
