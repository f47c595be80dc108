"""Figures of sample quality over a run: the metrics curve and the latest class histogram.

Reads the runner's snapshot.metrics, a tuple of (step, {metric: value}); which
metrics there are depends on the data (see ganlib/metrics/evaluate.py). Each data
set has at most one distance to real samples (DISTANCES), drawn on a log axis
with its real-vs-real floor as a dashed line; each is named for what it is.
"""
from __future__ import annotations

import textwrap

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganlib.charts import palette
from ganlib.charts.look import (CHAR_EM, COLUMN_PX, QUALITY_HEIGHT, SCREEN_WIDTH, Panel, bottom_px, legible, look,
                               present, stack)
from ganlib.words.lab_text import which_g

# metric -> (label, axis: 1 left / 2 right, log scale on its axis, the presenter's short label: a projector's
# column is ~280 px wide, and a legend entry wider than its chart ran out of it)
CURVES = {
    "fid": ("Fréchet distance (lower is better)", 1, True, "Fréchet distance"),
    "feature_fd": ("Fréchet distance on random features (lower is better)", 1, True, "Fréchet (features)"),
    "energy": ("energy distance to real points (lower is better)", 1, True, "energy distance"),
    "classes_covered": ("digit classes covered (of 10)", 2, False, "classes covered"),
    "modes_covered": ("modes covered", 1, False, "modes covered"),
    "high_quality": ("share of high-quality points", 2, False, "high-quality share"),
    "js": ("JS(p_data, p_g) in nats, from G's density (0 = same)", 1, False, "JS divergence"),
}


# 1-2-5 down to 1e-4: the energy distance and the random-feature distance live well below 1
LOG_TICKS = [m * 10.0 ** e for e in range(-4, 4) for m in (1, 2, 5)] + [10000]
DISTANCES = ("fid", "feature_fd", "energy")   # at most one per run; fid_real is its real-vs-real floor
FLOOR = "real vs real"   # the floor's name in the legend
HIST_TITLE, HIST_SHORT = "classes of the latest samples", "latest classes"   # (a projector's)
OF_G = ("js", "modes_covered", "high_quality")   # measured on G's EMA when the run keeps one, else on the raw G: the
                                                 # Theory lab draws the raw G, so each page names its G (issue 23)


def latest_text(metrics, fid_real: float | None = None, ema: float | None = None) -> str:
    """The newest measurement in words, so that it can be read without hovering; with the run's `ema`, which G
    its JS and mode counts were measured on."""
    if not metrics:
        return "quality of G's samples"
    step, m = metrics[-1]
    parts = []
    for name, words in (("fid", "Fréchet distance"), ("feature_fd", "Fréchet distance on random features"),
                        ("energy", "energy distance")):
        if m.get(name) is not None:
            parts.append(f"{words} {_short(m[name])}" + (f" ({m[name] / fid_real:.1f}x real vs real)"
                                                          if fid_real else ""))
    if "classes_covered" in m:
        parts.append(f"{m['classes_covered']} of 10 classes")
    if "modes_covered" in m:
        parts.append(f"{m['modes_covered']} of {m.get('n_modes', '?')} modes")
    if "high_quality" in m:
        parts.append(f"{m['high_quality']:.0%} high quality")
    if "js" in m:
        parts.append(f"JS {m['js']:.3f}")
    of = f" · measured on {which_g(ema)}" if ema is not None and any(k in m for k in OF_G) else ""
    return f"step {step:,}: " + ", ".join(parts) + of


def _short(v: float) -> str:
    """108 and 2,785 as they are, 0.0123 as 0.012: the distances span from 1e-3 to 1e3."""
    return f"{v:,.0f}" if v >= 10 else f"{v:.2g}"


