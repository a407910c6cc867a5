"""The registry: names, specs and modules are derived from one declaration each."""

from __future__ import annotations

import pytest
import torch

import actlab

TORCH_NN_ACTIVATIONS = [
    "Threshold",
    "ReLU",
    "Hardtanh",
    "ReLU6",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Softmax2d",
    "LogSoftmax",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "Hardshrink",
    "LeakyReLU",
    "LogSigmoid",
    "Softplus",
    "Softshrink",
    "PReLU",
    "Softsign",
    "Softmin",
    "Tanhshrink",
    "RReLU",
    "GLU",
    "Hardsigmoid",
    "Hardswish",
    "SiLU",
    "Mish",
]


def test_at_least_thirty_names() -> None:
    assert len(actlab.names()) >= 30


@pytest.mark.parametrize("name", TORCH_NN_ACTIVATIONS)
def test_every_torch_activation_has_a_module(name: str) -> None:
    cls = getattr(actlab.nn, name)
    assert issubclass(cls, torch.nn.Module)
    assert not issubclass(cls, getattr(torch.nn, name))
    assert actlab.declaration(name).in_torch and actlab.declaration(name).name == name


def test_spec_lookup_is_case_insensitive_and_accepts_functional_names() -> None:
    assert actlab.declaration("elu") is actlab.declaration("ELU")
    assert actlab.declaration("leaky_relu") is actlab.declaration("LeakyReLU")
    with pytest.raises(KeyError):
        actlab.declaration("NoSuchActivation")


def test_get_builds_a_configured_module() -> None:
    m = actlab.get("ELU", alpha=0.5)
    assert isinstance(m, actlab.nn.ELU) and m.alpha == 0.5


def test_seed_extras_are_registered() -> None:
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    sw = actlab.get("Swish", beta=2.0)(x)
    torch.testing.assert_close(sw, x * torch.sigmoid(2 * x))
    shs = actlab.get("SmoothHardswish")(x)
    inner = x * (x + 3) ** 2 * (6 - x) / 108
    expected = torch.where((x > -3) & (x < 3), inner, x.clamp(min=0))
    torch.testing.assert_close(shs, expected)
