"""Theory lab: the math of the classic GAN texts, drawn live from a 1-D or 2-D toy run.

Reads the session's run only through ganlib.theory.view (private copies of G
and D, taken between steps) and the run's snapshot.
"""
import math

import streamlit as st

from ganlib import controls, theory
from ganlib.charts.theory import density_figure, field_figure, g_loss_figure, value_figure
from ganlib.describe import status_word
from ganlib.state import Status
from pages._ui import refresh_every, use_app_navigation, visitor

use_app_navigation()

TOYS = ("gauss-1d", "ring8", "grid25")
LOSS_NAMES = {"bce": "non-saturating (bce)", "minimax": "minimax (the paper's)"}

INTRO = r"""
Two networks play a game. **G, the forger**, turns random noise $z$ into samples $G(z)$;
**D, the detective**, says how likely a sample is real. D maximises and G minimises

$$V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))].$$
"""
ONE_D = r"""
For a fixed G the best detective is $D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$, and with it
$V = -\log 4 + 2\,\mathrm{JS}(p_{data} \,\|\, p_g)$. So the game's optimum is $p_g = p_{data}$, where
$D^* = \frac{1}{2}$ everywhere and $V = -2 \log 2 \approx -1.386$.
Watch D(x) chase D*(x), and flatten toward 1/2 as p_g covers p_data.
"""
TWO_D = r"""
Blue: D says *real*; red: D says *fake*. G moves its points along D's slope toward blue.
**Mode collapse**: G piles its samples on a few modes that fool D, and D chases them from mode to mode.
Counted as in PacGAN: 2,500 samples; a sample is *high quality* within 3 standard deviations of its
nearest mode; a mode is *covered* when it holds one; reverse KL of the mode histogram against uniform
(0: even spread, log K: one mode).
"""
LOSSES = r"""
The paper's G minimises $\log(1 - D(G(z)))$. Early on D rejects fakes easily, $D(G(z)) \approx 0$, where
that curve is flat: its gradient with respect to D's logit is $-D(G(z)) \approx 0$, so G barely learns.
The non-saturating loss $-\log D(G(z))$ has the same fixed point but is steep right there
(gradient $-(1 - D(G(z))) \approx -1$). Start the same toy with each loss and compare.
"""


def start(name: str, loss: str) -> None:
    v = visitor()
    controls.start(v, v.choose_preset(name).replace(loss=loss))


def launcher() -> None:
    with st.container(border=True):
        loss = st.radio("G's loss", list(LOSS_NAMES), format_func=LOSS_NAMES.get, horizontal=True, key="th_loss",
                        persist_state="session")
        for col, name in zip(st.columns(len(TOYS)), TOYS):
            col.button(f"Start {name}", key=f"th_start_{name}", on_click=start, args=(name, loss), width="stretch")
        st.caption("Starting replaces this tab's current run. Spiral and moons: start them on the Train page.")


def current_view(runner):
    """The theory view of the run, recomputed only when the run has moved on."""
    snap = runner.snapshot()
    cached = st.session_state.get("th_view")
    if cached is None or cached[:2] != (snap.run_id, snap.step):
        cached = (snap.run_id, snap.step, theory.view(runner))
        st.session_state.th_view = cached
    return snap, cached[2]


def show_1d(v: theory.View1D, snap) -> None:
    left, right = st.columns([3, 1])
    left.plotly_chart(density_figure(v), key="th_density")
    with right:
        st.metric("JS(p_data, p_g) on a grid", f"{v.js:.3f} nats", help="0 when p_g = p_data; log 2 = 0.693 at most")
        values = snap.history.get("value", ())
        if values:
            st.metric("JS implied by V(D, G)", f"{theory.js_from_value(values[-1]):.3f} nats",
                      help="(V + log 4) / 2: equals JS only when D = D*; with a D that is not the best detective "
                           "it is lower, so it sits below the JS on the grid")
        st.markdown(ONE_D)


def show_2d(v: theory.View2D) -> None:
    left, right = st.columns([3, 1])
    left.plotly_chart(field_figure(v), key="th_field")
    with right:
        c = v.coverage
        if c is not None:
            st.metric("Modes covered", f"{c['modes_covered']} / {c['n_modes']}",
                      help="Real clusters with one of G's samples close to them (within 3 standard deviations)")
            st.metric("High-quality samples", f"{100 * c['high_quality']:.1f} %",
                      help="G's samples that close to some real cluster")
            # with no high-quality sample the histogram is empty and the KL undefined: no "∞" that reads as a score
            kl = "n/a" if math.isinf(c["reverse_kl"]) else f"{c['reverse_kl']:.3f}"
            st.metric("Reverse KL to uniform", kl,
                      help=f"How unevenly G's good samples spread over the clusters: 0 even, log {c['n_modes']} = "
                           f"{math.log(c['n_modes']):.2f} all on one; n/a while no sample is near a cluster")
        st.markdown(TWO_D)


def live() -> None:
    runner = visitor().runner
    if runner is None:
        st.info("No run yet: start a toy above.")
        return
    if runner.snapshot().status is Status.LOADING:
        st.info("Loading the data and building G and D…")
        return
    snap, v = current_view(runner)
    if v is None:
        st.info(f"The current run learns {snap.config.dataset} images; the theory lab needs 1-D or 2-D toy "
                "data. Start a toy above.")
        return
    st.caption(f"{snap.config.dataset} · loss {snap.config.loss} · step {snap.step:,} · {status_word(snap)}")
    if isinstance(v, theory.View1D):
        show_1d(v, snap)
    else:
        show_2d(v)
    st.plotly_chart(value_figure(snap.history), key="th_value")


def page() -> None:
    st.title("Theory lab")
    st.markdown(INTRO)
    launcher()
    st.fragment(run_every=refresh_every(visitor().snapshot()))(live)()
    with st.expander("Minimax or non-saturating: why G's gradient vanishes early with minimax"):
        st.plotly_chart(g_loss_figure(theory.g_loss_curves()), key="th_losses")
        st.markdown(LOSSES)


page()
