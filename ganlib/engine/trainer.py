"""Trainer: one GAN, its optimizers and its data; step() is one round of the game.

A step is d_steps updates of D (the detective) with G frozen, then one update
of G (the forger) with D frozen. Nothing else happens here: no threads, no
callbacks. The Runner (runner.py) drives a Trainer from a background thread;
distributed.py runs one per process under torchrun.

On a GPU nothing in a step makes the host wait for the GPU: the data, z and
every other random draw are made on the device, and the step's numbers come
back as a StepStats that stays on the device until someone reads it.
"""
from __future__ import annotations

import contextlib
import copy
import math
from typing import Callable

import torch
from torch.nn.modules.batchnorm import _BatchNorm

from ganlib.engine import losses as L
from ganlib.engine.augment import augment
from ganlib.engine.config import TrainConfig
from ganlib.engine.d_alone import DAlone
from ganlib.engine.data import Batches, Dataset, load_dataset
from ganlib.engine.device import pick_device
from ganlib.engine.ema import make_ema, recalibrate, update_ema
from ganlib.engine.kinds import LOSSES
from ganlib.engine.models import build_models
from ganlib.engine.stats import StepStats

GRID = 64  # samples in the fixed-z grid (8 x 8)


class Trainer(DAlone):
    # one process of a torchrun team: DistributedTrainer (distributed.py) sets these
    rank, world_size = 0, 1

    def __init__(self, cfg: TrainConfig, data: Dataset | None = None, data_paths: Callable[[str], str] | None = None):
        """data: the data to train on; by default load_dataset(cfg, data_paths) loads it (see there)."""
        self.cfg = cfg.validate()
        self.device = pick_device(cfg.device)
        self.data = data if data is not None else load_dataset(cfg, data_paths)
        # everything random in a run comes from this one generator (data order, z, label noise, augmentation,
        # D's dropout, the gradient penalty's mix), so runs in parallel threads neither share nor race on torch's
        # global RNG, and a state_dict holds the whole random state; the initial weights come from cfg.seed.
        # It lives on the run's device, so that on a GPU every draw is made there: a draw on the host would be
        # copied over each step, and D's dropout masks alone are megabytes a step for the conv Ds
        self.gen = torch.Generator(device=self.device).manual_seed(cfg.seed)
        G, D = build_models(cfg, self.data.shape, self.gen)
        self.G, self.D = G.to(self.device), D.to(self.device)
        # D judges real and fake in one batch when no batch norm in it would mix their statistics: one pass
        # of D instead of two (and one power iteration of its spectral norm)
        self.one_pass = not any(isinstance(m, _BatchNorm) for m in self.D.modules())
        self.opt_g = self._adam(self.G, cfg.lr_g)
        self.opt_d = self._adam(self.D, cfg.lr_d)
        self.ema = make_ema(self.G) if cfg.ema > 0 else None
        # the EMA's batch norm statistics, recomputed for its own weights when it is sampled (cfg.ema_calibrate):
        # on a z of their own, so that sampling never draws from the run's stream; computed at ema_updates
        self.calibration_z = (torch.randn(cfg.ema_calibrate, cfg.latent_dim, generator=torch.Generator().manual_seed(
            cfg.seed + 2)).to(self.device) if self.ema is not None and cfg.ema_calibrate else None)
        self.ema_updates, self._calibrated_at = 0, -1
        # what a step calls: G and D themselves, or compiled (cfg.compile); distributed.py wraps g_train and
        # d_train for DDP. d_frozen is D in G's update, where D learns nothing: never a DDP wrapper, as
        # there are no gradients of D to reduce (see distributed.py)
        self.g_train, self.d_train = self._compiled(self.G), self._compiled(self.D)
        self.d_frozen = self.d_train
        self.batches = Batches(self.data, self.gen, self.device)
        self.fixed_z = torch.randn(GRID, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed + 1))
        self.step_count = 0
        self.batches_seen = 0

    # --- bookkeeping -------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return max(1, self.data.size // self.cfg.batch_size)

    @property
    def epoch(self) -> float:
        return self.batches_seen / self.batches_per_epoch

    @property
    def done(self) -> bool:
        return self.batches_seen >= self.cfg.epochs * self.batches_per_epoch

    def steps_left(self) -> int:
        left = self.cfg.epochs * self.batches_per_epoch - self.batches_seen
        return max(0, math.ceil(left / self.cfg.d_steps))

    def apply(self, **changes) -> TrainConfig:
        """Change hyperparameters between steps (lr_g, lr_d, d_steps, epochs are safe mid-run)."""
        self.cfg = self.cfg.replace(**changes).validate()
        self._set_lr()
        return self.cfg

    def lr_scale(self) -> float:
        """The schedule's factor on lr_g and lr_d at this step (TrainConfig.lr_scale)."""
        return self.cfg.lr_scale(self.step_count)

    def _set_lr(self) -> None:
        scale = self.lr_scale()
        for group in self.opt_g.param_groups:
            group["lr"] = self.cfg.lr_g * scale
        for group in self.opt_d.param_groups:
            group["lr"] = self.cfg.lr_d * scale

    # --- the game ----------------------------------------------------------
    def step(self) -> StepStats:
        cfg = self.cfg
        if self.step_count == 0 and cfg.d_head_start:   # before the game's first step only
            self.head_start()
        if cfg.lr_decay_after:  # the lr schedule (lr_scale)
            self._set_lr()
        for i in range(cfg.d_steps):
            # D: call real "real" and fake "fake" (G is frozen). The last fakes keep their graph so that G's
            # update below reuses them instead of running G again (as pytorch/examples dcgan does); D only ever
            # sees them detached, so G stays frozen
            fake, real_logit, fake_logit, loss_d = self._d_update(keep_graph=i == cfg.d_steps - 1)
            self.batches_seen += 1
        # G: make D call its fakes real (D is frozen while G learns)
        loss_g = self._g_update(fake)
        self.step_count += 1
        with torch.no_grad():  # stays on the device: see StepStats
            # D's outputs in their own meaning: sigmoid of a WGAN critic's score was pinned at 1.0 (issue 10)
            return StepStats.pending(torch.stack([
                loss_d, loss_g, L.d_output(cfg.loss, real_logit).mean(), L.d_output(cfg.loss, fake_logit).mean(),
                L.value(real_logit, fake_logit)]))

    # --- half a step, for the Theory lab's Step D / Step G -----------------------------------------
    # Neither counts as a step: the step count, the epoch budget and the curves count whole rounds of the
    # game, as train_d leaves them; the Runner counts half-steps apart (Snapshot.half_steps).
    def step_d(self) -> torch.Tensor:
        """One update of D as in a step (its own Adam, R1 as configured), G frozen; returns D's loss, on the device."""
        *_, loss_d = self._d_update(keep_graph=False)
        return loss_d.detach()

    def step_g(self) -> torch.Tensor:
        """One update of G as in a step, on fresh fakes, D frozen (and the EMA of G follows); returns G's loss."""
        with self._autocast():
            fake = self.g_train(self._z(self.cfg.batch_size)).float()
        return self._g_update(fake).detach()

    def _g_update(self, fake: torch.Tensor) -> torch.Tensor:
        """One update of G on its fakes (with their graph), D frozen; then the EMA of G. Returns G's loss."""
        D = self.D
        D.requires_grad_(False)
        try:
            with self._autocast():
                loss_g = self._g_loss(self.d_frozen(self._aug(fake)).float())
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_g.step()
        finally:
            D.requires_grad_(True)  # also after an error, or D would never learn again
        if self.ema is not None:
            update_ema(self.ema, self.G, self.cfg.ema, self.step_count)
            self.ema_updates += 1
        return loss_g

    def _d_update(self, keep_graph: bool, opt=None, r1: bool = True):
        """One update of D: maximise log D(x) + log(1 - D(G(z))), i.e. call real "real" (1) and fake "fake" (0).
        Through g_train and d_train (compiled, or DDP under torchrun, so that a head start keeps the ranks' Ds
        equal too). Returns (the fakes, with their graph when keep_graph, D's logits on real and fake, D's loss)."""
        cfg, n = self.cfg, self.cfg.batch_size
        r1 = r1 and cfg.r1_weight > 0
        # already on the device, unless the images did not fit there (data.Batches): then copied without
        # waiting for the GPU (a blocking copy from host memory would first wait for its queue to run)
        real = self.batches.next(n).to(self.device, non_blocking=True)
        real.requires_grad_(r1)  # R1 needs grad D(x)
        with torch.set_grad_enabled(keep_graph), self._autocast():
            fake = self.g_train(self._z(n)).float()
        with self._autocast():
            if self.one_pass:
                real_logit, fake_logit = self.d_train(self._aug(torch.cat([real, fake.detach()]))).float().split(n)
            else:
                real_logit = self.d_train(self._aug(real)).float()
                fake_logit = self.d_train(self._aug(fake.detach())).float()
            loss_d = self._d_loss(real_logit, fake_logit)
        if LOSSES[cfg.loss].penalty:
            loss_d = loss_d + cfg.gp_weight * L.gradient_penalty(self.d_train, real, fake.detach(), self.gen)
        if r1:  # R1: penalise D's slope on real data, gamma/2 |grad D(x)|^2
            loss_d = loss_d + cfg.r1_weight / 2 * L.r1_penalty(real_logit, real)
        opt = opt or self.opt_d
        opt.zero_grad(set_to_none=True)
        loss_d.backward()
        opt.step()
        return fake, real_logit, fake_logit, loss_d

    def _adam(self, net, lr):
        return torch.optim.Adam(net.parameters(), lr, betas=(self.cfg.beta1, self.cfg.beta2), fused=self._fused())

    def _compiled(self, net):
        # torch.compile wraps the module it is given; self.G and self.D stay plain, so the state_dict,
        # the EMA and the copies for samples never see the wrapper
        return torch.compile(net) if self.cfg.compile else net

    def _fused(self) -> bool:
        # one kernel for all parameters: 7x faster than Adam's default loop on a CPU (measured)
        return self.device.type in ("cpu", "cuda")

    def _d_loss(self, real_logit, fake_logit):
        loss = self.cfg.loss
        # only a probability's loss has labels: the others never draw label noise from the run's generator
        labels = self._labels(len(real_logit)) if LOSSES[loss].probability else ()
        return L.OBJECTIVES[loss].d(real_logit, fake_logit, *labels)

    def _g_loss(self, fake_logit):
        return L.OBJECTIVES[self.cfg.loss].g(fake_logit)

    def _labels(self, n):
        """Real and fake targets: 1 and 0, or smoothed (1 - s) and noisy (0.05 x uniform, as in the Keras text)."""
        cfg, real, fake = self.cfg, 1.0 - self.cfg.label_smoothing, 0.0
        if cfg.label_noise > 0:
            real = real - cfg.label_noise * torch.rand(n, generator=self.gen, device=self.device)
            fake = fake + cfg.label_noise * torch.rand(n, generator=self.gen, device=self.device)
        return real, fake

    def _z(self, n):
        return torch.randn(n, self.cfg.latent_dim, generator=self.gen, device=self.device)

    def _aug(self, x):
        return augment(x, self.cfg.augment, self.gen)

    def _autocast(self):
        if self.cfg.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    # --- samples and state -------------------------------------------------
    def sampler(self) -> torch.nn.Module:
        """The G to draw samples from: the EMA of G when there is one (recalibrated: see ema_calibrate)."""
        if self.ema is None:
            return self.G
        if self.calibration_z is not None and self._calibrated_at != self.ema_updates:
            recalibrate(self.ema, self.calibration_z)
            self._calibrated_at = self.ema_updates
        return self.ema

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Samples for z on the CPU, with batch norm in eval mode so one z always gives one image."""
        G = self.sampler()
        was_training = G.training
        G.eval()
        try:
            return G(z.to(self.device)).float().cpu()
        finally:
            G.train(was_training)

    def generator_copy(self) -> torch.nn.Module:
        return copy.deepcopy(self.sampler()).eval().cpu()

    def state_dict(self) -> dict:
        return {
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "ema": self.sampler().state_dict() if self.ema is not None else None,
            "step": self.step_count, "batches_seen": self.batches_seen,
            "rng": {"gen": self.gen.get_state(), "device": self.device.type},
            "batches": self.batches.state_dict(),
        }

    def load_state_dict(self, s: dict) -> None:
        self.G.load_state_dict(s["G"])
        self.D.load_state_dict(s["D"])
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        for group in self.opt_g.param_groups + self.opt_d.param_groups:
            group["fused"] = self._fused()  # a checkpoint saved before fused Adam would switch it off
        if self.ema is not None and s.get("ema") is not None:
            self.ema.load_state_dict(s["ema"])
            self._calibrated_at = -1
        self.step_count, self.batches_seen = int(s["step"]), int(s["batches_seen"])
        self._set_rng(s["rng"])
        self.batches.load_state_dict(s["batches"])
        self.apply()  # the optimizers' saved lr wins over the config's otherwise

    def _set_rng(self, rng: dict) -> None:
        """The saved random state, when it comes from the same kind of device (older checkpoints: the CPU,
        and also rng["torch"], which nothing draws from now). A CPU generator's state cannot be loaded into
        a GPU's, nor back, so a run resumed on another kind of device goes on with a stream seeded from its
        seed and step: it goes on where it stopped, but does not replay as it would have there."""
        if rng.get("device", "cpu") == self.device.type:
            self.gen.set_state(rng["gen"])
        else:
            self.gen.manual_seed((self.cfg.seed + self.step_count * 1_000_003) % 2**32)
