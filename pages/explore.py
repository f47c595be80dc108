"""Latent explorer: move z by hand, walk from A to B, and see where G sends each z.

G is a private copy of the current run, a saved checkpoint or an upload, built once per
source (pages/parts/sources.py), so a slider move only runs G, never rebuilds it.
"""
import random

import streamlit as st

from ganlib import LatentModel
from ganlib.explore import walks as ex
from ganlib.charts.latent import toy_figure
from ganlib.engine.grid import enlarge, whole_scale
from ganlib.engine.kinds import DataKind
from pages.parts.sources import load_model
from pages.parts.ui import set_state, use_app_navigation, visitor

use_app_navigation()

MAX_SEED = 2**31 - 1


def seed_input(label: str, key: str, default: int) -> int:
    st.session_state.setdefault(key, default)
    seed = st.number_input(label, 0, MAX_SEED, step=1, key=key, persist_state="session")
    # short seeds are easy to read out in class
    st.button(f"🎲 Random {label.split(':')[0]}", key=key + "_random", on_click=set_state,
              args=(key, random.randrange(100_000)))
    return int(seed)


def z_controls(model: LatentModel):
    """Seed, dimensions and one slider per chosen dimension; returns z."""
    seed = seed_input("z: seed", "ex_seed", 0)
    z, key = ex.z_from_seed(model.latent_dim, seed), f"ex_dims_{model.latent_dim}"
    if key not in st.session_state:
        st.session_state[key] = ex.strongest_dims(model, z)
    first = "all of them" if model.latent_dim <= 8 else "the 8 that change G(z) most"   # strongest_dims' 8
    dims = st.multiselect(f"Dimensions to move (at first, {first})", list(range(model.latent_dim)), key=key)
    cols = st.columns(2)
    # keyed by seed: a new seed brings new sliders, which start at the new z
    values = {d: cols[i % 2].slider(f"z[{d}]", -ex.LIMIT, ex.LIMIT, max(-ex.LIMIT, min(ex.LIMIT, float(z[d]))),
                                    0.05, key=f"ex_z{d}_{seed}") for i, d in enumerate(dims)}
    return ex.with_dims(z, values)


def show(picture, caption: str = "", target: int = 224) -> None:
    # PNG: Streamlit's default JPEG would blur the enlarged pixels
    st.image(enlarge(picture, ex.scale_for(picture, target)), caption=caption, output_format="PNG")


@st.fragment
def move_section(model: LatentModel) -> None:
    left, right = st.columns([1, 2])
    with right:
        z = z_controls(model)
    with left:
        show(model.pictures(z[None])[0], "G(z)")


@st.fragment
def walk_section(model: LatentModel) -> None:
    cols = st.columns(2)
    with cols[0]:
        a = ex.z_from_seed(model.latent_dim, seed_input("A: seed", "ex_a", 1))
    with cols[1]:
        b = ex.z_from_seed(model.latent_dim, seed_input("B: seed", "ex_b", 2))
    with st.expander("Pick A and B from candidates"):
        first = st.number_input("Candidates from seed", 0, MAX_SEED, 100, 8, key="ex_cand")
        seeds, zs = ex.candidates(model.latent_dim, int(first))
        for col, s, pic in zip(st.columns(len(seeds)), seeds, model.pictures(zs)):
            with col:
                show(pic, f"seed {s}", 84)
                st.button("A", key=f"ex_pick_a{s}", on_click=set_state, args=("ex_a", s))
                st.button("B", key=f"ex_pick_b{s}", on_click=set_state, args=("ex_b", s))
    frames = st.slider("Frames", 3, 16, 8, key="ex_frames")
    for method, text in (("lerp", "Linear (lerp)"), ("slerp", "Spherical (slerp): stays where Gaussian z live")):
        show(ex.strip(model.pictures(ex.walk(a, b, frames, method))), text, 112 * frames)
    method = st.radio("Path", ("slerp", "lerp"), horizontal=True, key="ex_method")
    t = st.slider("Frame along the path", 1, frames, 1, key=f"ex_t{frames}") - 1  # 1-based like the caption
    show(model.pictures(ex.walk(a, b, frames, method)[t:t + 1])[0], f"frame {t + 1} of {frames}")
    side = max(model.shape[1:])
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    size = left.selectbox("GIF size (pixels, at least)", ex.GIF_SIZES, key="ex_gif_size")
    scale = whole_scale(side, size)
    right.download_button(f"Download the walk as a GIF ({frames} frames, {method}, {side * scale} x {side * scale} px)",
                          file_name="latent-walk.gif", mime="image/gif", on_click="ignore",
                          data=lambda: ex.walk_gif(model, a, b, method, frames, size=size))
    right.caption(f"{side} x {side} pictures enlarged {scale} times, with crisp pixels")


@st.fragment
def map_section(model: LatentModel, cfg) -> None:
    left, right = st.columns([2, 1])
    with right:
        z = z_controls(model)
    left.plotly_chart(toy_figure(model, cfg, z, visitor().space.data_path), key="ex_map")


def page() -> None:
    st.title("Latent explorer")
    st.caption("G turns a vector of random numbers z into a sample. Move z and watch what changes.")
    loaded = load_model()
    if loaded is not None:
        model, cfg = loaded
        if model.kind == DataKind.IMAGE:
            move_tab, walk_tab = st.tabs(["Move z", "Walk from A to B"])
            with move_tab:
                move_section(model)
            with walk_tab:
                walk_section(model)
        else:
            map_section(model, cfg)


page()
