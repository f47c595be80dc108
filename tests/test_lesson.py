"""Lesson links (ganlib.classroom.lesson): what encode writes, decode reads back; any tampering gives the defaults and says why.

The round trips go through the URL string as Streamlit would read it (urlencode, then parse_qs),
over every preset and seeded random valid changes, locks and hides.
"""
import math
import random
import urllib.parse

import pytest

from ganlib import DEFAULT_PRESET, PRESETS, preset
from ganlib.engine.config import field_meta, fields
from ganlib.words.describe import exact_number
from ganlib.classroom.lesson import (FIELD_NAMES, KEYS, LOCKABLE, MAX_PARAMS, NOT_FROM_LINKS, Lesson, decode, encode,
                                     left_out, link, no_lesson, text)

LINKABLE = [f for f in fields() if f.name not in NOT_FROM_LINKS]


def url_params(url: str) -> dict:
    """What st.query_params holds for a URL: each key's list of values (get_all)."""
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query, keep_blank_values=True)


def random_value(rng: random.Random, f):
    m, default = field_meta(f.name), f.default
    if m["choices"] is not None:
        return rng.choice(m["choices"])
    if isinstance(default, bool):   # spectral_norm
        return rng.choice([False, True])
    if isinstance(default, int):
        return rng.choice([m["lo"], m["hi"], rng.randint(m["lo"], m["hi"]), rng.randint(m["lo"], min(m["hi"], 100))])
    lo, hi = m["lo"], m["hi"]
    v = rng.choice([rng.uniform(lo, hi), round(rng.uniform(lo, hi), rng.randint(0, 4)), lo, hi,
                    10 ** rng.uniform(math.log10(lo), math.log10(hi)) if lo > 0 else rng.uniform(lo, hi) / 1e3])
    return min(max(v, lo), hi)


def random_change(rng: random.Random, name: str):
    """A valid config near preset `name`, with a few random fields changed (invalid mixes are drawn again)."""
    base = preset(name)
    while True:
        changes = {f.name: random_value(rng, f) for f in rng.sample(LINKABLE, rng.randint(0, 6))}
        if changes.get("dataset") == "folder":
            continue
        try:
            return base.replace(**changes).validate()
        except ValueError:  # e.g. an image dataset with the toy model
            continue


LINKABLE_PRESETS = [name for name in PRESETS if preset(name).dataset != "folder"]  # no link reads the server's disk
CASES = [(name, seed) for name in LINKABLE_PRESETS for seed in range(25)]


@pytest.mark.parametrize("name, seed", CASES)
def test_round_trip_through_the_url(name, seed):
    rng = random.Random(f"{name}/{seed}")
    cfg = random_change(rng, name)
    locked = rng.sample(LOCKABLE, rng.choice([rng.randint(0, 8), rng.randint(len(LOCKABLE) - 8, len(LOCKABLE))]))
    hidden = rng.sample([n for n in LOCKABLE if n not in locked], min(rng.randint(0, 4), len(LOCKABLE) - len(locked)))
    params = encode(name, cfg, locked, hidden)
    got = decode(url_params(link("http://127.0.0.1:8501/", params)))
    assert got == Lesson(name, cfg, tuple(n for n in FIELD_NAMES if n in locked),
                         tuple(n for n in FIELD_NAMES if n in hidden), linked=True)
    assert encode(got.preset_name, got.config, got.locked, got.hidden) == params   # one spelling per lesson


def test_a_preset_of_your_own_images_makes_no_link():
    folder = [name for name in PRESETS if name not in LINKABLE_PRESETS]
    assert folder == ["dcgan-64"]
    with pytest.raises(ValueError, match="^dataset: 'folder'"):
        encode("dcgan-64", preset("dcgan-64").replace(data_path="mine/data/faces.zip"))
    got = decode({"preset": "dcgan-64"})
    assert got.problems and got.problems[0].startswith("data_path:")


@pytest.mark.parametrize("name", LINKABLE_PRESETS)
def test_an_unchanged_preset_is_its_name(name):
    assert encode(name, preset(name)) == {"preset": name}
    assert decode(encode(name, preset(name))) == Lesson(name, preset(name), linked=True)


