"""load_images: a user's folder or .zip of mixed images becomes a square uint8 Dataset."""
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from ganlib.engine.data import DatasetError
from ganlib.engine.data.images import count_images, load_images


def _rgb(w, h, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


def _grey(w, h, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8))


@pytest.fixture
def mixed(tmp_path):
    """RGB PNGs and JPEGs of different sizes, one in a subfolder, plus litter to ignore."""
    d = tmp_path / "pics"
    (d / "sub").mkdir(parents=True)
    _rgb(40, 30, 1).save(d / "a.png")
    _rgb(17, 50, 2).save(d / "b.jpg")
    _rgb(64, 64, 3).save(d / "sub" / "c.jpeg")
    _grey(20, 20, 4).save(d / "d.bmp")
    (d / ".hidden.png").write_bytes(b"not really")
    (d / "notes.txt").write_text("hello")
    return d


def test_count_images_counts_what_loading_decodes_without_decoding(mixed, tmp_path):
    assert count_images(str(mixed)) == load_images(str(mixed), 16, 0).size == 4  # no litter, no hidden files
    with pytest.raises(DatasetError, match="^data_path: no such folder"):
        count_images(str(tmp_path / "nowhere"))


def test_folder_of_mixed_rgb(mixed):
    ds = load_images(str(mixed), 16, 0)
    assert ds.name == "folder" and ds.kind == "image"
    assert ds.shape == (3, 16, 16) and ds.size == 4
    assert ds.images.shape == (4, 3, 16, 16) and ds.images.dtype == torch.uint8
    assert ds.labels is None
    assert ds.batch(torch.arange(4)).abs().max() <= 1.0


def test_forced_channels(mixed):
    assert load_images(str(mixed), 8, 1).images.shape == (4, 1, 8, 8)
    assert load_images(str(mixed), 8, 3).images.shape == (4, 3, 8, 8)


def test_grayscale_auto_is_one_channel(tmp_path):
    for i, (w, h) in enumerate([(30, 20), (12, 40), (28, 28)]):
        _grey(w, h, i).save(tmp_path / f"{i}.png")
    ds = load_images(str(tmp_path), 28, 0)
    assert ds.shape == (1, 28, 28) and ds.images.shape == (3, 1, 28, 28)


def test_center_crop_keeps_the_middle(tmp_path):
    # left third black, middle white, right third black: a 3:1 image cropped to a square is all white
    a = np.zeros((10, 30), np.uint8)
    a[:, 10:20] = 255
    Image.fromarray(a).save(tmp_path / "bar.png")
    ds = load_images(str(tmp_path), 10, 0)
    assert ds.images.min() == 255


def test_zip_works_and_skips_mac_litter(tmp_path, mixed):
    z = tmp_path / "pics.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted(mixed.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(mixed).as_posix())
        zf.writestr("__MACOSX/._a.png", b"resource fork")
    ds = load_images(str(z), 12, 0)
    assert ds.images.shape == (4, 3, 12, 12) and ds.images.dtype == torch.uint8


def test_missing_path(tmp_path):
    with pytest.raises(DatasetError, match="data_path: no such folder or .zip"):
        load_images(str(tmp_path / "nope"), 16, 0)


def test_empty_folder(tmp_path):
    with pytest.raises(DatasetError, match="data_path: .* has no images"):
        load_images(str(tmp_path), 16, 0)


def test_single_non_image_file(tmp_path):
    f = tmp_path / "readme.txt"
    f.write_text("hi")
    with pytest.raises(DatasetError, match="data_path: .* is not a folder or a .zip"):
        load_images(str(f), 16, 0)


def test_folder_of_unreadable_files_says_how_many_skipped(tmp_path):
    (tmp_path / "fake.png").write_bytes(b"not a png")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="data_path: .*no usable images: skipped 2 file"):
        load_images(str(tmp_path), 16, 0)


def test_zip_of_text_files(tmp_path):
    z = tmp_path / "docs.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "one")
        zf.writestr("dir/b.md", "two")
    with pytest.raises(DatasetError, match=r"data_path: the \.zip .*no usable images: skipped 2"):
        load_images(str(z), 16, 0)


def test_broken_zip(tmp_path):
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK not really")
    with pytest.raises(DatasetError, match="data_path: .* is not a readable .zip"):
        load_images(str(z), 16, 0)


