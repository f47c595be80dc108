"""Ensemble: many toy GANs trained together, one batched step for all runs of the same shape (issue 20).

A class of 30 students each trains a small toy GAN on a 2-core server. Alone, each Trainer.step of a tiny net is
mostly Python and dispatch (~1.9 ms for class-ring8, at batch 64 as at 128), so 30 of them one after another get
19.0 steps/s each; stacked, the same work is a handful of batched matmuls and elementwise passes over (30, batch,
width) tensors: 132.1 steps/s each, 6.9x (bench/class_step.py, 1 thread, a quiet machine; 101.2 against 12.4, 8.2x, when
the same machine ran slower: the plain step's Python gains more from a fast core than the batched step's memory
traffic does). Its gradients are taken by hand (stacked.backward) and its losses average each run's row.

Each run keeps its own Trainer as the owner of its state: its weights and Adam state become views into its
group's stacked tensors (engine/stacked.py), so `trainer(key)` is up to date without a copy and its
state_dict, samples and checkpoint stay right. A batched step draws every random number of each run from
that run's own generator, in the order Trainer.step draws it (its data, z, D's dropout masks, label noise,
the gradient penalty's mix), and reproduces its arithmetic per run (losses.OBJECTIVES on each run's row of logits,
Adam's fused step, the EMA of G, the lr schedule), so a run in an Ensemble gives the numbers it gives alone,
to float rounding (tests/test_ensemble.py).

Runs whose nets or steps differ in shape (widths, latent_dim, batch_size, loss, d_steps, the data's
dimension, D's dropout, an EMA, R1) train in separate groups; lrs, betas, label smoothing and noise, penalty
weights and the schedule are each run's own within a group. A group takes every run of its shape: split into
fixed groups, 30 class-ring8 runs were slower (steps/s each, 1 thread, one process: one group of 30 70.6; groups
of 15 58.3, of 10 57.6, of 5 38.2), so a group's (N, batch, width) tensors are not too big for the cache to pay.

Not through an Ensemble: Trainer.step_d, step_g and train_d (the Theory lab's half-steps): take the run out
first (remove), or they act on its stacked numbers alone, in place. A change by the run's own Trainer.apply is
seen at its next step, as one through Ensemble.apply. A Trainer.load_state_dict while in the
Ensemble is seen at its next step (its optimizer no longer holds the stack's views) and its group restacked.
"""
from __future__ import annotations

from typing import Iterable

import torch

from ganlib.engine import losses as L
from ganlib.engine.config import TrainConfig
from ganlib.engine.kinds import LOSSES
from ganlib.engine.models.dropout import Dropout, keep_mask
from ganlib.engine.stacked import AdamStack, Stack, adam, backward, forward, own_state
from ganlib.engine.stats import StepStats
from ganlib.engine.trainer import Trainer


