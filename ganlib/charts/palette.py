"""The colours and dashes of GAN Studio's charts, named by what they mean, from a colour-blind-safe palette.

A student reads colour before labels: if orange is G's loss on one chart and
real data on the next, the second chart is misread. So every chart (and the
timeline GIF) takes its colours from here, by meaning. One in twelve boys sees
red and green alike, so the colours are Okabe and Ito's eight (OKABE_ITO, "Color
Universal Design", 2008), told apart with every common colour blindness, plus
greys; and each curve also has its own dash (DASH), so that two curves of one
chart differ even in a black-and-white print. Eight colours cannot give twenty
meanings one each: meanings share a colour only where they never meet on one chart
(tests/test_palette.py checks every chart for two series in one colour).
Text is drawn in TEXT, or in a meaning's colour only where that passes WCAG AA
(contrast() >= 4.5 on white, tests/test_palette.py). Colour scales (D's heat
map, the z colour map) are scales, not meanings, and stay with their charts.
"""
from __future__ import annotations

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
_O = OKABE_ITO

# the two players
D = _O["blue"]                      # the discriminator: its loss
G = _O["vermillion"]                # the generator: its loss, its map z -> G(z)
# the data
REAL = "#999999"                    # real samples: points, histograms, p_data (grey: the backdrop G is drawn over)
FAKE = _O["orange"]                 # G's samples: points, histograms, p_g
# D's verdicts
D_REAL = _O["bluish green"]         # D(x): D's output on real data (and on any x, in the Theory lab)
D_FAKE = _O["reddish purple"]       # D(G(z)): D's output on G's samples
D_STAR = _O["sky blue"]             # D*(x) = p_data / (p_data + p_g), the best D for the current G
# the game and G's two losses (the Theory lab's charts, where D's verdicts are not drawn)
VALUE = _O["black"]                 # V(D, G)
MINIMAX = _O["reddish purple"]      # G's loss log(1 - D(G(z))), the paper's
NON_SATURATING = _O["bluish green"]   # G's loss -log D(G(z)), what bce trains
# marks
REFERENCE = "#555555"               # where a perfect GAN would be: the optimum, 1/2, uniform, real vs real, the modes
EVENT = "#000000"                   # a live change of a setting during the run
ALARM = "#882255"                   # where an alarm (ganlib/words/alarms.py) looked (Tol's wine: dark, for its text)
YOU = "#000000"                     # the z the user picked, and G of it
ARROW = _O["black"]                 # where G's loss pushes each fake, over D's red-blue map: not G's vermillion,
                                    # which reads as the map's red (fake), nor a blue of the map's
TEXT = "#31333F"                    # axes, ticks and legends: Streamlit's own text colour
# quality metrics (keys as in snapshot.metrics); the class histogram shows classes_covered's measurement. A run
# has at most one distance (fid, feature_fd, energy or js), drawn in one colour, and its counts in others
METRIC = {
    "fid": _O["blue"],
    "feature_fd": _O["blue"],          # other images: the Fréchet distance on random features
    "energy": _O["blue"],              # spiral, moons: the energy distance to real points
    "js": _O["blue"],                  # gauss-1d
    "classes_covered": _O["vermillion"],
    "modes_covered": _O["vermillion"],
    "high_quality": _O["bluish green"],
}

# each curve's dash, by meaning, so that two curves of one chart differ without their colour. A reference line is
# "dash" (the pages' words call it "the dashed line"), so no curve is
DASH = {
    "D": "solid", "G": "dot", "VALUE": "dashdot",
    "D_REAL": "solid", "D_FAKE": "dot",
    "REFERENCE": "dash", "EVENT": "dot",
    **{f"metric {k}": "solid" for k in ("fid", "feature_fd", "energy", "js")},
    "metric classes_covered": "dot", "metric modes_covered": "dot", "metric high_quality": "dashdot",
}


def meanings() -> dict[str, str]:
    """Every meaning and its colour: {"D": "#0072B2", ..., "metric fid": ...}."""
    named = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}
    return {**named, **{f"metric {k}": v for k, v in METRIC.items()}}


def rgb(colour: str) -> tuple[int, int, int]:
    """"#rrggbb" -> (r, g, b), for pictures drawn with numpy rather than plotly."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0: black, 1: white)."""
    c = [v / 255 for v in rgb(colour)]
    c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def contrast(fore: str, back: str = "#ffffff") -> float:
    """WCAG 2's contrast ratio, 1 to 21: AA asks 4.5 of text, 3 of large text (24 px, or 19 px bold)."""
    hi, lo = sorted((luminance(fore), luminance(back)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
