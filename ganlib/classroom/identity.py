"""Who a visitor is: keys the server makes and signs, kept in a cookie, and one-time links to pair a device.

A visitor's key owns their run and their files (spaces.py). It never travels in
an address: an address is shown on projectors, kept in a lab PC's history and
pasted into chats, so whoever held a `?v=KEY` link once owned the run. The key
lives in a cookie of the visitor's browser instead (the app sets it, SameSite=
Strict, and reads it back with each new connection), so a reload or the app
reopened in the same browser rejoins, and a copied address opened anywhere else
is a new visitor.

Keys are made here only: 128 random bits and a tag, an HMAC of them under the
server's secret, so a key a person typed (or a guessed one) is refused rather
than adopted. The secret is GAN_STUDIO_SECRET when set (app replicas that share
visitors set the same one), else a random file made once beside the visitors'
spaces, so keys outlive a restart as long as the spaces they open do.

A teacher who wants their run on a second device asks for a pairing link: a
code of its own (not the key), good for PAIR_TTL_S and for one use.
No streamlit, no torch.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import threading
import time

from ganlib.settings import read

COOKIE = "gan_studio_visitor"
PAIR_TTL_S = 120.0      # long enough to pick up a phone and scan, short enough that a projected code goes stale
MAX_PAIRINGS = 1_000    # codes waiting at once on one server: a script cannot grow the table without bound
_RANDOM_BYTES = 16      # 128 bits (the issue asks >= 96)
_TAG_BYTES = 12
KEY_LENGTH = 38         # 22 characters of randomness + 16 of tag, all base64url
_KEY_CHARS = re.compile(r"[A-Za-z0-9_-]{%d}" % KEY_LENGTH)
PAIR_FORMAT = re.compile(r"[A-Za-z0-9_-]{22}")
SECRET_FILE = ".secret"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Keys:
    """Makes visitor keys and tells a key it made from anything else."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("GAN_STUDIO_SECRET: must be at least 16 characters")
        self._secret = secret

    def new(self) -> str:
        random_part = _b64(secrets.token_bytes(_RANDOM_BYTES))
        return random_part + self._tag(random_part)

    def valid(self, key) -> bool:
        """A key this server (or one with the same secret) made; anything else, typed or tampered, is not."""
        if not isinstance(key, str) or not _KEY_CHARS.fullmatch(key):
            return False
        random_part, tag = key[:-16], key[-16:]
        return hmac.compare_digest(tag, self._tag(random_part))

    def _tag(self, random_part: str) -> str:
        return _b64(hmac.new(self._secret, random_part.encode(), hashlib.sha256).digest()[:_TAG_BYTES])


_keys: dict[str, Keys] = {}
_keys_lock = threading.Lock()


def server_keys(root: str) -> Keys:
    """The Keys of the server whose visitors' spaces are under `root` (read once per root and process)."""
    env = read("GAN_STUDIO_SECRET")
    cache_key = "env:" + hashlib.sha256(env.encode()).hexdigest() if env else root
    with _keys_lock:
        if cache_key not in _keys:
            _keys[cache_key] = Keys(env.encode() if env else _secret_file(root))
        return _keys[cache_key]


def _secret_file(root: str) -> bytes:
    """The random secret kept in `root`, made on first use (private to this account, never replaced: two
    processes starting at once both end up with the first one written)."""
    path = os.path.join(root, SECRET_FILE)
    with contextlib.suppress(FileNotFoundError):
        with open(path, "rb") as f:
            if len(secret := f.read()) >= 32:
                return secret
    os.makedirs(root, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=root)   # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)   # unlike a rename, a link never replaces the secret another process wrote
    finally:
        os.unlink(tmp)
    with open(path, "rb") as f:
        return f.read()


class Pairings:
    """One-time codes that hand a visitor's key to a second device: good for PAIR_TTL_S, used once."""

    def __init__(self, ttl_s: float = PAIR_TTL_S, clock=time.monotonic):
        self.ttl_s, self._clock = ttl_s, clock
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[str, float]] = {}   # code -> (key, expires at)

    def offer(self, key: str) -> str:
        """A fresh code for `key`; the key's earlier codes stop working (one live link per visitor)."""
        code = _b64(secrets.token_bytes(_RANDOM_BYTES))
        with self._lock:
            now = self._clock()
            self._codes = {c: (k, t) for c, (k, t) in self._codes.items() if t > now and k != key}
            if len(self._codes) >= MAX_PAIRINGS:
                raise ValueError("pairing: too many pairing links are waiting on this server; try in 2 minutes")
            self._codes[code] = (key, now + self.ttl_s)
        return code

    def live(self, code) -> bool:
        """Whether `code` would still pair a device (not used, not expired)."""
        with self._lock:
            entry = self._codes.get(code) if isinstance(code, str) else None
        return entry is not None and self._clock() < entry[1]

    def redeem(self, code) -> str | None:
        """The key a live code was offered for (the code is used up), or None: unknown, used or expired."""
        if not isinstance(code, str) or not PAIR_FORMAT.fullmatch(code):
            return None
        with self._lock:
            key, expires = self._codes.pop(code, (None, 0.0))
        return key if key is not None and self._clock() < expires else None
