"""D alone against a frozen G: the head start before the game (cfg.d_head_start) and the Theory lab's
"Train D to the optimum". A part of Trainer (its base class), apart because none of it is the game's step."""
from __future__ import annotations

import torch

# D alone (start_d_alone, train_d): Adam (0.5, 0.999) from this rate, annealed to 0 by the Runner. Measured on
# gauss-1d after 600 steps (mean |D - D*| 0.23): D's own Adam at lr_d 5e-4 reached 0.15 in 3,000 updates and
# hovered at 0.09-0.12 after 10,000 (its noise floor at a fixed rate); annealed from 5e-3, 0.078 in 2,000.
# A 64-unit D fitted to D* directly, on the whole grid, gets to 0.035: D* has steps a small D only rounds.
# With today's gauss-1d (D 128 wide, R1 0.1 in the game) at step 600: 0.102 -> 0.022 in 2,000 updates, and
# V(D, G) from -1.378 to -1.276 against V(D*, G) = -1.271.
D_ALONE_LR = 5e-3


class DAlone:
    """Trainer's updates of D alone; they use its D, its fused-Adam choice and its _d_update."""

    def head_start(self) -> None:
        """cfg.d_head_start updates of D alone against the untrained G, as train_d does them (its own Adam,
        the rate annealed from D_ALONE_LR to 0): D starts the game confident. Measured on ring8 with 1,000:
        D(G(z)) ~ 1e-5 at the first step; with minimax G's gradient then fell from 1e-2 to 1e-25 and G
        covered 0 of 8 modes after 1,500 steps, while non-saturating G pulled D(G(z)) back to 0.3 and covered
        4 and 7 (seeds 0 and 1)."""
        self.start_d_alone()
        n = self.cfg.d_head_start
        for k in range(n):
            self.train_d(D_ALONE_LR * (n - k) / n)

    def start_d_alone(self) -> None:
        """A fresh optimizer for D alone (train_d with an lr), apart from D's own, whose state the game keeps."""
        self._opt_alone = torch.optim.Adam(self.D.parameters(), D_ALONE_LR, betas=(0.5, 0.999), fused=self._fused())

    def train_d(self, lr: float | None = None) -> torch.Tensor:
        """One update of D alone against the frozen G, on fresh real points and fresh fakes, without R1 (WGAN-GP's
        penalty stays: it is what makes a critic); returns D's loss, left on the device like StepStats (the Runner
        reads a chunk of them at once: a read per update would make a GPU wait each time).
        Nothing else moves: not G, not the step count, not the epoch budget (the Theory lab's "Train D to the
        optimum", which shows how far the D of the game is from the best D against this G).
        lr: by the optimizer of start_d_alone, at this rate (the Runner anneals it to 0); None: by D's own."""
        opt = self.opt_d
        if lr is not None:
            opt = self._opt_alone
            for group in opt.param_groups:
                group["lr"] = lr
        # without R1: it pulls D toward flatness on the data, away from the best D of the game (with it, D alone
        # on gauss-1d went from mean |D - D*| 0.102 to only 0.095 in 2,000 updates)
        *_, loss_d = self._d_update(keep_graph=False, opt=opt, r1=False)
        return loss_d.detach()