def test_the_url_reads_like_the_settings():
    cfg = preset("ring8").replace(lr_g=5e-4, seed=3)
    assert link("http://host:8501", {"preset": "ring8"}) == link("http://host:8501/", {"preset": "ring8"})
    url = link("http://host/", encode("ring8", cfg, locked=["batch_size", "model"], hidden=["gp_weight"]))
    assert url == "http://host/?preset=ring8&lr_g=5e-4&seed=3&lock=model+batch_size&hide=gp_weight"
    # a hand-written link may spell numbers and lists its own way
    same = decode({"preset": "ring8", "lr_g": "0.0005", "seed": "3", "lock": "batch_size,model", "hide": "gp_weight"})
    assert same == decode(url_params(url)) and not same.problems


def test_locked_and_hidden_is_hidden():
    params = encode("ring8", preset("ring8"), locked=["model", "loss"], hidden=["loss"])
    assert params["lock"] == "model" and params["hide"] == "loss"


def test_server_settings_stay_out_of_links():
    cfg = preset("seed-mlp").replace(device="cpu", threads=2, precision="bf16", lr_g=1e-3)
    assert left_out("seed-mlp", cfg) == ["device", "precision", "threads"]
    got = decode(encode("seed-mlp", cfg))
    assert got.config == preset("seed-mlp").replace(lr_g=1e-3) and not got.problems


LOCK_ALL_BUT_LRS = [n for n in FIELD_NAMES if n not in ("lr_g", "lr_d")]   # what the panel's quick option locks
# the link that option made before issue 22, at 370 characters: old links must still open as they did
OLD_LINK = ("http://localhost:8501/?preset=ring8&seed=0&lock=dataset+data_path+image_size+channels+model+latent_dim"
            "+g_width+d_width+d_dropout+spectral_norm+loss+gp_weight+r1_weight+label_smoothing+label_noise+augment"
            "+beta1+beta2+d_steps+d_head_start+ema+ema_calibrate+batch_size+lr_decay_after+lr_half_life+epochs"
            "+sample_every+eval_every+seed+device+precision+threads+compile+sync_bn")


def test_lock_all_but_two_is_a_short_link_that_names_the_two():
    url = link("http://192.168.100.200:8501/", encode("ring8", preset("ring8"), LOCK_ALL_BUT_LRS))
    assert url == "http://192.168.100.200:8501/?preset=ring8&open=lr_g+lr_d" and len(url) < 120
    got = decode(url_params(url))
    assert got.locked == tuple(n for n in LOCKABLE if n not in ("lr_g", "lr_d")) and not got.hidden
    assert got == Lesson("ring8", preset("ring8"), got.locked, linked=True)
    # a hidden field is neither locked nor open: open= still names only the two
    params = encode("ring8", preset("ring8").replace(lr_g=5e-4), LOCK_ALL_BUT_LRS, hidden=["gp_weight"])
    assert params == {"preset": "ring8", "lr_g": "5e-4", "open": "lr_g lr_d", "hide": "gp_weight"}
    assert decode(params).locked == tuple(n for n in LOCKABLE if n not in ("lr_g", "lr_d", "gp_weight"))


def test_the_shorter_of_lock_and_open_is_written():
    assert encode("ring8", preset("ring8"), ["model"]) == {"preset": "ring8", "lock": "model"}
    assert encode("ring8", preset("ring8"), LOCKABLE) == {"preset": "ring8", "lock": " ".join(LOCKABLE)}  # none open
    assert encode("ring8", preset("ring8"), LOCKABLE[1:]) == {"preset": "ring8", "open": LOCKABLE[0]}


def test_an_old_link_still_opens_as_it_did():
    got = decode(url_params(OLD_LINK))
    assert not got.problems and got.config == preset("ring8")
    newer = ("lr_floor",)   # fields added since that link: it names none of them, so it leaves them open
    now = decode(url_params(link("", encode("ring8", preset("ring8"), LOCK_ALL_BUT_LRS)))).locked
    assert got.locked == tuple(n for n in now if n not in newer)
    old = decode({"preset": "ring8", "lr_g": "5e-4", "seed": "3", "lock": "batch_size,model", "hide": "gp_weight"})
    assert (old.locked, old.hidden) == (("model", "batch_size"), ("gp_weight",))
    assert (old.config.lr_g, old.config.seed) == (5e-4, 3)


