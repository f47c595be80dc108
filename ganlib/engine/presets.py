"""Named TrainConfigs: the recipes of the classic texts, our fast default, and toy benchmarks, each with a sentence
on what it is for (words/describe.py's describe_preset reads it)."""
from __future__ import annotations

from ganlib.engine.config import TrainConfig
from ganlib.errors import FieldError

# Measured (60 s on 2 slow cores, `python -m ganlib eval`): with BCE and beta1 0.5, G collapsed to one
# point between ring8's modes (0 of 8 covered); the least-squares loss, Adam betas (0, 0.99) and an
# EMA of G covered 8 of 8 at 96.8% high quality and grid25's 25 of 25 at 94.2% (means of seeds 0-2,
# bench/toys.py). Without the EMA grid25 fell to 82%; hinge, R1, batch 512 and lr 5e-4 were worse, and
# batch 128 the same within the noise (93.6% mean, 92.5-94.9%).
# ring8 and grid25 (_SETTLE): the lr halves every 3,000 steps after the first 4,000, so that G's points
# settle closer to their modes. grid25 at equal steps (11,600 are 60 s on a quiet machine), high quality
# at 8,000 / 11,600 steps, seeds 0-4: 91.3 93.8 93.8 92.8 78.1 / 94.2 96.2 96.1 95.6 85.8% (means 90.0 / 93.6)
# against 88.8 90.8 91.4 92.1 77.8 / 93.9 95.1 94.5 95.2 88.1% at a constant lr (means 88.2 / 93.4): it helps
# the early steps most (a busy machine makes fewer), and does not rescue seed 4, which covers all 25 modes
# but needs more steps. Halving every 2,000 steps after 6,000 ended as well on seeds 0-3 (94.0-96.9%) but
# gained nothing by 8,000. ring8 reaches 95.3% at 6,000 steps already (seed 0).
# Spectral norm on D (which fast-digits keeps), high quality at 8,000 / 11,600 steps: grid25 seed 4 rose from
# 83.2 / 88.9% to 91.5 / 94.6%, but seed 3 fell to 75.1 / 84.2% (95.6% at 11,600 without), seeds 0-2 ended at
# 94.4-96.6%; it costs 0.68x the steps/s of these small nets. ring8 with it covered 0 of 8 modes on seeds 0-4: a D
# whose slope is at most 1 cannot fold a mode of std 0.01 (high quality is within 0.03), so G's points stay spread.
_TOY = dict(model="toy-mlp", batch_size=256, latent_dim=2, g_width=128, d_width=128, loss="lsgan",
            lr_g=1e-3, lr_d=1e-3, beta1=0.0, beta2=0.99, ema=0.999, sample_every=50)
_SETTLE = dict(lr_decay_after=4000, lr_half_life=3000)  # not measured on spiral, moons and gauss-1d: not theirs
# A class's toys (class-*, issue 20): _TOY's game with tiny nets, trained 30 at once in one batched step
# (engine/ensemble.py): one student's run gives alone what it gives there. Measured with bench/class_presets.py
# (seeds 0-4, at fixed step counts, every run of a sweep in one Ensemble). Tiny nets need a faster game than _TOY's:
# ring8 at 4,000 steps with G and D 32 wide at _TOY's lr 1e-3 and batch 256 covered no mode on seeds 0 and 4
# (best 79.8%), and at lr 2e-3 reached 90% on 2 seeds of 5. D 64 wide is what made it: 92.5-94.7% at lr 2e-3, and
# 94.6-96.3% at lr 3e-3 halving every 600 steps after 2,500 with batch 128 (kept: half a step's work of batch 256,
# which gave 94.8-97.5%; batch 192 95.1-97.2%). Kept out (ring8, 4,000 steps): at lr 2e-3 and batch 256, D 48
# wide 80.8-92.4% and G 24 wide 7 of 8 modes on 2 seeds; at batch 128 and the kept schedule, D 96 wide 91.8-96.8%,
# lr 4e-3 89.9-96.8%; with G and D 32 wide and batch 256, lr 5e-3 71.6-97.7%, R1 0.1 66.6-92.2%, and an EMA of
# 0.99, batch 512 or hinge 0-8 modes.
# The halving stops at 1/16 (lr_floor): without a floor the rates were 1e-7 of a student's setting by step 15,000,
# the picture froze and a live change of lr_g did nothing (a class's browser pass, session 15). The floor is reached
# after every step count measured below (class-ring8 at 4,900, class-grid25 at 8,000), so those figures hold; on
# class-ring8 seeds 0-2 at 6,000 / 8,000 / 10,000 steps, 8 of 8 modes at 94.8-96.3 / 95.6-96.6 / 96.6-96.8% high
# quality with it, 95.0-96.2 / 95.2-96.0 / 95.2-96.0% without.
_CLASS = dict(_TOY, g_width=32, d_width=64, batch_size=128, lr_g=3e-3, lr_d=3e-3, lr_decay_after=2500,
              lr_half_life=600, lr_floor=1 / 16)
