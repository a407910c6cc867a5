"""The elementwise activations with Triton kernels: their ``@triton.jit`` f, f', f'' (and f', f''
written with the output y where the op family has them), and how an op's parameters become the
kernels' two float32 scalars (rounded once from float64, as the CPU kernels' ``Act::c``).

The set is the CPU kernels' (``native/csrc/list.h``): the torch.nn elementwise activations and
the modern extras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import exponential as E
from . import gated as G
from . import gelu as GE
from . import rectifiers as R
from . import shrinkage as S
from . import sigmoidal as SG


def f32(v: float) -> float:
    """v rounded to float32 (to nearest even), as a Python float."""
    return float(np.float32(v))


@dataclass(frozen=True)
class Kernels:
    """An activation's Triton functions, each (x, p0, p1) -> float32 tensor."""

    f: Any
    df: Any
    d2f: Any
    df_y: Any = None
    d2f_y: Any = None


class Activation:
    """The kernels of the op family ``function``; ``linear``: piecewise linear (f'' = 0, the double
    backward's d/dx is zeros, as torch). The op's parameters are the kernels' scalars as they are."""

    def __init__(self, function: str, kernels: Kernels, linear: bool = False):
        self.function, self.kernels, self.linear = function, kernels, linear

    def select(self, *params: Any) -> Kernels | None:
        """The kernels for these parameter values (None: not served, the composite kernel runs)."""
        return self.kernels

    def scalars(self, *params: Any) -> tuple[float, float]:
        """The kernels' p0, p1."""
        values = [f32(p) for p in params] + [0.0, 0.0]
        return values[0], values[1]


class Rrelu(Activation):
    """RReLU in evaluation: LeakyReLU with slope (lower + upper) / 2."""

    def scalars(self, lower: float, upper: float) -> tuple[float, float]:
        return f32((lower + upper) / 2), 0.0


class Celu(Activation):
    """p0 = alpha, p1 = 1 / alpha."""

    def scalars(self, alpha: float) -> tuple[float, float]:
        return f32(alpha), f32(1.0 / alpha)


class Selu(Activation):
    """p0 = scale, p1 = scale alpha."""

    SCALE, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717

    def scalars(self) -> tuple[float, float]:
        return f32(self.SCALE), f32(self.SCALE * self.ALPHA)


class Swish(Activation):
    """p0 = beta, p1 = 800 / max(|beta|, 1e-30) (below -p1, x e^(beta x) is scaled)."""

    def scalars(self, beta: float) -> tuple[float, float]:
        return f32(beta), f32(800.0 / max(abs(beta), 1e-30))


class Squareplus(Activation):
    """p0 = sqrt b, p1 = b / 2."""

    def scalars(self, b: float) -> tuple[float, float]:
        return f32(math.sqrt(b)), f32(0.5 * b)


class Gelu(Activation):
    """The exact form or the tanh form, by ``approximate`` ('none' or 'tanh'; else not served)."""

    def __init__(self, function: str, forms: dict[str, Kernels]):
        super().__init__(function, forms["none"])
        self.forms = forms

    def select(self, approximate: str) -> Kernels | None:
        return self.forms.get(approximate)

    def scalars(self, approximate: str) -> tuple[float, float]:
        return 0.0, 0.0


RELU = Kernels(R.relu_f, R.relu_df, R.zero, R.relu_df, R.zero)
SIGMOID = Kernels(SG.sigmoid_f, SG.sigmoid_df, SG.sigmoid_d2f)
SILU = Kernels(G.silu_f, G.silu_df, G.silu_d2f)
GELU = {
    "none": Kernels(GE.gelu_f, GE.gelu_df, GE.gelu_d2f),
    "tanh": Kernels(GE.gelu_tanh_f, GE.gelu_tanh_df, GE.gelu_tanh_d2f),
}
LEAKY = Kernels(R.leaky_f, R.leaky_df, R.zero, R.leaky_df, R.zero)

ACTIVATIONS: dict[str, Activation] = {
    a.function: a
    for a in (
        Activation("threshold", Kernels(R.threshold_f, R.threshold_df, R.zero), linear=True),
        Activation("relu", RELU, linear=True),
        Activation("relu6", Kernels(R.relu6_f, R.relu6_df, R.zero, R.relu6_df, R.zero), linear=True),
        Activation("leaky_relu", LEAKY, linear=True),
        Rrelu("rrelu", LEAKY, linear=True),
        Activation("squared_relu", Kernels(R.squared_relu_f, R.squared_relu_df, R.squared_relu_d2f)),
        Activation("hard_mish", Kernels(R.hard_mish_f, R.hard_mish_df, R.hard_mish_d2f)),
        Activation("sigmoid", SIGMOID),
        Activation("tanh", Kernels(SG.tanh_f, SG.tanh_df, SG.tanh_d2f)),
        Activation("softsign", Kernels(SG.softsign_f, SG.softsign_df, SG.softsign_d2f)),
        Activation(
            "hardsigmoid",
            Kernels(SG.hardsigmoid_f, SG.hardsigmoid_df, R.zero, SG.hardsigmoid_df_y, R.zero),
            linear=True,
        ),
        Activation("hardtanh", Kernels(SG.hardtanh_f, SG.hardtanh_df, R.zero, SG.hardtanh_df, R.zero), linear=True),
        Activation("logsigmoid", Kernels(SG.logsigmoid_f, SG.logsigmoid_df, SG.logsigmoid_d2f)),
        Activation("elu", Kernels(E.elu_f, E.elu_df, E.elu_d2f, E.elu_df_y, E.unit_below_zero)),
        Celu("celu", Kernels(E.celu_f, E.celu_df, E.celu_d2f, E.celu_df_y, E.celu_d2f_y)),
        Selu("selu", Kernels(E.selu_f, E.selu_df, E.selu_d2f, E.selu_df_y, E.unit_below_zero)),
        Activation("softplus", Kernels(E.softplus_f, E.softplus_df, E.softplus_d2f)),
        Squareplus("squareplus", Kernels(E.squareplus_f, E.squareplus_df, E.squareplus_d2f)),
        Activation("silu", SILU),
        Swish("swish", Kernels(G.swish_f, G.swish_df, G.swish_d2f)),
        Activation("quick_gelu", Kernels(G.quick_gelu_f, G.quick_gelu_df, G.quick_gelu_d2f)),
        Gelu("gelu", GELU),
        Activation("mish", Kernels(G.mish_f, G.mish_df, G.mish_d2f)),
        Activation("hardswish", Kernels(G.hardswish_f, G.hardswish_df, G.hardswish_d2f)),
        Activation("smooth_hardswish", Kernels(G.smooth_hardswish_f, G.smooth_hardswish_df, G.smooth_hardswish_d2f)),
        Activation("serf", Kernels(G.serf_f, G.serf_df, G.serf_d2f)),
        Activation("hardshrink", Kernels(S.hardshrink_f, S.shrink_df, R.zero), linear=True),
        Activation("softshrink", Kernels(S.softshrink_f, S.shrink_df, R.zero), linear=True),
        Activation("tanhshrink", Kernels(S.tanhshrink_f, S.tanhshrink_df, S.tanhshrink_d2f)),
    )
}
