"""The two boxes at the top of the Checkpoints page (pages/checkpoints.py): save the current run into the visitor's
own space, and upload a checkpoint into it.
"""
import streamlit as st

from ganlib.errors import NoModels
from pages.parts.ui import visitor


def file_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def save_form(space) -> None:
    runner = visitor().runner
    with st.form("ck_save", border=True):
        data = runner.snapshot().config.dataset if runner is not None else "digits"
        name = st.text_input("Save the current run as", placeholder=f"my-{data}", key="ck_name")
        if st.form_submit_button("💾 Save", disabled=runner is None):
            if not name.strip():
                st.error(f"Type a name for the checkpoint first, e.g. my-{data}.")
                return
            try:
                ref = space.save_target(name)
                existed = space.exists(ref)
                visitor().save(name)
                st.success(f"{'Replaced' if existed else 'Saved'} {file_name(ref)}")
            except ValueError as e:
                st.error(str(e))
            except NoModels as e:   # a run on a cluster that has ended: its actor has left with its models
                st.error(f"Could not save: {e}")
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