def quality_figure(metrics, fid_real: float | None = None, height: int | None = None,
                   presenter: bool = False, width: int | None = None, ema: float | None = None) -> go.Figure:
    """The quality curves over steps and, for digits, the class histogram of the latest measurement: side by side
    on a screen, the histogram under the curves on a projector's narrow column.

    The real-vs-real floor is a dashed line named in the legend, and the histogram's "uniform" line is named by its
    tick: a label on the plot sat on the curve or on the bars. presenter: large type and thick lines for a
    projector, QUALITY_HEIGHT tall unless `height` says; width: about how wide it is drawn; ema: the run's, to
    name the G that the JS and mode counts were measured on (in the title and each curve's hover)."""
    lk = look(presenter)
    width = width or (COLUMN_PX[2] if presenter else SCREEN_WIDTH)
    metrics = [(s, m) for s, m in metrics if m and "error" not in m]
    last = metrics[-1][1] if metrics else {}
    hist = last.get("class_histogram")
    below = bool(hist) and presenter
    fig = make_subplots(rows=2 if below else 1, cols=2 if hist and not below else 1,
                        column_widths=[0.62, 0.38] if hist and not below else None,
                        specs=[[{"secondary_y": True}, {}]] if hist and not below else
                        [[{"secondary_y": True}], [{}]] if below else [[{"secondary_y": True}]],
                        horizontal_spacing=0.16)
    steps = [s for s, _ in metrics]
    for name, (label, axis, log, short) in CURVES.items():
        if name in last:
            of = f", {which_g(ema)}" if ema is not None and name in OF_G else ""
            fig.add_trace(go.Scatter(x=steps, y=[m.get(name) for _, m in metrics], name=short if presenter else label,
                                     hovertemplate=f"step %{{x}}<br>%{{y:.4g}}<extra>{label}{of}</extra>",
                                     mode="lines+markers", marker=dict(size=lk.marker),
                                     line=dict(color=palette.METRIC[name], width=lk.line,
                                               dash=palette.DASH[f"metric {name}"])),
                          row=1, col=1, secondary_y=axis == 2)
            if log:
                # plotly's own log ticks read "1000, 5, 2, 100" (5 meaning 500): name every tick in full
                fig.update_yaxes(type="log", tickvals=LOG_TICKS, exponentformat="none", row=1, col=1,
                                 secondary_y=axis == 2)   # 0.001, not plotly's "1m"
    if fid_real is not None and any(name in last for name in DISTANCES) and steps:
        # a trace in data units, not an hline with a label: on a log axis plotly put an hline's label at 10**y
        # (plotly.py#2580), and on the plot the label sat on the curve
        fig.add_trace(go.Scatter(x=[min(steps), max(steps)], y=[fid_real] * 2, name=FLOOR, mode="lines",
                                 hoverinfo="skip", line=dict(color=palette.REFERENCE, width=max(1.5, lk.line / 2),
                                                             dash=palette.DASH["REFERENCE"])),
                      row=1, col=1)
    _fixed_ranges(fig, last, coarse=presenter)
    at = dict(row=2, col=1) if below else dict(row=1, col=2)
    if hist:
        fig.add_trace(go.Bar(x=[str(i) for i in range(len(hist))], y=hist, name="share of samples",
                             marker_color=palette.METRIC["classes_covered"], showlegend=False), **at)
        fig.add_hline(y=1 / len(hist), line_dash=palette.DASH["REFERENCE"], line_color=palette.REFERENCE, **at)
        # the bars read against the uniform share, which their one tick names ("0".."9" would read as numbers)
        fig.update_yaxes(tickvals=[1 / len(hist)], ticktext=["uniform"], rangemode="tozero", **at)
        fig.update_xaxes(type="category", title_text=None if below else "digit", **at)
    fig.update_xaxes(title_text=None if presenter else "step", rangemode="tozero", row=1, col=1)
    legend = tuple(t.name for t in fig.data if t.showlegend is not False)
    chars = int(width * (0.62 if hist and not below else 1) / (lk.note * CHAR_EM))
    title = "" if presenter else "<br>".join(textwrap.wrap(latest_text(metrics, fid_real, ema), chars))
    panels = [Panel(title, legend)] + ([Panel(HIST_SHORT, gap=bottom_px(lk, title=False))] if below else [])
    tops = stack(fig, panels, height or (QUALITY_HEIGHT if presenter else 320), width, lk,
                 bottom_px(lk, title=not presenter), axes=("yaxis", "yaxis3") if below else ("yaxis",))
    if hist and not below:
        fig.layout.yaxis3.domain = fig.layout.yaxis.domain
        fig.add_annotation(text=HIST_TITLE, x=fig.layout.xaxis2.domain[0], xref="paper", xanchor="left",
                           y=tops[0], yref="paper", yanchor="bottom", showarrow=False)
    # showlegend: with one curve (gauss-1d's js) plotly hides the legend, and the curve had no name at all
    fig.update_layout(uirevision="keep", showlegend=True)
    legible(fig, lk)
    if presenter:
        present(fig, steps=(1,), width=width)   # a presenter's histogram goes below: the curves take the width
    return fig


def _fixed_ranges(fig, last: dict, coarse: bool = False) -> None:
    """Counts and shares on their whole scale: autoscaled around one value, 10 of 10 classes read as 9.3..10.7,
    and two curves that both fall to 0 (modes covered, high-quality share) hid each other.

    coarse: every other count only, for large type (a presenter's 0..8 in steps of 1 ran into one another)."""
    if "classes_covered" in last:
        fig.update_yaxes(range=[0, 10.5], tickmode="linear", tick0=0, dtick=2, row=1, col=1, secondary_y=True)
    if "modes_covered" in last:
        n = last.get("n_modes") or max(1, last["modes_covered"])
        fig.update_yaxes(range=[0, n + 0.5], tickmode="linear", tick0=0,
                         dtick=(2 if coarse else 1) if n <= 10 else 5, row=1, col=1, secondary_y=False)
    if "high_quality" in last:
        fig.update_yaxes(range=[0, 1.05], tickformat=".0%", tickmode="linear", tick0=0, dtick=0.25,
                         row=1, col=1, secondary_y=True)
    if "js" in last:
        fig.update_yaxes(rangemode="tozero", row=1, col=1, secondary_y=False)
