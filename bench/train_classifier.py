"""Train the digit classifier behind ganlib.metrics and write ganlib/metrics/digit_classifier.pt.

    python bench/train_classifier.py            # ~1-2 minutes on 1 CPU thread

The offline digits (ganlib.engine.data.digits: 5,000 MNIST digits in a fixed shuffled
order) are split into the first 4,000 for training and the last 1,000 held out
for the classifier's own accuracy. Light augmentation (shifts of up to 2 pixels,
small rotations and scalings) makes up for the small training set. Seeded and
run on one thread, so the same command writes the same weights. Outlier
exposure (Hendrycks et al., 2019) teaches it to spread its probability over
the 10 classes for images that are no digit (noise, blobs, flat grey, blends
of two digits, shuffled pixels), so that "classified with confidence > 0.9"
means "looks like a digit", not just "is an image". The weights are
stored as fp16 (about 210 kB); the accuracy printed and stored is that of the
fp16-rounded weights, as ganlib.metrics loads them.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ganlib.engine.data import to_unit  # noqa: E402
from ganlib.engine.data.digits import digits  # noqa: E402
from ganlib.metrics.classifier import FEATURES, WEIGHTS, DigitClassifier  # noqa: E402

TRAIN, HELD_OUT = 4000, 1000


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random shifts (up to 2 px), rotations (up to 10 degrees) and scalings (0.9 to 1.1), background -1."""
    n = len(x)
    angle = (torch.rand(n, generator=g) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=g) * 2 - 1) * 0.1
    shift = (torch.rand(n, 2, generator=g) * 2 - 1) * (2 / 14)  # 2 px in [-1, 1] grid units
    cos, sin = angle.cos() / scale, angle.sin() / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x + 1, grid, align_corners=False, padding_mode="zeros") - 1


def outliers(x: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Images that are no digit, one per input: noise, smooth blobs, flat grey, blends of two different
    digits, and digits with their pixels shuffled. The classifier learns to be unsure of them."""
    n = len(x)
    kind = torch.randint(5, (n,), generator=g)
    noise = torch.rand(n, 1, 28, 28, generator=g) * 2 - 1
    coarse = torch.rand(n, 1, 7, 7, generator=g) * 2 - 1
    blobs = F.interpolate(coarse, size=(28, 28), mode="bilinear", align_corners=False)
    level = torch.rand(n, 1, 1, 1, generator=g) * 2 - 1
    flat = (level + 0.1 * torch.randn(n, 1, 28, 28, generator=g)).clamp(-1, 1)
    other = torch.randperm(n, generator=g)
    blend = torch.where((y != y[other]).view(n, 1, 1, 1), (x + x[other]) / 2, noise)
    perm = torch.argsort(torch.rand(n, 784, generator=g), 1)
    shuffled = torch.gather(x.reshape(n, 784), 1, perm).reshape(n, 1, 28, 28)
    out = torch.stack([noise, blobs, flat, blend, shuffled])  # 5 x n x 1 x 28 x 28
    return out[kind, torch.arange(n)]


@torch.no_grad()
def accuracy(net, x, y) -> float:
    net.eval()
    pred = torch.cat([net(x[i:i + 500]).argmax(1) for i in range(0, len(x), 500)])
    return (pred == y).float().mean().item()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--outlier-weight", type=float, default=0.5, help="weight of the outlier-exposure loss")
    p.add_argument("--out", default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    data = digits()
    x, y = to_unit(data.images), data.labels
    x_tr, y_tr, x_te, y_te = x[:TRAIN], y[:TRAIN], x[TRAIN:TRAIN + HELD_OUT], y[TRAIN:TRAIN + HELD_OUT]

    net = DigitClassifier(FEATURES)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    batch, steps_per_epoch = 64, TRAIN // 64
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.epochs * steps_per_epoch)
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(TRAIN, generator=g)
        total = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * batch:(i + 1) * batch]
            xb = augment(x_tr[idx], g)
            loss = F.cross_entropy(net(xb), y_tr[idx])
            if args.outlier_weight > 0:  # outlier exposure: a uniform prediction on non-digits
                junk = outliers(xb[:batch // 2], y_tr[idx][:batch // 2], g)
                loss = loss - args.outlier_weight * F.log_softmax(net(junk), 1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        if epoch % 5 == 4 or epoch == args.epochs - 1:
            print(f"epoch {epoch + 1:3d}  loss {total / steps_per_epoch:.4f}  held-out accuracy "
                  f"{accuracy(net, x_te, y_te):.4f}  ({time.perf_counter() - t0:.0f} s)", flush=True)

    # store fp16 and measure what will be loaded: the fp16-rounded weights, back in fp32
    half = {k: v.detach().half() for k, v in net.state_dict().items()}
    net.load_state_dict({k: v.float() for k, v in half.items()})
    acc, train_acc = accuracy(net, x_te, y_te), accuracy(net, x_tr, y_tr)
    meta = {"arch": "conv5x5s2-16, conv3x3s2-32, fc64, fc10", "features": FEATURES, "input": "1x28x28 in [-1, 1]",
            "train": f"digits[:{TRAIN}]", "held_out": f"digits[{TRAIN}:{TRAIN + HELD_OUT}]",
            "held_out_accuracy": round(acc, 4), "train_accuracy": round(train_acc, 4),
            "epochs": args.epochs, "outlier_weight": args.outlier_weight, "seed": args.seed, "dtype": "float16", "torch": str(torch.__version__)}
    tmp = args.out + ".tmp"
    torch.save({"state_dict": half, "meta": meta}, tmp)
    os.replace(tmp, args.out)
    size = os.path.getsize(args.out)
    n_params = sum(v.numel() for v in half.values())
    print(f"held-out accuracy {acc:.4f} (train {train_acc:.4f}) on {HELD_OUT} digits; {n_params:,} parameters; "
          f"wrote {args.out} ({size / 1024:.0f} kB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
