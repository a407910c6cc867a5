"""GammaAct (actlab.activations.scaled): timm's NFNet GammaAct = gamma * act(x) for every activation
name it takes, the NFNet gamma table, in place, the 128-bit reference, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF

import actlab
from actlab import functional as F
from actlab.activations.scaled import ACTS, NFNET_GAMMA
from actlab.analysis.reference import REFERENCES, evaluate
from actlab.errors import ParameterError

F64 = torch.float64
TIMM = {  # timm's activation functions by name (timm.layers.activations / create_act), in plain torch
    "identity": lambda x: x, "relu": TF.relu, "relu6": TF.relu6, "leaky_relu": TF.leaky_relu, "elu": TF.elu,
    "celu": TF.celu, "selu": TF.selu, "gelu": TF.gelu, "gelu_tanh": lambda x: TF.gelu(x, approximate="tanh"),
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x), "silu": TF.silu, "swish": TF.silu, "mish": TF.mish,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": TF.softplus, "softsign": TF.softsign,
    "log_sigmoid": TF.logsigmoid, "hard_sigmoid": lambda x: TF.relu6(x + 3.0) / 6.0,
    "hard_swish": lambda x: x * TF.relu6(x + 3.0) / 6.0, "hard_mish": lambda x: 0.5 * x * (x + 2).clamp(min=0, max=2),
}  # fmt: skip


@pytest.mark.parametrize("act", list(ACTS))
def test_gamma_times_the_named_activation(act: str) -> None:
    gamma = NFNET_GAMMA.get(act, 1.3)
    x = torch.linspace(-5.0, 5.0, 101, dtype=F64).requires_grad_()
    y = F.gamma_act(x, act, gamma)
    ref = gamma * TIMM[act](x)
    torch.testing.assert_close(y, ref, rtol=1e-12, atol=1e-14)
    (g,) = torch.autograd.grad(y.sum(), x)
    (gr,) = torch.autograd.grad(ref.sum(), x)
    torch.testing.assert_close(g, gr, rtol=1e-10, atol=1e-12)


def test_module_in_place_and_errors() -> None:
    m = actlab.get("GammaAct", act_type="silu", gamma=NFNET_GAMMA["silu"], inplace=True)
    x = torch.randn(4, 5)
    want = NFNET_GAMMA["silu"] * TF.silu(x)
    assert m(x) is x
    torch.testing.assert_close(x, want)
    with pytest.raises(ParameterError, match="act_type"):
        actlab.get("GammaAct", act_type="swiglu")
    with pytest.raises(ParameterError, match="gamma"):
        F.gamma_act(x, "relu", float("nan"))
    assert actlab.declaration("GammaAct").kinks(act_type="relu6") == (0.0, 6.0)


def test_reference_for_the_accuracy_sweep() -> None:
    ref = REFERENCES["GammaAct"]
    p = {"act_type": "gelu", "gamma": NFNET_GAMMA["gelu"]}
    xs = [-3.0, -0.5, 0.0, 2.0, float("inf")]
    got = torch.tensor(evaluate(ref.f, xs, p), dtype=F64)
    torch.testing.assert_close(got, F.gamma_act(torch.tensor(xs, dtype=F64), **p), rtol=1e-14, atol=0)
