"""Sharing a run with a class: the watch link, and the link as a QR code for a projector."""
from __future__ import annotations

import io
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno

PAGE_PATHS = ("train", "explore", "theory", "checkpoints", "watch", "classroom")   # app.py's pages, as their URLs end


def app_url(page_url: str) -> str:
    """The app's root URL from the URL of any of its pages (kept under a proxy's path prefix, if any)."""
    parts = urlsplit(page_url or "")
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] in PAGE_PATHS:
        path = path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def watch_url(page_url: str, code: str) -> str:
    """The link that shows a run read-only: the app's root with ?watch=CODE, and nothing else of the
    owner's URL (a lesson's parameters or Streamlit's own belong to the owner's view, not the class's)."""
    return app_url(page_url) + "?" + urlencode({"watch": code})


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of `text` as PNG bytes, big enough to scan from the back of a room."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
