"""The colours of GAN Studio's charts, named by what they mean: one colour, one meaning, on every chart.

A student reads colour before labels: if orange is G's loss on one chart and
real data on the next, the second chart is misread. So every chart (and the
timeline GIF) takes its colours from here, by meaning, and no two meanings
share one (tests/test_palette.py holds them apart in perceived colour, too).
Colour scales (D's heat map, the z colour map) are scales, not meanings, and
stay with their charts.
"""
from __future__ import annotations

# the two players
D = "#1f77b4"               # the discriminator: its loss
G = "#d62728"               # the generator: its loss, its map z -> G(z)
# the data
REAL = "#aaaaaa"            # real samples: points, histograms, p_data (grey: the backdrop G is drawn over)
FAKE = "#ff7f0e"            # G's samples: points, histograms, p_g
# D's verdicts
D_REAL = "#2ca02c"          # D(x): D's output on real data (and on any x, in the Theory lab)
D_FAKE = "#9467bd"          # D(G(z)): D's output on G's samples
D_STAR = "#17becf"          # D*(x) = p_data / (p_data + p_g), the best D for the current G
# the game and G's two losses
VALUE = "#8c564b"           # V(D, G)
MINIMAX = "#e377c2"         # G's loss log(1 - D(G(z))), the paper's
NON_SATURATING = "#bcbd22"  # G's loss -log D(G(z)), what bce trains
# marks
REFERENCE = "#555555"       # where a perfect GAN would be: the optimum, 1/2, uniform, real vs real, the data's modes
EVENT = "#a6761d"           # a live change of a setting during the run
ALARM = "#ce1256"           # where an alarm (ganlib/words/alarms.py) looked: D overpowers G, oscillation, ...
YOU = "#000000"             # the z the user picked, and G of it
# quality metrics (keys as in snapshot.metrics); the class histogram shows classes_covered's measurement
METRIC = {
    "fid": "#01665e",
    "classes_covered": "#00441b",
    "modes_covered": "#54278f",
    "high_quality": "#66c2a5",
    "js": "#fdae6b",
    "energy": "#08306b",       # spiral, moons: the energy distance to real points
    "feature_fd": "#e6ab02",   # other images: the Fréchet distance on random features
}


def meanings() -> dict[str, str]:
    """Every meaning and its colour: {"D": "#1f77b4", ..., "metric fid": ...}."""
    named = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}
    return {**named, **{f"metric {k}": v for k, v in METRIC.items()}}


def rgb(colour: str) -> tuple[int, int, int]:
    """"#rrggbb" -> (r, g, b), for pictures drawn with numpy rather than plotly."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
