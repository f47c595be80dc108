"""Lesson links: a run's setup in the URL, like TensorFlow Playground's, for a teacher to hand to a class.

    ?preset=ring8&lr_g=5e-4&seed=3&lock=batch_size+model&hide=gp_weight
    ?preset=ring8&open=lr_g+lr_d          (every lesson field locked but these two)

One query parameter per setting, not one packed `lesson=` value: Streamlit writes the whole query
string back with urlencode whenever any feature sets a parameter (the visitor key `v`, `watch`), and
that keeps names, numbers, choices and a space-separated list ("+") readable, where a packed value's
`=`, `:` and `,` would turn into %3D, %3A and %2C. The cost is a shared namespace, so this module owns
a fixed set of keys, KEYS (preset, lock, open, hide and TrainConfig's field names), reads and writes
only those, and leaves every other parameter to its owner.

A link holds the preset, the fields that differ from it (the seed too, only where it differs: the
preset gives it back, so a run still repeats), and which fields the student sees but cannot change
(locked) or does not see (hide). Short enough to read out or scan: the locks go as `lock=` (the locked
ones) or `open=` (the ones left open; every other field of LOCKABLE is locked), whichever is shorter,
so "lock all but two" is two names, not thirty. Server settings (NOT_FROM_LINKS) are never in a link,
neither as values nor as locks: an older link's locks or hides of them are read, and let go. decode()
checks all of it before any of it is used; a bad or tampered link gives the defaults and says what was
wrong. No streamlit, no torch.
"""
from __future__ import annotations

import difflib
import re
import urllib.parse
from dataclasses import dataclass
from typing import Mapping

from ganlib.engine.config import TrainConfig, coerce, fields
from ganlib.words.describe import exact_number
from ganlib.engine.presets import DEFAULT_PRESET, PRESETS, preset
from ganlib.errors import FieldError

FIELD_NAMES = tuple(f.name for f in fields())
KEYS = ("preset", *FIELD_NAMES, "lock", "open", "hide")
LISTS = ("lock", "open", "hide")
# The address's other parameters, which are not the lesson's: an old link's visitor key (pages/parts/ui drops it
# unread), a pairing code (identity.py), a watch code (codes.WATCH_CODES), a class code and the class wall's order
# (kept across pages: a student's "Train a GAN of your own" read ?class= as a bad lesson, a class pass), and
# Streamlit's own for an embedded app. Anything else is named as not read.
OTHER_KEYS = ("v", "pair", "watch", "class", "wall_order", "wall_group", "embed", "embed_options")
# Settings about the server rather than the lesson: a link may not choose them, whoever wrote it.
NOT_FROM_LINKS = {
    "data_path": "names a folder on the server's disk; a link may not make the server read files",
    "device": "is the server's hardware choice, not the lesson's (a GPU-only link would fail on a CPU)",
    "precision": "depends on the server's hardware (bf16 is ~10x slower on AVX2-only CPUs)",
    "threads": "is how much of the shared server's CPU a run takes, not the lesson's to decide",
    "compile": "depends on the server's hardware (compiling takes minutes on a small CPU)",
    "sync_bn": "is for training on several GPUs with torchrun, not for the app",
}
# What a lesson may lock or hide: not the server's settings, which no link decides (nor locks, which would keep
# a student's run at whatever the server's default is, as if the lesson had chosen it)
LOCKABLE = tuple(n for n in FIELD_NAMES if n not in NOT_FROM_LINKS)
# Caps checked before anything is parsed: nothing longer reaches float(), difflib or a message.
MAX_PARAMS = 100       # the URL's parameters, ours and other features' together
MAX_VALUE = 40         # a preset name, a choice or a number (repr of a float is at most 24)
MAX_LIST = 2 * len(" ".join(FIELD_NAMES))   # lock/hide: every field once, with room for ", " separators
_VALUE_CHARS = re.compile(r"[A-Za-z0-9.+-]+")   # numbers and choice names need no other character
_LIST_CHARS = re.compile(r"[A-Za-z0-9_, ]*")


@dataclass(frozen=True)
class Lesson:
    """A decoded link: the run it sets up, which fields are locked or hidden, and what was wrong, if anything.

    linked: the URL held a lesson at all (some key of KEYS). With problems, the rest are the defaults."""
    preset_name: str
    config: TrainConfig
    locked: tuple[str, ...] = ()    # of LOCKABLE, in TrainConfig's field order, never also hidden
    hidden: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    linked: bool = False

    @property
    def fixes_preset(self) -> bool:
        """A lesson that locks or hides anything fixes the preset too: another preset would replace those values."""
        return bool(self.locked or self.hidden)