def test_too_many_images(tmp_path, monkeypatch):
    import ganlib.engine.data.images as images
    monkeypatch.setattr(images, "MAX_IMAGES", 2)
    for i in range(3):
        _grey(4, 4, i).save(tmp_path / f"{i}.png")
    with pytest.raises(DatasetError, match="data_path: .* holds 3 images; the limit is 2"):
        load_images(str(tmp_path), 4, 0)


def test_bad_arguments(tmp_path):
    with pytest.raises(DatasetError, match="image_size"):
        load_images(str(tmp_path), 0, 0)
    with pytest.raises(DatasetError, match="channels"):
        load_images(str(tmp_path), 16, 2)


def test_transparent_and_16bit_images(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent: becomes white, not black
    Image.fromarray(rgba, "RGBA").save(tmp_path / "clear.png")
    Image.fromarray(np.full((8, 8), 65535, np.uint16)).save(tmp_path / "deep.png")
    ds = load_images(str(tmp_path), 8, 0)
    assert ds.shape == (3, 8, 8)
    assert ds.images.min() == 255  # the 16-bit white is scaled, not clipped or wrapped


# --- sizes checked before anything is allocated, and no server path in a message (issue 9) -------------------
def test_messages_name_the_data_as_given_never_the_file_it_became(tmp_path):
    (tmp_path / "fake.png").write_bytes(b"not a png")
    for path in (tmp_path / "nope", tmp_path):
        with pytest.raises(DatasetError) as e:
            load_images(str(path), 16, 0, name="mine/data/cats.zip")
        assert "mine/data/cats.zip" in str(e.value) and str(tmp_path) not in str(e.value)


def test_an_image_larger_than_the_limit_is_skipped_without_being_decoded(tmp_path, monkeypatch):
    import ganlib.engine.data.images as images
    Image.new("L", (images.MAX_SIDE + 1, 1)).save(tmp_path / "wide.png")
    _grey(8, 8).save(tmp_path / "ok.png")
    decoded = []
    real_fit = images.ImageOps.fit
    monkeypatch.setattr(images.ImageOps, "fit", lambda img, *a, **k: decoded.append(img.size) or real_fit(img, *a, **k))
    assert load_images(str(tmp_path), 8, 0).size == 1 and decoded == [(8, 8)]
    (tmp_path / "ok.png").unlink()
    with pytest.raises(DatasetError, match=r"skipped 1 file.*1 of them larger than 4,096 x 4,096 pixels"):
        load_images(str(tmp_path), 8, 0)


def test_a_zip_with_too_many_entries_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    import zipfile as zf_module

    import ganlib.engine.data.images as images
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(20):
            zf.writestr(f"{i}.txt", "")
    monkeypatch.setattr(images, "MAX_ENTRIES", 10)
    opened = []
    monkeypatch.setattr(zf_module.ZipFile, "_RealGetContents", lambda self: opened.append(1))
    with pytest.raises(DatasetError, match=r"data_path: many\.zip holds 20 entries; the limit is 10"):
        load_images(str(z), 8, 0, name="many.zip")
    assert opened == []


def test_images_whose_declared_sizes_exceed_the_budget_are_refused(tmp_path, monkeypatch):
    import ganlib.engine.data.images as images
    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.bmp", b"\0" * 100_000)   # 100 kB that deflate to almost nothing
    monkeypatch.setattr(images, "MAX_TOTAL_BYTES", 60_000)
    with pytest.raises(DatasetError, match=r"the images in big\.zip come to 0\.1 MB; the limit is 0\.1 MB"):
        load_images(str(z), 8, 0, name="big.zip")


def test_check_images_refuses_what_loading_would_skip_and_names_it(tmp_path):
    import io

    from ganlib.engine.data.images import MAX_SIDE, check_images
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, img in (("a.png", _grey(8, 8)), ("sub/wide.png", Image.new("L", (MAX_SIDE + 1, 2)))):
            b = io.BytesIO()
            img.save(b, "PNG")
            zf.writestr(name, b.getvalue())
    with pytest.raises(DatasetError, match=r"data_path: sub/wide\.png in pics\.zip is 4,097 x 2 pixels; an image "
                                           r"may be at most 4,096 x 4,096"):
        check_images(buf, "pics.zip")
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("notes.txt", "skipped, as the loader skips it")
        for i in range(3):
            b = io.BytesIO()
            _rgb(5, 7, i).save(b, "PNG")
            zf.writestr(f"{i}.png", b.getvalue())
    assert check_images(good, "good.zip") == 3
    with pytest.raises(DatasetError, match="no usable images"):
        check_images(_zip_of({"fake.png": b"not a png"}), "fake.zip")


def _zip_of(files: dict) -> "io.BytesIO":
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf
