"""The seed's decorators (actlab.user): a user's Module / autograd.Function becomes an activation."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

import actlab
from actlab.analysis.sampling import sample
from actlab.cli import main
from actlab.registry import unregister


@pytest.fixture
def cleanup() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for n in names:
        unregister(n)
    assert not [d for d in actlab.declarations() if d.user_defined and d.name in names]


def test_module_with_parameters(cleanup, capsys) -> None:
    @actlab.plot_activation_module(negative_slope=0.2)
    class TestLeaky(torch.nn.Module):
        """A leaky ReLU written by a user."""

        def __init__(self, negative_slope: float = 0.01) -> None:
            super().__init__()
            self.negative_slope = negative_slope

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.where(x > 0, x, self.negative_slope * x)

    cleanup.append("TestLeaky")
    decl = actlab.declaration("TestLeaky")
    assert decl.user_defined and TestLeaky.actlab_declaration is decl and decl.plot_params == ({"negative_slope": 0.2},)
    s = sample(decl, np.array([-2.0, 3.0]), negative_slope=0.2)
    np.testing.assert_allclose(s.f, [-0.4, 3.0])
    np.testing.assert_allclose(s.df, [0.2, 1.0])
    np.testing.assert_allclose(s.d2f, [0.0, 0.0])
    assert isinstance(actlab.get("TestLeaky"), TestLeaky)
    assert main(["list"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("TestLeaky")]
    assert line and "[user]" in line[0] and "written by a user" in line[0]


def test_function_bare_and_name_clash(cleanup, tmp_path) -> None:
    @actlab.plot_activation_function
    class Sigmoid(torch.autograd.Function):  # clashes with the built-in Sigmoid
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            y = 1.0 / (1.0 + torch.exp(-x))
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (y,) = ctx.saved_tensors
            return g * y * (1.0 - y)

    cleanup.append("user.Sigmoid")
    assert actlab.declaration("Sigmoid").user_defined is False  # the built-in is untouched
    decl = actlab.declaration("user.Sigmoid")
    assert decl.function_class is Sigmoid
    x = np.array([-1.5, 0.0, 2.0])
    s = sample(decl, x)
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(s.df, y * (1 - y), rtol=1e-12)
    np.testing.assert_allclose(s.d2f, y * (1 - y) * (1 - 2 * y), rtol=1e-9, atol=1e-15)
    from actlab.report import build

    index = build(tmp_path, only=["user.Sigmoid"], jobs=1, progress=False)
    page = index.read_text()
    assert "user.Sigmoid" in page and "user-defined" in page


def test_positional_parameter_and_non_differentiable_backward(cleanup) -> None:
    class Clamp6(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, top):  # noqa: ANN001, ANN205
            ctx.save_for_backward(x)
            ctx.top = top
            return x.clamp(0, top)

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            with torch.no_grad():  # not differentiable: f'' falls back to central differences
                return g * ((x > 0) & (x < ctx.top)).to(g.dtype), None

    actlab.plot_activation_function(6.0)(Clamp6)
    cleanup.append("Clamp6")
    s = sample(actlab.declaration("Clamp6"), np.array([-1.0, 3.0, 7.0]))
    np.testing.assert_allclose(s.f, [0.0, 3.0, 6.0])
    np.testing.assert_allclose(s.df, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(s.d2f, [0.0, 0.0, 0.0])


def test_wrong_base_class() -> None:
    with pytest.raises(TypeError, match="nn.Module"):
        actlab.plot_activation_module()(int)
    with pytest.raises(TypeError, match="autograd.Function"):
        actlab.plot_activation_function(1.0)(torch.nn.ReLU)