@pytest.mark.parametrize("name", LINKABLE_PRESETS)
def test_server_settings_are_never_in_a_link(name):
    cfg = preset(name).replace(device="cpu", threads=3, precision="bf16", sync_bn=True)
    for locked, hidden in ((FIELD_NAMES, ()), (LOCK_ALL_BUT_LRS, ()), (list(NOT_FROM_LINKS), list(NOT_FROM_LINKS)),
                           ((), FIELD_NAMES)):
        params = encode(name, cfg, locked, hidden)
        words = set(params) | {n for v in params.values() for n in v.split()}
        assert not words & set(NOT_FROM_LINKS), params
    assert set(LOCKABLE) == set(FIELD_NAMES) - set(NOT_FROM_LINKS)


@pytest.mark.parametrize("bad, message", [
    (dict(dataset="folder", data_path="/tmp/x"), "dataset: 'folder'"),
])
def test_encode_refuses_what_no_link_can_hold(bad, message):
    with pytest.raises(ValueError, match=message):
        encode("seed-mlp", preset("seed-mlp").replace(**bad))
    with pytest.raises(ValueError, match="lock: no field named 'nope'"):
        encode("seed-mlp", preset("seed-mlp"), locked=["nope"])
    with pytest.raises(ValueError, match="preset"):
        encode("nope", preset("seed-mlp"))


def test_numbers_are_written_exactly_and_short():
    rng = random.Random(0)
    for _ in range(2000):
        v = rng.choice([rng.uniform(0, 1), 10 ** rng.uniform(-6, 0), round(rng.uniform(0, 1000), rng.randint(0, 6))])
        assert float(text(v)) == v
    assert [exact_number(v) for v in (2e-4, 1e-3, 0.5, 0.02, 1.25e-4, 10.0, 0.999, 1e-6)] == \
        ["2e-4", "1e-3", "0.5", "0.02", "1.25e-4", "10", "0.999", "1e-6"]


def test_a_url_without_a_lesson_is_no_lesson():
    assert decode({}) == no_lesson() and not decode({}).linked
    assert decode({"v": ["abc"], "watch": ["1"], "embed": ["true"]}) == no_lesson()
    # a student's class code, kept in the address across pages, and the wall's order (a class pass: the Train page
    # read ?class= as a bad lesson link)
    assert decode({"class": ["ABC234"], "wall_order": ["lr_g"], "wall_group": ["loss"]}) == no_lesson()


def test_other_features_keys_are_left_alone():
    got = decode({"preset": ["ring8"], "v": ["abc"], "watch": ["r-1"], "embed_options": ["dark_theme"]})
    assert got == Lesson("ring8", preset("ring8"), linked=True)


