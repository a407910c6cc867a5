"""Kinks of every kind (actlab.analysis.kinks) and the smoothness of user classes, found numerically."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import actlab
from actlab.analysis import kinks, properties
from actlab.registry import unregister


@pytest.fixture
def user() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for n in names:
        unregister(n)


def test_declared_and_support_changes() -> None:
    assert kinks.kinks(actlab.declaration("ELU"), {}) == (0.0,)
    assert kinks.kinks(actlab.declaration("Hardtanh"), {"min_val": -2.0, "max_val": 2.0}) == (-2.0, 2.0)
    assert kinks.kinks(actlab.declaration("Sparsemax"), {}) == (-1.0, 1.0)  # y = N(x, 0): support {0, 1} between
    assert kinks.kinks(actlab.declaration("Entmax15"), {}) == (-2.0, 2.0)
    assert kinks.kinks(actlab.declaration("Softmax"), {}) == ()


def test_user_leaky_relu_is_c0_with_its_kink(user) -> None:
    @actlab.plot_activation_module(negative_slope=0.1)
    class KinkLeaky(torch.nn.Module):
        def __init__(self, negative_slope: float = 0.01) -> None:
            super().__init__()
            self.negative_slope = negative_slope

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.where(x > 0.5, x, self.negative_slope * (x - 0.5) + 0.5)

    user.append("KinkLeaky")
    decl = actlab.declaration("KinkLeaky")
    assert kinks.kinks(decl, {"negative_slope": 0.1}) == (0.5,)
    assert properties.for_plot_params(decl).smoothness == "C0"


def test_user_smooth_and_jump(user) -> None:
    @actlab.plot_activation_module
    class SmoothUser(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.tanh(x)

    @actlab.plot_activation_module
    class StepUser(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + (x > 1.25).to(x.dtype)

    @actlab.plot_activation_module
    class SquaredUser(torch.nn.Module):  # C1: f'' jumps at 0
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.clamp(x, min=0) ** 2

    user.extend(["SmoothUser", "StepUser", "SquaredUser"])
    assert kinks.kinks(actlab.declaration("SmoothUser"), {}) == ()
    assert properties.for_plot_params(actlab.declaration("SmoothUser")).smoothness == "C2+"
    assert kinks.kinks(actlab.declaration("StepUser"), {}) == (1.25,)
    assert properties.for_plot_params(actlab.declaration("StepUser")).smoothness == "discontinuous"
    assert properties.for_plot_params(actlab.declaration("SquaredUser")).smoothness == "C1"
