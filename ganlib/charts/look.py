"""How the charts look: on a laptop screen (SCREEN) or on a projector (PRESENTER), and the presenter's layout.

A projector in a classroom shows 1280 x 720 pixels to people several metres
away, so the presenter look has large type, thick lines, few gridlines and
the legend on top (where it does not take height from the curves). The
figure builders take `presenter=True` and read their sizes from here, so that
all the charts of a presenter screen agree.

The presenter layout (for a page in Streamlit's wide layout, sidebar closed):

    +-------------------------+------------------------------------+
    | G's samples             | training chart                     |
    | SAMPLES_PX square       | TRAINING_HEIGHT                    |
    +-------------------------+                                    |
    | quality chart           |                                    |
    | QUALITY_HEIGHT          |                                    |
    +-------------------------+------------------------------------+
      st.columns(COLUMNS)

The heights add up to BODY_PX, what is left of 720 pixels below Streamlit's
own header and padding and one line of status text (measured in Chromium,
tests/test_browser_presenter.py).
"""
from __future__ import annotations

from dataclasses import dataclass

SCREEN_PX = (1280, 720)    # a projector's screen: what the presenter layout must fit in without scrolling
# measured in Chromium at 1280 x 720 (tests/test_browser_presenter.py): Streamlit's top padding (96 px, under its
# header), one st.info line of status (56 px) and the gap below it (16 px)
CHROME_PX = 168
GAP_PX = 16                # Streamlit's gap between two elements in a column (1rem)
BODY_PX = SCREEN_PX[1] - CHROME_PX - 8   # 8: a margin, so that a browser's own rounding cannot add a scroll bar
COLUMNS = (2, 3)           # st.columns widths in the wide layout: 440 px for samples and quality, 664 for training
SAMPLES_PX = 260           # side of G's sample grid (st.image(width=...)), and the height of the points figure
QUALITY_HEIGHT = BODY_PX - SAMPLES_PX - GAP_PX
TRAINING_HEIGHT = BODY_PX


@dataclass(frozen=True)
class Look:
    presenter: bool
    font: int | None      # the base text size in px (None: plotly's own, 12)
    note: int             # annotations drawn by the charts: event labels, reference-line labels
    line: float           # a curve
    faint_line: float     # the raw points under a smoothed curve
    marker: int           # one of G's points
    real_marker: int      # one of the real points (smaller: the backdrop)


SCREEN = Look(presenter=False, font=None, note=11, line=2.0, faint_line=1.0, marker=6, real_marker=4)
PRESENTER = Look(presenter=True, font=22, note=20, line=4.0, faint_line=1.5, marker=10, real_marker=7)
FAINT = 0.3   # opacity of the raw points under a smoothed curve: visible as a band, never mistaken for the curve
LEGEND_ROW_PX = 34   # one row of the presenter's legend (22 px type)


def look(presenter: bool) -> Look:
    return PRESENTER if presenter else SCREEN


def present(fig, legend_rows: int = 1) -> None:
    """The presenter's type, gridlines and legend, on any figure (in place).

    The legend goes above the plot, in a top margin made tall enough for `legend_rows` rows of it. Sizes
    are set on each axis and annotation, not only as the layout's font: Streamlit's chart theme sets its own
    tick and title sizes, which win over the layout's."""
    size = PRESENTER.font
    fig.update_layout(font=dict(size=size), hoverlabel=dict(font_size=size),
                      legend=dict(orientation="h", yref="container", y=1, yanchor="top", x=0, xanchor="left",
                                  font=dict(size=PRESENTER.note)),
                      margin=dict(l=10, r=10, t=legend_rows * LEGEND_ROW_PX + 8, b=10))
    # few gridlines: the eye follows the curves, and from the back of a room thin lines only add noise
    fig.update_xaxes(showgrid=False, nticks=5, tickfont_size=size, title_font_size=size, title_standoff=2)
    fig.update_yaxes(nticks=5, tickfont_size=size, title_font_size=size, title_standoff=2)
    for note in fig.layout.annotations:
        if note.font.size is None or note.font.size < PRESENTER.note:
            note.font.size = PRESENTER.note