RING8 = {"preset": "ring8"}
TAMPERED = [
    ({"preset": "no-such"}, "preset: unknown 'no-such'"),
    ({"preset": ""}, "preset: empty"),
    ({"lr_g": "1e-3"}, "preset: missing"),
    ({**RING8, "lr_g": "2"}, "lr_g: must be between 1e-06 and 1"),
    ({**RING8, "lr_g": "abc"}, "lr_g: expected a number"),
    ({**RING8, "lr_g": "nan"}, "lr_g: must be a finite number"),
    ({**RING8, "lr_g": "inf"}, "lr_g: must be a finite number"),
    ({**RING8, "batch_size": "12.5"}, "batch_size: expected a whole number"),   # ("1e3" is 1000: whole)
    ({**RING8, "batch_size": "1e9"}, "batch_size: must be between 1 and 4096; got 1000000000"),
    ({**RING8, "epochs": "0"}, "epochs: must be between 1 and 100000"),
    ({**RING8, "loss": "magic"}, "loss: must be one of"),
    ({**RING8, "model": "mlp"}, "model: dataset 'ring8' needs model toy-mlp"),
    ({**RING8, "seed": "٣"}, "seed: unexpected characters"),             # int() would read an Arabic-Indic 3
    ({**RING8, "seed": "1_0"}, "seed: unexpected characters"),            # ... and int() would read 10
    ({**RING8, "loss": "<script>"}, "loss: unexpected characters"),
    ({**RING8, "lr_g": ["1e-3", "2e-3"]}, "lr_g: given 2 times"),
    ({"preset": ["ring8", "grid25"]}, "preset: given 2 times"),
    ({**RING8, "lr_g": []}, "lr_g: given 0 times"),
    ({**RING8, "lr_g": "1" * 41}, "lr_g: 41 characters long; at most 40"),
    ({**RING8, "lock": "model " * 10_000}, "lock: 60000 characters long"),
    ({**RING8, "data_path": "/etc"}, "data_path: names a folder on the server's disk"),
    ({**RING8, "device": "cuda"}, "device: is the server's hardware choice"),
    ({**RING8, "threads": "256"}, "threads:"),
    ({**RING8, "precision": "bf16"}, "precision:"),
    ({"preset": "seed-mlp", "dataset": "folder"}, "dataset: 'folder'"),
    ({**RING8, "lock": "model nope"}, "lock: no field named 'nope'"),
    ({**RING8, "hide": "model model"}, "hide: model is listed twice"),
    ({**RING8, "lock": "model", "hide": "model"}, "model: both locked and hidden"),
    ({**RING8, "lock": "model;loss"}, "lock: unexpected characters"),
    ({**RING8, "open": "lr_g", "lock": "model"}, "open: given with lock"),
    ({**RING8, "open": ""}, "open: empty"),
    ({**RING8, "open": "lr_g nope"}, "open: no field named 'nope'"),
    ({**RING8, "open": "lr_g device"}, "open: device is a server setting"),
    ({**RING8, "open": "lr_g lr_g"}, "open: lr_g is listed twice"),
    ({**RING8, "open": "lr_g", "hide": "lr_g"}, "lr_g: both open and hidden"),
    ({**RING8, "open": "lr_g<"}, "open: unexpected characters"),
    ({**RING8, "opens": "lr_g"}, "opens: not a setting a lesson link can hold (did you mean open?)"),
    ({**RING8, "lrg": "1e-3"}, "lrg: not a setting a lesson link can hold (did you mean lr_g?)"),
    ({**RING8, "presets": "grid25"}, "did you mean preset?"),
    ({**RING8, "lr-g": "5e-4"}, "lr-g: not a setting a lesson link can hold (did you mean lr_g?)"),
    ({"lesson": "garbage"}, "lesson: not a setting a lesson link can hold (a lesson link starts with ?preset="),
    ({**RING8, "colour": "red"}, "colour: not a setting a lesson link can hold"),
    ({**RING8, "seed": 3}, "seed: expected text, got int"),
    ({**RING8, **{f"x{i}": "1" for i in range(MAX_PARAMS)}}, f"parameters; at most {MAX_PARAMS}"),
]


@pytest.mark.parametrize("params, message", TAMPERED, ids=[m for _, m in TAMPERED])
def test_a_tampered_link_gives_the_defaults_and_says_what_was_wrong(params, message):
    got = decode(params)
    assert got.linked and got.problems and message in got.problems[0], got.problems
    assert (got.preset_name, got.config, got.locked, got.hidden) == (DEFAULT_PRESET, preset(DEFAULT_PRESET), (), ())


def test_each_bad_parameter_is_named():
    got = decode({**RING8, "lr_g": ["1", "2"], "device": "cuda", "lock": "nope!"})
    assert [p.split(":")[0] for p in got.problems] == ["lr_g", "device", "lock"]
    got = decode({"preset": "nosuch", "lr_g": "fast", "lock": "../../x"})
    assert [p.split(":")[0] for p in got.problems] == ["preset", "lr_g", "lock"], got.problems


def test_the_apps_own_parameters_are_no_lesson_and_no_problem():
    assert decode({"v": "k" * 22, "watch": "abcdefgh", "embed": "true"}) == decode({})
    assert not decode({**RING8, "v": "k" * 22}).problems


def test_random_garbage_never_raises():
    rng = random.Random(1)
    junk = ["", " ", "+", "%00", "\x00", "\u202e", "1e309", "-0", "9" * 50, "None", "true", "ring8", "model,loss",
            "folder", "toy-mlp", "1e-3", "../etc", "0x10", "١", "NaN", ["a", "b"], [], 3, None, 1.5, b"x"]
    for _ in range(3000):
        params = {rng.choice([*KEYS, "v", "lrg", "x" * 60, "", 5]): rng.choice(junk) for _ in range(rng.randint(1, 6))}
        got = decode(params)
        assert isinstance(got, Lesson)
        assert not any(p.startswith("the link could not be read") for p in got.problems), (params, got.problems)
        if got.problems:
            assert got.config == preset(DEFAULT_PRESET) and got.locked == got.hidden == ()
        else:
            assert got.config.validate() is got.config
