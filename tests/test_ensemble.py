"""Ensemble (engine/ensemble.py): a run stepped in a batch gives the numbers it gives alone, step for step, whoever
joins, leaves, changes its lr or breaks beside it; what cannot train in one is refused by field."""
import copy
import io
import math

import pytest
import torch

from ganlib import Trainer, preset
from ganlib.engine import stacked
from ganlib.engine.ensemble import Ensemble

STEPS = 50


def small(seed=0, **changes):
    """class-ring8's shape at a test's size: ring8, G and D 16 wide, batch 32."""
    return preset("class-ring8").replace(**{"seed": seed, "g_width": 16, "d_width": 16, "batch_size": 32, **changes})


def tensors(t: Trainer) -> list[torch.Tensor]:
    """Everything a step changes in t: weights, the EMA of G, Adam's moments and counts."""
    out = list(t.G.parameters()) + list(t.D.parameters())
    out += list(t.ema.parameters()) if t.ema is not None else []
    for opt in (t.opt_g, t.opt_d):
        for state in opt.state.values():
            out += [state["exp_avg"], state["exp_avg_sq"], state["step"].reshape(1)]
    return out


def same(a: Trainer, b: Trainer) -> None:
    assert (a.step_count, a.batches_seen) == (b.step_count, b.batches_seen)
    assert torch.equal(a.gen.get_state(), b.gen.get_state())   # the same draws, in the same order
    for x, y in zip(tensors(a), tensors(b), strict=True):
        torch.testing.assert_close(x, y, rtol=1e-4, atol=1e-5)


def close(stats, ref) -> None:
    assert stats.values() == pytest.approx(ref.values(), rel=1e-4, abs=1e-5)


def saved_size(state) -> int:
    """Bytes torch.save writes for state: a view saves its whole storage."""
    out = io.BytesIO()
    torch.save(state, out)
    return len(out.getvalue())


def pair(cfg):
    """(the run for the ensemble, its reference that steps alone)."""
    return Trainer(cfg), Trainer(cfg)


def test_batched_equals_alone_step_for_step():
    # 10 runs in 2 groups: mixed seeds and lrs, and 4 of them with batch 48 and 2 D updates a step
    cfgs = [small(seed=s, lr_g=1e-3 * (1 + s % 3), lr_d=2e-3 / (1 + s % 2)) for s in range(6)]
    cfgs += [small(seed=10 + s, batch_size=48, d_steps=2, lr_g=5e-4 * (s + 1)) for s in range(4)]
    ens, refs = Ensemble(), {}
    for i, cfg in enumerate(cfgs):
        run, refs[f"r{i}"] = pair(cfg)
        ens.add(f"r{i}", run)
    assert len(ens) == 10 and "r3" in ens and "nobody" not in ens and len(ens.groups) == 2
    for _ in range(STEPS):
        stats = ens.step(list(refs))
        for key, ref in refs.items():
            close(stats[key], ref.step())
    for key, ref in refs.items():
        same(ens.trainer(key), ref)
        assert ens.trainer(key).ema_updates == ref.ema_updates == STEPS


