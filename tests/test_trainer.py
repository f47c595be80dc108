"""Trainer: every preset trains, D learns with G frozen (and G with D frozen), and a resumed run is exact."""
import copy
import math

import pytest
import torch

from ganlib import PRESETS, Dataset, StepStats, Trainer, preset, save_checkpoint, trainer_from_checkpoint
from ganlib.run.checkpoint import load_checkpoint, make_payload
from ganlib.engine.data.digits import digits

# Narrower nets and batches than the presets' so that the whole file runs in seconds on 2 CPU
# cores; everything else (architecture, loss, dropout, label noise, EMA, augmentation, beta1)
# stays the preset's own.
SMALL = {
    "fast-digits": dict(batch_size=16, d_width=64),
    "seed-mlp": dict(batch_size=16),
    "keras-convgan": dict(batch_size=8, g_width=16, d_width=16),
    "dcgan-upsample": dict(batch_size=8, g_width=16, d_width=8),
    "tf-dcgan": dict(batch_size=8, g_width=8, d_width=8),
    "dcgan-cifar10": dict(batch_size=8, g_width=8, d_width=8),
    "dcgan-64": dict(batch_size=8, g_width=8, d_width=8, data_path="given"),  # the images are given below
}
TOY_BATCH = 64



def small(name: str, **changes):
    cfg = preset(name)
    base = SMALL.get(name, dict(batch_size=TOY_BATCH) if cfg.is_toy else dict(batch_size=16))
    return cfg.replace(**{**base, **changes}).validate()


@pytest.fixture(scope="module")
def images():
    """The first 256 offline digits, as a Dataset of their own."""
    d = digits()
    return Dataset("digits", d.shape, 256, images=d.images[:256].clone(), labels=d.labels[:256].clone())


def make(cfg, images):
    return Trainer(cfg, None if cfg.is_toy else images)


def params(m):
    return [p.detach().clone() for p in m.parameters()]


def same(a, b):
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def weights(t):
    return [v.clone() for v in list(t.G.state_dict().values()) + list(t.D.state_dict().values())]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_trains(name, images):
    cfg = small(name)
    t = make(cfg, images)
    g0, d0 = params(t.G), params(t.D)
    for i in range(3):
        s = t.step()
        assert isinstance(s, StepStats)
        assert all(math.isfinite(v) for v in s.as_dict().values()), s
        if cfg.loss in ("bce", "minimax"):
            assert 0 < s.d_real < 1 and 0 < s.d_fake < 1
    assert t.step_count == 3
    assert t.batches_seen == 3 * cfg.d_steps
    assert not same(params(t.G), g0) and not same(params(t.D), d0)
    x = t.generate(t.fixed_z[:5])
    assert x.shape == (5, *t.data.shape) and torch.isfinite(x).all()
    if t.data.kind == "image":
        assert x.min() >= -1 and x.max() <= 1


@pytest.mark.parametrize("loss", ["bce", "minimax", "lsgan", "wgan-gp", "hinge"])
def test_every_loss_trains(loss):
    t = Trainer(small("ring8", loss=loss, label_smoothing=0.1, d_steps=2))
    for _ in range(3):
        s = t.step()
        assert all(math.isfinite(v) for v in s.as_dict().values())
    assert t.batches_seen == 6


@pytest.mark.parametrize("name", ["ring8", "fast-digits"])
def test_r1_penalty_enters_d_loss(name, images, monkeypatch):
    """r1_weight > 0 adds gamma/2 x R1 on the real batch (through DiffAugment for fast-digits); 0 skips it."""
    from ganlib.engine import losses as L
    seen = []
    real_r1 = L.r1_penalty
    monkeypatch.setattr(L, "r1_penalty", lambda logit, real: seen.append(real.shape) or real_r1(logit, real))
    off = make(small(name, r1_weight=0.0), images)
    on = make(small(name, r1_weight=10.0), images)
    off.step()
    assert seen == []
    s = on.step()
    assert seen == [(on.cfg.batch_size, *on.data.shape)]
    assert all(math.isfinite(v) for v in s.as_dict().values())
    assert not same(params(on.D), params(off.D))  # same seed, same batches: only the penalty differs


def test_bf16_and_label_noise(images):
    t = Trainer(small("keras-convgan", precision="bf16"), images)
    for _ in range(2):
        s = t.step()
        assert all(math.isfinite(v) for v in s.as_dict().values())
    assert t.generate(t.fixed_z[:2]).dtype == torch.float32


