"""TrainConfig: every hyperparameter of a GAN run, in one dataclass.

The app builds its controls from these fields (the `group`, `help`, `choices`
and range metadata below), checkpoints store the config as a plain dict, and
presets are just named TrainConfigs (see presets.py).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from ganlib.engine.kinds import LOSSES
from ganlib.errors import FieldError

DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10", "folder",
            "ring8", "grid25", "spiral", "moons", "gauss-1d", "drawn")
MODELS = ("mlp", "keras-convgan", "dcgan-upsample", "dcgan", "dcgan-classic", "fast", "fast-mlp", "toy-mlp")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16")
AUGMENTS = ("none", "translation")
# Form groups shown unfolded; the rest stay folded so the page is not a wall of inputs.
OPEN_GROUPS = ("data", "model", "optimizer")


def _f(default, help, group, *, choices=None, lo=None, hi=None, live=False, cli_only=False, datasets=None):
    # live=True: a teacher may change the field while a run is going; the runner
    # applies it at the next step and records the change as an event.
    # cli_only=True: the app's form leaves it out, as the server decides it for every run (see its help)
    # datasets: the only datasets that read the field (None: all); the form leaves it out for the others, where
    # it showed "channels 0" and an empty data_path beside the digits (applies)
    meta = {"help": help, "group": group, "choices": choices, "lo": lo, "hi": hi, "live": live, "cli_only": cli_only,
            "datasets": datasets}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TrainConfig:
    # --- data ---
    dataset: str = _f("digits", "Training data: offline digits, torchvision sets (need the internet once), your own images, toy 1-D/2-D data, or 2-D points you draw yourself (drawn)", "data", choices=DATASETS)
    data_path: str = _f("", "Folder or .zip of your own images (dataset=folder), or the .npy file of the points you drew (dataset=drawn: N x 2 numbers)", "data", datasets=("folder", "drawn"))
    image_size: int = _f(28, "Side of your own images (dataset=folder), resized and cropped to it, and so of the images the models make; other data comes at its own size", "data", choices=(28, 32, 64), datasets=("folder",))
    channels: int = _f(0, "Image channels for your own images (dataset=folder): 1 gray, 3 RGB, 0 decides from the files", "data", choices=(0, 1, 3), datasets=("folder",))
    # --- model ---
    model: str = _f("mlp", "Architecture of G and D (dcgan: the TensorFlow tutorial's; dcgan-classic: Radford et al.'s, as pytorch/examples builds it)", "model", choices=MODELS)
    latent_dim: int = _f(100, "Size of the noise vector z that G turns into a sample", "model", lo=1, hi=1024)
    g_width: int = _f(256, "G's hidden units (MLP) or base channels (conv)", "model", lo=4, hi=2048)
    d_width: int = _f(256, "D's hidden units (MLP) or base channels (conv)", "model", lo=4, hi=2048)
    d_dropout: float = _f(0.0, "Dropout in D; slows down a detective that wins too easily", "model", lo=0.0, hi=0.9)
    spectral_norm: bool = _f(False, "Spectral normalisation of D's layers: each divided by its largest singular value, so D's slope is bounded and it cannot overshoot G's moving fakes", "model")
    # --- loss ---
    loss: str = _f("bce", "bce: non-saturating (G maximises log D(G(z))); minimax: the paper's log(1 - D(G(z))); lsgan; wgan-gp; hinge", "loss", choices=tuple(LOSSES))
    gp_weight: float = _f(10.0, "Weight of WGAN-GP's gradient penalty", "loss", lo=0.0, hi=1000.0)
    r1_weight: float = _f(0.0, "Weight (gamma) of the R1 penalty, gamma/2 x |grad D(x)|^2 on real data: stops D from overshooting, so G settles on the modes instead of circling (0 = off; bce, minimax, lsgan, hinge)", "loss", lo=0.0, hi=1000.0)
    label_smoothing: float = _f(0.0, "One-sided smoothing: real labels become 1 - this", "loss", lo=0.0, hi=0.5)
    label_noise: float = _f(0.0, "Uniform noise of this size pushes real labels down and fake labels up", "loss", lo=0.0, hi=0.5)
    augment: str = _f("none", "Differentiable augmentation of D's inputs (real and fake alike)", "loss", choices=AUGMENTS)
    # --- optimizer ---
    lr_g: float = _f(2e-4, "G's Adam learning rate", "optimizer", lo=1e-6, hi=1.0, live=True)
    lr_d: float = _f(2e-4, "D's Adam learning rate", "optimizer", lo=1e-6, hi=1.0, live=True)
    beta1: float = _f(0.9, "Adam beta1; GANs often use 0.5 so momentum cannot carry G past the moving target", "optimizer", lo=0.0, hi=0.999)
    beta2: float = _f(0.999, "Adam beta2", "optimizer", lo=0.0, hi=0.9999)
    d_steps: int = _f(1, "D updates for each G update", "optimizer", lo=1, hi=20, live=True)
    d_head_start: int = _f(0, "D's updates alone, against the untrained G, before the game's first step: a D that is sure of itself from the start (G frozen meanwhile; 0 = none)", "optimizer", lo=0, hi=20000)
    ema: float = _f(0.0, "Decay of an exponential moving average of G's weights, used for samples (0 = off)", "optimizer", lo=0.0, hi=0.99999)
    ema_calibrate: int = _f(0, "Samples from a fixed z over which the EMA of G's batch-norm statistics are recomputed for its own weights each time it is sampled (0 = averaged from G's, as its weights are)", "optimizer", lo=0, hi=4096)
    batch_size: int = _f(64, "Real and fake samples in each update", "optimizer", lo=1, hi=4096)
    lr_decay_after: int = _f(0, "Steps at the full lr_g and lr_d; after them both halve every lr_half_life steps (0 = never decay)", "optimizer", lo=0, hi=10_000_000)
    lr_half_life: int = _f(3000, "Steps in which the decaying learning rates halve (see lr_decay_after)", "optimizer", lo=1, hi=10_000_000)
    lr_floor: float = _f(0.0, "The share of lr_g and lr_d the decaying learning rates halve down to and no further, so a live change of them still counts (0 = no floor)", "optimizer", lo=0.0, hi=1.0)
    # --- schedule ---
    epochs: int = _f(10, "Epoch budget (passes of D over the data); can be extended or cut while training", "schedule", lo=1, hi=100000, live=True)
    sample_every: int = _f(100, "Steps between snapshots of the sample grid from the fixed z", "schedule", lo=1, hi=100000)
    eval_every: int = _f(500, "Steps between quality measurements of G's samples (0 = off); each costs ~1% of the steps between", "schedule", lo=0, hi=1000000)
    seed: int = _f(0, "Seed for weights, data order and noise; the same seed repeats a run", "schedule", lo=0, hi=2**31 - 1)
    # --- compute ---
    device: str = _f("auto", "auto picks CUDA, then Apple MPS, then CPU", "compute", choices=DEVICES)
    precision: str = _f("fp32", "bf16 autocast: faster on GPUs and AMX CPUs, ~10x slower on AVX2-only CPUs (measured)", "compute", choices=PRECISIONS)
    threads: int = _f(0, "CPU threads for torch on the command line (0 = auto: see device.py for why); in the app every run uses the server's GAN_STUDIO_THREADS, as torch's count is one for the whole process", "compute", lo=0, hi=256, cli_only=True)
    compile: bool = _f(False, "torch.compile G and D: faster steps once the first step has compiled them (fast-digits on 2 busy CPU cores: 75 s); not with wgan-gp or R1, whose double backward torch.compile does not run", "compute")
    sync_bn: bool = _f(False, "Under torchrun on GPUs: batch norm over all processes' batches together (SyncBatchNorm) instead of each its own; a single process ignores it", "compute")

    def validate(self) -> "TrainConfig":
        """Raise FieldError (a ValueError) naming the first bad field and what it allows."""
        for f in dataclasses.fields(self):
            _check(f, getattr(self, f.name))
        if self.dataset == "folder" and not self.data_path:
            raise FieldError("data_path", "must name a folder or .zip of images when dataset=folder")
        if self.dataset == "drawn" and not self.data_path:
            raise FieldError("data_path", "must name the file of your drawn points when dataset=drawn "
                                          "(on the Train page: draw them and press Use these points)")
        penalty = LOSSES[self.loss].penalty
        if self.compile and (penalty or self.r1_weight > 0):
            why = f"loss {self.loss}" if penalty else "r1_weight > 0"
            raise FieldError("compile", f"must be false with {why}: torch.compile cannot run the double backward "
                                        f"of its gradient penalty")
        if self.is_toy != (self.model == "toy-mlp"):
            need = "toy-mlp" if self.is_toy else f"one of {', '.join(m for m in MODELS if m != 'toy-mlp')}"
            raise FieldError("model", f"dataset {self.dataset!r} needs model {need}, got {self.model!r}")
        return self

    @property
    def is_toy(self) -> bool:
        return self.dataset in ("ring8", "grid25", "spiral", "moons", "gauss-1d", "drawn")

    def lr_scale(self, step: int) -> float:
        """The schedule's factor on lr_g and lr_d at `step`: 1 for the first lr_decay_after steps, then halving
        every lr_half_life steps down to lr_floor (lr_decay_after 0: always 1). A live change of lr_g or lr_d scales
        the whole curve."""
        after = self.lr_decay_after
        if after == 0 or step <= after:
            return 1.0
        return max(self.lr_floor, 0.5 ** ((step - after) / self.lr_half_life))

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        # plain Python values only: a numpy float64 (a float subclass) would make the
        # checkpoint unreadable with torch.load(weights_only=True)
        return {k: float(v) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a dict (a checkpoint's, or the UI's); unknown keys are an error, missing ones take defaults."""
        unknown = sorted(set(d) - set(_FIELDS))
        if unknown:
            raise FieldError(unknown[0], f"not a TrainConfig field (fields: {', '.join(sorted(_FIELDS))})")
        return cls(**{k: coerce(k, v) for k, v in d.items()}).validate()


