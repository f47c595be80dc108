"""The Theory lab's explanations, in one place so that they can be read (and reviewed) against the math.

Markdown with LaTeX, as st.markdown draws it; no streamlit here. Each claim is one the lab's numbers back:
D* and V(D*, G) are computed from p_data and G's density (ganlib/lab/density.py), not learned.
"""
from ganlib.lab.meaning import OutputKind

# the Theory lab's choice of G's loss for a toy: the original game's two
G_LOSS_NAMES = {"bce": "non-saturating (bce)", "minimax": "minimax (the game as written)"}

INTRO = r"""
Two networks play a game. **G, the forger**, turns random noise $z$ into samples $G(z)$;
**D, the detective**, says how likely a sample is real. D maximises and G minimises

$$V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))].$$
"""
ONE_D = r"""
In the original game (bce, minimax; the caption under the chart says what the best D is for other losses),
for a fixed G the best detective is $D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$, and with it
$V(D^*, G) = -\log 4 + 2\,\mathrm{JS}(p_{data} \,\|\, p_g)$. So the game's optimum is $p_g = p_{data}$, where
$D^* = \frac{1}{2}$ everywhere and $V = -2 \log 2 \approx -1.386$.
D*(x) here is computed from p_data and G's density; D(x) is what D has learned so far, and any D scores
$V(D, G) \le V(D^*, G)$. So a D near 1/2, or a V near $-2 \log 2$, means p_g = p_data only when D is near D*:
a weak D is flat too. Both are drawn against the raw G, the one D trains against (the Train page's samples come
from its moving average, which lags it).
"""
# how to read the 2-D map's colours, one for each thing it can show (pages/parts/lab.py picks by the Map shown)
READ_D = ("Blue: where D scores x as *real*; red: as *fake* (for bce and minimax a probability; for the other "
          "losses D's raw output, read by the colour bar). G moves its points along D's slope toward blue.")
READ_D_STAR = ("Blue: where the best D, D*, scores x as *real* (p_data above p_g); red: as *fake* (p_g above "
               "p_data); white: p_data = p_g, where D* = 1/2 (for the other losses, their own units: the colour "
               "bar). Grey: too little mass of either to say.")
READ_GAP = ("Blue: where D scores x as *more real* than the best D would; red: *more fake*; white: D is at its "
            "optimum there. Grey: D* unknown.")
TWO_D = r"""
**Mode collapse**: G piles its samples on a few modes that fool D, and D chases them from mode to mode.
Counted as in PacGAN: 2,500 samples; a sample is *high quality* within 3 standard deviations of its
nearest mode; a mode is *covered* when it holds one; reverse KL of the mode histogram against uniform
(0: even spread, log K: one mode).
"""
# why the minimax G stalls: under the chart of G's two losses
SATURATION = r"""
In the game as written (Goodfellow et al., 2014) G minimises $\log(1 - D(G(z)))$; the paper itself warns that
this saturates early in learning and recommends, in practice, that G maximise $\log D(G(z))$ instead: the
non-saturating loss, which is what *bce* trains. G moves D's logit $l$ on its fakes, and
$\frac{d}{dl}\log(1 - \sigma(l)) = -\sigma(l) = -D(G(z))$: where D confidently rejects the fakes,
$D(G(z)) \approx 0$ and G's gradient vanishes. (Against $D(G(z))$ itself the curve is not flat: its slope at 0
is $-1$; it is the sigmoid in between that flattens it.) $-\log D(G(z))$ has the same fixed point, and its slope
$-(1 - D(G(z))) \approx -1$ is largest right there.
"""
D_ALONE = (
    "**Train D to the optimum**: G is frozen and D trains alone, on fresh samples, with its own optimizer. "
    "Against a fixed G the best D is D*, so D's curve should close in on D*'s (a small D cannot follow D*'s "
    "sharpest steps exactly): its curve (1-D) or map (2-D) nears D*'s, and mean |D - D*| falls. The V chart does "
    "not follow it: its curve is D's score on each training step's mini-batch, and G's steps are what move on. "
    "If D was flat at 1/2 before, and now is not, the flat D was weak: G had not won. A step of G after it meets "
    "a D far ahead of it, and G's points can jump far: on ring8 (bce, 3,000 steps, then 3,000 updates of D "
    "alone) one step of G moved them 9-13x as far as a step of the game did (seeds 0-2).")