@pytest.mark.parametrize("changes", [
    dict(loss="bce", label_smoothing=0.1, label_noise=0.05),
    dict(loss="minimax", d_dropout=0.2),
    dict(loss="hinge", r1_weight=0.5, d_steps=3),
    dict(loss="wgan-gp", d_dropout=0.3, r1_weight=1.0, ema=0.0),
    dict(loss="lsgan", lr_decay_after=5, lr_half_life=4, lr_floor=0.3, d_head_start=3),
    dict(dataset="gauss-1d", latent_dim=1, loss="bce", r1_weight=0.1),
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_every_loss_and_option_equals_alone(changes):
    runs, refs = zip(*(pair(small(seed=s, lr_g=1e-3 * (s + 1), **changes)) for s in range(3)))
    # Adam's eps raised from 1e-8 on both sides, because hinge and WGAN make rounding chaotic: at the start (all of
    # D's outputs within hinge's margins) the gradient of D's last bias is -1 + 1, zero but for rounding, and Adam
    # divides it by its own size, a step of +-lr from noise; a batched sum rounds differently from Trainer's, and
    # the two runs parted at step 2 (hinge, relative 3e-3). With eps 1e-4 they agree within 1e-5 after 15 steps.
    for t in runs + refs:
        for opt in (t.opt_g, t.opt_d):
            opt.param_groups[0]["eps"] = 1e-4
    ens = Ensemble()
    for i, run in enumerate(runs):
        ens.add(i, run)
    for _ in range(15):
        stats = ens.step(range(3))
        for i, ref in enumerate(refs):
            close(stats[i], ref.step())
    for run, ref in zip(runs, refs):
        same(run, ref)


def test_an_lr_change_or_a_leaving_run_leaves_the_others_as_they_were():
    ens, refs = Ensemble(), {}
    for s in range(4):
        run, refs[s] = pair(small(seed=s))
        ens.add(s, run)
    for step in range(30):
        if step == 10:
            ens.apply(0, lr_g=5e-3, lr_d=1e-4)
            refs[0].apply(lr_g=5e-3, lr_d=1e-4)
            alone = ens.remove(1)   # from now on it trains alone, from where the stack left it
            assert 1 not in ens and len(ens) == 3
        stats = ens.step([k for k in refs if k in ens])
        for key, ref in refs.items():
            if key in ens:
                close(stats[key], ref.step())
            else:
                close(alone.step(), ref.step())
    for key in (0, 2, 3):
        same(ens.trainer(key), refs[key])
    same(alone, refs[1])
    assert alone.G.net[0].weight.untyped_storage().nbytes() == alone.G.net[0].weight.numel() * 4  # its own now


def test_runs_that_join_and_leave_midway_stay_equal_to_their_references():
    ens, refs, runs = Ensemble(), {}, {}
    for s in range(5):
        runs[s], refs[s] = pair(small(seed=s, lr_d=1e-3 * (s + 1)))
    for s in (0, 1, 2):
        ens.add(s, runs[s])
    for step in range(36):
        if step == 8:
            for _ in range(8):   # run 3 trained alone so far; it joins with its Adam state and step count
                refs[3].step()
                runs[3].step()
            ens.add(3, runs[3])
            ens.add(4, runs[4])  # a fresh run joins runs 8 steps old
        if step == 20:
            ens.remove(0)
        stats = ens.step(list(ens.where))
        for key, ref in refs.items():
            if key in stats:
                close(stats[key], ref.step())
            elif step >= 20:
                close(runs[key].step(), ref.step())
    for s in range(5):
        same(runs[s], refs[s])


def test_a_structural_change_moves_the_run_to_a_group_of_its_shape():
    ens, refs = Ensemble(), {}
    for s in range(3):
        run, refs[s] = pair(small(seed=s))
        ens.add(s, run)
    for step in range(20):
        if step == 5:
            ens.apply(2, d_steps=2)
            refs[2].apply(d_steps=2)
            assert len(ens.groups) == 2
        if step == 10:   # the Trainer's own apply is seen too
            ens.trainer(1).apply(batch_size=48, lr_g=2e-3)
            refs[1].apply(batch_size=48, lr_g=2e-3)
        stats = ens.step(refs)
        for key, ref in refs.items():
            close(stats[key], ref.step())
    assert len(ens.groups) == 3
    for key, ref in refs.items():
        same(ens.trainer(key), ref)


@pytest.mark.parametrize("changes,field", [
    (dict(dataset="digits", model="mlp"), "model"), (dict(compile=True), "compile"),
    (dict(spectral_norm=True), "spectral_norm"), (dict(augment="translation"), "augment"),
    (dict(precision="bf16"), "precision"),
])
def test_refuses_names_the_field(changes, field):
    cfg = small(**changes)
    why = Ensemble.refuses(cfg)
    assert why.startswith(f"{field}: ")
    assert Ensemble.refuses(small()) is None
    ens = Ensemble()
    if cfg.model == "toy-mlp" and not cfg.compile:   # a Trainer of the others is cheap to build
        with pytest.raises(ValueError, match=f"^{field}: "):
            ens.add("x", Trainer(cfg))
        assert len(ens) == 0
    ens.add("y", Trainer(small()))
    with pytest.raises(ValueError, match=f"^{field}: "):
        ens.apply("y", **changes)
    assert ens.trainer("y").cfg == small()   # nothing changed


def test_a_nan_in_one_run_touches_no_other():
    ens, refs = Ensemble(), {}
    for s in range(4):
        run, refs[s] = pair(small(seed=s))
        ens.add(s, run)
    for step in range(12):
        if step == 4:
            with torch.no_grad():
                ens.trainer(1).D.net[0].weight[0, 0] = float("nan")  # a view into the stack
        stats = ens.step(refs)
        for key, ref in refs.items():
            if key == 1 and step >= 4:
                assert math.isnan(stats[key].d_loss)
                continue
            close(stats[key], ref.step())
            assert all(math.isfinite(v) for v in stats[key].values())
    for key in (0, 2, 3):
        same(ens.trainer(key), refs[key])


def test_a_subset_steps_and_the_rest_wait():
    ens, refs = Ensemble(), {}
    for s in range(4):
        run, refs[s] = pair(small(seed=s))
        ens.add(s, run)
    for step in range(10):
        keys = [2, 0] if step % 2 else [3, 1, 0, 2]   # in any order
        stats = ens.step(keys + [keys[0]])   # a run named twice steps once
        for key in keys:
            close(stats[key], refs[key].step())
    for key, ref in refs.items():
        same(ens.trainer(key), ref)


def test_a_trainers_state_dict_round_trips_and_a_load_while_stacked_is_seen():
    ens, refs = Ensemble(), {}
    for s in range(3):
        run, refs[s] = pair(small(seed=s))
        ens.add(s, run)
    for _ in range(6):
        ens.step(refs)
        for ref in refs.values():
            ref.step()
    state = copy.deepcopy(ens.trainer(1).state_dict())   # as record.py keeps one
    saved = copy.deepcopy(refs[1].state_dict())
    assert saved_size(state) == saved_size(saved)   # its own numbers only, none of the other runs'
    assert saved_size(ens.trainer(1).G.state_dict()) == saved_size(refs[1].G.state_dict())
    fresh = Trainer(small(seed=1))
    fresh.load_state_dict(state)   # what a checkpoint of a stacked run gives
    same(fresh, refs[1])
    for _ in range(4):
        ens.step(refs)
    ens.trainer(1).load_state_dict(state)   # a rollback (lastgood.py) while in the ensemble
    refs[1].load_state_dict(saved)
    for _ in range(4):
        ens.step([1])
        refs[1].step()
    same(ens.trainer(1), refs[1])


@pytest.mark.parametrize("act", [torch.nn.ReLU(), torch.nn.LeakyReLU(0.2), torch.nn.Tanh()],
                         ids=lambda a: type(a).__name__)
def test_the_gradient_by_hand_is_autograds_to_the_last_bit(act):
    """stacked.backward (the weights' products thin side first, the activations' in place) against autograd through
    the same stacked forward: the same bits, for the weights and the input (G's update goes through D's input)."""
    torch.manual_seed(0)
    nets = [torch.nn.Sequential(torch.nn.Linear(2, 64), act, torch.nn.Linear(64, 32), act, torch.nn.Linear(32, 3))
            for _ in range(5)]
    stack = stacked.Stack(nets)
    leaves = stack.leaves(stack.flat)
    x = torch.randn(5, 16, 2, requires_grad=True)
    tape = []
    out = stacked.forward(stack.plan, [p.detach() for p in leaves], x.detach(), tape=tape)
    grad = torch.randn_like(out)
    by_hand, grad_x = stacked.backward([p.detach() for p in leaves], tape, grad.clone(), inputs=True)
    expected = torch.autograd.grad((stacked.forward(stack.plan, leaves, x) * grad).sum(), [*leaves, x])
    assert all(torch.equal(a, b) for a, b in zip([*by_hand, grad_x], expected))
