"""ganlib.classroom.spaces: each visitor's own folder beside the shared, read-only one (issue 9's classroom).

No visitor can reach another's files, every upload is checked whole before it is
kept, a bad file on disk is listed and deletable, and data_path names only the
visitor's own uploads unless the operator allows server folders.
"""
import io
import os
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from ganlib import CheckpointError, DatasetError, preset
from ganlib.classroom import spaces
from ganlib.run.checkpoint import make_payload, save_checkpoint
from ganlib.classroom.spaces import SERVER_PATH_REFUSED, Space, folder_name, spaces_root
from ganlib.engine.trainer import Trainer
from ganlib.settings import MB

KEY_A, KEY_B = "key-of-a", "key-of-b"


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    t = Trainer(preset("ring8").replace(batch_size=64))
    t.step()
    path = save_checkpoint(str(tmp_path_factory.mktemp("src") / "ring.pt"), make_payload(t.cfg, t.data.shape,
                                                                                          t.state_dict(), preset="ring8"))
    return open(path, "rb").read()


@pytest.fixture(scope="module")
def evil(ckpt):
    from evil import evil_files
    return evil_files(ckpt)


@pytest.fixture
def shared(tmp_path, ckpt):
    d = tmp_path / "shared"
    d.mkdir()
    (d / "pretrained-ring8.pt").write_bytes(ckpt)
    return d


@pytest.fixture
def root(tmp_path):
    return tmp_path / "visitors"


def space(root, shared, key=KEY_A):
    return Space(str(root), key, str(shared))