_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
LIVE_FIELDS = tuple(name for name, f in _FIELDS.items() if f.metadata["live"])


def field_meta(name: str) -> dict:
    return _FIELDS[name].metadata


def applies(name: str, dataset: str) -> bool:
    """Whether `dataset` reads field `name` (channels: your own images only; data_path: those and drawn points)."""
    only = _FIELDS[name].metadata["datasets"]
    return only is None or dataset in only


def fields(group: str | None = None) -> list[dataclasses.Field]:
    """TrainConfig's fields in order; with a group, only that group's."""
    return [f for f in _FIELDS.values() if group is None or f.metadata["group"] == group]


def groups() -> tuple[str, ...]:
    """The form groups, in the order of their first field ("data", "model", ...)."""
    return tuple(dict.fromkeys(f.metadata["group"] for f in _FIELDS.values()))


def coerce(name: str, value):
    """Turn a value from a CLI or a form into the field's type, or raise FieldError (a ValueError) naming the field."""
    f = _FIELDS.get(name)
    if f is None:
        raise FieldError(name, "not a TrainConfig field")
    typ = type(f.default)
    if value is None or (isinstance(value, bool) and typ is not bool):  # not "None", not True -> 1
        raise FieldError(name, f"expected {_kind(f)}, got {value!r}")
    if isinstance(value, typ):
        return typ(value)  # numpy float64 -> float
    try:
        if typ is int and isinstance(value, str):
            return _whole(value)
        if typ is int and not isinstance(value, int):  # floats, numpy numbers: whole values only
            value = float(value)
            if not value.is_integer():
                raise ValueError
            return int(value)
        if typ is bool:
            return str(value).lower() in ("1", "true", "yes", "on")
        return typ(value)
    except (TypeError, ValueError):
        raise FieldError(name, f"expected {_kind(f)}, got {value!r}") from None


