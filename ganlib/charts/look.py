"""How the charts look: on a laptop screen (SCREEN) or on a projector (PRESENTER), the presenter's layout, and the
room that legends and labels need so that none of them is drawn over a curve or over another chart.

A projector in a classroom shows 1280 x 720 pixels to people several metres
away, so the presenter look has large type, thick lines, few gridlines and
the legends on top (where they take no height from the curves). The figure
builders take `presenter=True` and read their sizes from here, so that all the
charts of a presenter screen agree.

The presenter layout (Streamlit's wide layout, sidebar closed), three columns of COLUMN_PX:

    status line (STATUS_PX)
    Start | Pause | Resume | Step | Stop | Reset         (the owner's Train page only: BUTTONS_PX)
    +-----------------+---------------------+--------------+
    | G's samples     | training chart      | quality      |
    | SAMPLES_PX      | body_px() tall      | chart        |
    | square          |                     | body_px()    |
    +-----------------+---------------------+--------------+

body_px() is what is left of 720 pixels below Streamlit's own padding, the status
line and the buttons (measured in Chromium: tests/test_browser_projector.py).

Plotly places a legend in fractions of the plot, not in pixels, and does not
move a plot aside for a horizontal legend that wraps: the legend then covers the
curves, or the chart under it. So the figures reserve the rows a legend needs,
estimated from its names' lengths (legend_rows) for the narrowest width the
chart is drawn at, and place each panel with `stack`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ganlib.charts.palette import TEXT

SCREEN_PX = (1280, 720)    # a projector's screen: what the presenter layout must fit in without scrolling
# measured in Chromium at 1280 x 720, sidebar closed (tests/test_browser_projector.py): Streamlit's padding above
# the first element (96 px, under its header) and at each side (80 px); one line of markdown and its gap; a row of
# buttons and its gap
TOP_PX, SIDE_PX = 96, 80
STATUS_PX = 42
BUTTONS_PX = 56
MARGIN_PX = 8              # so that a browser's own rounding cannot add a scroll bar
GAP_PX = 16                # Streamlit's gap between two columns, and between two elements in a column (1rem)
CONTENT_PX = SCREEN_PX[0] - 2 * SIDE_PX
# the columns in pixels (their sum: the content less two gaps), and so st.columns' weights: samples, training, quality
COLUMN_PX = (368, 440, 280)
COLUMNS = COLUMN_PX
# the columns' share of COLUMN_PX with Streamlit's sidebar open, as a watcher's laptop keeps it: the main area was
# ~810 of the 1,120 px (a class pass's screenshot at 1280 px); the presenter's legends are fitted to that
SIDEBAR_OPEN = 0.72
SAMPLES_PX = 360           # side of G's sample grid (st.image(width=...)), and the height of the points figure


def body_px(buttons: bool = False) -> int:
    """The charts' height on one 1280 x 720 screen, under the status line and (the Train page) the buttons."""
    return SCREEN_PX[1] - TOP_PX - STATUS_PX - (BUTTONS_PX if buttons else 0) - MARGIN_PX


TRAINING_HEIGHT = QUALITY_HEIGHT = body_px()   # the watch page's; the Train page passes body_px(buttons=True)
SCREEN_WIDTH = 560         # the narrowest a screen chart is drawn: half a 1280 px page (a class student's charts)


@dataclass(frozen=True)
class Look:
    presenter: bool
    font: int | None      # the base text size in px (None: plotly's own, 12)
    note: int             # legends, and annotations drawn by the charts: event labels, alarms, panel titles
    line: float           # a curve
    faint_line: float     # the raw points under a smoothed curve
    marker: int           # one of G's points
    real_marker: int      # one of the real points (smaller: the backdrop)

    @property
    def tick(self) -> int:
        return self.font or 12

    @property
    def row(self) -> int:
        """The height of one row of a legend, or of one label, in this look's note size."""
        return math.ceil(1.5 * self.note) + 2


