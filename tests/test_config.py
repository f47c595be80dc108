"""TrainConfig: defaults and presets validate; bad values are refused with a message naming the field."""
import dataclasses
import math
import pickle

import numpy as np
import pytest

from ganlib import LIVE_FIELDS, PRESETS, TrainConfig, preset
from ganlib.engine.config import DATASETS, MODELS, OPEN_GROUPS, coerce, field_meta, fields, groups
from ganlib.errors import FieldError


def test_defaults_validate():
    cfg = TrainConfig()
    assert cfg.validate() is cfg
    assert cfg.dataset == "digits" and cfg.model == "mlp"


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_validates(name):
    cfg = preset(name)
    if cfg.dataset == "folder":  # your own images: valid once data_path names them
        with pytest.raises(ValueError, match="^data_path: must name a folder"):
            cfg.validate()
        cfg = cfg.replace(data_path="mine/data/faces.zip")
    assert cfg.validate() is cfg
    assert cfg.is_toy == (cfg.model == "toy-mlp")


def test_the_presets_for_a_gpu_are_named_and_say_so():
    from ganlib.engine.presets import FOR_GPU
    from ganlib.words.describe import preset_label
    assert FOR_GPU == {"dcgan-cifar10", "dcgan-64"} and FOR_GPU <= set(PRESETS)
    assert all(PRESETS[name][0].startswith("For a GPU") for name in FOR_GPU)
    assert [preset_label(n) for n in ("dcgan-64", "fast-digits")] == ["dcgan-64 (GPU)", "fast-digits"]


def test_the_fields_only_some_datasets_read():
    from ganlib.engine.config import applies
    assert [d for d in DATASETS if applies("data_path", d)] == ["folder", "drawn"]
    assert [d for d in DATASETS if applies("channels", d)] == [d for d in DATASETS if applies("image_size", d)] == \
        ["folder"]
    assert all(applies("lr_g", d) and applies("dataset", d) for d in DATASETS)
    assert all(set(field_meta(f.name)["datasets"] or DATASETS) <= set(DATASETS) for f in fields())


def test_unknown_preset_is_a_value_error():
    with pytest.raises(ValueError, match="preset"):
        preset("no-such-preset")


def test_every_field_has_ui_metadata():
    for f in fields():
        m = field_meta(f.name)
        assert m["help"] and m["group"] in groups()
        if m["lo"] is not None:
            assert m["lo"] <= f.default <= m["hi"], f.name
        if m["choices"] is not None:
            assert f.default in m["choices"], f.name



def test_live_fields_are_the_fields_marked_live():
    assert LIVE_FIELDS == tuple(f.name for f in fields() if field_meta(f.name)["live"])
    assert set(LIVE_FIELDS) == {"lr_g", "lr_d", "d_steps", "epochs"}


def test_groups_in_field_order_and_each_group_its_fields():
    assert groups() == ("data", "model", "loss", "optimizer", "schedule", "compute")
    assert set(OPEN_GROUPS) <= set(groups())
    assert [f.name for g in groups() for f in fields(g)] == [f.name for f in fields()]   # groups are contiguous
    assert [f.name for f in fields("schedule")] == ["epochs", "sample_every", "eval_every", "seed"]


def _error(**changes) -> str:
    with pytest.raises(ValueError) as e:
        TrainConfig().replace(**changes).validate()
    return str(e.value)


@pytest.mark.parametrize("field,value,lo,hi", [
    ("lr_g", 0.0, "1e-06", "1"),
    ("lr_g", -1e-3, "1e-06", "1"),
    ("lr_d", 2.0, "1e-06", "1"),
    ("batch_size", 0, "1", "4096"),
    ("batch_size", -5, "1", "4096"),
    ("epochs", 0, "1", "100000"),
    ("d_steps", 21, "1", "20"),
    ("d_dropout", 0.95, "0", "0.9"),
    ("r1_weight", -0.1, "0", "1000"),
    ("seed", -1, "0", "2147483647"),
])
def test_out_of_range_names_field_and_range(field, value, lo, hi):
    msg = _error(**{field: value})
    assert msg.startswith(f"{field}:")
    assert lo in msg and hi in msg


