"""Checkpoints: save the current run; resume, explore, download or delete saved ones; upload more.

The folder is shared by everyone using this server; ganlib.library does the
file work (listing, safe names, uploads, deleting) and never lets a broken
file crash the listing.
"""
import os

import streamlit as st

from ganlib import CheckpointError, library
from ganlib.state import Status
from pages._ui import use_app_navigation, visitor

use_app_navigation()

EXPLORE_REQUEST = "explore_request"   # read by pages/explore.py
LOAD_WAIT_S = 60.0                     # a resumed run builds its data and models in its own thread


def save_form(folder: str) -> None:
    runner = visitor().runner
    with st.form("ck_save", border=True):
        name = st.text_input("Save the current run as", placeholder="my-digits", key="ck_name")
        if st.form_submit_button("💾 Save", disabled=runner is None):
            if not name.strip():
                st.error("Type a name for the checkpoint first, e.g. my-digits.")
                return
            try:
                path = library.save_target(folder, name)
                existed = os.path.exists(path)
                visitor().save(name)
                st.success(f"{'Replaced' if existed else 'Saved'} {os.path.basename(path)}")
            except (ValueError, OSError) as e:
                st.error(str(e))
        if runner is None:
            st.caption("No run to save yet: start one on the Train page.")


def upload_box(folder: str) -> None:
    upload = st.file_uploader("Upload a checkpoint (.pt) into the folder", key="ck_upload")
    if upload is None:
        return
    done = st.session_state.get("ck_uploaded")
    if done and done[0] == upload.file_id:   # the uploader keeps its file across reruns: store it once
        st.success(f"Uploaded as {os.path.basename(done[1])}")
        return
    try:
        path = library.store_upload(folder, upload.name, upload.getvalue())
    except CheckpointError as e:
        st.error(str(e))
        return
    st.session_state.ck_uploaded = (upload.file_id, path)
    st.success(f"Uploaded as {os.path.basename(path)}")


def resume(path: str) -> None:
    try:
        snap = visitor().resume_from(path).wait(lambda s: s.status is not Status.LOADING, LOAD_WAIT_S)
        if snap.ended:  # the file read fine but its state does not fit: say why, as for a bad file
            raise CheckpointError(snap.problem.message)
        # an idle run loaded from a file goes on with Start (Resume is for a paused run)
        st.session_state.ck_message = ("success", f"Loaded {os.path.basename(path)}: press Start on the Train page "
                                                  "to train on from where it was saved.")
    except (CheckpointError, ValueError, OSError) as e:
        st.session_state.ck_message = ("error", str(e))


def delete(folder: str, path: str) -> None:
    try:
        library.delete_checkpoint(folder, path)
        st.session_state.ck_message = ("success", f"Deleted {os.path.basename(path)}")
    except (ValueError, OSError) as e:
        st.session_state.ck_message = ("error", str(e))


def explore(path: str) -> None:
    st.session_state[EXPLORE_REQUEST] = path
    st.switch_page("pages/explore.py")


def row(folder: str, e: dict) -> None:
    key, broken = e["name"], bool(e["error"])
    with st.container(border=True):
        pic, info = st.columns([1, 6], vertical_alignment="center")
        if e["picture"] is not None:
            pic.image(e["picture"], width=96)
        elif not broken:
            pic.caption("no picture: toy data (points); Explore shows them")
        with info:
            st.markdown(f"**{e['name']}**" + (" · ships with GAN Studio" if e["shipped"] else ""))
            st.caption(library.describe(e))
            if broken:
                st.error(f"Unreadable: {e['error']}")
            a, b, c, d = st.columns(4)
        a.button("▶️ Resume", key=f"ck_resume_{key}", help="Load it to train on (replaces the current run)",
                 on_click=resume, args=(e["path"],), disabled=broken, width="stretch")
        if b.button("🧭 Explore", key=f"ck_explore_{key}", help="Open it in the Latent explorer", disabled=broken,
                    width="stretch"):
            explore(e["path"])
        c.download_button("⬇️ Download", data=lambda p=e["path"]: library.read_bytes(folder, p),
                          key=f"ck_download_{key}", file_name=os.path.basename(e["path"]),
                          mime="application/octet-stream", on_click="ignore", width="stretch")
        if not e["shipped"]:
            with d.popover("🗑️ Delete", width="stretch"):
                st.write(f"Delete **{e['name']}** for everyone using this server?")
                st.button("Yes, delete", key=f"ck_delete_{key}", type="primary", on_click=delete,
                          args=(folder, e["path"]))


st.title("Checkpoints")
folder = visitor().checkpoint_dir
left, right = st.columns(2)
with left:
    save_form(folder)
with right:
    upload_box(folder)
if message := st.session_state.pop("ck_message", None):
    (st.success if message[0] == "success" else st.error)(message[1])
entries = library.list_checkpoints(folder)
st.subheader(f"Saved checkpoints ({len(entries)})")
if not entries:
    st.info("No checkpoints yet: save the current run or upload a checkpoint.")
for entry in entries:
    row(folder, entry)
