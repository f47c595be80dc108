"""Paths through latent space: lerp and slerp end where they should, slerp keeps to the shell."""
import math

import pytest
import torch

from ganlib.engine.noise import random_z
from ganlib.explore.latent import lerp, path, slerp


@pytest.fixture
def ab():
    g = torch.Generator().manual_seed(0)
    return torch.randn(1, 64, generator=g), torch.randn(1, 64, generator=g)


@pytest.mark.parametrize("f", [lerp, slerp])
def test_endpoints(f, ab):
    a, b = ab
    assert torch.allclose(f(a, b, 0.0), a, atol=1e-5)
    assert torch.allclose(f(a, b, 1.0), b, atol=1e-5)


def test_lerp_midpoint(ab):
    a, b = ab
    assert torch.allclose(lerp(a, b, 0.5), (a + b) / 2)


def test_slerp_keeps_norm_of_equal_norm_endpoints(ab):
    a, b = ab
    b = b / b.norm() * a.norm()
    r = a.norm().item()
    for t in torch.linspace(0, 1, 11):
        assert slerp(a, b, float(t)).norm().item() == pytest.approx(r, rel=1e-4)
    # lerp cuts the corner: its midpoint is well inside the shell
    assert lerp(a, b, 0.5).norm().item() < 0.9 * r


def test_slerp_moves_at_constant_angular_speed(ab):
    a, b = ab
    b = b / b.norm() * a.norm()

    def angle(x, y):
        return torch.acos((x * y).sum() / (x.norm() * y.norm())).item()
    total = angle(a, b)
    for t in (0.25, 0.5, 0.75):
        assert angle(a, slerp(a, b, t)) == pytest.approx(t * total, rel=1e-3)


def test_slerp_of_parallel_vectors_is_finite():
    a = torch.ones(1, 8)
    for b in (a.clone(), 2 * a):
        out = slerp(a, b, 0.5)
        assert torch.isfinite(out).all()
        assert torch.allclose(out, lerp(a, b, 0.5), atol=1e-4)


def test_batched_t(ab):
    a, b = ab
    t = torch.tensor([[0.0], [0.5], [1.0]])
    for f in (lerp, slerp):
        out = f(a, b, t)
        assert out.shape == (3, 64)
        assert torch.allclose(out[0], a[0], atol=1e-5) and torch.allclose(out[2], b[0], atol=1e-5)


@pytest.mark.parametrize("method", ["lerp", "slerp"])
@pytest.mark.parametrize("k,steps", [(2, 1), (2, 8), (4, 5), (3, 16)])
def test_path_shape_and_waypoints(method, k, steps):
    zs = random_z(k, 16, seed=3)
    p = path(zs, steps, method)
    assert p.shape == ((k - 1) * steps + 1, 16)
    for i in range(k):  # the path passes through every way-point, and ends on the last
        assert torch.allclose(p[i * steps], zs[i], atol=1e-5)
    assert torch.isfinite(p).all()


def test_path_default_is_slerp():
    zs = random_z(3, 16, seed=1)
    assert torch.allclose(path(zs, 4), path(zs, 4, "slerp"))
    assert not torch.allclose(path(zs, 4, "lerp"), path(zs, 4, "slerp"))


@pytest.mark.parametrize("method", ["linear", "", "SLERP", None])
def test_bad_method_rejected(method):
    with pytest.raises(ValueError, match="^method:"):
        path(random_z(2, 4, seed=0), 4, method)


@pytest.mark.parametrize("k,steps", [(1, 4), (0, 4), (2, 0), (3, -1)])
def test_bad_path_arguments_rejected(k, steps):
    with pytest.raises(ValueError, match="path"):
        path(random_z(k, 4, seed=0), steps)


def test_random_z_is_seeded():
    assert torch.equal(random_z(5, 7, 42), random_z(5, 7, 42))
    assert not torch.equal(random_z(5, 7, 42), random_z(5, 7, 43))
    z = random_z(4000, 16, 0)
    assert z.shape == (4000, 16)
    assert abs(z.mean().item()) < 0.05 and z.std().item() == pytest.approx(1.0, abs=0.05)
    # Gaussian z in 16-D live near the shell of radius sqrt(16)
    assert z.norm(dim=1).mean().item() == pytest.approx(math.sqrt(16), rel=0.05)


def test_strongest_dims_finds_the_dimensions_that_move_g():
    from torch import nn

    from ganlib.explore.walks import strongest_dims
    from ganlib.explore.latent import LatentModel
    G = nn.Linear(16, 4, bias=False)
    with torch.no_grad():
        G.weight.zero_()
        G.weight[:, [3, 9, 12]] = torch.tensor([1.0, 5.0, 2.0])  # only z[3], z[9], z[12] reach the output
    model = LatentModel(G, 16, (4,))
    assert strongest_dims(model, torch.zeros(16), k=3) == [3, 9, 12]
    assert strongest_dims(model, torch.zeros(16), k=1) == [9]
    assert len(strongest_dims(model, torch.zeros(16), k=40)) == 16


