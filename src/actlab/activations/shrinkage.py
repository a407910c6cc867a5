r"""Family "shrinkage": torch.nn's Hardshrink, Softshrink and Tanhshrink."""

from __future__ import annotations

import torch
from torch import Tensor

from .. import _math as m
from ..kinds import Elementwise, Param, finite, nonnegative
from ..registry import register


@register
class Hardshrink(Elementwise, function="hardshrink", in_torch=True):
    r"""Hard shrinkage: zero out [-lambda, lambda].

    .. math:: f(x) = x \text{ if } |x| > \lambda \text{ else } 0,\quad f' = [|x| > \lambda],\quad f'' = 0
    """

    piecewise_linear = True
    params = {"lambd": Param(0.5, "half-width of the dead zone", finite, "finite", sample=(0.0, 1.5))}
    repr_positional = True
    formula = r"\mathrm{Hardshrink}(x) = \begin{cases} x & |x| > \lambda \\ 0 & \text{otherwise}\end{cases}"
    reference = "Donoho & Johnstone, Ideal spatial adaptation by wavelet shrinkage (1994)"
    plot_params = ({"lambd": 0.5}, {"lambd": 1.0})
    kink_convention = "f'(+-lambda) = 0 (the dead zone is closed), f'(NaN) = 1 as torch"

    def f(x: Tensor, lambd: float) -> Tensor:
        return torch.where((x >= -lambd) & (x <= lambd), 0.0, x)

    def df(x: Tensor, lambd: float) -> Tensor:
        return m.pick((x >= -lambd) & (x <= lambd), 0.0, 1.0, x)

    def d2f(x: Tensor, lambd: float) -> Tensor:
        return torch.zeros_like(x)

    @classmethod
    def kinks(cls, lambd: float = 0.5) -> tuple[float, ...]:
        return (-lambd, lambd)


@register
class Softshrink(Elementwise, function="softshrink", in_torch=True):
    r"""Soft shrinkage (the proximal operator of lambda |x|).

    .. math:: f(x) = x - \lambda\operatorname{sign}(x) \text{ if } |x| > \lambda \text{ else } 0,
              \quad f' = [|x| > \lambda],\quad f'' = 0
    """

    piecewise_linear = True
    params = {
        "lambd": Param(
            0.5,
            "half-width of the dead zone",
            nonnegative,
            ">= 0",
            sample=(0.0, 1.5),
        )
    }
    repr_positional = True
    formula = r"\mathrm{Softshrink}(x) = \begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & \text{otherwise}\end{cases}"
    reference = "Donoho, De-noising by soft-thresholding (1995)"
    plot_params = ({"lambd": 0.5}, {"lambd": 1.0})
    kink_convention = "f'(+-lambda) = 0, f'(NaN) = 1 as torch"

    def f(x: Tensor, lambd: float) -> Tensor:
        return torch.where(x > lambd, x - lambd, torch.where(x < -lambd, x + lambd, x * 0.0))

    def df(x: Tensor, lambd: float) -> Tensor:
        return m.pick((x >= -lambd) & (x <= lambd), 0.0, 1.0, x)

    def d2f(x: Tensor, lambd: float) -> Tensor:
        return torch.zeros_like(x)

    @classmethod
    def kinks(cls, lambd: float = 0.5) -> tuple[float, ...]:
        return (-lambd, lambd)


@register
class Tanhshrink(Elementwise, function="tanhshrink", in_torch=True):
    r"""x - tanh(x).

    .. math:: f(x) = x - \tanh x,\quad f' = \tanh^2 x,\quad f'' = 2\tanh x\,\operatorname{sech}^2 x
    """

    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\mathrm{Tanhshrink}(x) = x - \tanh(x)"
    reference = "torch.nn.Tanhshrink"

    def f(x: Tensor) -> Tensor:  # series near 0: x - tanh(x) cancels every bit there
        return m.x_minus_tanh(x)

    def df(x: Tensor) -> Tensor:
        t = m.tanh(x)
        return t * t

    def d2f(x: Tensor) -> Tensor:
        return 2.0 * m.tanh(x) * m.sech2(x)
