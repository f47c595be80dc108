"""budget: every preset fits the default limit, too big a run is refused naming the field to lower, the
estimate is near a measured run's peak, and estimating allocates nothing of the run's size."""
from __future__ import annotations

import importlib.util
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ganlib.run import budget
from ganlib.engine.config import TrainConfig
from ganlib.engine.data import load_dataset, plan
from ganlib.engine.presets import PRESETS, preset
from ganlib.settings import read

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def default_limit(monkeypatch):
    monkeypatch.delenv("GAN_STUDIO_MAX_RUN_MB", raising=False)


@pytest.mark.parametrize("dataset", ["digits", "ring8", "gauss-1d"])
def test_the_plan_of_a_dataset_is_what_loading_it_gives(dataset):
    cfg = TrainConfig(dataset=dataset, model="mlp" if dataset == "digits" else "toy-mlp")
    data = load_dataset(cfg)
    assert plan(cfg) == (data.shape, data.size if data.images is not None else 0)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_fits_the_default_budget(name):
    cfg = preset(name)
    if cfg.dataset == "folder":   # a preset for your own images names them only once they are uploaded
        cfg = cfg.replace(data_path="mine/data/faces.zip")
    est = budget.check(cfg)
    assert 0 < est.total <= read("GAN_STUDIO_MAX_RUN_MB")


def test_tf_dcgan_at_batch_4096_is_refused_naming_batch_size():
    with pytest.raises(ValueError) as e:
        budget.check(preset("tf-dcgan").replace(batch_size=4096))
    msg = str(e.value)
    assert msg.startswith("batch_size: this run needs about ")
    assert "batch 4096 of 28x28 with model dcgan" in msg and "allows 1,500 MB per run" in msg
    lower = int(re.search(r"lower batch_size to ([\d,]+) or fewer", msg).group(1).replace(",", ""))
    assert budget.check(preset("tf-dcgan").replace(batch_size=lower)).total <= 1500  # the advice fits
    assert budget.estimate_mb(preset("tf-dcgan").replace(batch_size=2 * lower)).total > 1500  # and is not timid


@pytest.mark.parametrize("changes, field", [
    ({"g_width": 1024}, "g_width"),            # G's weights dominate
    ({"d_width": 2048}, "d_width"),            # D's weights dominate
])
def test_the_field_named_is_the_one_whose_part_dominates(changes, field):
    with pytest.raises(ValueError, match=rf"^{field}: .* lower {field} to [\d,]+ or fewer"):
        budget.check(preset("tf-dcgan").replace(**changes))


def test_a_folder_too_big_for_memory_names_image_size(monkeypatch, tmp_path):
    # 100,000 images of 64x64 RGB are 1.2 GB as uint8: the data dominates; 28x28 would fit
    monkeypatch.setattr(budget, "plan", lambda cfg: ((3, cfg.image_size, cfg.image_size), 100_000))
    cfg = TrainConfig(dataset="folder", data_path=str(tmp_path), image_size=64, model="fast-mlp", batch_size=64)
    with pytest.raises(ValueError, match=r"^image_size: .*lower image_size to 32"):
        budget.check(cfg)


def test_zero_means_no_limit_and_a_bad_limit_names_the_variable(monkeypatch):
    huge = preset("tf-dcgan").replace(batch_size=4096)
    assert budget.check(huge, limit_mb=0).total > 1500
    monkeypatch.setenv("GAN_STUDIO_MAX_RUN_MB", "0")
    assert budget.check(huge).total > 1500
    monkeypatch.setenv("GAN_STUDIO_MAX_RUN_MB", "600")
    with pytest.raises(ValueError, match="allows 600 MB per run"):
        budget.check(preset("keras-convgan"))
    monkeypatch.setenv("GAN_STUDIO_MAX_RUN_MB", "lots")
    with pytest.raises(ValueError, match="^GAN_STUDIO_MAX_RUN_MB: must be a number of megabytes, got 'lots'"):
        budget.check(huge)


def _mb(field: str) -> float:
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1)) / 1024


def test_estimating_a_huge_run_allocates_nothing_of_its_size():
    huge = preset("tf-dcgan").replace(batch_size=4096, g_width=2048, d_width=2048)
    budget.estimate_mb(preset("tf-dcgan"))  # torch's meta kernels load once per process
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak resident set starts again from here
    except OSError:
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak resident set")
    before, t0 = _mb("VmRSS"), time.perf_counter()
    est = budget.estimate_mb(huge)
    seconds, grew = time.perf_counter() - t0, _mb("VmHWM") - before
    assert est.total > 50_000  # what it would take: tens of GB
    assert grew < 20, f"estimating grew the process by {grew:.0f} MB"
    assert seconds < 2


def _bench():
    spec = importlib.util.spec_from_file_location("bench_memory", os.path.join(ROOT, "bench", "memory.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# three small runs whose memory is mostly one part each: activations, weights, the metrics' pass; the MLPs take
# 10 steps (a second or two), as their heap grows over the first steps (bench/memory.py's table)
MEASURED = [("fast-digits", {"batch_size": 2048}, 10), ("seed-mlp", {"g_width": 2048, "d_width": 2048}, 10),
            ("tf-dcgan", {"batch_size": 64}, 2)]


@pytest.mark.slow
def test_the_estimate_is_within_2x_of_a_measured_run():
    bench = _bench()
    with ThreadPoolExecutor(len(MEASURED)) as pool:  # each in a fresh process, as the measurement needs
        measured = list(pool.map(lambda c: bench.run_one(c[1], c[0], steps=c[2], timeout=90), MEASURED))
    for (name, changes, _), m in zip(MEASURED, measured):
        estimate = bench.run_mb(budget.estimate_mb(preset(name).replace(**changes)))
        assert 0.5 <= estimate / m["measured_mb"] <= 2, f"{name} {changes}: estimated {estimate:.0f} MB, measured {m}"