def files_under(folder) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def png(w=8, h=8, seed=0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def zip_of(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


# --- whose files: one folder per visitor, named by a hash, and the shared one read-only -----------------------
def test_two_visitors_saving_one_name_both_keep_their_file_and_neither_reaches_the_other(root, shared, ckpt):
    a, b = space(root, shared, KEY_A), space(root, shared, KEY_B)
    assert a.save("my run", ckpt) == "mine/my run.pt"
    assert not b.exists("mine/my run.pt") and [e["ref"] for e in b.list()] == ["shared/pretrained-ring8.pt"]
    assert b.save("my run", ckpt[:-1] + b"!") == "mine/my run.pt"     # not a replacement of a's
    assert a.read_bytes("mine/my run.pt") == ckpt and b.read_bytes("mine/my run.pt").endswith(b"!")
    b.delete("mine/my run.pt")
    assert a.read_bytes("mine/my run.pt") == ckpt and not b.exists("mine/my run.pt")
    assert sorted(os.listdir(root)) == sorted([folder_name(KEY_A), folder_name(KEY_B)])
    assert not any(KEY_A in p or KEY_B in p for p in files_under(root))   # the key itself is never on disk


@pytest.mark.parametrize("ref", [
    "mine/../{b}/checkpoints/x.pt", "mine/../../{b}/checkpoints/x.pt", "shared/../visitors/{b}/checkpoints/x.pt",
    "{abs}", "mine/data/../../{b}/checkpoints/x.pt", "mine/.tmp-x.pt", "mine/", "shared/", "x.pt", "mine/x.zip",
])
def test_no_ref_reaches_outside_the_visitors_own_folders(root, shared, ckpt, ref):
    a, b = space(root, shared, KEY_A), space(root, shared, KEY_B)
    b.save("x", ckpt)
    target = os.path.join(root, folder_name(KEY_B), "checkpoints", "x.pt")
    ref = ref.format(b=folder_name(KEY_B), abs=target)
    for call in (a.path_of, a.read_bytes, a.delete, a.load):
        with pytest.raises(ValueError) as e:
            call(ref)
        assert str(root) not in str(e.value) and str(shared) not in str(e.value)
    assert os.path.exists(target)


def test_shared_checkpoints_are_listed_for_all_and_never_deleted(root, shared, ckpt):
    a = space(root, shared)
    a.save("mine too", ckpt)
    listed = a.list()
    assert [(e["ref"], e["mine"], e["error"]) for e in listed] == [("mine/mine too.pt", True, ""),
                                                                   ("shared/pretrained-ring8.pt", False, "")]
    assert "path" not in listed[0] and listed[1]["step"] == 1 and listed[1]["preset"] == "ring8"
    with pytest.raises(ValueError, match="pretrained-ring8.pt is shared with everyone on this server"):
        a.delete("shared/pretrained-ring8.pt")
    assert a.load("shared/pretrained-ring8.pt")["trainer"]["step"] == 1
    assert os.listdir(shared) == ["pretrained-ring8.pt"]


def test_saving_refuses_the_shipped_names_and_bad_ones(root, shared, ckpt):
    a = space(root, shared)
    for name, says in (("pretrained-ring8", "belong to the checkpoints that ship"), ("///", "use letters"),
                       ("x" * 65, "at most 64")):
        with pytest.raises(ValueError, match=f"^name: .*{says}"):
            a.save(name, ckpt)
    assert not os.path.exists(root / folder_name(KEY_A) / "checkpoints")


def test_temp_files_of_killed_saves_are_removed_when_a_space_is_made(root, shared, monkeypatch):
    mine = root / folder_name(KEY_A) / "checkpoints"
    other = root / folder_name(KEY_B) / "data"
    for d in (mine, other):
        d.mkdir(parents=True)
    (mine / ".tmp-killed.pt").write_bytes(b"half")
    (mine / ".tmp-saving.pt").write_bytes(b"this visitor's other tab, saving now")
    (other / ".tmp-old.zip").write_bytes(b"half")
    (other / ".tmp-new.zip").write_bytes(b"another process saving now")
    old = time.time() - 2 * spaces.STALE_TEMP_S
    for p in (mine / ".tmp-killed.pt", other / ".tmp-old.zip"):
        os.utime(p, (old, old))
    monkeypatch.setattr(spaces, "_swept", {})   # as in a fresh server process
    space(root, shared, KEY_A)
    assert os.listdir(mine) == [".tmp-saving.pt"] and os.listdir(other) == [".tmp-new.zip"]


def test_a_reload_of_the_same_visitor_leaves_the_first_tabs_save_alone(root, shared, ckpt, monkeypatch):
    a = space(root, shared, KEY_A)
    real = spaces.atomic_write

    def reloaded_midway(path, data):   # the temporary file is written when the same visitor reloads
        def write(f):
            f.write(data)
            space(root, shared, KEY_A)
        return real(path, write)
    monkeypatch.setattr(spaces, "atomic_write", reloaded_midway)
    assert a.save("my run", ckpt) == "mine/my run.pt"
    assert a.read_bytes("mine/my run.pt") == ckpt
    assert files_under(root / folder_name(KEY_A)) == ["checkpoints/my run.pt"]


def test_a_space_nobody_visits_for_the_keep_days_is_removed_and_a_visit_keeps_one(root, shared, ckpt, monkeypatch):
    monkeypatch.setattr(spaces, "_swept", {})
    a, b = space(root, shared, KEY_A), space(root, shared, KEY_B)
    a.save("mine", ckpt)
    b.save("theirs", ckpt)
    month = time.time() - 31 * 86400
    for path in [root / folder_name(k) for k in (KEY_A, KEY_B)]:
        for p in [path, *path.rglob("*")]:
            os.utime(p, (month, month))
    monkeypatch.setattr(spaces, "_swept", {})   # an hour later, say: the next visitor's arrival looks again
    space(root, shared, KEY_A)                  # A comes back (their link keeps the key): a visit keeps the space
    assert os.listdir(root) == [folder_name(KEY_A)] and a.list()[0]["name"] == "mine"
    spaces.sweep(str(root), now=time.time() + 60)   # within the hour: not looked over again
    monkeypatch.setenv("GAN_STUDIO_KEEP_DAYS", "0")   # 0: kept for ever
    spaces.sweep(str(root), now=time.time() + 86400 * 400)
    assert os.listdir(root) == [folder_name(KEY_A)]
    monkeypatch.setenv("GAN_STUDIO_KEEP_DAYS", "soon")
    with pytest.raises(ValueError, match="^GAN_STUDIO_KEEP_DAYS: must be a number of days"):
        spaces.sweep(str(root), now=time.time() + 86400 * 800)


def test_spaces_root(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_STUDIO_SPACES", str(tmp_path / "here"))
    assert spaces_root() == str(tmp_path / "here")
    monkeypatch.delenv("GAN_STUDIO_SPACES")
    monkeypatch.setattr(os, "access", lambda *a: False)    # no writable /data (a Space without persistent storage)
    assert spaces_root() == os.path.join(os.path.expanduser("~"), ".cache", "gan-studio", "visitors")


# --- the quota, and sizes checked before writing ---------------------------------------------------------------
def test_the_quota_is_checked_before_writing(root, shared, ckpt, monkeypatch):
    a = space(root, shared)
    monkeypatch.setenv("GAN_STUDIO_QUOTA_MB", str(2.5 * len(ckpt) / MB))
    a.save("one", ckpt)
    a.save("one", ckpt)                                  # replacing a file needs no more room
    assert a.store_upload("two.pt", ckpt) == "mine/two.pt"
    for write in (lambda: a.save("three", ckpt), lambda: a.store_upload("three.pt", ckpt),
                  lambda: a.store_data([("x.png", png(64, 64))] * 40)):
        with pytest.raises(ValueError, match=r"^quota: your files may take .* MB on this server; they take .* Delete"):
            write()
    assert files_under(root / folder_name(KEY_A)) == ["checkpoints/one.pt", "checkpoints/two.pt"]


def test_a_checkpoint_over_the_budget_is_neither_saved_nor_uploaded(root, shared, ckpt, monkeypatch):
    a = space(root, shared)
    monkeypatch.setenv("GAN_STUDIO_MAX_UPLOAD_MB", str(len(ckpt) / (2 * MB)))
    with pytest.raises(ValueError, match="^checkpoint: this run's checkpoint is .* holds at most"):
        a.save("big", ckpt)
    with pytest.raises(ValueError, match=r"^upload: big\.pt is .*; an upload may be at most"):
        a.store_upload("big.pt", ckpt)
    assert files_under(root) == []


# --- the server's disk: one budget for all spaces, and new spaces per address -----------------------------------
def _age(folder, days):
    """As if nobody had opened or written the space `folder` for `days`."""
    then = time.time() - days * 86400
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, (then, then))


def test_the_server_budget_refuses_a_write_that_would_pass_it_and_writes_nothing(root, shared, ckpt, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_DISK_MB", str(2.5 * len(ckpt) / MB))   # two checkpoints, whoever saves them
    a, b, c = (space(root, shared, k) for k in (KEY_A, KEY_B, "key-of-c"))
    a.save("one", ckpt)
    b.save("two", ckpt)
    a.save("one", ckpt)                                  # replacing a file needs no more room
    before = files_under(root)
    for write in (lambda: a.save("three", ckpt), lambda: b.store_upload("three.pt", ckpt),
                  lambda: c.save("mine", ckpt), lambda: c.store_data([("x.png", png(256, 256))] * 12)):
        with pytest.raises(ValueError) as e:
            write()
        assert str(e.value).startswith(f"disk: this server keeps at most {len(ckpt) * 2.5 / MB:,.1f} MB of "
                                       f"visitors' files, and that is full: they take ")
        assert str(root) not in str(e.value)
    assert files_under(root) == before and not os.path.exists(root / folder_name("key-of-c"))
    b.delete("mine/two.pt")                              # deleted since the last count: a save sees the room at once
    assert c.save("mine", ckpt) == "mine/mine.pt"
    monkeypatch.setenv("GAN_STUDIO_DISK_MB", "lots")
    with pytest.raises(ValueError, match="^GAN_STUDIO_DISK_MB: must be a number of megabytes, got 'lots'"):
        a.save("four", ckpt)


def test_a_write_in_progress_holds_its_room_and_a_failed_one_gives_it_back(root, shared, ckpt, monkeypatch):
    import threading
    monkeypatch.setenv("GAN_STUDIO_DISK_MB", str(1.5 * len(ckpt) / MB))   # one checkpoint
    a, b = space(root, shared, KEY_A), space(root, shared, KEY_B)
    real, writing, refused = spaces.atomic_write, threading.Event(), threading.Event()

    def slow(path, data):                # a's save is still being written while b saves
        writing.set()
        refused.wait(10)
        return real(path, data)
    monkeypatch.setattr(spaces, "atomic_write", slow)
    saving = threading.Thread(target=a.save, args=("first", ckpt))
    saving.start()
    writing.wait(10)
    with pytest.raises(ValueError, match="^disk: "):
        b.save("at once", ckpt)
    refused.set()
    saving.join(10)
    assert files_under(root) == [f"{folder_name(KEY_A)}/checkpoints/first.pt"]
    a.delete("mine/first.pt")

    def dies(path, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(spaces, "atomic_write", dies)
    with pytest.raises(ValueError, match="^file: No space left on device"):
        b.save("fails", ckpt)
    monkeypatch.setattr(spaces, "atomic_write", real)
    assert b.save("fits", ckpt) == "mine/fits.pt"      # the failed save's room was given back


def test_spaces_unopened_the_longest_make_room_but_never_the_writers_own_or_recent_ones(root, shared, ckpt,
                                                                                      monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_DISK_MB", str(5.5 * len(ckpt) / MB))   # five checkpoints
    keys = {"own": KEY_A, "recent": KEY_B, "old2": "old-2-days", "old3": "old-3-days", "old9": "old-9-days"}
    folders = {k: root / folder_name(key) for k, key in keys.items()}
    for k, key in keys.items():
        space(root, shared, key).save(k, ckpt)
    own = space(root, shared, KEY_A)                     # open for days in one tab: as old as the oldest
    for k, days in (("own", 20), ("recent", 0.9), ("old2", 2), ("old3", 3), ("old9", 9)):
        _age(folders[k], days)
    own.save("more", ckpt)                               # needs one checkpoint's room: the oldest goes
    assert sorted(os.listdir(root)) == sorted(folder_name(keys[k]) for k in ("own", "recent", "old2", "old3"))
    own.save("more still", ckpt[:-1] + b"!")             # and the next oldest
    assert sorted(os.listdir(root)) == sorted(folder_name(keys[k]) for k in ("own", "recent", "old2"))
    big = ckpt * 3                                       # more than old2's room: nothing is removed in vain
    with pytest.raises(ValueError, match="^disk: this server keeps at most .* and that is full"):
        own.save("big", big)
    assert sorted(os.listdir(root)) == sorted(folder_name(keys[k]) for k in ("own", "recent", "old2"))
    assert files_under(folders["own"]) == ["checkpoints/more still.pt", "checkpoints/more.pt", "checkpoints/own.pt"]
    assert files_under(folders["recent"]) == ["checkpoints/recent.pt"]
    monkeypatch.setenv("GAN_STUDIO_KEEP_DAYS", "0")      # the operator keeps spaces for ever: refused instead
    with pytest.raises(ValueError, match="^disk: "):
        own.store_upload("again.pt", ckpt)
    assert os.path.isdir(folders["old2"])


def test_new_spaces_per_address_are_capped_an_hour_but_writes_into_a_space_are_not(root, shared, ckpt,
                                                                                  monkeypatch):
    from ganlib.classroom import disk
    monkeypatch.setattr(disk, "_made", {})
    monkeypatch.setenv("GAN_STUDIO_SPACES_PER_HOUR", "3")
    school, home_ = "192.0.2.7", "2001:db8::1"
    made = [Space(str(root), f"key-{i}", str(shared), address=school) for i in range(4)]
    first = time.monotonic()                             # before the first space's own clock reading
    for s in made[:3]:
        s.save("run", ckpt)
    with pytest.raises(ValueError, match=r"^space: 3 new spaces were made from your network address in the last "
                                         r"hour, the most this server allows; nothing was saved\. .* in \d+ min"):
        made[3].save("run", ckpt)
    with pytest.raises(ValueError, match="^space: "):
        made[3].store_data([("x.png", png())])
    assert not os.path.exists(root / folder_name("key-3"))
    made[0].save("another", ckpt)                        # into a space it has: not a new one
    assert made[0].store_upload("up.pt", ckpt) == "mine/up.pt"
    Space(str(root), "key-home", str(shared), address=home_).save("run", ckpt)
    Space(str(root), "key-local", str(shared)).save("run", ckpt)   # unknown (localhost): not counted
    assert len(os.listdir(root)) == 5
    assert school not in repr(disk._made) and school.encode() not in b"".join(disk._made)
    now = time.monotonic()
    with pytest.raises(ValueError, match="^space: "):
        disk.admit_new_space(school, now=first + 3599)   # under an hour after the first: refused
    disk.admit_new_space(school, now=now + 3601)         # an hour later
    monkeypatch.setenv("GAN_STUDIO_SPACES_PER_HOUR", "0")
    with pytest.raises(ValueError, match="^GAN_STUDIO_SPACES_PER_HOUR: must be at least 1, got '0'"):
        disk.admit_new_space(home_)


# --- uploads: checked whole before they are kept ---------------------------------------------------------------
def test_an_upload_is_kept_under_a_fresh_safe_name(root, shared, ckpt):
    a = space(root, shared)
    assert a.store_upload("my run (1).pt", ckpt) == "mine/my run 1.pt"
    assert a.store_upload("my run (1).pt", ckpt) == "mine/my run 1-2.pt"
    assert a.store_upload("../../etc/passwd.pt", ckpt) == "mine/passwd.pt"
    assert a.store_upload("C:\\Users\\x\\pretrained-ring8.pt", ckpt) == "mine/uploaded-pretrained-ring8.pt"
    assert a.store_upload("!!!.pt", ckpt) == "mine/uploaded.pt"
    with pytest.raises(ValueError, match="^name: at most 64 characters"):
        a.store_upload("x" * 65 + ".pt", ckpt)
    assert files_under(root / folder_name(KEY_A)) == [f"checkpoints/{n}" for n in (
        "my run 1-2.pt", "my run 1.pt", "passwd.pt", "uploaded-pretrained-ring8.pt", "uploaded.pt")]


def test_every_malicious_upload_is_refused_and_nothing_is_kept(root, shared, evil):
    a = space(root, shared)
    for which, (data, says) in evil.items():
        with pytest.raises(CheckpointError, match=says) as e:
            a.store_upload(f"{which}.pt", data)
        assert f"{which}.pt" in str(e.value) and str(root) not in str(e.value), which
    assert files_under(root) == []


def test_a_listing_survives_every_bad_file_on_disk_and_offers_to_delete_the_own_ones(root, shared, ckpt, evil):
    a = space(root, shared)
    a.save("good", ckpt)
    mine = root / folder_name(KEY_A) / "checkpoints"
    for which, (data, _) in evil.items():
        (mine / f"{which}.pt").write_bytes(data)
    (shared / "operator-broke-it.pt").write_bytes(evil["step-inf"][0])
    listed = {e["ref"]: e for e in a.list()}
    assert len(listed) == len(evil) + 3
    assert listed["mine/good.pt"]["error"] == "" and listed["shared/pretrained-ring8.pt"]["error"] == ""
    for which, (_, says) in evil.items():
        e = listed[f"mine/{which}.pt"]
        assert e["mine"] and e["step"] is None and e["picture"] is None, which
        assert e["error"].startswith(f"checkpoint: {which}.pt ") and str(root) not in e["error"], which
    assert not listed["shared/operator-broke-it.pt"]["mine"] and listed["shared/operator-broke-it.pt"]["error"]
    for which in evil:
        a.delete(f"mine/{which}.pt")
    assert [e["ref"] for e in a.list()] == ["mine/good.pt", "shared/operator-broke-it.pt", "shared/pretrained-ring8.pt"]


# --- images for dataset=folder: uploads only, unless the operator allows server folders ---------------------------
def test_uploaded_images_are_kept_as_one_zip_and_named_by_data_path(root, shared):
    a, b = space(root, shared, KEY_A), space(root, shared, KEY_B)
    ref = a.store_data([("cats.zip", zip_of({"a.png": png(seed=1), "sub/b.png": png(12, 9, 2)}))])
    assert ref == "mine/data/cats.zip"
    assert a.store_data([("x.png", png(seed=3)), ("x.png", png(seed=4)), ("y.jpg", png(seed=5))]) \
        == "mine/data/images.zip"
    assert a.store_data([("one.png", png())]) == "mine/data/one.zip"
    assert [d["ref"] for d in a.data_list()][0] == "mine/data/one.zip" and len(a.data_list()) == 3
    path = a.data_path(ref)
    assert os.path.dirname(path) == str(root / folder_name(KEY_A) / "data")
    from ganlib.engine.data.images import load_images
    assert load_images(a.data_path("mine/data/images.zip"), 8, 0).size == 3
    with pytest.raises(DatasetError, match="^data_path: you have no uploaded images named 'cats.zip'"):
        b.data_path(ref)                                      # b's "mine" is b's own
    a.delete(ref)
    assert len(a.data_list()) == 2


@pytest.mark.parametrize("files, says", [
    ([("notes.txt", b"hello")], r"notes\.txt is neither an image"),
    ([("a.png", png()), ("run.pt", b"PK\x03\x04...")], r"run\.pt is neither an image"),
    ([("bad.zip", b"PK\x03\x04 not really")], r"bad\.zip is not a readable \.zip"),
    ([("wide.png", None)], r"wide\.png in wide\.zip is 4,097 x 1 pixels"),
    ([("empty.zip", zip_of({"readme.md": "no pictures"}))], "has no usable images"),
    ([], "upload a .zip of images"),
])
def test_bad_image_uploads_are_refused_and_nothing_is_kept(root, shared, files, says):
    if files and files[0][1] is None:
        buf = io.BytesIO()
        Image.new("L", (4097, 1)).save(buf, "PNG")
        files = [(files[0][0], buf.getvalue())]
    with pytest.raises(DatasetError, match=f"^data_path: .*{says}"):
        space(root, shared).store_data(files)
    assert files_under(root) == []


@pytest.mark.parametrize("path", ["/", "/usr/share", "/no/such/folder", "~", "../../etc", "mine/x.pt"])
def test_a_server_path_is_refused_without_a_word_about_what_is_there(root, shared, path):
    with pytest.raises(DatasetError) as e:
        space(root, shared).data_path(path)
    assert str(e.value) == SERVER_PATH_REFUSED


def test_the_operator_may_allow_server_folders_for_local_use(root, shared, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_STUDIO_LOCAL_PATHS", "1")
    assert space(root, shared).data_path(str(tmp_path)) == str(tmp_path)


def test_a_visitors_run_reads_only_their_own_images(root, shared):
    from ganlib.classroom.runs import Runs
    from ganlib.run.state import Reason, Status
    from ganlib.classroom.visitor import Visitor
    v = Visitor(Runs(), str(shared), spaces_dir=str(root))
    ref = v.space.store_data([("pics.zip", zip_of({f"{i}.png": png(seed=i) for i in range(4)}))])
    cfg = preset("seed-mlp").replace(dataset="folder", image_size=28, batch_size=2)
    try:
        for data_path, ok in ((ref, True), ("/usr/share", False)):
            snap = v.new_run(cfg.replace(data_path=data_path)).wait(lambda s: s.status is not Status.LOADING, 60)
            if ok:
                assert snap.status is Status.IDLE and snap.shape == (3, 28, 28)
            else:
                assert snap.reason is Reason.DATA_ERROR and snap.problem.message == SERVER_PATH_REFUSED
                assert snap.config.data_path == "/usr/share"
    finally:
        v.close()
