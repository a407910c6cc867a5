"""Hidden layers: eligibility, widths of gated and parametric kinds, shared initial weights."""

from __future__ import annotations

import pytest
import torch

from actlab import declaration
from actlab.arena import layers


def test_gated_and_parametric_kinds_get_the_right_widths():
    glu = layers.build_mlp(declaration("GLU"), 4, 3, (8, 6), seed=0)
    prelu = layers.build_mlp(declaration("PReLU"), 4, 3, (8, 6), seed=0)
    assert [m.out_features for m in glu if isinstance(m, torch.nn.Linear)] == [16, 12, 3]
    assert [m.weight.numel() for m in prelu if m.__class__.__name__ == "PReLU"] == [8, 6]
    assert glu(torch.randn(5, 4)).shape == (5, 3)
    cnn = layers.build_cnn(declaration("SwiGLU"), 10, (4, 6), seed=0)
    assert [m.out_channels for m in cnn if isinstance(m, torch.nn.Conv2d)] == [8, 12]
    assert cnn(torch.randn(2, 64)).shape == (2, 10)
    maxout = layers.build_mlp(declaration("Maxout"), 4, 3, (8, 6), seed=0)  # pieces per unit: wider before
    crelu = layers.build_mlp(declaration("CReLU"), 4, 3, (8, 6), seed=0)  # doubles: half as wide before
    pieces = layers.hidden_params(declaration("Maxout"))["pieces"]
    assert [m.out_features for m in maxout if isinstance(m, torch.nn.Linear)] == [8 * pieces, 6 * pieces, 3]
    assert [m.out_features for m in crelu if isinstance(m, torch.nn.Linear)] == [4, 3, 3]
    assert crelu(torch.randn(5, 4)).shape == maxout(torch.randn(5, 4)).shape == (5, 3)
    assert "not a hidden activation" in layers.eligible(declaration("RadixSoftmax"))
    with pytest.raises(ValueError, match="8x8"):
        layers.build_cnn(declaration("ReLU"), 10, (4, 4, 4, 4), seed=0)


@pytest.mark.parametrize("name", ["GLU", "SwiGLU", "GeGLU", "ReGLU"])
def test_gate_product_is_the_split_gate_math(name):
    decl = declaration(name)
    act, factor = layers.hidden_activation(decl, 5)
    x = torch.randn(3, 10, dtype=torch.float64)
    assert factor == 2
    torch.testing.assert_close(act(x), decl.forward(x, 1, **layers.reported_params(decl)))
    img = torch.randn(2, 6, 3, 3, dtype=torch.float64)  # channels split along dim 1
    torch.testing.assert_close(act(img), img[:, :3] * decl.gate.f(img[:, 3:], **layers.reported_params(decl)))
    module = decl.module_class(dim=1, **layers.reported_params(decl))  # actlab.nn.GLU(dim=1) ...
    torch.testing.assert_close(act(img), module(img))
    torch.testing.assert_close(act(x), module(x))


def test_same_seed_same_initial_weights_for_every_activation():
    relu = layers.build_mlp(declaration("ReLU"), 2, 2, (8, 8), seed=5)
    mish = layers.build_mlp(declaration("Mish"), 2, 2, (8, 8), seed=5)
    for p, q in zip(relu.parameters(), mish.parameters()):
        assert torch.equal(p, q)
    relu_cnn, tanh_cnn = (layers.build_cnn(declaration(n), 10, (4, 4), seed=2) for n in ("ReLU", "Tanh"))
    for p, q in zip(relu_cnn.parameters(), tanh_cnn.parameters()):
        assert torch.equal(p, q)


def test_eligibility_and_resolution():
    names = layers.default_names()
    assert "Softmax" not in names and {"GLU", "SwiGLU", "Snake", "PReLU"} <= set(names)
    assert "normalizer" in layers.eligible(declaration("Softmax"))
    assert [d.name for d in layers.resolve(["relu", "GELU"])] == ["ReLU", "GELU"]
    with pytest.raises(ValueError, match="unknown activation 'Nope'"):
        layers.resolve(["Nope"])
    with pytest.raises(ValueError, match="normalizer"):
        layers.resolve(["Softmax"])
    assert layers.reported_params(declaration("GeGLU")) == {"approximate": "none"}
    assert layers.reported_params(declaration("Threshold")) == {"threshold": 1.0, "value": 0.0}


def test_every_default_activation_builds_and_trains_one_step():
    for name in layers.default_names():
        for net, x in (
            (layers.build_mlp(declaration(name), 4, 3, (8, 6), seed=0), torch.randn(5, 4)),
            (layers.build_cnn(declaration(name), 3, (4,), seed=0), torch.randn(5, 64)),
        ):
            loss = torch.nn.functional.cross_entropy(net(x), torch.tensor([0, 1, 2, 0, 1]))
            loss.backward()
            assert torch.isfinite(loss), name
            assert all(p.grad is not None for p in net.parameters()), name
