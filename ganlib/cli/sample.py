"""python -m ganlib sample: draw samples from a checkpoint into a .npy array or a .png picture."""
from __future__ import annotations

import numpy as np
import torch

from ganlib.classroom.downloads import points_picture
from ganlib.engine.data import load_dataset
from ganlib.engine.device import set_threads
from ganlib.engine.grid import enlarge, make_grid, png_bytes, whole_scale
from ganlib.engine.noise import random_z
from ganlib.engine.samples import REAL_POINTS
from ganlib.explore.latent import LatentModel
from ganlib.files import atomic_write
from ganlib.run.checkpoint import load_checkpoint

PNG_WIDTH = 512   # a sample grid as a picture is enlarged, by whole pixels, to at least this many pixels wide


def run(args) -> int:
    set_threads()
    payload = load_checkpoint(args.checkpoint)
    model = LatentModel.from_checkpoint(payload)
    x = model(random_z(args.n, model.latent_dim, args.seed)).numpy().astype(np.float32)
    if args.out.lower().endswith(".png"):
        picture = png_picture(x, payload["config"])
        path = atomic_write(args.out, png_bytes(picture))
        print(f"wrote {path}: {x.shape[0]} samples as a {picture.shape[1]} x {picture.shape[0]} picture")
        return 0
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"  # np.save would add it
    path = atomic_write(out, lambda f: np.save(f, x))
    print(f"wrote {path}: {x.shape[0]} samples of shape {tuple(x.shape[1:])}, float32")
    return 0


def png_picture(x: np.ndarray, cfg) -> np.ndarray:
    """Samples as one picture: images in a grid (as the app shows them), points drawn over real ones (as the
    timeline GIF draws them); enlarged by whole pixels to at least PNG_WIDTH wide."""
    if x.ndim == 4:
        picture = make_grid(torch.from_numpy(x))
    else:
        picture = points_picture(x, load_dataset(cfg).sample(REAL_POINTS).numpy())
    return enlarge(picture, whole_scale(picture.shape[1], PNG_WIDTH))
