"""dataset=drawn (issue 20): points a user drew, checked before anything is allocated for them, kept in their own
space, and trained on as a toy whose batches come from the run's generator alone."""
import io
import math
import os

import numpy as np
import pytest
import torch

from ganlib import DatasetError, TrainConfig, Trainer
from ganlib.classroom.spaces import Space, folder_name
from ganlib.engine.data import Batches, load_dataset, plan
from ganlib.engine.data.drawn import JITTER, drawn_dataset, load_drawn
from ganlib.engine.drawn_points import (BOX, MAX_FILE_BYTES, MAX_POINTS, MIN_POINTS, SHAPES, check_points,
                                        points_from_bytes, read_points, shape, snap, to_npy)
from ganlib.engine.kinds import MetricKind, kind_of
from ganlib.metrics.evaluate import evaluator_for
from ganlib.settings import MB

RING = shape("ring")
NAME = "mine/data/drawn-x.npy"   # what messages must call the file: never its path on the server


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def write(tmp_path, data: bytes, name="points.npy") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def refused(tmp_path, data: bytes, match: str):
    path = write(tmp_path, data)
    with pytest.raises(DatasetError, match=match) as e:
        read_points(path, name=NAME)
    assert str(e.value).startswith("data_path: ") and str(tmp_path) not in str(e.value)
    return str(e.value)


def config(path: str, **changes) -> TrainConfig:
    return TrainConfig(dataset="drawn", data_path=path, model="toy-mlp", batch_size=64, latent_dim=2,
                       g_width=32, d_width=32, loss="lsgan", lr_g=1e-3, lr_d=1e-3, **changes).validate()


# --- bad files are refused, naming data_path ----------------------------------------------------------------
@pytest.mark.parametrize("points,match", [
    (RING[:MIN_POINTS - 1], r"has 7 points; a drawing needs at least 8 and at most 2,000"),
    (np.zeros((MAX_POINTS + 1, 2), np.float32), r"has 2,001 points; .* at most 2,000"),
    (np.where(np.arange(20)[:, None] == 5, np.nan, RING[:20]).astype(np.float32), r"point 6 .* not a finite number"),
    (np.where(np.arange(20)[:, None] == 3, np.inf, RING[:20]).astype(np.float32), r"point 4 .* not a finite number"),
    (np.concatenate([RING[:10], [[4.5, 0.0]]]).astype(np.float32), r"point 11 .* outside the box: .* -4 and 4"),
    (np.zeros((20, 3), np.float32), r"shape \(20, 3\) .* N x 2"),
    (np.zeros(40, np.float32), r"shape \(40,\) .* N x 2"),
    (np.zeros((20, 2), np.int64), r"\(int64\); drawn points are N x 2 float32"),
    (np.array([[object(), 1.0]] * 10, dtype=object), r"\(object\); drawn points are N x 2 float32"),
])
def test_bad_points_in_a_file_are_refused(tmp_path, points, match):
    refused(tmp_path, npy(points), match)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    refused(tmp_path, npy(np.zeros((MAX_POINTS * 4, 2), np.float64)), r"bytes; a file of drawn points holds at most")
    refused(tmp_path, b"\x00" * (MAX_FILE_BYTES + 1), r"bytes; a file of drawn points holds at most")


def test_a_header_that_lies_is_refused_before_allocating(tmp_path):
    good = npy(RING)   # 48 float32 points: 384 bytes after the header
    # a small file whose header declares a billion points: the count is refused before any memory is taken
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {**np.lib.format.header_data_from_array_1_0(RING), "shape": (10 ** 9, 2)})
    refused(tmp_path, buf.getvalue() + RING.tobytes(), r"has 1,000,000,000 points")
    refused(tmp_path, good[:-8], r"holds 376 bytes of numbers where its header declares 384; it is damaged")
    refused(tmp_path, good + b"\x00" * 8, r"holds 392 bytes .* declares 384")


@pytest.mark.parametrize("data", [b"", b"x,y\n1,2\n", b"\x93NUMPY\x09\x00garbage", b"PK\x03\x04"])
def test_what_is_no_npy_file_is_refused(tmp_path, data):
    refused(tmp_path, data, r"is not a \.npy file of points")


def test_a_missing_file_is_refused_by_its_name(tmp_path):
    with pytest.raises(DatasetError, match=r"^data_path: there is no file of drawn points named mine/data/drawn-x"):
        read_points(str(tmp_path / "none.npy"), name=NAME)
    with pytest.raises(DatasetError, match=r"^data_path: there is no file"):
        read_points(str(tmp_path), name=NAME)   # a folder is no file


@pytest.mark.parametrize("points,match", [
    ([[0.0, 0.0]] * 7, "at least 8"), ([[0.0, 0.0]] * 2001, "at most 2,000"), ([[0.0, 0.0]] * 9 + [[1.0]], "point 10"),
    ([[0.0, 0.0]] * 9 + [["1", 2.0]], "point 10"), ([[0.0, 0.0]] * 9 + [[True, 0.0]], "point 10"),
    ([[0.0, 0.0]] * 9 + [[9.0, 0.0]], "outside the box"), ([[0.0, 0.0]] * 9 + [[math.nan, 0.0]], "not a finite"),
    ("ring", "must be a list"), (np.zeros((10, 2), bool), "N x 2 numbers"),
])
def test_points_from_the_canvas_are_checked_whole(points, match):
    with pytest.raises(DatasetError, match=f"^data_path: .*{match}"):
        check_points(points)


