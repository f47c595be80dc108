"""Randomness per run: a Trainer draws everything from its own generator, so runs in parallel threads are exact.

Every test also keeps torch's global RNG busy or reseeded, which must change nothing.
"""
import copy
import threading

import pytest
import torch

from ganlib import Dataset, TrainConfig, Trainer
from ganlib.engine.data.digits import digits
from ganlib.engine.device import set_threads
from ganlib.engine.models import Dropout, build_models

# Small nets on 256 digits, with every source of randomness a step has: data order, z, D's dropout,
# DiffAugment, and label noise (bce) or the gradient penalty's mix (wgan-gp: no labels to make noisy)
CONFIGS = {
    "mlp-bce": TrainConfig(dataset="digits", model="mlp", latent_dim=16, g_width=32, d_width=32, batch_size=16,
                           d_dropout=0.3, label_noise=0.05, augment="translation", ema=0.9),
    "dcgan-wgan-gp": TrainConfig(dataset="digits", model="dcgan", latent_dim=16, g_width=4, d_width=4, batch_size=8,
                                 d_dropout=0.3, augment="translation", loss="wgan-gp", d_steps=2),
}
WARMUP, STEPS = 3, 4


@pytest.fixture(scope="module")
def images():
    d = digits()
    return Dataset("digits", d.shape, 256, images=d.images[:256].clone(), labels=d.labels[:256].clone())


def weights(t):
    nets = [t.G, t.D] + ([t.ema] if t.ema is not None else [])
    return [v.clone() for net in nets for v in net.state_dict().values()]


def same(a, b):
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def steps(t, n):
    for _ in range(n):
        t.step()
    return t


def in_threads(*fns):
    """Run fns at once, each in its own thread with the app's thread count (as the Runner's worker);
    meanwhile this thread keeps drawing from torch's global RNG. Returns their results in order."""
    results, errors, start, done = [None] * len(fns), [], threading.Barrier(len(fns)), threading.Event()

    def run(i, fn):
        try:
            set_threads()
            start.wait()
            results[i] = fn()
        except BaseException as e:  # re-raised below, in the test's thread
            errors.append(e)
            start.abort()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        torch.rand(64)
        torch.manual_seed(int(torch.randint(0, 2**31, ())))
        done.wait(0.001)
    if errors:
        raise errors[0]
    return results


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_step_neither_changes_nor_reads_the_global_rng(name, images):
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        t = steps(Trainer(CONFIGS[name], images), 3)
        assert torch.equal(torch.get_rng_state(), before)
        runs.append(weights(t))
    assert same(runs[0], runs[1])


@pytest.mark.parametrize("name", list(CONFIGS))
def test_d_dropout_draws_from_the_trainers_generator(name, images):
    t = Trainer(CONFIGS[name], images)
    drops = [m for m in t.D.modules() if isinstance(m, Dropout)]
    assert drops and all(m.generator is t.gen and m.p == 0.3 for m in drops)
    assert not any(isinstance(m, torch.nn.Dropout) for m in t.D.modules())


@pytest.mark.parametrize("name", list(CONFIGS))
def test_two_runs_resumed_together_in_threads_are_exact(name, images):
    cfg = CONFIGS[name]
    state = copy.deepcopy(steps(Trainer(cfg, images), WARMUP).state_dict())

    def resume():
        t = Trainer(cfg, images)
        t.load_state_dict(copy.deepcopy(state))
        return weights(steps(t, STEPS))

    (solo,) = in_threads(resume)   # alone, with the same torch thread count as the pair (a run's worker's)
    a, b = in_threads(resume, resume)
    assert same(a, solo) and same(b, solo)


def test_two_runs_built_together_in_threads_start_from_the_same_weights(images):
    cfg = CONFIGS["dcgan-wgan-gp"]
    solo = weights(Trainer(cfg, images))
    a, b = in_threads(lambda: weights(Trainer(cfg, images)), lambda: weights(Trainer(cfg, images)))
    assert same(a, solo) and same(b, solo)
    assert not same(weights(Trainer(cfg.replace(seed=cfg.seed + 1), images)), solo)


def test_models_are_built_without_the_global_rng():
    cfg = CONFIGS["mlp-bce"]
    before = torch.get_rng_state()
    G, D = build_models(cfg, (1, 28, 28))
    assert torch.equal(torch.get_rng_state(), before)
    torch.rand(100)
    G2, D2 = build_models(cfg, (1, 28, 28))
    assert same(list(G.state_dict().values()), list(G2.state_dict().values()))
    assert same(list(D.state_dict().values()), list(D2.state_dict().values()))


def test_initial_weights_follow_pytorchs_default_distribution():
    """Linear and conv weights and biases in U(+-1/sqrt(fan_in)) (kaiming_uniform, a = sqrt(5)); batch norm 1 and 0."""
    G, D = build_models(TrainConfig(model="dcgan", latent_dim=16, g_width=8, d_width=8), (1, 28, 28))
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, (torch.nn.Linear, torch.nn.modules.conv._ConvNd)):
            fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(m.weight)
            for p in [m.weight] + ([m.bias] if m.bias is not None else []):
                assert p.abs().max() <= fan_in ** -0.5
                assert p.numel() < 50 or p.std() > 0.5 * fan_in ** -0.5  # U(-b, b) has std b / sqrt(3)
        elif isinstance(m, torch.nn.modules.batchnorm._NormBase):
            assert (m.weight == 1).all() and (m.bias == 0).all()
            assert (m.running_mean == 0).all() and (m.running_var == 1).all() and m.num_batches_tracked == 0


def test_old_checkpoints_with_a_global_rng_state_still_load(images):
    """States saved before this change carry rng["torch"]: it is ignored, and never written to torch."""
    a = steps(Trainer(CONFIGS["mlp-bce"], images), 2)
    state = copy.deepcopy(a.state_dict())
    state["rng"]["torch"] = torch.Generator().manual_seed(123).get_state()
    before = torch.get_rng_state()
    b = Trainer(CONFIGS["mlp-bce"], images)
    b.load_state_dict(state)
    assert torch.equal(torch.get_rng_state(), before)
    assert same(weights(steps(a, 2)), weights(steps(b, 2)))


def test_dropout_matches_nn_dropouts_arithmetic():
    x = torch.ones(20000)
    drop = Dropout(0.3, torch.Generator().manual_seed(0))
    y = drop(x)
    kept = y != 0
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.02
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.7))
    assert torch.equal(Dropout(0.3, torch.Generator().manual_seed(0))(x), y)  # one generator state, one mask
    assert torch.equal(Dropout(1.0)(x), torch.zeros_like(x))
    assert torch.equal(drop.eval()(x), x)
    assert "Dropout(p=0.3)" in repr(drop)
