"""Atomic writes: a failed write leaves the old file as it was and no temporary file; write_new never overwrites."""
import os

import pytest

from ganlib.files import atomic_write, write_new


def _dies_midway(f):
    f.write(b"half of the new content")
    f.flush()
    raise OSError("disk full")


def test_atomic_write_replaces_in_one_step(tmp_path):
    path = atomic_write(str(tmp_path / "sub" / "a.csv"), b"old")   # the folder is made
    assert open(path, "rb").read() == b"old" and os.path.isabs(path)
    atomic_write(path, lambda f: f.write(b"new"))
    assert open(path, "rb").read() == b"new"
    assert os.stat(path).st_mode & 0o777 == 0o644      # readable by others, like any saved file
    assert os.listdir(tmp_path / "sub") == ["a.csv"]


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_a_failing_write_leaves_the_old_file_and_no_temp(tmp_path, error):
    path = atomic_write(str(tmp_path / "a.bin"), b"old")

    def fails(f):
        f.write(b"half")
        raise error("stop")
    with pytest.raises(error):
        atomic_write(path, fails)
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / "new.bin"), _dies_midway)
    assert os.listdir(tmp_path) == ["a.bin"]
    assert open(path, "rb").read() == b"old"


def test_write_new_takes_the_first_free_name(tmp_path):
    first = write_new(str(tmp_path / "run.pt"), b"1")
    second = write_new(str(tmp_path / "run.pt"), b"2")
    third = write_new(str(tmp_path / "run.pt"), lambda f: f.write(b"3"))
    assert [os.path.basename(p) for p in (first, second, third)] == ["run.pt", "run-2.pt", "run-3.pt"]
    assert [open(p, "rb").read() for p in (first, second, third)] == [b"1", b"2", b"3"]
    with pytest.raises(OSError):
        write_new(str(tmp_path / "run.pt"), _dies_midway)
    assert sorted(os.listdir(tmp_path)) == ["run-2.pt", "run-3.pt", "run.pt"]