def _whole(text: str) -> int:
    """A whole number typed as text: "64", " 64 ", and also "1e3" or "64.0", which are whole too.

    A form's number box read "1e9" as 1 (the browser parses up to the "e"), so the form takes numbers as text
    and this reads all of it: "1e9" is 1000000000, which validate() then refuses by name and range."""
    text = text.strip()
    try:
        v = int(text)
    except ValueError:
        f = float(text)   # ValueError for text that is no number at all
        if not (math.isfinite(f) and f.is_integer()):
            raise ValueError from None
        v = int(f)
    if abs(v) > 2**63:   # "1e300" would come back in validate()'s message as 301 digits
        raise ValueError
    return v


def _kind(f: dataclasses.Field) -> str:
    """What a field takes, in words a form's user reads: 'a number from 1e-06 to 1', not 'float'."""
    m, typ = f.metadata, type(f.default)
    if m["choices"] is not None:
        return "one of " + ", ".join(map(str, m["choices"]))
    if typ is bool:
        return "true or false"
    if typ is str:
        return "text"
    words = "a whole number" if typ is int else "a number"
    return f"{words} from {_num(m['lo'])} to {_num(m['hi'])}" if m["lo"] is not None and m["hi"] is not None else words


def _check(f: dataclasses.Field, v) -> None:
    m, typ = f.metadata, type(f.default)
    if not isinstance(v, typ) or isinstance(v, bool) != (typ is bool):
        raise FieldError(f.name, f"expected {_kind(f)}, got {v!r}")
    if isinstance(v, float) and not math.isfinite(v):
        raise FieldError(f.name, f"must be a finite number, got {v!r}")
    if m["choices"] is not None and v not in m["choices"]:
        raise FieldError(f.name, f"must be one of {', '.join(map(str, m['choices']))}; got {v!r}")
    lo, hi = m["lo"], m["hi"]
    if lo is not None and not (lo <= v <= hi):
        raise FieldError(f.name, f"must be between {_num(lo)} and {_num(hi)}; got {v!r}")


def _num(x) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"  # :g turned 2**31 - 1 into 2.14748e+09
