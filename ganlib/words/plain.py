"""Beginner's words: the Train form's basic fields in plain words, and a glossary of the jargon a page shows.

The form's default view shows BASIC fields under plain labels, with the technical name (the field, the term a lesson
link, the command line and the charts use) in the tooltip; every other field waits behind "Advanced" under its
own name. Wherever a tooltip names a term of GLOSSARY (lsgan, EMA, Fréchet distance, nats, slerp, ...), it says
what the term means in plain words too (tooltip, tests/test_plain.py). Plain strings only, no UI code.
"""
from __future__ import annotations

import re

ADVANCED = "Advanced: every setting"   # the expander that holds the fields a beginner can leave alone

# field -> (plain label, what it does in plain words). The basic view, in the form's order.
BASIC = {
    "dataset": ("What G learns to make",
                "The real examples: G learns to imitate them, D learns to tell them from G's fakes. Handwritten "
                "digits, your own pictures, or a cloud of points small enough to see whole."),
    "data_path": ("Your pictures or points",
                  "The file G learns from when the data is your own: upload pictures, or draw points and press "
                  "Use these points."),
    "loss": ("How D and G keep score",
             "The rule that turns D's verdicts into scores for D and for G. Each choice is a classic recipe."),
    "lr_g": ("G's learning speed",
             "How big a change G makes to itself each time it learns. Too small and it learns slowly; too big and "
             "it jumps about and may never settle."),
    "lr_d": ("D's learning speed",
             "How big a change D makes to itself each time it learns. A D that learns much faster than G can win "
             "so easily that G learns nothing."),
    "d_steps": ("D's turns per G turn", "How many times D practises before G gets one turn."),
    "epochs": ("How long to train (epochs)",
               "How many times D looks through all the real examples. You can raise or lower it while it trains."),
    "seed": ("Starting dice (seed)",
             "The dice roll behind the first weights, the order of the examples and the noise: the same number "
             "gives the same run again; another number, another run."),
}

# What a choice means, as a picker lists it: "least squares (lsgan)": plain words first, the term after
CHOICES = {
    "channels": {0: "0: from the files", 1: "1: grey", 3: "3: RGB"},
    "loss": {"bce": "standard (bce)", "minimax": "the 2014 paper's (minimax)", "lsgan": "least squares (lsgan)",
             "wgan-gp": "critic with a penalty (wgan-gp)", "hinge": "margins (hinge)"},
}

# term -> (how it is found in a text, what it means in plain words)
GLOSSARY = {
    "bce": (r"\bbce\b", "binary cross-entropy: D says how likely an example is real (a probability), and G is "
                        "scored by how much D believes its fakes (the non-saturating game)"),
    "minimax": (r"\bminimax\b", "the 2014 paper's game: G tries to lower D's score rather than raise its own, and "
                                "its learning signal fades once D is sure"),
    "lsgan": (r"\blsgan\b", "least squares: D gives a score and is marked by how far it is from 1 for real and 0 "
                            "for fake"),
    "wgan-gp": (r"\bwgan-gp\b|WGAN-GP", "Wasserstein GAN: D is a critic that rates how real an example looks, kept "
                                        "smooth by a gradient penalty (gp)"),
    "hinge": (r"\bhinge\b", "D only pushes each verdict past a margin, then stops pushing"),
    "EMA": (r"\bEMA\b|moving average", "a smoothed copy of G (an exponential moving average of its weights) that "
                                       "changes slowly and draws steadier samples"),
    "Fréchet distance": (r"Fr[ée]chet", "how far G's samples are from real ones, comparing the average and the "
                                        "spread of features measured on each (a digit classifier's, or fixed "
                                        "random filters'): 0 means alike, lower is better"),
    "nats": (r"\bnats?\b", "a unit of information (natural logarithms; 1 nat is 1.44 bits): JS is 0 nats when two "
                           "distributions match and at most 0.693 when they do not overlap"),
    "slerp": (r"\bslerp\b", "spherical interpolation: a path between two noise vectors along a circle, which stays "
                            "where random noise usually lies (lerp, the straight line, cuts through the middle)"),
    "JS": (r"\bJS\b|Jensen-Shannon", "Jensen-Shannon divergence: how different two distributions are"),
    "learning rate": (r"learning rate|\blr\b", "how big a change one update makes"),
    "Adam": (r"\bAdam\b", "the optimiser: the rule that turns each gradient into a change of the weights, with "
                          "momentum"),
    "gradient": (r"\bgrad(ient)?\b", "the direction in which a score changes fastest: training follows it"),
    "batch norm": (r"[Bb]atch[- ]norm", "each layer's outputs rescaled by the batch's own average and spread"),
    "spectral norm": (r"[Ss]pectral norm", "each of D's layers scaled down so that D's verdict cannot change "
                                           "abruptly"),
    "R1": (r"\bR1\b", "a penalty on how steeply D's verdict changes around real examples"),
    "dropout": (r"[Dd]ropout", "D ignores a random share of its units at each step"),
    "epoch": (r"\b[Ee]pochs?\b", "one pass through all the real examples"),
    "latent": (r"\blatent\b|\bz\b", "z, the random noise that G turns into an example"),
    "singular value": (r"singular value", "how much a layer can stretch its input at most"),
    "augmentation": (r"augment", "small random changes (shifts) to the pictures D sees"),
    "bf16": (r"\bbf16\b", "a shorter number format: faster on some chips, less precise"),
    "GPU": (r"\bGPUs?\b|\bCUDA\b|\bMPS\b", "a graphics chip (CUDA: NVIDIA's, MPS: Apple's), which does a GAN's "
                                           "arithmetic many times faster than the main processor (CPU)"),
    "torchrun": (r"\btorchrun\b", "PyTorch's launcher that trains one run on several GPUs or processes at once"),
    "torch.compile": (r"torch\.compile", "PyTorch turning G and D into faster code before the first step"),
    "MLP": (r"\bMLP\b", "a network of plain layers of units, each connected to all of the layer before"),
    "DCGAN": (r"\bdcgan\b|\bDCGAN\b|\bconv\b", "a network of convolutions: small filters slid over the picture"),
}


def label(name: str) -> str:
    """A basic field's plain label; any other field's own name."""
    return BASIC[name][0] if name in BASIC else name


def terms_in(text: str) -> list[str]:
    """The GLOSSARY terms a text names, in the glossary's order."""
    return [term for term, (pattern, _) in GLOSSARY.items() if re.search(pattern, text)]


def explain(text: str) -> str:
    """What the jargon of `text` means, one line a term ("" when it has none)."""
    return "  \n".join(f"*{term}*: {GLOSSARY[term][1]}." for term in terms_in(text))


def tooltip(name: str, technical: str, choices=()) -> str:
    """A field's tooltip: for a basic field its plain words first and its technical name after; for every field
    what the field's technical help says, and what each term of jargon in it (or in its choices) means."""
    said = f"**{name}**: {technical}"
    glossary = explain(" ".join([technical, *map(str, choices)]))
    head = f"{BASIC[name][1]}\n\nTechnical term: " if name in BASIC else ""
    return head + said + (f"\n\n{glossary}" if glossary else "")


def term(word: str) -> str:
    """A term of jargon with its plain words, for a tooltip on another page: "slerp: spherical interpolation..."."""
    return f"{word}: {GLOSSARY[word][1]}."
