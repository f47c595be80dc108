"""Pictures for a screen: tiles laid out with gaps, crisp enlargement, and one grey-channel rule for every writer."""
import io
import pathlib
import re

import numpy as np
import torch
from PIL import Image

from ganlib.engine.grid import gif_bytes
from ganlib.engine.grid import enlarge, flat_grey, make_grid, tile


def test_grey_loses_its_channel_axis_and_nothing_else_does():
    grey, rgb, flat = np.zeros((4, 5, 1), np.uint8), np.zeros((4, 5, 3), np.uint8), np.zeros((4, 1), np.uint8)
    assert flat_grey(grey).shape == (4, 5)
    assert flat_grey(rgb).shape == (4, 5, 3)
    assert flat_grey(flat).shape == (4, 1)   # a one-pixel-wide H x W picture is already flat


def test_enlarge_makes_whole_pixel_blocks():
    p = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    big = enlarge(p, 4)
    assert big.shape == (8, 12)
    assert (big[:4, 4:8] == p[0, 1, 0]).all() and (big[4:, 8:] == p[1, 2, 0]).all()
    assert enlarge(np.zeros((2, 3, 3), np.uint8)).shape == (4, 6, 3)   # default scale 2; colour keeps its axis


def test_tile_with_and_without_border():
    pics = np.full((3, 4, 5, 1), 255, np.uint8)
    assert tile(pics).shape == (2 * 6 + 2, 2 * 7 + 2, 1)          # about square, framed
    strip = tile(pics, cols=3, border=False)
    assert strip.shape == (4, 3 * 7 - 2, 1) and (strip[:, 5:7] == 40).all()
    assert make_grid(torch.ones(4, 1, 4, 5)).shape == (2 * 6 + 2, 2 * 7 + 2, 1)


def test_gif_frames_are_the_enlarged_pictures():
    p = np.random.default_rng(0).integers(0, 255, (3, 4, 1), dtype=np.uint8)
    with Image.open(io.BytesIO(gif_bytes([p, p], scale=3))) as gif:
        assert gif.size == (12, 9) and gif.mode in ("L", "P")
        assert (np.asarray(gif.convert("L")) == enlarge(p, 3)).all()


def test_the_grey_rule_lives_only_in_grid():
    # copies of a rule drift apart (one checked ndim, one did not); every writer asks grid.flat_grey
    root = pathlib.Path(__file__).resolve().parent.parent / "ganlib"
    pattern = re.compile(r"shape\[-1\]\s*==\s*1")
    homes = [p.relative_to(root).as_posix() for p in root.rglob("*.py") if pattern.search(p.read_text())]
    assert homes == ["engine/grid.py"]
