r"""Family "scaled": GammaAct (timm's NFNet activation): an elementwise activation times a constant gamma, the
signal-propagation gain of Normalizer-Free networks.

The wrapped activation is named as in timm (``act_type``: ``"relu"``, ``"gelu"``, ``"silu"`` ...)
and resolved through :data:`ACTS` to an actlab declaration with its defaults, so f, f', f'' (and
every convention at kinks, infinities and NaN) are that declaration's, times gamma.
:data:`NFNET_GAMMA` is the table of gammas NFNets use (Brock et al., from DeepMind's code; timm's
``_nonlin_gamma``): ``GammaAct(act, NFNET_GAMMA[act])`` is timm's ``act_with_gamma(act, ...)``.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import Tensor

from ..kinds import Elementwise, Param, finite
from ..registry import register
from .exponential import CELU, ELU, SELU, Softplus
from .gated import GELU, HardMish, Hardswish, Mish, QuickGELU, SiLU
from .rectifier import LeakyReLU, ReLU, ReLU6
from .sigmoidal import Hardsigmoid, LogSigmoid, Sigmoid, Softsign, Tanh


class _Identity(Elementwise):
    r"""The identity (timm's ``"identity"``): f = x, f' = 1, f'' = 0 (not registered)."""

    function = "_identity"
    piecewise_linear = True

    def f(x: Tensor) -> Tensor:
        return x.clone()

    def df(x: Tensor) -> Tensor:
        return x.new_ones(()).expand_as(x)

    def d2f(x: Tensor) -> Tensor:
        return x.new_zeros(()).expand_as(x)


# timm's activation names -> (declaration, the parameters it takes there)
ACTS: dict[str, tuple[type[Elementwise], dict[str, Any]]] = {
    "identity": (_Identity, {}),
    "relu": (ReLU, {}),
    "relu6": (ReLU6, {}),
    "leaky_relu": (LeakyReLU, {}),
    "elu": (ELU, {}),
    "celu": (CELU, {}),
    "selu": (SELU, {}),
    "gelu": (GELU, {}),
    "gelu_tanh": (GELU, {"approximate": "tanh"}),
    "quick_gelu": (QuickGELU, {}),
    "silu": (SiLU, {}),
    "swish": (SiLU, {}),
    "mish": (Mish, {}),
    "sigmoid": (Sigmoid, {}),
    "tanh": (Tanh, {}),
    "softplus": (Softplus, {}),
    "softsign": (Softsign, {}),
    "log_sigmoid": (LogSigmoid, {}),
    "hard_sigmoid": (Hardsigmoid, {}),
    "hard_swish": (Hardswish, {}),
    "hard_mish": (HardMish, {}),
}


# gamma per activation in NFNets (timm's _nonlin_gamma, from DeepMind's nfnets code)
NFNET_GAMMA: dict[str, float] = {
    "identity": 1.0,
    "celu": 1.270926833152771,
    "elu": 1.2716004848480225,
    "gelu": 1.7015043497085571,
    "leaky_relu": 1.70590341091156,
    "log_sigmoid": 1.9193484783172607,
    "relu": 1.7139588594436646,
    "relu6": 1.7131484746932983,
    "selu": 1.0008515119552612,
    "sigmoid": 4.803835391998291,
    "silu": 1.7881293296813965,
    "softsign": 2.338853120803833,
    "softplus": 1.9203323125839233,
    "tanh": 1.5939117670059204,
}


def resolve(act_type: str) -> tuple[type[Elementwise], dict[str, Any]]:
    """The declaration and its parameters (defaults, then timm's overrides) for ``act_type``."""
    decl, extra = ACTS[act_type]
    return decl, {**decl.defaults(), **extra}


@register
class GammaAct(Elementwise, function="gamma_act"):
    r"""An activation scaled by gamma (timm's NFNet ``GammaAct``): gamma times the declaration ``act_type`` names.

    .. math:: f(x) = \gamma\,a(x),\quad f'(x) = \gamma\,a'(x),\quad f''(x) = \gamma\,a''(x)
    """

    inplace = True
    params = {
        "act_type": Param(
            "relu", "the activation, by timm's name (relu, gelu, silu, elu, tanh, ...)", lambda v: v in ACTS,
            "one of " + ", ".join(ACTS), sample=("relu", "gelu", "silu", "elu", "tanh", "softplus"), type=str,
        ),
        "gamma": Param(1.0, "the gain (NFNets: NFNET_GAMMA[act_type])", finite, "finite", sample=(0.5, 2.0)),
    }  # fmt: skip
    formula = r"\mathrm{GammaAct}(x) = \gamma\, a(x)"
    reference = (
        "Brock, De, Smith & Simonyan, Characterizing signal propagation to close the performance gap in unnormalized "
        "ResNets (ICLR 2021); timm (Wightman), nfnet.GammaAct"
    )
    plot_params = (
        {"act_type": "relu", "gamma": NFNET_GAMMA["relu"]},
        {"act_type": "gelu", "gamma": NFNET_GAMMA["gelu"]},
        {"act_type": "silu", "gamma": NFNET_GAMMA["silu"]},
    )
    kink_convention = "those of the wrapped activation (relu'(0) = 0: GammaAct'(0) = 0)"

    def f(x: Tensor, act_type: str, gamma: float) -> Tensor:
        decl, p = resolve(act_type)
        return gamma * decl.f(x, **p)

    def df(x: Tensor, act_type: str, gamma: float) -> Tensor:
        decl, p = resolve(act_type)
        return gamma * decl.df(x, **p)

    def d2f(x: Tensor, act_type: str, gamma: float) -> Tensor:
        decl, p = resolve(act_type)
        return gamma * decl.d2f(x, **p)

    @classmethod
    def kinks(cls, act_type: str = "relu", gamma: float = 1.0) -> tuple[float, ...]:
        decl, p = resolve(act_type)
        sig = inspect.signature(decl.kinks)
        if not any(v.kind is inspect.Parameter.VAR_KEYWORD for v in sig.parameters.values()):
            p = {k: v for k, v in p.items() if k in sig.parameters}
        return decl.kinks(**p)