@pytest.mark.parametrize("field", ["lr_g", "lr_d", "beta1", "gp_weight", "r1_weight", "ema", "label_smoothing"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_rejected(field, value):
    msg = _error(**{field: value})
    assert msg.startswith(f"{field}:")
    assert "finite" in msg


def test_unknown_dataset_lists_choices():
    msg = _error(dataset="imagenet")
    assert msg.startswith("dataset:")
    for name in DATASETS:
        assert name in msg


def test_unknown_model_lists_choices():
    msg = _error(model="resnet")
    assert msg.startswith("model:")
    for name in MODELS:
        assert name in msg


def test_bad_choice_of_int_field():
    msg = _error(image_size=30)
    assert msg.startswith("image_size:") and "28" in msg and "64" in msg


def test_toy_dataset_with_image_model_rejected():
    msg = _error(dataset="ring8", model="mlp")
    assert msg.startswith("model:") and "toy-mlp" in msg


def test_image_dataset_with_toy_model_rejected():
    msg = _error(dataset="digits", model="toy-mlp")
    assert msg.startswith("model:")


def test_folder_needs_data_path():
    msg = _error(dataset="folder")
    assert msg.startswith("data_path:")
    TrainConfig(dataset="folder", data_path="/some/where").validate()


@pytest.mark.parametrize("field,value", [
    ("lr_g", "0.001"), ("batch_size", 64.0), ("batch_size", "64"), ("epochs", True),
    ("dataset", 3), ("d_dropout", None), ("latent_dim", 2.5),
])
def test_wrong_type_rejected(field, value):
    msg = _error(**{field: value})
    assert msg.startswith(f"{field}:") and "expected" in msg


def test_to_dict_from_dict_round_trip():
    for name in PRESETS:
        cfg = preset(name)
        cfg = cfg.replace(data_path="faces.zip") if cfg.dataset == "folder" else cfg
        d = cfg.to_dict()
        assert set(d) == {f.name for f in dataclasses.fields(TrainConfig)}
        assert TrainConfig.from_dict(d) == cfg


def test_from_dict_missing_keys_take_defaults():
    cfg = TrainConfig.from_dict({"lr_g": 1e-3})
    assert cfg == TrainConfig(lr_g=1e-3)


def test_from_dict_unknown_key_rejected():
    with pytest.raises(ValueError, match=r"^lr:.*not a TrainConfig field"):
        TrainConfig.from_dict({"lr": 1e-3})


def test_from_dict_validates():
    with pytest.raises(ValueError, match="^batch_size:"):
        TrainConfig.from_dict({"batch_size": 0})


def test_from_dict_coerces_strings():
    cfg = TrainConfig.from_dict({"lr_g": "1e-3", "batch_size": "32", "dataset": "ring8",
                                 "model": "toy-mlp", "epochs": 5.0})
    assert cfg.lr_g == 1e-3 and type(cfg.lr_g) is float
    assert cfg.batch_size == 32 and type(cfg.batch_size) is int
    assert cfg.epochs == 5 and type(cfg.epochs) is int
    assert cfg.dataset == "ring8"


@pytest.mark.parametrize("field,value,expected", [
    ("lr_g", "2e-4", 2e-4), ("lr_g", " 0.5 ", 0.5), ("lr_g", 1, 1.0), ("batch_size", "128", 128),
    ("batch_size", 16.0, 16), ("seed", np.int64(7), 7), ("lr_d", np.float64(0.01), 0.01),
    ("dataset", "moons", "moons"),
])
def test_coerce(field, value, expected):
    out = coerce(field, value)
    assert out == expected
    assert type(out) is type(expected)


@pytest.mark.parametrize("field,value", [
    ("batch_size", "12.5"), ("batch_size", 12.5), ("batch_size", "many"), ("lr_g", "fast"),
    ("epochs", True), ("data_path", None), ("nope", "1"),
])
def test_coerce_rejects_with_field_name(field, value):
    with pytest.raises(ValueError, match=f"^{field}:"):
        coerce(field, value)
    with pytest.raises(FieldError) as e:
        coerce(field, value)
    assert e.value.field == field and str(e.value) == f"{field}: {e.value.message}"


def test_validation_errors_name_their_field_as_data():
    """FieldError (a ValueError): the form puts the message under e.field's box; a copy (a pickle) keeps both."""
    with pytest.raises(FieldError) as e:
        TrainConfig(compile=True, loss="wgan-gp").validate()
    assert e.value.field == "compile" and str(e.value).startswith("compile: must be false with loss wgan-gp:")
    copy = pickle.loads(pickle.dumps(e.value))
    assert (copy.field, copy.message, str(copy)) == (e.value.field, e.value.message, str(e.value))
    with pytest.raises(FieldError, match="^preset: unknown 'nope'") as e:
        preset("nope")
    assert e.value.field == "preset"


def test_numpy_floats_become_plain_floats_in_dicts():
    """A numpy float64 slipped into a config must not reach a checkpoint (weights_only refuses numpy)."""
    cfg = TrainConfig().replace(lr_g=np.float64(1e-3)).validate()
    d = cfg.to_dict()
    assert type(d["lr_g"]) is float and d["lr_g"] == 1e-3


def test_config_is_frozen_and_replace_makes_a_copy():
    cfg = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr_g = 1.0
    other = cfg.replace(lr_g=1e-3)
    assert cfg.lr_g == 2e-4 and other.lr_g == 1e-3
