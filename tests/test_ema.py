"""EMA of G: weights and batch-norm statistics move towards G's; counters are copied; the warm-up follows G early."""
import torch
from torch import nn

from ganlib.ema import make_ema, update_ema


def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))


def test_weights_and_running_stats_are_averaged_counters_copied():
    G = net()
    ema = make_ema(G)
    with torch.no_grad():
        G[0].weight.add_(1.0)
    G(torch.randn(8, 3) * 5 + 2)  # train mode: moves running_mean / running_var, counts one batch
    w0, mean0 = ema[0].weight.clone(), ema[1].running_mean.clone()
    update_ema(ema, G, decay=0.75)
    assert torch.allclose(ema[0].weight, 0.75 * w0 + 0.25 * G[0].weight)
    assert torch.allclose(ema[1].running_mean, 0.75 * mean0 + 0.25 * G[1].running_mean)
    assert not torch.allclose(ema[1].running_mean, G[1].running_mean)
    assert ema[1].num_batches_tracked.item() == G[1].num_batches_tracked.item() == 1
    assert not any(p.requires_grad for p in ema.parameters())


def test_warm_up_follows_g_at_first():
    G = net()
    ema = make_ema(G)
    with torch.no_grad():
        G[0].weight.add_(1.0)
    update_ema(ema, G, decay=0.999, step=0)  # decay min(0.999, 1/10): 90% of the way to G at once
    gap = (ema[0].weight - G[0].weight).abs().max().item()
    assert gap < 0.11
