"""Checkpoints: save the current run; resume (load and train on), load, explore, download or delete saved ones;
upload more.

A load that would replace a run that is going asks first (classroom.controls.load_asks): a class may be following
it. What a row's button did is said in that row, next to the button.

What a visitor saves or uploads lands in their own space (ganlib.classroom.spaces), which
nobody else sees; the shared checkpoints beside it everyone may load, and nobody
deletes here. The Space does the file work, names files by refs (never by a path
on the server), and lists a broken file with its error instead of failing.
"""
import streamlit as st

from ganlib.classroom import controls
from ganlib.classroom.controls import Load
from ganlib.words.describe import describe_checkpoint, human_size, loaded_line, replace_question
from ganlib.settings import quota_bytes
from pages.parts.saving import file_name, save_form, upload_box
from pages.parts.ui import set_state, use_app_navigation, visitor

use_app_navigation()

EXPLORE_REQUEST = "explore_request"   # read by pages/parts/sources.py
MESSAGE, CONFIRM = "ck_message", "ck_confirm"   # (ref, level, text) said in ref's row; (ref, Load) asked there


def ask(space, ref: str, how: Load) -> None:
    """A Resume or Load press: done at once, or asked first in the row when it would replace a run that is going."""
    if controls.load_asks(visitor().snapshot()):
        st.session_state[CONFIRM] = (ref, how)
    else:
        load(space, ref, how)


def load(space, ref: str, how: Load) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        level, text = loaded_line(file_name(ref), *controls.load(visitor(), space.load(ref), how), how is Load.RESUME)
    except ValueError as e:   # CheckpointError too: the file, a state that does not fit, a run over the limits
        level, text = "error", str(e)
    st.session_state[MESSAGE] = (ref, level, text)


def delete(space, ref: str) -> None:
    try:
        space.delete(ref)
        st.session_state[MESSAGE] = ("", "success", f"Deleted {file_name(ref)}")   # its row is gone: said on top
    except ValueError as e:
        st.session_state[MESSAGE] = (ref, "error", str(e))


def said_here(space, ref: str) -> None:
    """The row's question (replace the run that is going?) and what its last press did, under its buttons."""
    if (asked := st.session_state.get(CONFIRM)) and asked[0] == ref:
        if not controls.load_asks(snap := visitor().snapshot()):
            del st.session_state[CONFIRM]   # the run it would replace has ended meanwhile: a press loads at once
        else:
            st.warning(replace_question(snap))
            yes, no, _ = st.columns([2, 1, 3])
            yes.button(f"Yes, {asked[1].value} it", key=f"ck_yes_{ref}", type="primary", on_click=load,
                       args=(space, ref, asked[1]))
            no.button("Cancel", key=f"ck_no_{ref}", on_click=set_state, args=(CONFIRM, None))
    if (said := st.session_state.get(MESSAGE)) and said[0] == ref:
        del st.session_state[MESSAGE]
        getattr(st, said[1])(said[2])
        if said[1] != "error":
            st.page_link("pages/train.py", label="Open the Train page", icon="🏋️")


def explore(ref: str) -> None:
    st.session_state[EXPLORE_REQUEST] = ref
    st.switch_page("pages/explore.py")


def row(space, e: dict) -> None:
    ref, broken = e["ref"], bool(e["error"])
    with st.container(border=True):
        pic, info = st.columns([1, 6], vertical_alignment="center")
        if e["picture"] is not None:
            pic.image(e["picture"], width=96)
        elif not broken:
            pic.caption("no picture: toy data (points); Explore shows them")
        with info:
            st.markdown(f"**{e['name']}**" + ("" if e["mine"] else " · shared: everyone may load it"))
            st.caption(describe_checkpoint(e))
            if broken:
                st.error(f"Unreadable: {e['error']}")
            r, a, b, c, d = st.columns(5)
        r.button("▶️ Resume", key=f"ck_resume_{ref}", help="Load it and train on from where it was saved (replaces "
                 "the current run)", on_click=ask, args=(space, ref, Load.RESUME), disabled=broken, width="stretch")
        a.button("📂 Load", key=f"ck_load_{ref}", help="Load it without training yet: Start or Step on the Train page "
                 "goes on (replaces the current run)", on_click=ask, args=(space, ref, Load.LOAD), disabled=broken,
                 width="stretch")
        if b.button("🧭 Explore", key=f"ck_explore_{ref}", help="Open it in the Latent explorer", disabled=broken,
                    width="stretch"):
            explore(ref)
        c.download_button("⬇️ Download", data=lambda: space.read_bytes(ref), key=f"ck_download_{ref}",
                          file_name=file_name(ref), mime="application/octet-stream", on_click="ignore",
                          width="stretch")
        if e["mine"]:
            with d.popover("🗑️ Delete", width="stretch"):
                st.write(f"Delete **{e['name']}** for good?")
                st.button("Yes, delete", key=f"ck_delete_{ref}", type="primary", on_click=delete, args=(space, ref))
        said_here(space, ref)


def images_rows(space) -> None:
    for d in space.data_list():
        name, size, button = st.columns([4, 2, 2], vertical_alignment="center")
        name.markdown(f"🖼️ **{d['name']}** · `{d['ref']}`")
        size.caption(human_size(d["size"]))
        button.button("🗑️ Delete", key=f"ck_delete_{d['ref']}", on_click=delete, args=(space, d["ref"]))
        said_here(space, d["ref"])


st.title("Checkpoints")
space = visitor().space
left, right = st.columns(2)
with left:
    save_form(space)
with right:
    upload_box(space)
entries = space.list()
if (message := st.session_state.get(MESSAGE)) and message[0] not in {e["ref"] for e in entries + space.data_list()}:
    del st.session_state[MESSAGE]   # a row's message is said in its row, below; one whose row is gone, here
    getattr(st, message[1])(message[2])
mine = [e for e in entries if e["mine"]]
st.subheader(f"Yours ({len(mine)})")
st.caption(f"Only you see these: your checkpoints and the images you uploaded for dataset=folder. "
           f"They take {human_size(space.used())} of your {human_size(quota_bytes())}.")
if not mine:
    st.info("No checkpoints of yours yet: save the current run or upload a checkpoint.")
for entry in mine:
    row(space, entry)
images_rows(space)
shared = [e for e in entries if not e["mine"]]
st.subheader(f"Shared ({len(shared)})")
st.caption("Checkpoints that ship with GAN Studio or that the teacher placed on the server: load them, "
           "explore them, download them.")
for entry in shared:
    row(space, entry)
