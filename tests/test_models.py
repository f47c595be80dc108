"""build_models: every architecture fits every image size it supports, and the toy nets fit 1-D and 2-D points."""
import pytest
import torch
from torch import nn

from ganlib import TrainConfig
from ganlib.engine.models import build_models

IMAGE_MODELS = ("mlp", "keras-convgan", "dcgan-upsample", "dcgan", "dcgan-classic", "fast", "fast-mlp")
IMAGE_SHAPES = ((1, 28, 28), (3, 32, 32), (3, 64, 64))
N = 4



def _cfg(model, **kw):
    # narrow nets keep this fast; the layer structure is the same at any width
    return TrainConfig(model=model, latent_dim=8, g_width=8, d_width=8, **kw)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("shape", IMAGE_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_image_models(model, shape):
    G, D = build_models(_cfg(model), shape)
    z = torch.randn(N, 8)
    for mode in ("train", "eval"):
        getattr(G, mode)(), getattr(D, mode)()
        with torch.no_grad():
            x = G(z)
            assert x.shape == (N, *shape)
            assert x.dtype == torch.float32
            assert torch.isfinite(x).all()
            assert x.min() >= -1 and x.max() <= 1  # tanh output, the range of the real images
            logits = D(x)
            assert logits.shape == (N,)
            assert torch.isfinite(logits).all()
    # D takes real images too, and gradients reach G through D
    G.train(), D.train()
    D(G(z)).sum().backward()
    assert all(p.grad is not None for p in G.parameters())


@pytest.mark.parametrize("dim", (1, 2))
def test_toy_models(dim):
    G, D = build_models(_cfg("toy-mlp", dataset="ring8" if dim == 2 else "gauss-1d"), (dim,))
    x = G(torch.randn(N, 8))
    assert x.shape == (N, dim)
    assert D(x).shape == (N,)


def test_toy_generator_is_not_bounded():
    """Toy data (grid25 reaches +-4) must not pass through a tanh."""
    G, _ = build_models(_cfg("toy-mlp", dataset="grid25"), (2,))
    assert not any(isinstance(m, nn.Tanh) for m in G.modules())


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_points_need_the_toy_model(model):
    with pytest.raises(ValueError, match="^model:"):
        build_models(_cfg(model), (2,))


def test_toy_model_refuses_images():
    with pytest.raises(ValueError, match="^model:"):
        build_models(_cfg("toy-mlp", dataset="ring8"), (1, 28, 28))


def test_image_size_must_divide_by_4():
    with pytest.raises(ValueError, match="^image_size:"):
        build_models(_cfg("dcgan"), (1, 30, 30))


@pytest.mark.parametrize("model", IMAGE_MODELS + ("toy-mlp",))
def test_new_models_are_in_training_mode(model):
    """Every submodule starts in training mode, or D's dropout and batch norm silently do nothing."""
    shape = (2,) if model == "toy-mlp" else (1, 28, 28)
    G, D = build_models(_cfg(model, dataset="ring8" if model == "toy-mlp" else "digits", d_dropout=0.3), shape)
    for net in (G, D):
        off = [type(m).__name__ for m in net.modules() if not m.training]
        assert not off, f"in eval mode: {off}"


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_d_dropout_is_active_while_training(model):
    _, D = build_models(_cfg(model, d_dropout=0.5), (1, 28, 28))
    x = torch.rand(N, 1, 28, 28) * 2 - 1
    D.train()
    with torch.no_grad():
        assert not torch.equal(D(x), D(x))
    D.eval()
    with torch.no_grad():
        assert torch.equal(D(x), D(x))


def test_widths_and_latent_dim_are_used():
    G, D = build_models(TrainConfig(model="mlp", latent_dim=5, g_width=12, d_width=7), (1, 28, 28))
    first_g = next(m for m in G.modules() if isinstance(m, nn.Linear))
    first_d = next(m for m in D.modules() if isinstance(m, nn.Linear))
    assert (first_g.in_features, first_g.out_features) == (5, 12)
    assert (first_d.in_features, first_d.out_features) == (784, 7)