SCREEN = Look(presenter=False, font=None, note=12, line=2.0, faint_line=1.0, marker=6, real_marker=4)
PRESENTER = Look(presenter=True, font=22, note=18, line=4.0, faint_line=1.5, marker=10, real_marker=7)
FAINT = 0.3   # opacity of the raw points under a smoothed curve: visible as a band, never mistaken for the curve
CHAR_EM = 0.58   # a character's mean width in ems (Source Sans measures ~0.5; kept wide so that rows are not short)
LEGEND_ITEM_PX = 46   # a legend entry's line sample and gaps, beside its text


def look(presenter: bool) -> Look:
    return PRESENTER if presenter else SCREEN


def text_px(text: str, size: int) -> float:
    """About how wide `text` is drawn in `size` px type (an estimate, kept on the wide side)."""
    return len(text) * size * CHAR_EM


def fitted(name: str, width: float, size: int) -> str:
    """`name` broken into lines ("<br>") where its legend entry would be wider than `width` px: plotly never breaks
    an entry, and cuts it at the figure's edge ("optimum: D = 1/2 where p" on a presenter column beside the
    sidebar, a class pass)."""
    lines: list[str] = []
    for word in name.split(" "):
        if lines and LEGEND_ITEM_PX + text_px(lines[-1] + " " + word, size) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def legend_rows(names, width: float, size: int, title: str = "") -> int:
    """How many rows a horizontal legend of `names` wraps into across `width` pixels (plotly wraps whole entries;
    a name of two lines (fitted) takes a row more)."""
    rows, used = 1, text_px(title, size) + (8 if title else 0)
    for name in names:
        rows += name.count("<br>")
        item = LEGEND_ITEM_PX + max(text_px(line, size) for line in name.split("<br>"))
        if used and used + item > width:
            rows, used = rows + 1, text_px(title, size) + (8 if title else 0)
        used += item
    return rows if names else 0


@dataclass(frozen=True)
class Panel:
    """One panel of a stacked figure, top to bottom: above its plot its title, its legend, and `labels` rows for
    labels of its own (a live change's label), in that order."""
    title: str = ""
    legend: tuple[str, ...] = ()
    legend_title: str = ""
    labels: int = 0
    weight: float = 1.0      # its share of the height left for the plots
    gap: int = 0             # px more above it: the tick labels of the panel above, when their x axes differ


def stack(fig, panels: list[Panel], height: int, width: float, lk: Look, bottom: int,
          axes: tuple[str, ...] = ("yaxis", "yaxis2")) -> list[float]:
    """Place the panels (yaxis, yaxis2, ...) one above the other in a figure `height` px tall and about `width` px
    wide, each with the room its title, legend (legend, legend2, ...) and labels need; `bottom`: the px under the
    lowest plot for its tick labels and axis title; `axes`: the panels' y axes, top to bottom. Returns each
    panel's top (paper y): its labels go there, with yanchor="bottom" and a yshift of lk.row per row."""
    top = 4
    plot_px = height - top - bottom
    # plotly wraps a legend's entries as if a title at their left took no room, so a legend that wrapped ran out of
    # the chart by its title's width ("D(G(z)) fake" cut off on a presenter column beside an open sidebar, a class
    # pass): a title that does not fit one row with all the entries goes on a row of its own above them
    rows, beside = [], []
    for p in panels:
        n = legend_rows(p.legend, width, lk.note, p.legend_title)
        beside.append(n <= 1 or not p.legend_title)
        rows.append(n if beside[-1] else 1 + legend_rows(p.legend, width, lk.note))
    heads = [lk.row * (_lines(p.title) + n + p.labels) + p.gap + (lk.row // 2 if i else 0)
             for i, (p, n) in enumerate(zip(panels, rows))]
    free = plot_px - sum(heads)
    if free < 60 * len(panels):
        raise ValueError(f"{height} px is too short for these panels' legends and labels ({sum(heads)} px)")
    total = sum(p.weight for p in panels)
    y, tops = 1.0, []
    for i, (p, left, head, axis) in enumerate(zip(panels, beside, heads, axes)):
        name = "" if i == 0 else str(i + 1)
        panel_top = y - head / plot_px
        panel_bottom = panel_top - free * p.weight / total / plot_px
        fig.layout[axis].domain = [max(0.0, panel_bottom), panel_top]
        tops.append(panel_top)
        if p.legend:
            fig.layout[f"legend{name}"] = dict(
                # tracegroupgap 0: each curve is a legend group of its own, and plotly puts that gap (10 px) between
                # two groups' rows too, so a legend of three rows overran the title above it (a class student's page)
                orientation="h", yref="paper", y=panel_top + lk.row * p.labels / plot_px, yanchor="bottom",
                tracegroupgap=0,
                x=0, xanchor="left", font=dict(size=lk.note, color=TEXT), bgcolor="rgba(0,0,0,0)",
                title=dict(text=p.legend_title, font=dict(size=lk.note, color=TEXT),
                           side="left" if left else "top"))
        if p.title:
            above = p.gap + (lk.row // 2 if i else 0)   # the gap above the title
            fig.add_annotation(text=p.title, x=0, xref="paper", xanchor="left", y=y - above / plot_px,
                               yref="paper", yanchor="top", showarrow=False,
                               align="left", font=dict(size=lk.note, color=TEXT))
        y = panel_bottom
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=top, b=bottom))
    return tops


