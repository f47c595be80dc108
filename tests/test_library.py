"""ganlib.library: the checkpoints folder (listing, uploads, downloads, deleting), broken files included."""
import os

import pytest

from ganlib import CheckpointError, library, preset
from ganlib.checkpoint import make_payload, save_checkpoint
from ganlib.grid import make_grid
from ganlib.trainer import Trainer


@pytest.fixture(scope="module")
def ckpt_bytes(tmp_path_factory):
    """A real (untrained) ganlib checkpoint of a small image run, with its picture."""
    t = Trainer(preset("seed-mlp").replace(g_width=16, d_width=16))
    payload = make_payload(t.cfg, t.data.shape, t.state_dict(), preset="seed-mlp",
                           picture=make_grid(t.generate(t.fixed_z[:4])))
    path = save_checkpoint(str(tmp_path_factory.mktemp("src") / "src.pt"), payload)
    with open(path, "rb") as f:
        return f.read()


def test_listing_reads_good_files_and_lists_broken_ones(tmp_path, ckpt_bytes):
    (tmp_path / "good.pt").write_bytes(ckpt_bytes)
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint at all")
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".tmp-half.pt").write_bytes(b"a save in progress")
    entries = {e["name"]: e for e in library.list_checkpoints(str(tmp_path))}
    assert set(entries) == {"good", "broken"}
    good, broken = entries["good"], entries["broken"]
    assert good["error"] == "" and good["preset"] == "seed-mlp" and good["dataset"] == "digits"
    assert good["step"] == 0 and good["size"] == len(ckpt_bytes)
    assert good["picture"].ndim == 2 and good["picture"].dtype.name == "uint8"   # gray: ready for st.image
    assert broken["error"].startswith("checkpoint:") and broken["step"] is None
    assert "seed-mlp · digits · step 0" in library.describe(good)
    assert library.describe(broken)   # no crash on missing fields


def test_listing_a_missing_folder_is_empty(tmp_path):
    assert library.list_checkpoints(str(tmp_path / "nowhere")) == []


def test_upload_of_a_checkpoint_is_stored_under_a_fresh_safe_name(tmp_path, ckpt_bytes):
    a = library.store_upload(str(tmp_path), "my run!.pt", ckpt_bytes)
    b = library.store_upload(str(tmp_path), "my run!.pt", ckpt_bytes)
    assert os.path.basename(a) == "my run.pt" and os.path.basename(b) == "my run-2.pt"
    assert open(b, "rb").read() == ckpt_bytes
    evil = library.store_upload(str(tmp_path), "../../etc/passwd.pt", ckpt_bytes)
    assert os.path.dirname(evil) == str(tmp_path)
    shipped = library.store_upload(str(tmp_path), "pretrained-digits.pt", ckpt_bytes)
    assert not library.is_shipped(shipped)   # an upload cannot become undeletable
    assert sorted(os.listdir(tmp_path)) == sorted(["my run.pt", "my run-2.pt", "passwd.pt",
                                                   "uploaded-pretrained-digits.pt"])


@pytest.mark.parametrize("data, says", [
    (b"hello, this is text", "not a PyTorch file"),
    (None, "not a ganlib checkpoint"),
])
def test_upload_of_anything_else_is_refused_and_not_stored(tmp_path, data, says):
    if data is None:   # a PyTorch file, but not ours
        import io

        import torch
        buf = io.BytesIO()
        torch.save({"weights": torch.zeros(2)}, buf)
        data = buf.getvalue()
    with pytest.raises(CheckpointError, match=says):
        library.store_upload(str(tmp_path), "x.pt", data)
    assert os.listdir(tmp_path) == []


def test_delete_removes_only_files_of_the_folder_and_not_shipped_ones(tmp_path, ckpt_bytes):
    folder = tmp_path / "ck"
    folder.mkdir()
    (folder / "mine.pt").write_bytes(ckpt_bytes)
    (folder / "pretrained-digits.pt").write_bytes(ckpt_bytes)
    (tmp_path / "outside.pt").write_bytes(ckpt_bytes)
    library.delete_checkpoint(str(folder), str(folder / "mine.pt"))
    assert not (folder / "mine.pt").exists()
    with pytest.raises(ValueError, match="ships with"):
        library.delete_checkpoint(str(folder), str(folder / "pretrained-digits.pt"))
    with pytest.raises(ValueError, match="not in the checkpoints folder"):
        library.delete_checkpoint(str(folder), str(folder / ".." / "outside.pt"))
    assert (tmp_path / "outside.pt").exists()


def test_read_bytes_and_save_target(tmp_path, ckpt_bytes):
    (tmp_path / "a.pt").write_bytes(ckpt_bytes)
    assert library.read_bytes(str(tmp_path), str(tmp_path / "a.pt")) == ckpt_bytes
    assert library.save_target(str(tmp_path), "run 1") == str(tmp_path / "run 1.pt")
    with pytest.raises(ValueError):
        library.save_target(str(tmp_path), "pretrained-digits")
    with pytest.raises(ValueError):
        library.save_target(str(tmp_path), "///")


def test_human_size():
    assert library.human_size(512) == "512 B"
    assert library.human_size(5_263_351) == "5.3 MB"