class Ensemble:
    """Toy GANs trained together: one batched step for all runs of the same shape."""

    def __init__(self):
        self.groups: dict[tuple, Group] = {}
        self.where: dict[str, tuple] = {}   # run key -> its group's key
        self.cfgs: dict[str, TrainConfig] = {}   # run key -> its config when its group was last chosen

    @staticmethod
    def refuses(cfg: TrainConfig) -> str | None:
        """None when a run of cfg can train in an Ensemble; else why not, a sentence that begins with the field."""
        if cfg.model != "toy-mlp":
            return f"model: a class ensemble trains toy-mlp nets on toy data only, not {cfg.model!r}"
        for name, plain in (("compile", False), ("spectral_norm", False), ("augment", "none"), ("precision", "fp32")):
            if getattr(cfg, name) != plain:
                return f"{name}: must be {str(plain).lower()} in a class ensemble, got {getattr(cfg, name)!r}"
        return None

    def add(self, key: str, trainer: Trainer) -> None:
        """From now on trainer's weights and Adam state train in the stack of its group."""
        if key in self.where:
            raise KeyError(f"run {key!r} is already in the ensemble")
        why = self.refuses(trainer.cfg) or ("world_size: a run of a torchrun team trains alone"
                                            if trainer.world_size > 1 else None)
        if why:
            raise ValueError(why)
        shape = group_key(trainer)
        self.groups.setdefault(shape, Group()).join(key, trainer)
        self.where[key], self.cfgs[key] = shape, trainer.cfg

    def remove(self, key: str) -> Trainer:
        """The run leaves its group; its Trainer holds its current state and trains alone as before."""
        shape = self.where.pop(key)
        del self.cfgs[key]
        trainer = self.groups[shape].leave(key)
        if not self.groups[shape].runs:
            del self.groups[shape]
        return trainer

    def step(self, keys: Iterable[str]) -> dict[str, StepStats]:
        """One Trainer.step of each named run, a batched one for each group; their StepStats by key."""
        by_group: dict[tuple, list[str]] = {}
        for key in dict.fromkeys(keys):   # a run named twice steps once
            if self.trainer(key).cfg is not self.cfgs[key]:   # changed by its own Trainer.apply, or a load
                self._regroup(key)
            by_group.setdefault(self.where[key], []).append(key)
        stats = {}
        for shape, members in by_group.items():
            stats.update(self.groups[shape].step(members))
        return stats

    def trainer(self, key: str) -> Trainer:
        """The run's Trainer, up to date (its tensors are views into the stack)."""
        return self.groups[self.where[key]].runs[key]

    def apply(self, key: str, **changes) -> TrainConfig:
        """Trainer.apply's live changes; one that changes the run's shape (d_steps, batch_size, loss...) moves it to
        the group of its new shape. ValueError, and nothing changed, when the new config cannot train here."""
        trainer = self.trainer(key)
        why = self.refuses(trainer.cfg.replace(**changes).validate())
        if why:
            raise ValueError(why)
        cfg = trainer.apply(**changes)
        self._regroup(key)
        return cfg

    def _regroup(self, key: str) -> None:
        """The run into the group of its config's shape now."""
        trainer = self.trainer(key)
        self.cfgs[key] = trainer.cfg
        if group_key(trainer) != self.where[key]:
            self.add(key, self.remove(key))

    def __len__(self) -> int:
        return len(self.where)

    def __contains__(self, key) -> bool:
        return key in self.where


def group_key(t: Trainer) -> tuple:
    """What must be equal for runs to step as one: their tensors' shapes and the arithmetic of their step."""
    cfg = t.cfg
    return (str(t.device), tuple(t.data.shape), cfg.latent_dim, cfg.g_width, cfg.d_width, cfg.batch_size, cfg.loss,
            cfg.d_steps, dropout_p(t.D), t.ema is not None, cfg.r1_weight > 0)


def dropout_p(D) -> float:
    """The p of D's Dropout layers, as built (a live change of d_dropout changes no layer of a built D)."""
    return next((m.p for m in D.modules() if isinstance(m, Dropout)), 0.0)


