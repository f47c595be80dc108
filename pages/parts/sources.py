"""The Latent explorer's sources: the current run, a saved checkpoint or an upload, each built into a G once.

pages/explore.py lays out what is done with the G chosen here. The G is a private copy, kept by the session's
Visitor per source, so a slider move only runs G, never rebuilds it. Saved checkpoints are the visitor's own and
the shared ones, named by refs (ganlib.classroom.spaces).
"""
import streamlit as st

from ganlib.classroom.uploads import uploaded_checkpoint
from ganlib.errors import shown
from ganlib.explore import walks as ex
from ganlib.explore.walks import Source
from ganlib.words.describe import SOURCE_LABELS
from pages.parts.ui import visitor

REQUEST = "explore_request"   # a checkpoint's ref, set by the Checkpoints page's Explore button


def run_source():
    runner = visitor().runner or visitor().watched()   # a follower explores the run it watches
    if runner is None:
        st.info("No run yet: start one on the Train page, or explore a saved checkpoint.")
        return None
    refresh = st.session_state.setdefault("ex_refresh", 0)
    # the weights come with the run's snapshot (taken with each frame of samples), never from its training thread
    if st.button("🔄 Refresh weights", help="G's weights as of the run's latest samples (it keeps training)"):
        refresh = st.session_state.ex_refresh = refresh + 1
    return (Source.RUN, runner.run_id, refresh), lambda: ex.from_runner(runner)


def label(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return name if ref.startswith("mine/") else f"{name} (shared)"


def file_source():
    space = visitor().space
    refs, first = ex.saved_checkpoints(space.list())
    if not refs:
        st.info("No saved checkpoints yet: save one on the Checkpoints page.")
        return None
    st.session_state.setdefault("ex_file", first)
    ref = st.selectbox("Checkpoint", refs, format_func=label, key="ex_file", persist_state="session")
    return (Source.FILE, ref), lambda: ex.from_payload(space.load(ref), label(ref))


def upload_source():
    upload = st.file_uploader("A ganlib checkpoint (.pt)", key="ex_upload")
    if upload is None:
        return None
    return (Source.UPLOAD, upload.file_id), lambda: ex.from_payload(uploaded_checkpoint(upload.name, upload.getvalue()),
                                                                shown(upload.name))


def load_model():
    """(LatentModel, TrainConfig) of the chosen source, built once per source; None to stop here."""
    if path := st.session_state.pop(REQUEST, None):   # sent here by the Checkpoints page
        st.session_state.update(ex_source=Source.FILE, ex_file=path)
    # with no run to explore (its own or one it watches), open on the shipped checkpoint: something good at once
    has_run = visitor().runner is not None or visitor().watched() is not None
    st.session_state.setdefault("ex_source", Source.RUN if has_run else Source.FILE)
    kind = st.radio("Source", list(Source), format_func=SOURCE_LABELS.get, horizontal=True, key="ex_source",
                    persist_state="session")
    chosen = {Source.RUN: run_source, Source.FILE: file_source, Source.UPLOAD: upload_source}[kind]()
    if chosen is None:
        return None
    try:
        # seconds the first time in a server whose runs train in its worker: torch loads here then (warm.py)
        with st.spinner("Building G from the chosen source…"):
            model, cfg, caption = visitor().explorer_model(*chosen)
    except ValueError as e:   # CheckpointError, a file gone meanwhile, an upload over the budget
        st.error(str(e))
        return None
    st.caption(caption)
    return model, cfg