@pytest.mark.parametrize("side, size, scale", [(28, 256, 10), (28, 384, 14), (28, 512, 19), (64, 256, 4), (32, 384, 12)])
def test_the_walk_gif_is_at_least_the_chosen_size_with_crisp_pixels(side, size, scale):
    """Each frame of the explorer's GIF is its picture enlarged by whole pixels (checked with np.kron), at least
    `size` wide: at 4x, a 28 x 28 walk was 112 pixels, a smudge on a slide."""
    import io

    import numpy as np
    from PIL import Image
    from torch import nn

    from ganlib.explore.walks import walk, walk_gif
    from ganlib.explore.latent import LatentModel
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(8, side * side), nn.Tanh(), nn.Unflatten(1, (1, side, side)))
    model = LatentModel(G, 8, (1, side, side))
    a, b = torch.randn(8), torch.randn(8)
    gif = Image.open(io.BytesIO(walk_gif(model, a, b, "slerp", frames=5, size=size)))
    assert gif.n_frames == 5 and gif.size == (side * scale, side * scale) and side * scale >= size
    assert side * (scale - 1) < size                                     # the smallest whole scale that reaches it
    pictures = model.pictures(walk(a, b, 5, "slerp"))
    for i in range(5):
        gif.seek(i)
        expected = np.kron(pictures[i, :, :, 0], np.ones((scale, scale), np.uint8))
        assert np.array_equal(np.asarray(gif.convert("L")), expected)


@pytest.mark.parametrize("frames", [3, 8, 16])
def test_the_walk_gif_has_the_frames_the_slider_asks_for_and_lasts_as_long_whatever_their_number(frames):
    """The GIF had 32 frames whatever the explorer's Frames slider said (issue 22)."""
    import io

    from PIL import Image
    from torch import nn

    from ganlib.explore.latent import LatentModel
    from ganlib.explore.walks import WALK_SECONDS, walk_gif
    G = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8)))
    gif = Image.open(io.BytesIO(walk_gif(LatentModel(G, 4, (1, 8, 8)), torch.zeros(4), torch.ones(4), "lerp", frames)))
    assert gif.n_frames == frames
    ms = []
    for i in range(frames - 1):   # the last frame is held longer (grid.gif_bytes' hold_last)
        gif.seek(i)
        ms.append(gif.info["duration"])
    assert abs(sum(ms) - WALK_SECONDS * 1000 * (frames - 1) / frames) <= 10 * frames   # GIFs count in 10 ms


def test_the_walk_gif_sizes_are_the_explorers_choices():
    from ganlib.explore.walks import GIF_SIZES, walk_gif
    assert GIF_SIZES == (256, 384, 512)
    with pytest.raises(ValueError, match="^size: one of 256, 384, 512"):
        walk_gif(None, torch.zeros(2), torch.ones(2), "lerp", size=300)


# --- a run's G comes from its snapshot (ganlib/run/published.py), never from its thread ----------------------------
def test_a_watchers_explorer_builds_g_from_the_snapshot_while_the_runs_thread_is_busy(tmp_path, monkeypatch):
    """30 students exploring a teacher's run sent 30 commands into its training thread. Now the explorer's G is
    built from the weights the run's snapshot carries: here the run's thread is held inside a step, where it can
    answer no command, and the G still comes, and gives the run's own samples of its fixed z at that step."""
    import threading

    import numpy as np

    from ganlib import Trainer, preset
    from ganlib.explore import walks as ex
    from ganlib.classroom.runs import Runs
    from ganlib.engine.trainer import GRID
    from ganlib.classroom.visitor import Visitor
    inside, go, real_step = threading.Event(), threading.Event(), Trainer.step

    def held(self):
        inside.set()
        go.wait(60)
        return real_step(self)
    runs = Runs()
    teacher, student = Visitor(runs, str(tmp_path)), Visitor(runs, str(tmp_path))
    student.watch_code = teacher.share()
    run = teacher.new_run(preset("ring8").replace(batch_size=64))
    try:
        for n in (1, 2, 3):
            run.step()
            assert run.wait(lambda s: s.step == n, 60).step == n
        monkeypatch.setattr(Trainer, "step", held)
        run.resume()
        assert inside.wait(60)                      # the run's thread is inside step 4 until `go`
        built = []
        explorer = threading.Thread(target=lambda: built.append(ex.from_runner(student.watched())), daemon=True)
        explorer.start()
        explorer.join(10)
        assert built, "the watcher's explorer waited for the run's thread"
        model, cfg, _ = built[0]
        snap = run.snapshot()
        assert snap.step == snap.g_weights.step == 3
        assert not any(a.flags.writeable for a in snap.g_weights.state.values())   # nobody can change them
        frame = next(f for f in snap.timeline if f.step == 3)                      # the run's sampler at step 3
        z = torch.randn(GRID, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed + 1))  # its fixed z
        assert np.allclose(model.points(z), frame.picture, atol=1e-5)
    finally:
        go.set()
        teacher.close()
        student.close()
        run.join(60)


def test_a_run_publishes_its_g_where_it_stands_after_a_pause_and_a_step_g():
    """Between frames G is published when the run stands still with a newer one: a Pause, a Step G."""
    from ganlib import Runner, preset
    from ganlib.explore.latent import LatentModel
    from ganlib.run.state import Part, Status
    r = Runner(preset("ring8").replace(batch_size=64, sample_every=1000))   # one frame, at step 0
    try:
        r.start()
        r.wait(lambda s: s.step >= 20, 60)
        r.pause()
        s = r.wait(lambda s: s.status is Status.PAUSED, 60)
        z = random_z(16, s.config.latent_dim, 0)
        with torch.no_grad():
            assert s.g_weights.step == s.step > 0 and [f.step for f in s.timeline] == [0]
            assert torch.allclose(LatentModel.from_snapshot(s)(z), r.generator_copy()(z), atol=1e-6)
            r.step(Part.G)
            after = r.wait(lambda s: s.half_steps == (0, 1), 60)
            assert after.g_weights is not s.g_weights and after.g_weights.step == s.step
            assert torch.allclose(LatentModel.from_snapshot(after)(z), r.generator_copy()(z), atol=1e-6)
            assert not torch.allclose(LatentModel.from_snapshot(after)(z), LatentModel.from_snapshot(s)(z))
    finally:
        r.close()