D_ALONE_DONE = ("D has trained alone, G frozen: its curve or map now sits near D*'s for this G, as near as mean "
                "|D - D*| says. Resume, or Step G, and G answers it.")


def d_alone_left(updates: int) -> str:
    """What the lab says while D trains alone: a Pause, Resume or Step ends it early (run/machine.ENDS_D_ALONE)."""
    return (f"D trains alone: {updates:,} updates to go. Watch D close in on D*. Pause, Resume or Step ends it "
            "early.")


STEP_D = ("One update of D alone, G frozen: watch D's map move and G's points stay. Half a step: the step count "
          "and the curves count whole steps only; the caption above counts half-steps apart.")
STEP_G = ("One update of G alone, D frozen: watch G's points move along the arrows and D's map stay. Half a step: "
          "not in the step count or the curves.")
PACE = ("Train at most this many steps a second, so that each step's change shows; the lab redraws after each "
        "step (at most 4 times a second). Full speed: as fast as the server allows, redrawn each second.")
GRADS = (
    "How much G learns from here: the norm of G's gradient if its next step minimised log(1 - D(G(z))) (minimax) "
    "or -log D(G(z)) (non-saturating), at the current G and D, for 512 fixed z. Where D confidently rejects the "
    "fakes the minimax line falls orders of magnitude below the other: that G barely learns. Dotted: the previous "
    "run's lines, to compare two demos on the same scale.")

# the failure demos: preset -> (button, what to watch). Measured on seeds 0-2 with the raw G the lab draws
# (tests/test_lab_texts.py holds each claim; bench/demos.py prints the same measures over wall time). A GAN's path
# depends on the last bit of every sum, and two CPUs (AVX2 and AVX-512 kernels) take different paths from one seed:
# a claim here is what held on both machines measured, not one machine's figures
DEMOS = {
    "collapse-ring8": (
        "Mode collapse",
        "**Watch** G's points gather into one small blob that D's blue region chases around the ring: it covers "
        "at most 1 of the 8 modes (0 of 8 at 1,000 and 2,000 steps, 0 or 1 at 3,000, on seeds 0-2). *ring8* from "
        "Start above (the loss the radio picks, and an EMA of G) covers all 8 with its EMA by 3,000 steps on the "
        "same seeds, most of its samples close to a mode: that is what the Train page measures. The raw G that "
        "this lab draws, the one D plays against, still jitters around the modes and covers fewer (3-7 of 8 with "
        "bce)."),
    "minimax-stall": (
        "Minimax stalls",
        "**Watch** G's gradient under minimax (pink, below) fall many orders of magnitude below the non-saturating "
        "one (green): D trained 1,000 updates alone first, so it rejects every fake with certainty "
        "(D(G(z)) < 0.001). Adam turns even a vanishing gradient into full-size steps, so in the first 50 "
        "steps G's points are flung far off the ring (to 10-160 from its centre on seeds 0-2; the ring's radius is "
        "1), where D rejects them for good, and there they stay: 0 of 8 modes. Then run its twin."),
    "minimax-stall-ns": (
        "... its non-saturating twin",
        "The same confident D, rates and seed as *Minimax stalls*, but G minimises -log D(G(z)). Its points are "
        "flung off the ring too, but they come back: by step 500 they are at the ring's radius again (seeds 0-2) and "
        "D(G(z)) is back near 0.3-0.5. Back on the ring is not on the modes: at 1,500 steps this G has found at "
        "most 7 of the 8, often only 1, and the Train page raises its oscillation alarm, often its mode-collapse "
        "alarm too (seeds 0-2); by 3,000 it covers 1-7. A confident D is a bad start for either loss; the "
        "difference is that this G keeps learning."),
    "d-overpowers": (
        "D overpowers G",
        "**Watch** D's verdicts on the Train page: D(x) about 0.9 and D(G(z)) about 0.1, step after step. D trains 5 "
        "times per G step at 50x G's rate, and G's samples gather at one mode of 8 (seeds 0-2). Against such a G "
        "those are exactly the best D's scores, 8/9 and 1/9: D wins because G collapsed onto one mode, not because "
        "G's samples are far from the data."),
}

