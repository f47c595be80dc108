"""Checkpoints: atomic writes, safe reads (weights_only), clear refusals, and exact round trips."""
import io
import os
import re
import time

import numpy as np
import pytest
import torch

from ganlib import CheckpointError, Dataset, LatentModel, Runner, Trainer, load_checkpoint, preset, save_checkpoint, trainer_from_checkpoint
from ganlib.run.state import Status
from ganlib.run.checkpoint import FORMAT, TIMELINE_BYTES, VERSION, build_generator, halve, make_payload, restore_trainer, summary
from ganlib.engine.grid import make_grid
from ganlib.run.history import Frame
from ganlib.classroom.library import checkpoint_path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))



def toy_cfg(**changes):
    return preset("ring8").replace(**{"batch_size": 64, **changes})


@pytest.fixture(scope="module")
def images():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8, generator=g)
    return Dataset("random", (1, 28, 28), 64, images=x)


def trained(cfg, data=None, steps=3):
    t = Trainer(cfg, data)
    for _ in range(steps):
        t.step()
    return t


def payload_of(t, **kw):
    return make_payload(t.cfg, t.data.shape, t.state_dict(), **kw)


@pytest.fixture
def toy_ckpt(tmp_path):
    t = trained(toy_cfg())
    return t, save_checkpoint(str(tmp_path / "toy.pt"), payload_of(t, preset="ring8"))


def test_round_trip_from_path_bytes_and_file(toy_ckpt):
    t, path = toy_ckpt
    with open(path, "rb") as f:
        raw = f.read()
    for source in (path, raw, bytearray(raw), io.BytesIO(raw)):
        p = load_checkpoint(source)
        assert p["format"] == FORMAT and p["version"] == VERSION and p["preset"] == "ring8"
        assert p["config"] == t.cfg and p["shape"] == (2,)
        assert p["trainer"]["step"] == 3
        for k, v in t.G.state_dict().items():
            assert torch.equal(p["trainer"]["G"][k], v)


def test_save_makes_folders_and_returns_absolute_path(tmp_path, monkeypatch):
    t = trained(toy_cfg(), steps=1)
    monkeypatch.chdir(tmp_path)
    path = save_checkpoint(os.path.join("a", "b", "c.pt"), payload_of(t))
    assert os.path.isabs(path) and os.path.exists(path)
    assert load_checkpoint(path)["trainer"]["step"] == 1


def test_save_is_atomic(toy_ckpt, monkeypatch):
    t, path = toy_ckpt
    folder = os.path.dirname(path)
    before = open(path, "rb").read()
    real_save = torch.save

    def dies_midway(obj, f, *a, **k):
        f.write(b"PK\x03\x04 half a checkpoint")
        f.flush()
        raise OSError("disk full")
    monkeypatch.setattr(torch, "save", dies_midway)
    t.step()
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, payload_of(t))
    with pytest.raises(OSError):
        save_checkpoint(os.path.join(folder, "new.pt"), payload_of(t))
    monkeypatch.setattr(torch, "save", real_save)

    assert sorted(os.listdir(folder)) == ["toy.pt"]       # no temporary files, no half-written new.pt
    assert open(path, "rb").read() == before              # the old checkpoint is untouched
    assert load_checkpoint(path)["trainer"]["step"] == 3


def test_save_interrupted_by_keyboard_leaves_no_temp(tmp_path, monkeypatch):
    t = trained(toy_cfg(), steps=1)

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(str(tmp_path / "x.pt"), payload_of(t))
    assert os.listdir(tmp_path) == []


CALLED = []


def _side_effect(*args):
    """Stands in for os.system: it only records that unpickling tried to call it."""
    CALLED.append(args)
    return 0


class Malicious:
    def __reduce__(self):
        return (_side_effect, ("echo pwned",))


def test_pickled_code_is_refused_not_run(tmp_path, toy_ckpt):
    t, _ = toy_ckpt
    payload = payload_of(t)
    payload["history"] = {"rows": [], "stride": 1, "extra": Malicious()}
    path = str(tmp_path / "evil.pt")
    torch.save(payload, path)
    CALLED.clear()
    with pytest.raises(CheckpointError, match="may carry code"):
        load_checkpoint(path)
    assert CALLED == []
    # the same object unpickled without weights_only would have run the call: the test is real
    torch.load(path, weights_only=False)
    assert CALLED == [("echo pwned",)]