# pytorch/examples' dcgan: ngf = ndf = 64, BCE, Adam 2e-4 with beta1 0.5, batch 128 (dcgan-cifar10, dcgan-64)
_CLASSIC_DCGAN = dict(model="dcgan-classic", latent_dim=100, g_width=64, d_width=64, loss="bce", lr_g=2e-4,
                      lr_d=2e-4, beta1=0.5, batch_size=128, sample_every=100)

PRESETS: dict[str, tuple[str, TrainConfig]] = {
    "fast-digits": (
        "Our default: the quickest recognisable digits on 2 CPU cores (MLP G with batch norm vs a "
        "2-layer MLP D with spectral norm, least-squares loss, Adam lr 2e-3 with betas (0, 0.999), latent_dim 32, "
        "EMA of G with its own batch-norm statistics).",
        # Measured on 2 slow cores, 1 thread, 60 s (bench/race.py and the sweeps in the closing note):
        # this G runs ~70-90 steps/s against ~20 for our slim conv G, and reaches a Frechet distance of
        # ~50 (2.7x real vs real) in 5,300 steps. beta1 = 0 beat 0.5 (FD 56 vs 104 at 4,000 steps);
        # DiffAugment translation, which helped the conv G, made this one 3x worse; lr 5e-4 or 2e-3,
        # batch 32 or 128, a wider D or G and a 1-layer D were all worse. (Least squares vs BCE was only
        # compared with translation on: 161 vs 145.)
        # Tried for issue "2x real in 60 s" and kept out, Frechet distance at 2,500 / 5,000 steps (seed 0; seed 1
        # where two are given) against this recipe's 80.0 / 44.6 (seed 1: 85.7 / 53.9), screened at equal steps:
        # the lr decaying (both lrs) after 2,000 steps, halving every 1,500: 85.7 / 129 (98 / 128), it rises as the
        # lr falls; after 1,500, every 1,000, floor 0.1: 117 / 176 (125 / 176). Batch 128 from step 2,500: 80.0 /
        # 44.6 (85.7 / 42.9) at 1.9x the cost a step. lr_g 5e-4: 168 / 87.9; lr_g 1.5e-3: 58.5 / 51.1 (better early,
        # worse late); lr_d 2e-3: 254 / 188. BCE: 98.3 / 57.4. d_width 128 (0.66x the cost a step): 84.9 / 66.2
        # (91.3 / 64.3, and 68.7 at 7,000): D's width is what limits it. ema 0.9995: unchanged, since the EMA's
        # warm-up (1 + step) / (10 + step) stays below 0.999 for the first 9,000 steps; a warm-up averaging over
        # longer, 1 - 3 / (10 + step): 89.6 / 46.5; shorter, 1 - 20 / (10 + step): 83.0 / 44.5.
        # A teacher's live change at step 2,500 (both lrs, seed 0; FD 80.0 then): x2 collapses it for a while,
        # FD 1,749 with 5 classes at 3,000, 1,082 at 3,500, 354 at 4,000; /2 does not, but FD rises (93, 102, 103).
        # Spectral norm on D (models/spectral.py) and lr 2e-3, kept (issue "2x real in 60 s"). FD / real-vs-real,
        # screened at equal steps (2,500 / 4,000 / 8,000; each number one run, which moves by about +-0.3x from
        # float rounding alone), against the recipe above at 4.25 / 2.87 / 2.35x (seed 0), 4.56 / 2.91 / 2.93x
        # (seed 1): SN at lr 1e-3 3.28 / 2.03 / 1.39x and 3.82 / 2.58 / 1.96x; SN at lr 2e-3 2.98 / 1.83 / 1.36x,
        # 3.24 / 2.39 / 1.86x, 2.30 / 1.77 / 1.56x (seed 2). SN costs 0.82x the steps/s (torch's own parametrization
        # 0.62x); D's one pass over real and fake together (Trainer.one_pass) gave 1.12x back to every recipe.
        # In the app at 60 s (bench/race.py --app, seeds 0-2): FD 1.93 / 2.11 / 1.74x (mean 1.92x, from 2.87x).
        # Tried with SN and kept out, at 4,000 / 5,000 steps or the late mean (seeds 0-2): lr 3e-3 2.46-2.79x at
        # 4,000 (lr 2e-3: 1.77-2.39x); lr_g 2e-3 with lr_d 1e-3, and lr_g 3e-3 with lr_d 1.5e-3, no better (late
        # means 1.52-2.22x); the lr decaying after 3,000 steps, halving every 1,500, 2.11-2.86x at 4,000 (worse
        # again, as without SN);
        # hinge; DiffAugment translation by 1 pixel (late means 1.47 / 1.88 / 1.81x against 1.47 / 2.07 / 1.66x
        # without it). Without SN and kept out: R1 0.1 and 1, dropout 0.2 in D, latent 32 or 128, hinge, D 384 wide.
        # Batch norm statistics of the EMA recomputed for its own weights (20 x 256 z) lowered FD by ~5-10% late,
        # but would cost ~20 G passes at each sample grid: not built. 2 threads for a run alone: 1.2x the steps/s.
        # A teacher's x2 at step 2,500 (lr 2e-3 -> 4e-3; seeds 0-2) no longer collapses it: 10 of 10 classes
        # throughout, but FD rises to 4.7-5.6x by 8,000 steps; /2 ends at 1.63 / 1.89 / 1.79x.
        # Then (issue 12 again), FD / real-vs-real at 2,000 / 3,000 / 4,000 / 5,000 steps, seeds 0-2 (means; the
        # worst seed after it), screened 2 runs at a time at equal steps against the recipe above at 3.60 (4.01) /
        # 2.40 (2.79) / 2.00 (2.39) / 1.74x (2.18): beta2 0.999 3.10 (3.32) / 2.41 / 2.00 / 1.68x (1.96); with
        # latent_dim 32 too 2.62 (2.71) / 2.07 (2.43) / 1.76 (1.86) / 1.67x (1.71), kept, at 1.0-1.1x the steps/s.
        # The EMA's batch norm statistics recomputed for its own weights each time it is sampled (ema_calibrate,
        # ema.recalibrate, as torch's swa_utils.update_bn does) instead of averaged from G's: lower FD in 172 of
        # 177 screened pairs (5,120 z; median -7%, the middle 80% -3 to -13%). 1,024 z came within the noise of
        # 8,192 (3 calibration seeds each, seeds 1 and 2 at 2,000 and 4,000 steps) at 11 ms, about one step, at
        # each grid and measurement: ~2% of the steps. 256 z were worse than none (3.29x against 2.79x, seed 1
        # at 3,000 steps): too few z for 512 channels.
        # The kept recipe: 2.34 / 2.73 / 2.58x at 2,000 steps, 1.30 / 1.94 / 1.68x at 4,000, 1.49 / 1.47 / 1.24x
        # at 8,000; a teacher's x2 at 2,500: 10 classes throughout, 1.66 / 3.24 / 2.06x at 8,000; /2: 1.34 /
        # 1.61 / 1.42x. Kept out: beta2 0.9 (4.28x at 2,500, seed 1), D 320 or 384 wide (better per step late,
        # 0.83x the steps/s, worse per second before ~3,000 steps), G 192 wide (5.66x at 1,500, seed 1), batch 32,
        # lr 3e-3. 2 threads: 1.2-1.3x the steps/s alone, but 6 steps/s against 81 with one busy process beside.
        TrainConfig(dataset="digits", model="fast-mlp", latent_dim=32, g_width=256, d_width=256, spectral_norm=True,
                    loss="lsgan", lr_g=2e-3, lr_d=2e-3, beta1=0.0, beta2=0.999, ema=0.999, ema_calibrate=1024,
                    epochs=200, sample_every=50, eval_every=200)),
    "seed-mlp": (
        "The MLP GAN of the classic PyTorch text: z 100 -> 256 -> 784 tanh; D 784 -> 256 -> 1; "
        "BCE; Adam 2e-4; batch 64; 10 epochs of MNIST's 60,000 (= 120 of our 5,000).",
        # the text's 10 epochs over 60,000 digits are ~9,400 steps; over the 5,000 offline digits
        # the same number of steps takes 120 epochs (10 would stop at noise, after 780 steps)
        TrainConfig(dataset="digits", model="mlp", latent_dim=100, g_width=256, d_width=256,
                    lr_g=2e-4, lr_d=2e-4, batch_size=64, epochs=120, sample_every=50)),
    "keras-convgan": (
        "The Keras conv GAN: latent 128, dense -> 7x7x128 -> two stride-2 transposed convs; "
        "D with two stride-2 convs and global max pooling; 0.05 x uniform label noise. "
        "Slow on a small CPU (about 1 step/s).",
        TrainConfig(dataset="digits", model="keras-convgan", latent_dim=128, g_width=128, d_width=64,
                    lr_g=3e-4, lr_d=3e-4, label_noise=0.05, batch_size=64, epochs=20, sample_every=10)),
    "dcgan-upsample": (
        "The Keras DCGAN: UpSampling2D + conv + batch norm in G; D with conv, LeakyReLU, "
        "dropout 0.25 and batch norm; Adam 2e-4, beta1 0.5. Slow on a small CPU (a few steps/s).",
        TrainConfig(dataset="digits", model="dcgan-upsample", latent_dim=100, g_width=128, d_width=32,
                    d_dropout=0.25, lr_g=2e-4, lr_d=2e-4, beta1=0.5, batch_size=32, epochs=20,
                    sample_every=10)),
    "tf-dcgan": (
        "The TensorFlow DCGAN tutorial, a plain DCGAN: 5x5 transposed convs with batch norm; "
        "D with dropout 0.3; Adam 1e-4; batch 256. Slow on a small CPU (about 1 step/s).",
        TrainConfig(dataset="digits", model="dcgan", latent_dim=100, g_width=64, d_width=64,
                    d_dropout=0.3, lr_g=1e-4, lr_d=1e-4, batch_size=256, epochs=50, sample_every=5)),
    "dcgan-cifar10": (
        "For a GPU: the classic DCGAN (Radford et al., as pytorch/examples builds it) on CIFAR-10's 50,000 "
        "32x32 colour images (downloaded once); BCE, Adam 2e-4 with beta1 0.5, batch 128, 25 epochs. "
        "Very slow on a CPU: about 1.5 s a step on 2 cores, where the 25 epochs are 9,750 steps.",
        # the recipe of pytorch/examples' dcgan (ngf = ndf = 64, 25 epochs) at 32 pixels; CPU speed measured
        # with 1 thread on this project's 2 busy cores (load ~8)
        TrainConfig(dataset="cifar10", image_size=32, epochs=25, **_CLASSIC_DCGAN)),
    "dcgan-64": (
        "For a GPU: a 64x64 DCGAN for your own images (upload a .zip of them in the data section; "
        "dataset folder, image_size 64): the classic DCGAN, BCE, Adam 2e-4 with beta1 0.5, batch 128. "
        "Far too slow on a CPU: about 9 s a step on 2 cores.",
        # pytorch/examples' dcgan at its own 64 pixels; data_path is left for the user (validate() asks for it)
        TrainConfig(dataset="folder", image_size=64, epochs=100, **_CLASSIC_DCGAN)),
    "ring8": (
        "8 Gaussians on a circle, the mode-collapse benchmark: watch whether G covers all 8. "
        "The learning rates halve every 3,000 steps after the first 4,000, so the points settle on the modes.",
        TrainConfig(dataset="ring8", epochs=2000, **_TOY, **_SETTLE)),
    "grid25": (
        "25 Gaussians on a 5 x 5 grid: a harder mode-collapse benchmark. "
        "The learning rates halve every 3,000 steps after the first 4,000, so the points settle on the modes.",
        # G 192 wide (issue 12, "every seed"). High quality at 6,000 / 10,000 / 14,000 steps, seeds 0-4 (screened 2
        # runs at a time), 128 wide as before: 81.6 89.8 91.4 90.6 71.3 / 91.7 95.8 94.5 96.8 87.2 / 91.7 97.2 97.3
        # 97.5 91.4%; 256 wide: 92.0 90.0 94.3 94.7 87.5 / 96.7 95.7 96.1 96.7 93.2 / 97.1 96.8 97.8 97.2 94.8%.
        # But a step is compute-bound here, not overhead: alone, 255 / 184 / 162 steps/s for G 128 / 192 / 256
        # wide, so 60 s are ~15,000 / 11,000 / 9,700 steps. 256 wide in bench/toys.py: seed 4 at 92.9% (9,446
        # steps). 192 wide at 9,000 / 11,000 / 13,000 steps: 95.6 95.0 92.3 92.2 94.5 / 95.3 95.0 94.3 93.9 95.2 /
        # 96.8 96.2 95.7 94.8 95.5%. Kept out: G and D 256 wide (93.6-94.8% at 10,000, 0.75x the steps/s of G 256);
        # G 384 (seed 4 93.4% at 10,000, 104 steps/s); G 256 with batch 128 (seed 4 93.2% at 12,000, 199 steps/s);
        # beta2 0.999 (90.5-93.0% at 10,000, G 128); the lr halving every 2,000 steps after 3,000 (G 256: seed 4
        # stalled at 93.0-93.1% from 10,000 steps).
        TrainConfig(dataset="grid25", epochs=3000, **{**_TOY, "g_width": 192}, **_SETTLE)),
    "ring8-minimax": (
        "ring8 with the paper's minimax loss: G's gradient vanishes when D wins; compare with ring8.",
        TrainConfig(dataset="ring8", epochs=2000, **{**_TOY, "loss": "minimax"})),
    "collapse-ring8": (
        "Failure demo: ring8 with the plain BCE game (Adam betas (0.5, 0.999), no EMA): G's points gather into one "
        "small blob that D chases around the ring, covering at most 1 of 8 modes.",
        # measured (tests/test_lab_texts.py, seeds 0-2): 0 of 8 modes at 1,000 and 2,000 steps, 0 or 1 at 3,000;
        # the blob's spread 0.08-0.2, its median distance to the nearest mode 0.17-0.35 (3 std of a mode: 0.03)
        TrainConfig(dataset="ring8", epochs=2000, **{**_TOY, "loss": "bce", "beta1": 0.5, "beta2": 0.999,
                                                     "ema": 0.0})),
    "minimax-stall": (
        "Failure demo: ring8 with the minimax loss and a D that trains 1,000 updates alone first: D rejects the "
        "fakes with certainty, G's gradient vanishes, and G is flung off the data and stalls there.",
        # a D that is merely faster (lr_d 5e-3) never got confident: D(G(z)) stayed 0.3-0.5 and minimax G
        # covered 7-8 of 8 modes by 3,000 steps; Adam rescales a small gradient, so it must be vanishing
        TrainConfig(dataset="ring8", epochs=2000, **{**_TOY, "loss": "minimax", "d_head_start": 1000, "ema": 0.0})),
    "minimax-stall-ns": (
        "minimax-stall with the non-saturating loss: the same confident D, the same seed, and G learns.",
        TrainConfig(dataset="ring8", epochs=2000, **{**_TOY, "loss": "bce", "d_head_start": 1000, "ema": 0.0})),
    "d-overpowers": (
        "Failure demo: ring8 where D trains 5 times per G step at 50x G's rate: D wins outright, G stays on one mode.",
        # measured (seeds 0-2): D(x) 0.88-0.91 and D(G(z)) 0.09-0.15 from step 300 to 1,500, 1 of 8 modes; with
        # lr_d 1e-3 instead G caught up (8 of 8 by 3,000 steps), and a head start alone wore off by step ~1,200
        TrainConfig(dataset="ring8", epochs=2000, **{**_TOY, "loss": "bce", "lr_g": 1e-4, "lr_d": 5e-3,
                                                     "d_steps": 5, "ema": 0.0})),
    "spiral": ("A spiral in 2-D.", TrainConfig(dataset="spiral", epochs=2000, **_TOY)),
    "moons": ("Two moons in 2-D.", TrainConfig(dataset="moons", epochs=2000, **_TOY)),
    "gauss-1d": (
        "A mixture of three Gaussians in 1-D: see p_data, p_g, D(x) and D*(x) on one chart. "
        "The learning rates halve every 1,000 steps after the first 1,500, so that G settles.",
        # the classic BCE game, so that V(D, G) can be read against -2 log 2. Measured with the exact JS
        # (bench/gauss1d.py, ganlib/lab/density.py), seeds 0-2: with lr 5e-4 for both, D 64 wide and batch 256, D
        # went flat at 1/2 (|D - 1/2| ~0.001, a weak D: trained alone it left 1/2) while JS stayed 0.02-0.10.
        # D 128 wide at 5x G's rate, batch 512 and R1 0.1: JS 0.0081-0.0095 (its EMA 0.0069-0.0091) at 8,000
        # steps; with D's one pass over real and fake (issue 12), 0.0074-0.0109 (its EMA 0.0065-0.0072). Without R1 seed 2 stayed at 0.012; lr_g 1e-4 with lr_d 2e-3 left seed 1 a mode short (JS 0.23).
        # The lr halving every 1,000 steps after 1,500 (issue 23: the lab draws the raw G, which jittered: JS 0.0171 /
        # 0.0134 at 4,000 steps and 0.0386 / 0.0173 at 6,000 on seeds 0 / 1, its EMA 0.0086 / 0.0078): the raw G at
        # 4,000 / 6,000 / 8,000 steps 0.0118 0.0082 0.0082 / 0.0062 0.0066 0.0070 / 0.0059 0.0058 0.0057 (seeds 0-2;
        # its EMA 0.0082 0.0065 0.0065 / 0.0067 0.0061 0.0060 / 0.0056-0.0058). Before 1,500 steps nothing changes.
        TrainConfig(dataset="gauss-1d", epochs=1000, **{**_TOY, "latent_dim": 1, "g_width": 64, "d_width": 128,
                                                         "lr_g": 2e-4, "lr_d": 1e-3, "batch_size": 512,
                                                         "r1_weight": 0.1, "loss": "bce", "lr_decay_after": 1500,
                                                         "lr_half_life": 1000})),
    # --- a class's presets (issue 20): tiny nets that learn fast alone and train 30 at once in an Ensemble ---
    "class-ring8": (
        "For a class: ring8 with tiny nets (G 32 wide, D 64), quick alone and 30 at once on a small server; "
        "the learning rates halve every 600 steps after the first 2,500, down to 1/16, so the points settle on the "
        "modes.",
        # bench/class_presets.py, seeds 0-4, high quality at 2,000 / 3,000 / 4,000 steps (8 of 8 modes on each):
        # 78.8 73.4 68.8 80.4 76.6 / 90.1 88.5 88.5 89.2 90.2 / 94.2 92.4 94.1 92.5 93.4%. Target 8 of 8 at >= 90%
        # by 4,000 steps on every seed: met; seeds 5-9 at 4,000: 8 of 8 at 88.4 93.3 92.6 93.8 87.1%. Batch 64, not
        # _CLASS's 128: a class of 30 steps 1.7x as fast (bench/class_step.py), and the 8x over 30 separate
        # runs needs it (a plain step costs the same at 64 as at 128, its time is overhead); at 128, 94.6-96.3% on
        # seeds 0-4 and 92.3-95.9% on 5-12. Batch 64 with D 32 wide lost modes (0 of 8 on seeds 0 and 4 at 3,000), with
        # D 48, 74-92% at 3,000; lr 2e-3, 83-91% at 4,000 (7 of 8 on seed 8); the halving every 400 or 500 steps or
        # from 2,000 or 3,000 on, 87-94%, no better on seed 5.
        TrainConfig(dataset="ring8", epochs=2000, **{**_CLASS, "batch_size": 64})),
    "class-grid25": (
        "For a class: grid25 with small nets (G 96 wide, D 64); the learning rates halve every 1,000 steps "
        "after the first 4,000, down to 1/16.",
        # bench/class_presets.py, seeds 0-4, high quality at 4,000 / 6,000 / 8,000 steps: 70.9 64.9 73.8 64.0 60.8
        # (24 of 25 modes on seeds 1 and 4) / 90.7 89.5 89.7 89.2 84.1 / 92.5 90.0 93.6 92.4 88.4% (25 of 25 on each).
        # Target: 25 of 25 at >= 85% by 8,000 steps on every seed: met. G's width is what grid25 needs (at 8,000 steps,
        # batch 128, lr 3e-3): G 32 wide covered 17-25 modes at 24-49% with D 64, 21-25 at 26-50% with D 128; G 64
        # wide 67-88% (the lr halving every 600 steps after 2,500), 81.1-94.3% (every 1,000 after 4,000, kept);
        # G 128 wide 86.7-92.7%; G 64 with D 96 79.5-92.3%, with latent_dim 4 70.4-90.3%, with lr 2e-3 56.6-94.0%.
        TrainConfig(dataset="grid25", epochs=3000, **{**_CLASS, "g_width": 96, "lr_decay_after": 4000,
                                                       "lr_half_life": 1000})),
    "class-moons": (
        "For a class: two moons with tiny nets (G 32 wide, D 64).",
        # bench/class_presets.py, seeds 0-4, energy distance at 2,000 / 4,000 steps: 0.0016 0.0039 0.0031 0.0027
        # 0.0041 / 0.0013 0.0036 0.0033 0.0039 0.0038 (real points' own: 0.0009); the moons preset (G and D 128
        # wide) 0.0018-0.0047 at 4,000. Target <= 0.005 at 4,000 steps on every seed: met.
        TrainConfig(dataset="moons", epochs=2000, **_CLASS)),
    "class-spiral": (
        "For a class: a spiral with small nets (G 64 wide, D 64).",
        # bench/class_presets.py, seeds 0-4, energy distance at 2,000 / 4,000 steps: 0.0123 0.0024 0.0086 0.0038
        # 0.0019 / 0.0020 0.0027 0.0041 0.0020 0.0015 (real points' own: 0.0013); the spiral preset (G and D 128
        # wide) 0.0010-0.0045 at 4,000, G 32 wide 0.0037-0.0073. Target <= 0.005 at 4,000 steps on every seed: met.
        TrainConfig(dataset="spiral", epochs=2000, **{**_CLASS, "g_width": 64})),
    "class-gauss-1d": (
        "For a class: gauss-1d with tiny nets (G 32 wide, D 64): p_data, p_g, D(x) and D*(x) on one chart.",
        # gauss-1d's game with G 32 and D 64 wide (a 1-D latent, so that the Theory lab computes p_g exactly).
        # bench/class_presets.py, seeds 0-4, JS at 2,000 / 4,000 / 6,000 steps: 0.0867 0.0345 0.0211 0.0262 0.0264 /
        # 0.0281 0.0400 0.0086 0.0683 0.0550 / 0.0286 0.0154 0.0086 0.0412 0.0106; the gauss-1d preset (G 64, D 128)
        # 0.0070-0.0230 at 6,000. Target JS <= 0.05 at 6,000 steps on every seed: met. Kept out, at 6,000 steps: batch
        # 256 0.0101-0.0828; lr 5e-4 / 2e-3 0.0113-0.0538, and halving every 1,000 steps after 3,000 0.0107-0.0459;
        # at 5,000: D 128 wide 0.0123-0.0739, G and D 64 0.0078-0.0553.
        TrainConfig(dataset="gauss-1d", epochs=1000, **{**_TOY, "latent_dim": 1, "g_width": 32, "d_width": 64,
                                                         "lr_g": 2e-4, "lr_d": 1e-3, "batch_size": 512,
                                                         "r1_weight": 0.1, "loss": "bce"})),
}

DEFAULT_PRESET = "fast-digits"

# Made for a GPU (their texts say so): a step takes ~1.5 s (dcgan-cifar10) and ~9 s (dcgan-64) on 2 CPU cores, and
# their budgets are thousands of steps; the slowest of the others (keras-convgan, tf-dcgan: ~1 step/s) say so in
# their texts alone. The Train page's picker marks these (words/describe.preset_label)
FOR_GPU = frozenset({"dcgan-cifar10", "dcgan-64"})

# the Theory lab's side-by-side demo: (lead, twin), the same seed, D and rates, one loss apart (Runs.create_pair)
SIDE_BY_SIDE = ("minimax-stall", "minimax-stall-ns")


def preset(name: str) -> TrainConfig:
    if name not in PRESETS:
        raise FieldError("preset", f"unknown {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name][1]