# the side-by-side demo (presets.SIDE_BY_SIDE): its button, and the one thing to watch
SIDE_BY_SIDE = (
    "Minimax vs non-saturating, side by side",
    "**Watch** two Gs face a D that trained 1,000 updates alone first, on the same seed. In the first 50 steps both "
    "are flung off the ring, and for a while neither line says much (near step 100 the non-saturating G's can even "
    "dip below minimax's: its fakes overshoot to where D takes them for real, and -log D is flat there). Then they "
    "part: by step 500 the non-saturating G's points are back at the ring's radius and its gradient (green) stays "
    "large, while the minimax G's points stay far off (10-160 from the centre) and its gradient (pink) sinks by "
    "orders of magnitude as D grows sure. The two runs share one training slot and take turns, a step each; Pause "
    "and Stop act on both.")

# one name per number: the lab and the Train page may measure different Gs
RAW_G = "the raw G (the one D plays against)"
EMA_G = "G's EMA (its moving average)"


def which_g(ema: float) -> str:
    """The G the Train page samples and measures: its EMA when the run keeps one (ema > 0), else the raw G."""
    return EMA_G if ema > 0 else RAW_G


def raw_vs_ema(ema: float) -> str:
    """One line under the lab's numbers on why they may differ from the Train page's ("" without an EMA)."""
    if not ema:
        return ""
    return (f"These numbers are of {RAW_G}; the Train page's JS and mode counts are of {EMA_G}, which averages the "
            f"raw G's last ~{round(1 / (1 - ema)):,} steps and so smooths away its jitter: they often read better.")


def no_d_star(kind: str) -> str:
    """Why the 2-D view draws no D* map."""
    if kind == OutputKind.CRITIC:
        return ("WGAN-GP's critic has no D*: its score is no probability and has no best value at a point, so no "
                "map of a best critic is drawn.")
    return "This data's density is not known in closed form (only ring8's and grid25's are), so no D* map is drawn."


def no_view(dataset: str, toy: bool) -> str:
    """Why the lab draws nothing of the current run: image data, or a toy run without models (views.view)."""
    if toy:
        return ("The lab has nothing to draw of this run: it holds no models (it never built them, or it has ended "
                "and they were let go). Start a toy above.")
    return f"The current run learns {dataset} images; the theory lab needs 1-D or 2-D toy data. Start a toy above."


def value_not_drawn(loss: str) -> str:
    """Why the lab draws no V(D, G) for a run whose loss is not the original game's."""
    return (f"V(D, G) is the value of the original game (bce, minimax); this run's {loss} loss plays another, so it "
            "is not drawn.")


def half_steps_note(half_steps: tuple[int, int]) -> str:
    """The caption's count of Step D / Step G presses, which the step count leaves out ("" when none)."""
    d, g = half_steps
    return f" · and half-steps: {d:,} of D alone, {g:,} of G alone" if d or g else ""


def pace_label(steps_per_s: float) -> str:
    """The slow-motion control's options: "5 steps/s", or "full speed" for 0."""
    return f"{steps_per_s:g} steps/s" if steps_per_s else "full speed"


def describe_density(method: str, pushed: int, samples: int, kernel: float) -> str:
    """How lab/density.py estimated p_g (its Estimate's method, "pushforward" or "smoothed", and the numbers it
    used: QUANTILES + EVEN fixed z, or SAMPLES samples and a KERNEL), in a sentence for a metric's help."""
    if method == "pushforward":
        return (f"p_g computed, not sampled: {pushed:,} fixed z pushed through G, each gap's known "
                "mass spread along G's image of it (JS within 0.001)")
    return (f"p_g from {samples:,} samples of G, blurred by a kernel of {kernel:g} x the data's spread, and "
            "compared with p_data blurred alike (JS a lower bound, within ~2%)")


def describe_density_2d(samples: int) -> str:
    """How lab/density_2d.py estimated the 2-D D* (SAMPLES_2D samples of G), in a sentence for a metric's help."""
    return (f"D* from p_data (exact) and {samples:,} evenly spread samples of G, compared in a square centred on each "
            "point that grows until their ratio is settled (small where G piles its samples). Against 10 million "
            "samples on trained ring8 and grid25 Gs: off by under 0.02 on average, 95% of points within 0.1. "
            "Grey: D* unknown, too little mass of either to say")