class Group:
    """Runs of one shape: their G, D, EMA of G and Adam states stacked, stepped as one."""

    def __init__(self):
        self.runs: dict[str, Trainer] = {}
        self.hooks: dict[str, list] = {}   # run key -> the handles of its own_state hooks

    def join(self, key: str, t: Trainer) -> None:
        self.runs[key] = t
        self.hooks[key] = own_state(t.G, t.opt_g) + own_state(t.D, t.opt_d) + (own_state(t.ema) if t.ema else [])
        self.dirty = True

    def leave(self, key: str) -> Trainer:
        t = self.runs.pop(key)
        for hook in self.hooks.pop(key):
            hook.remove()
        for net in (t.G, t.D, t.ema):
            if net is not None:
                Stack.release(net)
        AdamStack.release(t.opt_g)
        AdamStack.release(t.opt_d)
        self.dirty = True
        return t

    def restack(self) -> None:
        """Stack the members' current numbers anew (their views into the old stacks are copied, then re-pointed).
        Done at the next step after runs join or leave, not at each: a class that pauses 60 runs one by one
        restacks once, not 60 times (the members' views into the old stack stay valid meanwhile)."""
        ts, self.dirty = list(self.runs.values()), False
        if not ts:
            return
        self.G, self.D = Stack([t.G for t in ts]), Stack([t.D for t in ts])
        self.ema = Stack([t.ema for t in ts]) if ts[0].ema is not None else None
        self.opt_g, self.opt_d = AdamStack([t.opt_g for t in ts], self.G), AdamStack([t.opt_d for t in ts], self.D)
        self.row = {key: i for i, key in enumerate(self.runs)}
        self.widths, self.p = [w for kind, w in self.D.plan if kind == "dropout"], dropout_p(ts[0].D)

    def step(self, keys: list[str]) -> dict[str, StepStats]:
        if len(keys) == 1:
            # one run: its own Trainer.step, in place on its views into the stack. The batched step's fixed cost is
            # more than a plain step's whole (class-ring8 on a quiet core: 413 against 520 steps/s, bench/class_step.py)
            return {keys[0]: self.runs[keys[0]].step()}
        if self.dirty or self.opt_g.stale() or self.opt_d.stale():
            self.restack()
        keys = sorted(keys, key=self.row.__getitem__)   # in the stack's order, whatever order they were named in
        rows = [self.row[key] for key in keys]
        ts = [self.runs[key] for key in keys]
        for t in ts:   # what Trainer.step does before its D updates
            if t.step_count == 0 and t.cfg.d_head_start:
                t.head_start()
            if t.cfg.lr_decay_after:
                t._set_lr()
        # every run in the group: the stacks themselves; some: their rows, copied out and back
        every = len(rows) == len(self.runs)
        index = torch.tensor(rows, device=self.G.flat.device)
        take = (lambda x: x) if every else (lambda x: x[index])  # noqa: E731
        parts = [(take(s.flat), take(o.exp_avg), take(o.exp_avg_sq), take(o.steps))
                 for s, o in ((self.G, self.opt_g), (self.D, self.opt_d))]
        ema = take(self.ema.flat) if self.ema is not None else None
        stats = self._game(ts, rows, parts, ema)
        if not every:
            for (s, o), (flat, m, v, steps) in zip(((self.G, self.opt_g), (self.D, self.opt_d)), parts):
                s.flat[index], o.exp_avg[index], o.exp_avg_sq[index], o.steps[index] = flat, m, v, steps
            if ema is not None:
                self.ema.flat[index] = ema
        for t in ts:   # Trainer.step's bookkeeping
            t.batches_seen += t.cfg.d_steps
            t.step_count += 1
            t.ema_updates += t.ema is not None
        return {key: StepStats.pending(row) for key, row in zip(keys, stats.unbind(0))}

    def _game(self, ts: list[Trainer], rows: list[int], parts, ema) -> torch.Tensor:
        """Trainer.step for the runs ts at once: d_steps updates of D, then one of G reusing the last fakes, then
        the EMA; returns their stats (len(ts), 5). Everything random is drawn first, run by run."""
        cfg, dev = ts[0].cfg, ts[0].device
        n, loss, d_steps = cfg.batch_size, cfg.loss, cfg.d_steps
        objective, facts = L.OBJECTIVES[loss], LOSSES[loss]
        draws = [draw(t, self.widths, self.p) for t in ts]
        n_masks = len(draws[0]["g"])   # D's dropout masks in one pass: none where its p is 0
        stack = lambda k, name: torch.stack([d[k][name] for d in draws])  # noqa: E731 - (runs, ...) of one draw
        weights = torch.tensor([[t.cfg.gp_weight, t.cfg.r1_weight] for t in ts], device=dev)
        (g_flat, g_m, g_v, g_steps), (d_flat, d_m, d_v, d_count) = parts
        r1 = cfg.r1_weight > 0
        # gradients by hand (stacked.backward) unless a penalty needs autograd's gradient of a gradient
        by_hand = not (facts.penalty or r1)
        g_ps, d_ps = self.G.leaves(g_flat, grad=not by_hand), self.D.leaves(d_flat, grad=not by_hand)
        for k in range(d_steps):
            last = k == d_steps - 1
            real = stack(k, "real").requires_grad_(r1)
            g_tape = [] if by_hand and last else None
            # the last fakes keep their graph (or tape) for G's update
            with torch.set_grad_enabled(last and not by_hand):
                fake = forward(self.G.plan, g_ps, stack(k, "z"), tape=g_tape)
            masks = [stack(k, f"mask{j}") for j in range(n_masks)]
            d_tape = [] if by_hand else None
            logits = forward(self.D.plan, d_ps, torch.cat([real, fake.detach()], 1), masks, d_tape).squeeze(-1)
            logits = logits.requires_grad_() if by_hand else logits
            real_logit, fake_logit = logits.split(n, 1)
            labels = (stack(k, "real_label"), stack(k, "fake_label")) if facts.probability else ()
            loss_d = objective.d(real_logit, fake_logit, *labels)   # (runs,): losses.py averages over the batch only
            if facts.penalty:
                loss_d = loss_d + weights[:, 0] * self._penalty(d_ps, real, fake.detach(), stack(k, "mix"),
                                                                [stack(k, f"gp{j}") for j in range(n_masks)])
            if r1:
                grad, = torch.autograd.grad(real_logit.sum(), real, create_graph=True)
                loss_d = loss_d + weights[:, 1] / 2 * grad.pow(2).sum(-1).mean(1)
            grad_d = (Stack.flat(backward(d_ps, d_tape, of(loss_d, logits))[0]) if by_hand
                      else Stack.flat_grad(loss_d.sum(), d_ps))
            adam(d_flat, grad_d, d_m, d_v, d_count, self.opt_d.hyper(rows))
        masks = [torch.stack([d["g"][j] for d in draws]) for j in range(n_masks)]
        d_tape, d_now = ([] if by_hand else None), self.D.leaves(d_flat, grad=False)   # D frozen
        fake_logit_g = forward(self.D.plan, d_now, fake, masks, d_tape).squeeze(-1)
        fake_logit_g = fake_logit_g.requires_grad_() if by_hand else fake_logit_g
        loss_g = objective.g(fake_logit_g)
        if by_hand:
            _, grad_fake = backward(d_now, d_tape, of(loss_g, fake_logit_g), weights=False, inputs=True)
            grad_g = Stack.flat(backward(g_ps, g_tape, grad_fake)[0])
        else:
            grad_g = Stack.flat_grad(loss_g.sum(), g_ps)
        adam(g_flat, grad_g, g_m, g_v, g_steps, self.opt_g.hyper(rows))
        if ema is not None:   # update_ema with its warm-up, at each run's own step
            decay = [min(t.cfg.ema, (1 + t.step_count) / (10 + t.step_count)) for t in ts]
            ema.lerp_(g_flat, 1.0 - torch.tensor(decay, device=dev).unsqueeze(1))
        with torch.no_grad():
            return torch.stack([loss_d, loss_g, L.d_output(loss, real_logit).mean(1),
                                L.d_output(loss, fake_logit).mean(1), L.value(real_logit, fake_logit)], 1)

    def _penalty(self, d_ps, real, fake, mix, masks) -> torch.Tensor:
        """losses.gradient_penalty of each run, with its own mix (drawn in draw) and dropout masks: (runs,)."""
        # detached from real: with R1 too, Trainer's mid hangs on real, which changes no gradient of D's weights
        mid = (mix * real.detach() + (1 - mix) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(forward(self.D.plan, d_ps, mid, masks).sum(), mid, create_graph=True)
        return ((grad.norm(dim=-1) - 1) ** 2).mean(1)


def of(loss: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """The gradient of the runs' losses (N,) for their logits (N, B), as (N, B, 1): where backward() starts."""
    return torch.autograd.grad(loss.sum(), logits)[0].unsqueeze(-1)


def draw(t: Trainer, widths: list[int], p: float) -> dict:
    """Everything random in one Trainer.step of t, from t.gen in the order the step draws it: for each D update
    (by index) its real batch, z, D's dropout masks on real and fake together, the labels (probability losses),
    the gradient penalty's mix and D's masks on it; then (under "g") D's masks in G's update. widths: D's at its
    Dropout layers; p: their probability."""
    cfg, gen, dev, n = t.cfg, t.gen, t.device, t.cfg.batch_size
    # Dropout draws a mask only where p > 0 (its forward returns x unchanged otherwise)
    masks = lambda rows: [keep_mask(torch.empty((), device=dev).expand(rows, w), p, gen)  # noqa: E731
                          for w in widths] if p > 0 else []
    out = {}
    for k in range(cfg.d_steps):
        d = out[k] = {"real": t.batches.next(n).to(dev), "z": t._z(n)}
        d.update({f"mask{j}": m for j, m in enumerate(masks(2 * n))})
        if LOSSES[cfg.loss].probability:
            real, fake = t._labels(n)
            d["real_label"], d["fake_label"] = (torch.as_tensor(v, device=dev).expand(n)
                                                for v in (real, fake))
        if LOSSES[cfg.loss].penalty:
            d["mix"] = torch.rand(n, 1, generator=gen, device=gen.device).to(dev)
            d.update({f"gp{j}": m for j, m in enumerate(masks(n))})
    out["g"] = masks(n)
    return out