def test_good_points_and_the_shapes_pass():
    for name in SHAPES:
        pts = shape(name)
        assert pts.dtype == np.float32 and pts.ndim == 2 and MIN_POINTS <= len(pts) <= MAX_POINTS
        assert np.abs(pts).max() <= BOX and np.array_equal(check_points(pts), pts)
        assert np.array_equal(points_from_bytes(to_npy(pts)), pts)
    assert check_points([[1, 2]] * 8).tolist() == [[1.0, 2.0]] * 8
    assert check_points(np.asarray(RING, np.float64)).dtype == np.float32
    assert np.array_equal(points_from_bytes(npy(np.asfortranarray(RING.astype(np.float64)))), RING)
    assert snap(0.09, -0.11) == (0.0, -0.2) and snap(9.0, -9.0) == (BOX, -BOX)


# --- the Dataset: the run's generator only, with a kernel -------------------------------------------------------
def test_batches_come_from_the_runs_generator_only(tmp_path):
    data = load_drawn(write(tmp_path, to_npy(RING)))
    assert data.shape == (2,) and data.modes is None and data.density is None and data.images is None

    def batches(seed):
        b = Batches(data, torch.Generator().manual_seed(seed))
        return [b.next(64) for _ in range(3)]

    torch.manual_seed(123)
    first = batches(0)
    untouched = torch.rand(4)
    torch.manual_seed(999)   # the global generator's state changes nothing
    again = batches(0)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], batches(1)[0])
    torch.manual_seed(123)
    batches(0)
    assert torch.equal(torch.rand(4), untouched)   # ... and is not drawn from


def test_the_jitter_is_a_kernel_of_one_grid_step():
    one = drawn_dataset([[1.0, -1.0]] * MIN_POINTS)
    x = one.draw(20_000, torch.Generator().manual_seed(0))
    assert JITTER == pytest.approx(0.2) and x.std(0).tolist() == pytest.approx([JITTER] * 2, rel=0.05)
    assert x.mean(0).tolist() == pytest.approx([1.0, -1.0], abs=0.01)
    # two drawings never share a name: the energy distance keeps one reference per name (metrics/energy.py)
    assert drawn_dataset(RING).name != drawn_dataset(shape("smile")).name == drawn_dataset(shape("smile")).name


def test_a_drawing_trains_and_is_measured_by_the_energy_distance(tmp_path):
    cfg = config(write(tmp_path, to_npy(RING)), eval_every=10)
    assert cfg.is_toy and kind_of(cfg) is MetricKind.POINTS and plan(cfg) == ((2,), 0)
    t = Trainer(cfg)
    for _ in range(20):
        stats = t.step()
    assert t.step_count == 20
    assert math.isfinite(stats.d_loss) and math.isfinite(stats.g_loss)
    ev = evaluator_for(t)
    assert set(ev(t)) == {"energy"} and ev.floor() is not None and ev.floor() >= 0


def test_the_config_needs_a_file_and_the_toy_model():
    with pytest.raises(ValueError, match=r"^data_path: must name the file of your drawn points"):
        TrainConfig(dataset="drawn", model="toy-mlp").validate()
    with pytest.raises(ValueError, match=r"^model: dataset 'drawn' needs model toy-mlp"):
        TrainConfig(dataset="drawn", data_path="a.npy", model="mlp").validate()


# --- a visitor's space keeps them; data_path names them ------------------------------------------------------------
def test_a_space_keeps_a_drawing_and_training_reads_it(tmp_path, monkeypatch):
    a = Space(str(tmp_path / "visitors"), "key-a", str(tmp_path / "shared"))
    ref = a.save_drawn(RING.tolist())
    assert ref.startswith("mine/data/drawn-") and ref.endswith(".npy")
    assert a.save_drawn(RING) == ref and len(os.listdir(os.path.dirname(a.data_path(ref)))) == 1   # one file
    data = load_dataset(config(ref), a.data_path)
    assert data.name == drawn_dataset(RING).name
    b = Space(str(tmp_path / "visitors"), "key-b", str(tmp_path / "shared"))
    with pytest.raises(DatasetError, match=r"^data_path: you have no drawing named 'drawn-.*\.npy'"):
        load_dataset(config(ref), b.data_path)   # another visitor's drawing is not theirs
    with pytest.raises(DatasetError, match="^data_path: .* at least 8"):
        a.save_drawn(RING[:3])
    a.delete(ref)
    monkeypatch.setenv("GAN_STUDIO_QUOTA_MB", str(100 / MB))   # less than one drawing's file
    with pytest.raises(ValueError, match="^quota: "):
        a.save_drawn(RING)
    assert os.listdir(tmp_path / "visitors" / folder_name("key-a") / "data") == []
