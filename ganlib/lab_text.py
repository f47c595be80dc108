"""The Theory lab's explanations, in one place so that they can be read (and reviewed) against the math.

Markdown with LaTeX, as st.markdown draws it; no streamlit here. Each claim is one the lab's numbers back:
D* and V(D*, G) are computed from p_data and G's density (ganlib/density.py), not learned.
"""

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
TWO_D = r"""
Blue: where D scores x as *real*; red: as *fake* (for bce and minimax a probability; for the other losses D's raw
output, read by the colour bar). G moves its points along D's slope toward blue.
**Mode collapse**: G piles its samples on a few modes that fool D, and D chases them from mode to mode.
Counted as in PacGAN: 2,500 samples; a sample is *high quality* within 3 standard deviations of its
nearest mode; a mode is *covered* when it holds one; reverse KL of the mode histogram against uniform
(0: even spread, log K: one mode).
"""
LOSSES = r"""
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
    "sharpest steps exactly). If D was flat at 1/2 before, and now is not, the flat D was weak: G had not won.")
