"""The words of the drawing canvas (dataset=drawn): what it is for, its buttons, the count of points, and what
happened when the points were kept. Torch-free."""
from __future__ import annotations

from ganlib.engine.drawn_points import BOX, MAX_POINTS, MIN_POINTS

HOW = (f"Click in the box to add a point, where you click (x and y from {-BOX:g} to {BOX:g}). The GAN learns "
       "the cloud your points make: each batch takes your points with a little blur, so a few dozen clicks "
       "already make a shape to learn. Or start from a shape and change it.")
UNDO, CLEAR, USE = "Undo", "Clear", "Use these points"
SHAPE_LABELS = {"ring": "Ring", "blobs": "Two blobs", "smile": "Smile"}   # drawn_points.SHAPES, in its order
USE_HELP = "Keep these points in your own space (only you see them); data_path then names them"


def count_line(n: int) -> str:
    """How many points there are, and how many a drawing needs."""
    if n < MIN_POINTS:
        return f"{n} point{'' if n == 1 else 's'}: a drawing needs at least {MIN_POINTS}; add {MIN_POINTS - n} more."
    return f"{n:,} points (at most {MAX_POINTS:,})."


def full() -> str:
    return f"The canvas holds at most {MAX_POINTS:,} points: undo or clear some before adding more."


def kept(ref: str, model_changed: bool) -> str:
    """After Use these points: where they are, and the model switched to toy-mlp where it was another."""
    also = " The model is now toy-mlp, the one for 2-D points." if model_changed else ""
    return f"Kept as {ref}; data_path now names it.{also}"


SERVER_PATH_REFUSED = ("data_path: draw your points and press Use these points, and data_path names them; files on "
                       "the server can be used only when GAN Studio runs on your own machine "
                       "(GAN_STUDIO_LOCAL_PATHS=1)")


def changed() -> str:
    return "You changed the points since you used them: press Use these points to train on these ones."