@pytest.mark.parametrize("name", ["seed-mlp", "tf-dcgan", "ring8"])
def test_d_learns_with_g_frozen_and_g_with_d_frozen(name, images, monkeypatch):
    t = make(small(name, d_steps=2), images)
    t.step()  # so that G and D carry gradients from an earlier step
    g_before = params(t.G)
    g_grads_before = [p.grad.clone() for p in t.G.parameters()]
    seen = {"d": 0, "g": 0}
    d_step, g_step = t.opt_d.step, t.opt_g.step

    def checked_d_step(*a, **k):
        # during D's updates G's weights and gradients are untouched: D's loss does not reach G
        assert same(params(t.G), g_before)
        assert same([p.grad for p in t.G.parameters()], g_grads_before)
        assert all(p.grad is not None for p in t.D.parameters())
        out = d_step(*a, **k)
        seen["d"] += 1
        seen["d_after"] = params(t.D)
        seen["d_grads"] = [p.grad.clone() for p in t.D.parameters()]
        return out

    def checked_g_step(*a, **k):
        # G's backward pass leaves D's weights and gradients as D's last update left them
        assert same(params(t.D), seen["d_after"])
        assert same([p.grad for p in t.D.parameters()], seen["d_grads"])
        assert same(params(t.G), g_before)
        seen["g"] += 1
        return g_step(*a, **k)

    monkeypatch.setattr(t.opt_d, "step", checked_d_step)
    monkeypatch.setattr(t.opt_g, "step", checked_g_step)
    t.step()
    assert seen["d"] == 2 and seen["g"] == 1
    assert same(params(t.D), seen["d_after"])          # nothing after G's update touches D
    assert not same(params(t.G), g_before)             # and G did learn
    assert all(p.requires_grad for p in t.D.parameters())


def test_g_changes_only_through_its_optimizer(images, monkeypatch):
    t = make(small("fast-digits"), images)
    g0 = params(t.G)
    monkeypatch.setattr(t.opt_g, "step", lambda *a, **k: None)
    for _ in range(2):
        t.step()
    assert same(params(t.G), g0)


@pytest.mark.parametrize("d_steps", [1, 3])
def test_g_runs_once_per_batch_of_fakes(d_steps, images):
    """G's update reuses the fakes of D's last update instead of running G again."""
    t = make(small("fast-digits", d_steps=d_steps), images)
    calls = []
    t.G.register_forward_hook(lambda m, i, o: calls.append(torch.is_grad_enabled()))
    t.step()
    # one forward pass per D update; only the last keeps its graph, for G's update
    assert calls == [False] * (d_steps - 1) + [True]