def test_truncated_file_refused(tmp_path, toy_ckpt):
    _, path = toy_ckpt
    raw = open(path, "rb").read()
    for n in (len(raw) // 2, 100):
        cut = tmp_path / f"cut{n}.pt"
        cut.write_bytes(raw[:n])
        with pytest.raises(CheckpointError, match="truncated"):
            load_checkpoint(str(cut), name="cut.pt")
    with pytest.raises(CheckpointError, match="cut.pt is not a PyTorch file"):
        load_checkpoint(raw[:1], name="cut.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(raw[:-1000])


@pytest.mark.parametrize("obj", [
    {"weights": torch.zeros(3)},
    torch.zeros(3),
    [1, 2, 3],
    {"format": "something-else", "version": 1},
], ids=["dict", "tensor", "list", "other-format"])
def test_other_torch_files_refused(tmp_path, obj):
    path = str(tmp_path / "other.pt")
    torch.save(obj, path)
    with pytest.raises(CheckpointError, match="not a ganlib checkpoint"):
        load_checkpoint(path)


def test_not_a_torch_file_and_missing_file(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="not a .*PyTorch file"):
        load_checkpoint(str(text))
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(str(tmp_path / "nope.pt"))
    with pytest.raises(CheckpointError):
        load_checkpoint(b"")


def _saved(tmp_path, payload):
    path = str(tmp_path / "p.pt")
    torch.save(payload, path)
    return path


def test_wrong_version_missing_keys_bad_config_refused(tmp_path, toy_ckpt):
    t, _ = toy_ckpt
    p = payload_of(t)
    with pytest.raises(CheckpointError, match="version"):
        load_checkpoint(_saved(tmp_path, {**p, "version": 99}))
    q = dict(p)
    del q["trainer"]
    with pytest.raises(CheckpointError, match="lacks trainer"):
        load_checkpoint(_saved(tmp_path, q))
    with pytest.raises(CheckpointError, match="bad config.*lr_g"):
        load_checkpoint(_saved(tmp_path, {**p, "config": {**p["config"], "lr_g": -1.0}}))
    with pytest.raises(CheckpointError, match="bad config.*not a TrainConfig field"):
        load_checkpoint(_saved(tmp_path, {**p, "config": {**p["config"], "bogus": 1}}))
    with pytest.raises(CheckpointError, match="malformed"):
        load_checkpoint(_saved(tmp_path, {**p, "config": [1, 2]}))
    with pytest.raises(CheckpointError, match="shape"):
        load_checkpoint(_saved(tmp_path, {**p, "shape": ["x"]}))


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    t = trained(toy_cfg(g_width=32, d_width=32), steps=1)
    p = payload_of(t)
    p["config"] = toy_cfg(g_width=64, d_width=64).to_dict()   # claims wider nets than it holds
    path = save_checkpoint(str(tmp_path / "misfit.pt"), p)
    with pytest.raises(CheckpointError, match=r"do not fit .*G\.net\.0\.weight is \(32, 2\), not \(64, 2\)"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="do not fit"):
        trainer_from_checkpoint(path)
    with pytest.raises(CheckpointError):
        LatentModel.from_checkpoint(path)
    # the builders say so too, for a payload made in memory that skipped the reading checks
    unchecked = {**p, "config": toy_cfg(g_width=64, d_width=64), "shape": (2,)}
    with pytest.raises(CheckpointError, match="do not fit"):
        build_generator(unchecked)
    with pytest.raises(CheckpointError, match="does not fit"):
        restore_trainer(Trainer(toy_cfg(g_width=64, d_width=64)), unchecked)


def _poison_weight(p):
    p["trainer"]["G"]["net.0.weight"][0, 0] = float("nan")


def _poison_adam(p):
    p["trainer"]["opt_d"]["state"][2]["exp_avg"][0] = float("inf")


def _poison_running_var(p):
    p["trainer"]["G"]["net.1.running_var"][3] = float("nan")


@pytest.mark.parametrize("poison, where, value", [
    (_poison_weight, "trainer.G.net.0.weight", "nan"),
    (_poison_adam, "trainer.opt_d.state.2.exp_avg", "inf"),
    (_poison_running_var, "trainer.G.net.1.running_var", "nan"),  # only eval-mode samples would show it
], ids=["nan-weight", "inf-adam-moment", "nan-bn-running-var"])
def test_a_checkpoint_with_a_non_finite_tensor_is_refused_naming_it(tmp_path, images, poison, where, value):
    """A run that went NaN is refused on load, resume and upload (all read through load_checkpoint), not loaded
    as a good state that a rollback would go back to."""
    t = trained(preset("fast-digits").replace(batch_size=16, g_width=8, d_width=8, latent_dim=4), images, steps=2)
    p = payload_of(t)
    poison(p)
    path = save_checkpoint(str(tmp_path / "nan.pt"), p)
    message = re.escape(f"has a non-finite value in {where} ({value}): ")
    with pytest.raises(CheckpointError, match=f"^{re.escape(f'checkpoint: {path} ')}{message}"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match=message):
        trainer_from_checkpoint(path)
    with open(path, "rb") as f:
        with pytest.raises(CheckpointError, match=f"^checkpoint: the uploaded file {message}"):
            load_checkpoint(f.read())
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(p)      # a payload in memory, as the runner hands on


def test_a_compact_checkpoint_keeps_float32_where_float16_would_overflow(tmp_path):
    t = trained(toy_cfg(), steps=1)
    state = t.state_dict()
    state["D"]["net.0.weight"][0, 0] = 1e6    # float16 ends at 65,504: it would be inf, and refused on loading
    small = halve(state)
    assert small["D"]["net.0.weight"].dtype == torch.float32 and small["D"]["net.0.bias"].dtype == torch.float16
    p = load_checkpoint(save_checkpoint(str(tmp_path / "compact.pt"), make_payload(t.cfg, t.data.shape, small)))
    assert p["trainer"]["D"]["net.0.weight"][0, 0] == 1e6


def test_shape_that_does_not_fit_the_config_is_refused(tmp_path):
    t = trained(toy_cfg(), steps=1)
    p = make_payload(t.cfg, (1, 28, 28), t.state_dict())
    with pytest.raises(CheckpointError):
        build_generator(load_checkpoint(save_checkpoint(str(tmp_path / "s.pt"), p)))


def test_latent_model_round_trip_points(toy_ckpt):
    t, path = toy_ckpt
    m = LatentModel.from_checkpoint(path)
    assert (m.latent_dim, m.shape, m.kind) == (2, (2,), "points")
    z = torch.randn(7, 2)
    assert torch.equal(m(z), t.generate(z))
    pts = m.points(z)
    assert isinstance(pts, np.ndarray) and pts.shape == (7, 2)
    assert not m.G.training


def test_latent_model_round_trip_images_with_ema(tmp_path, images):
    cfg = preset("fast-digits").replace(batch_size=16, d_width=32)
    t = trained(cfg, images, steps=3)
    path = save_checkpoint(str(tmp_path / "img.pt"), payload_of(t))
    m = LatentModel.from_checkpoint(path)
    assert (m.latent_dim, m.shape, m.kind) == (cfg.latent_dim, (1, 28, 28), "image")
    z = t.fixed_z[:5]
    assert torch.equal(m(z), t.generate(z))            # the EMA of G, as the trainer samples
    raw = build_generator(load_checkpoint(path), use_ema=False)
    with torch.no_grad():
        assert torch.equal(raw(z), t.G.eval()(z))      # and G itself on request
    pics = m.pictures(z)
    assert pics.shape == (5, 28, 28, 1) and pics.dtype == np.uint8


def _timeline_payload(t, n_frames, **kw):
    frames = [Frame(i, 0.5 * i, make_grid(t.generate(t.fixed_z))) for i in range(n_frames)]
    return payload_of(t, frames=frames, **kw)


def test_the_timeline_is_kept_as_uint8_grids_and_thinned_to_its_budget(images):
    t = trained(preset("seed-mlp").replace(batch_size=16), images, steps=1)
    p = _timeline_payload(t, 60)     # 60 grids of 242 x 242 digits: 3.5 MB, within the budget
    assert len(p["timeline"]) == 60 and all(f["picture"].dtype == torch.uint8 for f in p["timeline"])
    assert tuple(p["timeline"][0]["picture"].shape) == (242, 242, 1)
    kept = [f["step"] for f in make_payload(t.cfg, t.data.shape, t.state_dict(),
                                            frames=[Frame(i, 0.0, np.zeros((530, 530, 3), np.uint8))
                                                    for i in range(60)])["timeline"]]
    assert kept[0] == 0 and kept[-1] == 59 and len(kept) * 530 * 530 * 3 <= TIMELINE_BYTES   # 64 x 64 RGB grids
    assert kept == sorted(kept) and len(kept) >= 4


@pytest.mark.parametrize("timeline, metrics", [
    ([{"step": 0, "seconds": 0.0, "picture": torch.zeros(241, 242, 1, dtype=torch.uint8)}], []),   # not its grid
    ([{"step": 0, "seconds": 0.0, "picture": torch.zeros(242, 242, 1)}], []),                       # not uint8
    ([{"step": 0, "seconds": -1.0, "picture": torch.zeros(242, 242, 1, dtype=torch.uint8)}], []),
    ([{"step": 2, "seconds": 0.0, "picture": torch.zeros(242, 242, 1, dtype=torch.uint8)},
      {"step": 1, "seconds": 0.0, "picture": torch.zeros(242, 242, 1, dtype=torch.uint8)}], []),    # out of order
    ([{"step": 0, "seconds": 0.0, "picture": torch.zeros(242, 242, 1, dtype=torch.uint8)}] * 61, []),
    ("frames", []),
    ([], [[5, {"fid": 1.0}], [1, {"fid": 2.0}]]),
    ([], [[1, {"fid": float("inf")}]]),
    ([], [[1, {"class_histogram": [0.1] * 65}]]),
    ([], [[1, {"error": "x" * 501}]]),
    ([], [[1, {k: 1.0 for k in map(str, range(33))}]]),
    ([], [[-1, {}]]),
    ([], [[1, {}]] * 1001),
])
def test_a_bad_timeline_or_quality_history_is_refused(images, tmp_path, timeline, metrics):
    t = trained(preset("seed-mlp").replace(batch_size=16), images, steps=1)
    p = payload_of(t)
    p["timeline"], p["metrics"] = timeline, metrics
    path = save_checkpoint(str(tmp_path / "bad.pt"), p)
    with pytest.raises(CheckpointError, match="bad sample timeline" if timeline else "bad quality history"):
        load_checkpoint(path)


def test_a_checkpoint_without_quality_history_or_timeline_still_loads_and_resumes(images, tmp_path):
    """Checkpoints written before issue 13 (the shipped ones too) have neither: they load as before."""
    t = trained(preset("seed-mlp").replace(batch_size=16), images, steps=2)
    p = payload_of(t)
    del p["metrics"], p["timeline"]
    path = save_checkpoint(str(tmp_path / "old.pt"), p)
    r = Runner(trainer=Trainer(t.cfg, images), payload=load_checkpoint(path))
    try:
        s = r.wait(lambda s: s.status is not Status.LOADING, 60)
        assert (s.status, s.step, s.metrics) == (Status.IDLE, 2, ())
        assert [f.step for f in s.timeline] == [2]     # the samples of the loaded G
    finally:
        r.close()
    for shipped in ("pretrained-digits.pt", "pretrained-ring8.pt"):
        assert "timeline" not in load_checkpoint(os.path.join(ROOT, "checkpoints", shipped))


def test_a_checkpoint_from_before_the_lr_schedule_loads_with_a_constant_lr(tmp_path):
    t = trained(toy_cfg(lr_g=7e-4), steps=3)
    p = payload_of(t)
    for key in ("lr_decay_after", "lr_half_life", "lr_floor"):  # not in a checkpoint written before they existed
        del p["config"][key]
    resumed, _ = trainer_from_checkpoint(save_checkpoint(str(tmp_path / "old.pt"), p))
    assert resumed.cfg.lr_decay_after == 0 and resumed.step_count == 3
    for _ in range(3):
        resumed.step()
    assert resumed.opt_g.param_groups[0]["lr"] == 7e-4


def _step_to(r, step):
    while (s := r.wait(lambda s: s.status is not Status.LOADING, 60)).step < step:
        r.step()
        r.wait(lambda n: n.step > s.step, 60)


def test_save_run_and_runner_from_checkpoint(tmp_path, images, monkeypatch):
    cfg = preset("seed-mlp").replace(batch_size=16, sample_every=2, eval_every=2)
    r = Runner(trainer=Trainer(cfg, images), preset="seed-mlp", evaluator=lambda t: {"score": float(t.step_count)})
    try:
        _step_to(r, 3)
        r.update(lr_g=1e-4)
        _step_to(r, 5)
        path = r.save(str(tmp_path / "run.pt"))
        before = r.snapshot()
        weights = {k: v.clone() for k, v in r.checkpoint()["trainer"]["G"].items()}
    finally:
        r.close()

    assert before.metrics and len(before.timeline) >= 3

    info = summary(path)
    assert (info["name"], info["preset"], info["dataset"], info["step"]) == ("run", "seed-mlp", "digits", 5)
    assert info["picture"].dtype == torch.uint8 and info["picture"].dim() == 3

    # the checkpoint names dataset "digits": give the resumed trainer our tiny set instead
    monkeypatch.setattr("ganlib.engine.trainer.load_dataset", lambda cfg, data_paths=None: images)
    again = Runner.from_checkpoint(path)
    try:
        s = again.wait(lambda s: s.status is not Status.LOADING, 60)
        assert (s.status, s.step, s.config.lr_g) == (Status.IDLE, 5, 1e-4)
        assert again.preset == "seed-mlp" and s.preset == "seed-mlp"
        assert s.history == before.history
        # the quality history and the sample timeline come back too (issue 13), frame for frame
        assert s.metrics == before.metrics and s.elapsed == before.history["seconds"][-1]
        assert [(f.step, f.seconds) for f in s.timeline] == [(f.step, f.seconds) for f in before.timeline]
        assert all(np.array_equal(a.picture, b.picture) and a.picture.dtype == np.uint8 and not a.picture.flags.writeable
                   for a, b in zip(s.timeline, before.timeline))
        assert [(e.step, e.field, e.old, e.new) for e in s.events] == [(3, "lr_g", 2e-4, 1e-4)]
        for k, v in again.checkpoint()["trainer"]["G"].items():
            assert torch.equal(v, weights[k])
    finally:
        again.close()


@pytest.mark.parametrize("name,expected", [
    ("my run", "my run.pt"), ("digits.pt", "digits.pt"), ("../../etc/passwd", "etcpasswd.pt"),
    (" a/b\\c ", "abc.pt"), ("x..", "x.pt"),
])
def test_checkpoint_path_is_safe(tmp_path, name, expected):
    p = checkpoint_path(str(tmp_path), name)
    assert os.path.dirname(p) == str(tmp_path) and os.path.basename(p) == expected


@pytest.mark.parametrize("name", ["", "   ", "..", "/", "!!!"])
def test_checkpoint_path_rejects_empty_names(tmp_path, name):
    with pytest.raises(ValueError, match="^name:"):
        checkpoint_path(str(tmp_path), name)


# --- files from strangers (issue 9): each one refused with one clear message, nothing allocated for it --------
@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory):
    t = trained(toy_cfg(), steps=3)
    picture = np.full((530, 530, 3), 40, np.uint8)   # as large as a grid gets: 8 x 8 samples of 64 pixels
    path = save_checkpoint(str(tmp_path_factory.mktemp("good") / "good.pt"),
                           payload_of(t, preset="ring8", picture=picture))
    return open(path, "rb").read()


@pytest.fixture(scope="module")
def evil(good_bytes):
    from evil import evil_files
    return evil_files(good_bytes)


EVIL = ("step-inf", "step-negative", "batches-nan", "created-yesterday", "created-inf", "world-size-0",
        "picture-16000", "picture-float", "picture-bomb", "many-entries", "history-nan", "events-bad", "metrics-nan",
        "timeline-bomb", "timeline-nan", "shape-huge",
        "weights-misfit", "config-bad", "legacy-format", "truncated", "text", "other-torch")


@pytest.mark.parametrize("which", EVIL)
def test_a_malicious_file_is_refused_saying_what_is_wrong(evil, which):
    data, says = evil[which]
    with pytest.raises(CheckpointError, match=says) as e:
        load_checkpoint(data, name="upload.pt")
    assert str(e.value).startswith("checkpoint: upload.pt ") and "\n" not in str(e.value)


def test_the_evil_list_is_the_tested_list(evil):
    assert tuple(evil) == EVIL


def test_declared_sizes_are_refused_before_torch_load_allocates_them(good_bytes, evil, monkeypatch):
    loads = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(1))
    with pytest.raises(CheckpointError, match=r"declares 73\d MB"):
        load_checkpoint(evil["picture-bomb"][0])
    assert loads == []
    monkeypatch.setenv("GAN_STUDIO_MAX_UPLOAD_MB", "0.1")   # the operator's budget applies to good files too
    with pytest.raises(CheckpointError, match=r"declares 1\.\d MB of data; a checkpoint here holds at most 0\.1 MB"):
        load_checkpoint(good_bytes)
    assert loads == []


def test_a_good_file_with_a_picture_passes_every_check(good_bytes):
    p = load_checkpoint(good_bytes)
    assert p["trainer"]["step"] == 3 and p["shape"] == (2,) and p["picture"].shape == (530, 530, 3)
