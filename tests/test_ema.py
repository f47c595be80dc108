"""EMA of G: weights and batch-norm statistics move towards G's; counters are copied; the warm-up follows G early;
recalibrated, its batch-norm statistics are those of its own weights, and sampling never changes the run."""
import torch
from torch import nn

from ganlib import Dataset, Trainer, preset
from ganlib.engine.data.digits import digits
from ganlib.engine.ema import CHUNK, make_ema, recalibrate, update_ema


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


def test_recalibrate_sets_the_statistics_of_the_nets_own_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2), nn.Dropout(0.5)).eval()
    net[1].running_mean.fill_(7.0)   # stale statistics, as averaged from another net's
    z = torch.randn(2 * CHUNK, 3) * 3 + 1
    recalibrate(net, z)
    # by hand: the batch norm's input on each chunk, its mean and unbiased variance, averaged over the chunks
    with torch.no_grad():
        h = [net[0](c) for c in z.split(CHUNK)]
    mean = torch.stack([x.mean(0) for x in h]).mean(0)
    var = torch.stack([x.var(0, unbiased=True) for x in h]).mean(0)
    assert torch.allclose(net[1].running_mean, mean, atol=1e-5)
    assert torch.allclose(net[1].running_var, var, atol=1e-4)
    assert net[1].momentum == 0.1 and not net[1].training and not net[4].training  # modes and momentum kept
    out = net(z[:5])   # eval mode: one z, one output, with the new statistics
    assert torch.allclose(out, net(z[:5]))


def test_recalibrate_leaves_a_net_without_batch_norm_as_it_is():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = [t.clone() for t in net.state_dict().values()]
    recalibrate(net, torch.randn(10, 3))
    assert all(torch.equal(a, b) for a, b in zip(before, net.state_dict().values()))


def _digits_run(ema_calibrate: int) -> Trainer:
    d = digits()
    data = Dataset("digits", d.shape, 256, images=d.images[:256].clone(), labels=d.labels[:256].clone())
    cfg = preset("fast-digits").replace(batch_size=16, d_width=64, ema_calibrate=ema_calibrate)
    return Trainer(cfg, data)


def test_sampling_a_recalibrated_ema_never_changes_the_run():
    """Samples drawn between steps (the app's grids and metrics) recalibrate the EMA on a z of its own:
    the weights after 6 steps are the same as a run's that never sampled, and its samples use the
    statistics of the EMA's current weights."""
    quiet, watched = _digits_run(512), _digits_run(512)
    for _ in range(6):
        quiet.step()
        watched.step()
        watched.generate(watched.fixed_z)
    for a, b in ((quiet.G, watched.G), (quiet.D, watched.D)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert torch.equal(quiet.generate(quiet.fixed_z), watched.generate(watched.fixed_z))
    # the truth, apart: a copy of the EMA with its statistics computed afresh on the same z
    own = make_ema(watched.ema)
    for m in own.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.running_mean.fill_(0.0)
    recalibrate(own, watched.calibration_z)
    with torch.no_grad():
        assert torch.allclose(own(watched.fixed_z), watched.generate(watched.fixed_z), atol=1e-6)


def test_without_calibration_the_ema_keeps_its_averaged_statistics():
    t = _digits_run(0)
    for _ in range(3):
        t.step()
    norm = next(m for m in t.ema.modules() if isinstance(m, nn.BatchNorm1d))
    averaged = norm.running_mean.clone()
    t.generate(t.fixed_z)
    assert t.calibration_z is None and torch.equal(norm.running_mean, averaged)
