"""ganlib.classroom.library: listing a checkpoints folder (broken files included) and the rule for names users give."""
import pytest

from ganlib.classroom import library
from ganlib import preset
from ganlib.run.checkpoint import make_payload, save_checkpoint
from ganlib.engine.grid import make_grid
from ganlib.engine.trainer import Trainer
from ganlib.errors import FieldError
from ganlib.settings import megabytes
from ganlib.words.describe import describe_checkpoint, human_size


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
    assert broken["error"] == "checkpoint: broken.pt is not a PyTorch file (a picture, text or other data?), " \
                              "so not a ganlib checkpoint"   # its name, never the server's folder
    assert broken["step"] is None
    assert "seed-mlp · digits · step 0" in describe_checkpoint(good)
    assert describe_checkpoint(broken)   # no crash on missing fields


def test_listing_a_missing_folder_is_empty(tmp_path):
    assert library.list_checkpoints(str(tmp_path / "nowhere")) == []


@pytest.mark.parametrize("name, expected", [
    ("my run", "my run.pt"), ("my run!.pt", "my run.pt"), ("../../etc/passwd", "etcpasswd.pt"), ("x..", "x.pt"),
    ("Zoë's GAN (1)", "Zoës GAN 1.pt"), ("a" * 64, "a" * 64 + ".pt"),
])
def test_safe_names(name, expected):
    assert library.safe_name(name) == expected


@pytest.mark.parametrize("name, says", [("", "use letters"), ("///", "use letters"), ("\u202e\u0000", "use letters"),
                                        ("a" * 65, "at most 64 characters; this one has 65")])
def test_names_that_are_refused(name, says):
    with pytest.raises(ValueError, match=f"^name: {says}"):
        library.safe_name(name)


def test_save_target(tmp_path):
    assert library.save_target(str(tmp_path), "run 1") == str(tmp_path / "run 1.pt")
    with pytest.raises(ValueError, match="belong to the checkpoints that ship"):
        library.save_target(str(tmp_path), "pretrained-digits")


def test_human_size_counts_in_the_limits_own_megabytes():
    assert human_size(512) == "512 B"
    assert human_size(3584) == "3.5 KB"
    assert human_size(5_263_351) == "5.0 MB" == megabytes(5_263_351)   # 5,263,351 / 2**20 = 5.02


def test_a_bad_name_is_a_field_error_naming_the_name_box():
    with pytest.raises(FieldError) as e:
        library.safe_name("///")
    assert (e.value.field, str(e.value)) == ("name", "name: use letters, digits, '-', '_', '.' or spaces")