def _lines(title: str) -> int:
    return title.count("<br>") + 1 if title else 0


def bottom_px(lk: Look, title: bool = True) -> int:
    """Room under the lowest plot: its tick labels, and its axis title."""
    return math.ceil(1.6 * lk.tick) + (math.ceil(1.5 * lk.tick) if title else 0) + 4


def legible(fig, lk: Look) -> None:
    """Upright tick labels, and every text of the figure in TEXT at this look's sizes (in place).

    Sizes and colours are set on each axis, not only as the layout's font: Streamlit's chart theme sets its own
    tick and title sizes and a light grey, which win over the layout's (its grey has a contrast of 3.7 on white,
    below WCAG AA's 4.5). Plotly turns tick labels that do not fit by 30 or 90 degrees; here they stay level,
    with fewer of them."""
    # nested dicts, not plotly's magic underscores (title_font=...): each underscore name is parsed anew for every
    # axis, which made this call 43% of the time to build the charts that every watcher's page shows (cProfile)
    text = dict(size=lk.tick, color=TEXT)
    fig.update_layout(font=dict(color=TEXT, size=lk.font), hoverlabel=dict(font=dict(size=lk.tick)))
    # no standoff on x: placed by a standoff, plotly measures the tick labels' depth, which a redraw (Plotly.react, as
    # a fragment redraws) sometimes took as none, and "step" sat on the labels ("2000step", a class pass; 2 redraws
    # of 8); without one its place follows from the font sizes (tests/test_browser_figures.py)
    fig.update_xaxes(dict(tickangle=0, tickfont=text, title=dict(font=text), automargin=False))
    fig.update_yaxes(dict(tickfont=text, title=dict(font=text, standoff=2)))
    for note in fig.layout.annotations:
        if note.font.size is None or note.font.size < lk.note:
            note.font.size = lk.note
        if note.font.color is None:
            note.font.color = TEXT


STEP_TICK_PX = 70   # the room a presenter's step tick takes ("6k" in large type, and the gap to the next)


def present(fig, steps: tuple[int, ...] = (), width: float | None = None) -> None:
    """The presenter's few gridlines and ticks (in place): from the back of a room thin lines only add noise.
    steps: the x axes (1 for xaxis, 2 for xaxis2...) that count steps, written short ("6k"): "0 2000 4000 6000"
    ran together on a presenter column beside the sidebar (a class pass); width: about how wide the figure is
    drawn, for as many of them as fit (four read "0 2k4k6k" on the quality chart's ~200 px: another pass)."""
    fig.update_xaxes(showgrid=False, nticks=4)
    fig.update_yaxes(nticks=5)
    for n in steps:
        axis = fig.layout[f"xaxis{n if n > 1 else ''}"]
        axis.tickformat = "~s"
        if width is not None:
            axis.nticks = max(2, min(4, int(width // STEP_TICK_PX)))
