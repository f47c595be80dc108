"""The digit classifier behind the digit metrics: a small CNN, its shipped weights, and its features.

bench/train_classifier.py trains it on the offline digits (ganlib.engine.data.digits:
the first 4,000 images; the last 1,000 are held out for its own accuracy) and
writes digit_classifier.pt next to this file: a plain dict of a state_dict
(fp16 tensors, about 210 kB) and a metadata dict, read with
torch.load(weights_only=True). Inputs are images in model space, (N, 1, 28, 28)
in [-1, 1]; `features` are the 64 units of the penultimate layer (before
their ReLU), used for the Fréchet distance. It was also taught (outlier
exposure) to spread its probability over the classes for images that are no
digit, so that noise and blobs are not "confidently" some digit.
"""
from __future__ import annotations

import os
from functools import lru_cache

import torch
from torch import nn

WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digit_classifier.pt")
FEATURES = 64
BATCH = 500  # images per forward pass when measuring many


class DigitClassifier(nn.Module):
    def __init__(self, features: int = FEATURES):
        super().__init__()
        self.body = nn.Sequential(
            # strided convs, not conv + max-pool: ~10x faster on one CPU thread at the same accuracy
            nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.ReLU(),    # 16 x 14 x 14
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),   # 32 x 7 x 7
            nn.Flatten(), nn.Linear(32 * 7 * 7, features),
        )
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.25)
        self.head = nn.Linear(features, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer before its ReLU. Taken before the ReLU because the classifier learned
        to switch every unit off for images that are no digit (outlier exposure), which would map all
        such images to one point and leave the Fréchet distance blind to how bad they are."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.act(self.body(x))))


class ClassifierMissing(FileNotFoundError):
    """The shipped weights are not there; bench/train_classifier.py writes them."""


@lru_cache(maxsize=1)
def load_classifier(path: str = WEIGHTS) -> DigitClassifier:
    """The trained classifier in eval mode, on the CPU, fp32 (cached: load once per process)."""
    if not os.path.exists(path):
        raise ClassifierMissing(f"digit metrics: no classifier weights at {path}; "
                                f"run python bench/train_classifier.py to write them")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    with torch.device("meta"):  # its weights come from the file: random ones would be drawn from torch's global RNG
        net = DigitClassifier(int(blob["meta"].get("features", FEATURES)))
    net.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()}, assign=True)
    net.requires_grad_(False)
    return net.eval()


def metadata(path: str = WEIGHTS) -> dict:
    return dict(torch.load(path, map_location="cpu", weights_only=True)["meta"])


@torch.inference_mode()
def classify(images: torch.Tensor, net: DigitClassifier | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 1, 28, 28) in [-1, 1] -> (class probabilities (N, 10), features (N, FEATURES)), fp32 on the CPU."""
    net = net or load_classifier()
    probs, feats = [], []
    for i in range(0, len(images), BATCH):
        x = images[i:i + BATCH].detach().float().cpu()
        f = net.features(x)
        feats.append(f)
        probs.append(torch.softmax(net.head(net.act(f)), 1))
    if not probs:
        return torch.empty(0, 10), torch.empty(0, net.head.in_features)
    return torch.cat(probs), torch.cat(feats)