def test_d_is_trainable_again_after_an_error_in_g_update(monkeypatch):
    t = Trainer(small("ring8"))

    def boom(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(t.opt_g, "step", boom)
    with pytest.raises(RuntimeError):
        t.step()
    assert all(p.requires_grad for p in t.D.parameters())


@pytest.mark.parametrize("name", ["seed-mlp", "dcgan-upsample", "fast-digits", "ring8"])
def test_exact_resume(name, images, tmp_path):
    """10 steps in one go == 5 steps, a checkpoint on disk, a fresh Trainer, 5 more steps.

    dcgan-upsample has dropout (drawn from the run's generator) and batch norm (buffers) in D;
    fast-digits has an EMA of G and DiffAugment; ring8 draws fresh points from its generator.
    """
    cfg = small(name)
    data = None if cfg.is_toy else images

    torch.manual_seed(1234)
    straight = Trainer(cfg, data)
    for _ in range(10):
        straight.step()

    torch.manual_seed(1234)
    first = Trainer(cfg, data)
    for _ in range(5):
        first.step()
    path = save_checkpoint(str(tmp_path / "half.pt"),
                           make_payload(cfg, first.data.shape, first.state_dict(), preset=name))
    del first
    torch.manual_seed(999)  # whatever the global RNG did in between must not matter
    torch.rand(100)
    resumed, payload = trainer_from_checkpoint(path, data)
    assert resumed.step_count == 5 and payload["preset"] == name
    for _ in range(5):
        resumed.step()

    assert resumed.step_count == straight.step_count == 10
    assert resumed.batches_seen == straight.batches_seen
    assert same(weights(resumed), weights(straight))
    if cfg.ema > 0:
        # through state_dict, which recalibrates the EMA's batch norm statistics where the preset asks for it
        assert same(list(resumed.state_dict()["ema"].values()), list(straight.state_dict()["ema"].values()))
    assert torch.equal(resumed.generate(resumed.fixed_z), straight.generate(straight.fixed_z))


def test_resume_from_payload_dict(images, tmp_path):
    cfg = small("seed-mlp")
    t = Trainer(cfg, images)
    t.step()
    path = save_checkpoint(str(tmp_path / "a.pt"), make_payload(cfg, t.data.shape, t.state_dict()))
    again, _ = trainer_from_checkpoint(load_checkpoint(path), images)
    assert same(weights(again), weights(t))


def test_same_seed_same_run_other_seed_other_run():
    runs = []
    for seed in (0, 0, 1):
        torch.manual_seed(0)
        t = Trainer(small("ring8", seed=seed))
        for _ in range(3):
            t.step()
        runs.append(weights(t))
    assert same(runs[0], runs[1])
    assert not same(runs[0], runs[2])


def test_construction_leaves_global_rng_alone():
    state = torch.get_rng_state()
    Trainer(small("ring8"))
    assert torch.equal(torch.get_rng_state(), state)


def test_apply_changes_lr_live():
    t = Trainer(small("ring8"))
    t.step()
    cfg = t.apply(lr_g=5e-4, lr_d=3e-4, d_steps=3)
    assert cfg is t.cfg and cfg.lr_g == 5e-4 and cfg.d_steps == 3
    assert all(g["lr"] == 5e-4 for g in t.opt_g.param_groups)
    assert all(g["lr"] == 3e-4 for g in t.opt_d.param_groups)
    seen = t.batches_seen
    t.step()
    assert t.batches_seen == seen + 3


def test_lr_decays_after_lr_decay_after_steps_halving_every_half_life():
    t = Trainer(small("ring8", lr_g=1e-3, lr_d=2e-3, lr_decay_after=4, lr_half_life=2))
    lrs = []
    for _ in range(8):
        t.step()  # a step sets the lr for its own update from the steps before it
        lrs.append((t.opt_g.param_groups[0]["lr"], t.opt_d.param_groups[0]["lr"]))
    assert [g for g, _ in lrs[:5]] == [1e-3] * 5
    assert lrs[6] == pytest.approx((0.5e-3, 1e-3))    # step 6: two steps (one half-life) after step 4
    assert lrs[7][0] < lrs[6][0]
    assert t.lr_scale() == pytest.approx(0.5 ** 2)


def test_a_live_lr_change_scales_the_decayed_lr_and_no_decay_keeps_it():
    t = Trainer(small("ring8", lr_g=1e-3, lr_d=1e-3, lr_decay_after=2, lr_half_life=2))
    for _ in range(4):
        t.step()
    t.apply(lr_g=2e-3)  # a teacher doubles lr_g mid-run: the curve doubles, the decay goes on
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(2e-3 * t.lr_scale())
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(1e-3 * t.lr_scale())
    flat = Trainer(small("ring8", lr_g=1e-3, lr_decay_after=0))
    for _ in range(5):
        flat.step()
    assert flat.lr_scale() == 1.0 and flat.opt_g.param_groups[0]["lr"] == 1e-3


def test_a_resumed_run_goes_on_with_its_decayed_lr():
    a = Trainer(small("ring8", lr_decay_after=2, lr_half_life=3))
    for _ in range(6):
        a.step()
    b = Trainer(small("ring8", lr_decay_after=2, lr_half_life=3))
    b.load_state_dict(a.state_dict())
    assert b.opt_g.param_groups[0]["lr"] == pytest.approx(a.cfg.lr_g * 0.5 ** (4 / 3))


def test_apply_rejects_bad_values_and_keeps_config():
    t = Trainer(small("ring8"))
    before = t.cfg
    with pytest.raises(ValueError, match="^lr_g:"):
        t.apply(lr_g=-1.0)
    assert t.cfg is before
    assert all(g["lr"] == before.lr_g for g in t.opt_g.param_groups)


def test_load_state_dict_keeps_the_configs_lr():
    """An optimizer's saved lr must not override the lr of the config it is loaded under."""
    a = Trainer(small("ring8"))
    a.step()
    state = a.state_dict()
    b = Trainer(small("ring8", lr_g=7e-4))
    b.load_state_dict(state)
    assert all(g["lr"] == 7e-4 for g in b.opt_g.param_groups)


def test_checkpoint_from_before_fused_adam_keeps_adam_fused():
    a = Trainer(small("ring8"))
    a.step()
    state = a.state_dict()
    for opt in ("opt_g", "opt_d"):  # as saved by a version that used Adam's default loop
        for group in state[opt]["param_groups"]:
            group["fused"] = None
    b = Trainer(small("ring8"))
    b.load_state_dict(state)
    assert all(g["fused"] for g in b.opt_g.param_groups + b.opt_d.param_groups)
    b.step()


def test_epoch_budget():
    # ring8 has 10,000 points per epoch: batch 4096 makes 2 batches an epoch
    t = Trainer(small("ring8", batch_size=4096, epochs=2))
    assert t.batches_per_epoch == 2
    assert t.steps_left() == 4 and not t.done
    for i in range(4):
        assert not t.done
        t.step()
    assert t.done and t.steps_left() == 0
    assert t.epoch == pytest.approx(2.0)
    t.apply(epochs=3)
    assert not t.done and t.steps_left() == 2
    t.apply(epochs=1)
    assert t.done


def test_epoch_budget_counts_d_batches():
    t = Trainer(small("ring8", batch_size=4096, epochs=2, d_steps=2))
    assert t.steps_left() == 2
    t.step()
    assert t.epoch == pytest.approx(1.0)
    t.step()
    assert t.done


def test_image_epoch_and_batches(images):
    t = Trainer(small("seed-mlp", batch_size=100), images)
    assert t.batches_per_epoch == 2  # 256 // 100; the tail of 56 is dropped each pass
    for _ in range(3):
        t.step()
    assert t.epoch == pytest.approx(1.5)


def test_generate_is_deterministic_and_restores_training_mode(images):
    t = Trainer(small("tf-dcgan"), images)
    t.step()
    assert t.G.training
    a, b = t.generate(t.fixed_z[:4]), t.generate(t.fixed_z[:4])
    assert torch.equal(a, b)
    assert t.G.training
    copy = t.generator_copy()
    assert not copy.training
    with torch.no_grad():
        assert torch.equal(copy(t.fixed_z[:4]), a)


def test_resume_on_another_kind_of_device_goes_on_with_a_stream_from_seed_and_step():
    """A GPU generator's state does not fit a CPU generator (nor back): a checkpoint from a GPU resumes on
    the CPU with a stream seeded from its seed and step, the same each time it is loaded."""
    a = Trainer(small("ring8"))
    for _ in range(3):
        a.step()
    state = a.state_dict()
    assert state["rng"]["device"] == "cpu"
    state["rng"] = {"gen": torch.zeros(16, dtype=torch.uint8), "device": "cuda"}  # as a CUDA generator saves it
    runs = []
    for _ in range(2):
        b = Trainer(small("ring8"))
        b.load_state_dict(copy.deepcopy(state))  # Adam shares the moments it loads
        b.step()
        runs.append(weights(b))
    assert b.step_count == 4 and same(runs[0], runs[1])


def test_compile_wraps_what_a_step_calls_and_leaves_g_and_d_plain(images, monkeypatch):
    """compile=True: the step calls torch.compile's wrappers of G and D, while the state_dict, the EMA and
    the sample copies keep using the plain modules. (The aot_eager backend here: Inductor's code generation
    takes minutes on these cores; the CUDA test runs it for real.)"""
    real_compile = torch.compile
    monkeypatch.setattr(torch, "compile", lambda net: real_compile(net, backend="aot_eager"))
    t = make(small("fast-digits", compile=True), images)
    plain = make(small("fast-digits"), images)
    assert t.g_train is not t.G and t.d_train is not t.D and t.g_train._orig_mod is t.G
    assert t.state_dict()["G"].keys() == plain.state_dict()["G"].keys()
    g0 = params(t.G)
    for _ in range(2):
        s = t.step()
        assert all(math.isfinite(v) for v in s.as_dict().values())
    assert not same(params(t.G), g0)
    assert t.generate(t.fixed_z[:2]).shape == (2, 1, 28, 28)


def test_compile_is_refused_with_a_double_backward():
    with pytest.raises(ValueError, match="^compile: must be false with loss wgan-gp"):
        small("ring8", loss="wgan-gp", compile=True)
    with pytest.raises(ValueError, match="^compile: must be false with r1_weight > 0"):
        small("fast-digits", r1_weight=1.0, compile=True)