def no_lesson(*problems: str) -> Lesson:
    """The defaults: no link (no problems), or a link that was not used (what was wrong with it)."""
    return Lesson(DEFAULT_PRESET, preset(DEFAULT_PRESET), problems=problems, linked=bool(problems))


def text(v) -> str:
    """A value as a link writes it: exact, and short ("5e-4", not "0.0005"; "0.5", not "5e-1")."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return exact_number(v)


def left_out(preset_name: str, cfg: TrainConfig) -> list[str]:
    """Fields where cfg differs from its preset that a link cannot carry (the student gets the preset's)."""
    base = preset(preset_name)
    return [n for n in NOT_FROM_LINKS if getattr(cfg, n) != getattr(base, n)]


def encode(preset_name: str, cfg: TrainConfig, locked=(), hidden=()) -> dict[str, str]:
    """The query parameters of a lesson link, in a fixed order; raises ValueError for what no link can hold.

    Only the fields that differ from the preset. A field both locked and hidden is only hidden (hidden
    already means unchangeable). Fields of NOT_FROM_LINKS are left out, their values (see left_out()) and
    their locks and hides alike. The locks go as `lock=` or `open=`, whichever is shorter (lock on a tie)."""
    base = preset(preset_name)
    cfg.validate()
    if cfg.dataset == "folder":
        raise FieldError("dataset", "'folder' reads images from the server's disk, which a link cannot carry; "
                         "choose another dataset to make a lesson link")
    for what, names in (("lock", locked), ("hide", hidden)):
        if unknown := [n for n in names if n not in FIELD_NAMES]:
            raise ValueError(f"{what}: no field named {unknown[0]!r}")
    params = {"preset": preset_name}
    for n in FIELD_NAMES:
        if n not in NOT_FROM_LINKS and getattr(cfg, n) != getattr(base, n):
            params[n] = text(getattr(cfg, n))
    hidden = [n for n in LOCKABLE if n in set(hidden)]
    locked = [n for n in LOCKABLE if n in set(locked) and n not in hidden]
    opened = [n for n in LOCKABLE if n not in locked and n not in hidden]
    # everything locked goes as lock=: an empty open= would rest on each parser keeping blank values alike
    if locked and opened and len(" ".join(opened)) < len(" ".join(locked)):
        params["open"] = " ".join(opened)   # urlencode writes the spaces as "+"
    elif locked:
        params["lock"] = " ".join(locked)
    if hidden:
        params["hide"] = " ".join(hidden)
    return params


def link(base_url: str, params: Mapping[str, str]) -> str:
    """base_url (the page's address, without a query) + "?" + the parameters."""
    if (parts := urllib.parse.urlsplit(base_url)).netloc and not parts.path:
        base_url += "/"   # st.context.url gives the app's root as "http://host:8501"; a link reads better with "/"
    return f"{base_url}?{urllib.parse.urlencode(params)}"


class _Bad(ValueError):
    """One problem with a link; decode() gathers them."""


def decode(params: Mapping[str, str | list]) -> Lesson:
    """The lesson in a URL's parameters (each value a string, or a list for a repeated key).

    Never raises: a URL with no key of KEYS gives the defaults with linked=False; a bad one the
    defaults with problems, each naming the parameter and what it allows. Other features' keys
    (OTHER_KEYS) are left alone; any other parameter is named, with the key it nearly is ("lr-g": lr_g),
    so that a typo is never silently dropped."""
    try:
        return _decode(params)
    except Exception as e:  # noqa: BLE001 -- the last guard of "a tampered link never crashes the page"
        return no_lesson(f"the link could not be read ({type(e).__name__}); showing the defaults")


def _decode(params: Mapping) -> Lesson:
    if len(params) > MAX_PARAMS:
        return no_lesson(f"the address has {len(params)} parameters; at most {MAX_PARAMS} are read")
    if not any(k in KEYS for k in params):   # no lesson; but a parameter nobody reads is named, not dropped
        return no_lesson(*[_unknown(k) for k in params if k not in OTHER_KEYS][:3])
    problems, values = [], {}
    for key in params:
        if key in NOT_FROM_LINKS:   # said before its value is looked at: the value does not matter
            problems.append(f"{key}: {NOT_FROM_LINKS[key]}")
        elif key in KEYS:
            try:
                values[key] = _one(key, params[key])
                if key == "preset" and values[key] not in PRESETS:
                    problems.append(f"preset: unknown {values[key]!r}; one of {', '.join(PRESETS)}")
                elif key in FIELD_NAMES:
                    _value(key, values[key])   # each value read on its own first, so that every bad one is named
            except ValueError as e:   # _Bad, and coerce()'s messages, which name the field and what it allows
                problems.append(str(e))
        elif key not in OTHER_KEYS:
            problems.append(_unknown(key))
    if "preset" not in values and not problems:
        problems.append("preset: missing; a lesson link starts with ?preset=NAME")
    if problems:
        return no_lesson(*problems)
    try:
        name = values.pop("preset")
        if name not in PRESETS:
            raise _Bad(f"preset: unknown {name!r}; one of {', '.join(PRESETS)}")
        hidden = _names("hide", values.pop("hide", ""))
        locked = _locks(values.pop("lock", None), values.pop("open", None), hidden)
        changes = {n: _value(n, v) for n, v in values.items()}
        cfg = preset(name).replace(**changes).validate()
    except ValueError as e:   # _Bad, and validate()'s messages, which name the field and what it allows
        return no_lesson(str(e))
    return Lesson(name, cfg, locked, hidden, linked=True)


def _unknown(key) -> str:
    """A parameter no part of the app reads, named (cut short), with the key it nearly is ("lr-g": lr_g)."""
    name = key if isinstance(key, str) and len(key) <= MAX_VALUE else f"{str(key)[:20]}…"
    near = (difflib.get_close_matches(key.lower().replace("-", "_"), KEYS, 1, 0.8)
            if isinstance(key, str) and len(key) <= MAX_VALUE else [])
    hint = f"did you mean {near[0]}?" if near else "a lesson link starts with ?preset=NAME"
    return f"{name}: not a setting a lesson link can hold ({hint})"


def _one(key: str, raw) -> str:
    """The single string value of one of our keys, within its size and alphabet, or _Bad."""
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            raise _Bad(f"{key}: given {len(raw)} times; a lesson link gives each setting once")
        raw = raw[0]
    if not isinstance(raw, str):
        raise _Bad(f"{key}: expected text, got {type(raw).__name__}")
    cap, chars = (MAX_LIST, _LIST_CHARS) if key in LISTS else (MAX_VALUE, _VALUE_CHARS)
    if len(raw) > cap:
        raise _Bad(f"{key}: {len(raw)} characters long; at most {cap}")
    if not raw and chars is _VALUE_CHARS:
        raise _Bad(f"{key}: empty; give it a value or leave it out")
    if not chars.fullmatch(raw):
        raise _Bad(f"{key}: unexpected characters in {raw!r}")
    return raw


def _locks(lock: str | None, opened: str | None, hidden: tuple[str, ...]) -> tuple[str, ...]:
    """The locked fields from lock= (those) or open= (all of LOCKABLE but those and the hidden), or _Bad."""
    if lock is not None and opened is not None:
        raise _Bad("open: given with lock; a link names the locked fields (lock) or the open ones (open), not both")
    if opened is None:
        names = _names("lock", lock or "")
        if both := [n for n in names if n in hidden]:
            raise _Bad(f"{both[0]}: both locked and hidden; a link hides it or locks it")
        return names
    names = _names("open", opened)
    if not names:
        raise _Bad("open: empty; name the fields left open (every other one is locked), or give lock instead")
    if server := [n for n in names if n not in LOCKABLE]:
        raise _Bad(f"open: {server[0]} is a server setting, which a lesson never locks; open names "
                   f"fields of {', '.join(LOCKABLE)}")
    if both := [n for n in names if n in hidden]:
        raise _Bad(f"{both[0]}: both open and hidden; a link hides it or leaves it open")
    return tuple(n for n in LOCKABLE if n not in names and n not in hidden)


def _names(key: str, raw: str) -> tuple[str, ...]:
    """A lock, open or hide list ("a b" or "a,b") -> the field names in TrainConfig's order, or _Bad.

    Server settings are checked as names, then let go (except under open, which _locks refuses them in):
    older links locked or hid them, and no lesson decides them."""
    names = [n for n in re.split(r"[, ]+", raw) if n]
    for i, n in enumerate(names):
        if n not in FIELD_NAMES:
            raise _Bad(f"{key}: no field named {n!r}")
        if n in names[:i]:
            raise _Bad(f"{key}: {n} is listed twice")
    return tuple(n for n in (FIELD_NAMES if key == "open" else LOCKABLE) if n in names)


def _value(name: str, raw: str):
    if name == "dataset" and raw == "folder":
        raise _Bad("dataset: 'folder' reads images from the server's disk, which a link may not choose")
    if isinstance(getattr(TrainConfig, name), bool) and raw not in ("true", "false"):
        raise _Bad(f"{name}: expected true or false, got {raw!r}")   # coerce() reads any other word as false
    return coerce(name, raw)
