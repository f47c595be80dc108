"""Checkpoints: save the current run; resume, explore, download or delete saved ones; upload more.

What a visitor saves or uploads lands in their own space (ganlib.classroom.spaces), which
nobody else sees; the shared checkpoints beside it everyone may load, and nobody
deletes here. The Space does the file work, names files by refs (never by a path
on the server), and lists a broken file with its error instead of failing.
"""
import streamlit as st

from ganlib import CheckpointError
from ganlib.words.describe import describe_checkpoint, human_size
from ganlib.settings import quota_bytes
from ganlib.run.state import Status
from pages.parts.ui import use_app_navigation, visitor

use_app_navigation()

EXPLORE_REQUEST = "explore_request"   # read by pages/parts/sources.py
LOAD_WAIT_S = 60.0                     # a resumed run builds its data and models in its own thread


def file_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def save_form(space) -> None:
    runner = visitor().runner
    with st.form("ck_save", border=True):
        name = st.text_input("Save the current run as", placeholder="my-digits", key="ck_name")
        if st.form_submit_button("💾 Save", disabled=runner is None):
            if not name.strip():
                st.error("Type a name for the checkpoint first, e.g. my-digits.")
                return
            try:
                ref = space.save_target(name)
                existed = space.exists(ref)
                visitor().save(name)
                st.success(f"{'Replaced' if existed else 'Saved'} {file_name(ref)}")
            except ValueError as e:
                st.error(str(e))
            except OSError as e:   # its message would name a folder of the server
                st.error(f"Could not save: {e.strerror or type(e).__name__}")
        if runner is None:
            st.caption("No run to save yet: start one on the Train page.")


def upload_box(space) -> None:
    upload = st.file_uploader("Upload a checkpoint (.pt) into your space", key="ck_upload")
    if upload is None:
        return
    done = st.session_state.get("ck_uploaded")
    if done and done[0] == upload.file_id:   # the uploader keeps its file across reruns: store it once
        st.success(f"Uploaded as {file_name(done[1])}")
        return
    try:
        ref = space.store_upload(upload.name, upload.getvalue())
    except ValueError as e:   # CheckpointError too: the file, its name, its size or the quota
        st.error(str(e))
        return
    st.session_state.ck_uploaded = (upload.file_id, ref)
    st.success(f"Uploaded as {file_name(ref)}")


def resume(space, ref: str) -> None:
    try:
        snap = visitor().resume_from(space.load(ref)).wait(lambda s: s.status is not Status.LOADING, LOAD_WAIT_S)
        if snap.ended:  # the file read fine but its state does not fit: say why, as for a bad file
            raise CheckpointError(snap.problem.message)
        # an idle run loaded from a file goes on with Start (Resume is for a paused run)
        st.session_state.ck_message = ("success", f"Loaded {file_name(ref)}: press Start on the Train page "
                                                  "to train on from where it was saved.")
    except ValueError as e:
        st.session_state.ck_message = ("error", str(e))


def delete(space, ref: str) -> None:
    try:
        space.delete(ref)
        st.session_state.ck_message = ("success", f"Deleted {file_name(ref)}")
    except ValueError as e:
        st.session_state.ck_message = ("error", str(e))


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
            a, b, c, d = st.columns(4)
        a.button("▶️ Resume", key=f"ck_resume_{ref}", help="Load it to train on (replaces the current run)",
                 on_click=resume, args=(space, ref), disabled=broken, width="stretch")
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


def images_rows(space) -> None:
    for d in space.data_list():
        name, size, button = st.columns([4, 2, 2], vertical_alignment="center")
        name.markdown(f"🖼️ **{d['name']}** · `{d['ref']}`")
        size.caption(human_size(d["size"]))
        button.button("🗑️ Delete", key=f"ck_delete_{d['ref']}", on_click=delete, args=(space, d["ref"]))


st.title("Checkpoints")
space = visitor().space
left, right = st.columns(2)
with left:
    save_form(space)
with right:
    upload_box(space)
if message := st.session_state.pop("ck_message", None):
    (st.success if message[0] == "success" else st.error)(message[1])
entries = space.list()
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
