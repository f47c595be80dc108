"""The live charts' one way onto the page: a plotly figure that keeps its last picture until the next is drawn."""
from __future__ import annotations

import re

import streamlit as st


def chart(fig, key: str, where=None) -> None:
    """A plotly chart that keeps its last picture until the next one is drawn (issue 22): every live chart's.

    Streamlit 1.67 names a chart's element after its figure, key or no key (elements/plotly_chart.py hashes the
    spec into compute_and_register_element_id), and its frontend mounts a new chart for a new name: blank (no
    plot, then display: none until measured) for tens of ms: 28 of 152 animation frames of a gauss-1d run in the
    Theory lab (tests/test_browser_flicker.py). A fixed name would not do: its PlotlyChart keeps the figure it
    mounted with and never takes a new spec. So each chart has two slots in one place, one over the other: a new
    figure goes to the slot holding the older one, in front; the other slot, sent unchanged, keeps its element
    and its picture, and shows through until the front one is drawn (a drawn plot is opaque). Neither slot fades
    while a rerun has not reached it (Streamlit dims a stale element to 0.33 after 0.5 s): a dimmed front slot let
    the one behind show through, two charts at once (seen in the Theory lab under load). `where`: a column or
    container to draw in."""
    kept = st.session_state.get(f"{key}.kept")          # (slot 0's figure, slot 1's, the front slot)
    slots, front = ([fig, None], 0) if kept is None else (list(kept[:2]), kept[2])
    if slots[front] is not fig:
        front = 1 - front if kept is not None else front
        slots[front] = fig
    st.session_state[f"{key}.kept"] = (*slots, front)
    box = re.sub(r"[^A-Za-z0-9_-]", "-", key)          # the class Streamlit gives key `key`: st-key-<box>
    with (where or st).container(key=key):   # `key` names the chart's place, as it named the chart before
        st.html(f"<style>.st-key-{box}{{display:grid;grid-template-columns:minmax(0,1fr)}}"
                f".st-key-{box}>div{{grid-area:1/1;width:100%;position:relative}}"
                f".st-key-{box}-{front}{{z-index:1}}.st-key-{box} .svg-container{{background:#fff}}"
                f".st-key-{box} [data-stale=true]{{opacity:1!important;transition:none!important}}</style>")
        for i, f in enumerate(slots):
            if f is not None:
                st.plotly_chart(f, key=f"{key}.{i}")
