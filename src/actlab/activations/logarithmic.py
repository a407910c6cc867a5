r"""Family "logarithmic": symlog (sign(x) log(1 + |x|)) and its inverse symexp (DreamerV3)."""

from __future__ import annotations

import torch
from torch import Tensor

from .. import _math as m
from ..kinds import Elementwise
from ..registry import register


@register
class Symlog(Elementwise, function="symlog"):
    r"""Symmetric logarithm sign(x) log(1 + |x|).

    .. math:: f(x) = \operatorname{sign}(x)\log(1 + |x|),\quad f' = \frac{1}{1 + |x|},\quad
              f'' = \frac{-\operatorname{sign}(x)}{(1 + |x|)^2}
    """

    formula = r"\mathrm{symlog}(x) = \operatorname{sign}(x)\log(1 + |x|)"
    reference = "Hafner et al., Mastering diverse domains through world models (DreamerV3) (2023), arXiv:2301.04104"
    x_range = (-10.0, 10.0)
    kink_convention = "f''(0) = 0 (sign(0) = 0; f'' jumps from 1 to -1), as Softsign"

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return torch.copysign(torch.log1p(w.abs()), w).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return (1.0 / (1.0 + m.in_float64(x).abs())).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return -torch.sign(x) / (d * d)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class Symexp(Elementwise, function="symexp"):
    r"""Symmetric exponential sign(x)(e^|x| - 1), the inverse of symlog.

    .. math:: f(x) = \operatorname{sign}(x)(e^{|x|} - 1),\quad f' = e^{|x|},\quad
              f'' = \operatorname{sign}(x)\,e^{|x|}
    """

    formula = r"\mathrm{symexp}(x) = \operatorname{sign}(x)\left(e^{|x|} - 1\right)"
    reference = "Hafner et al., Mastering diverse domains through world models (DreamerV3) (2023), arXiv:2301.04104"
    x_range = (-3.0, 3.0)
    kink_convention = "f''(0) = 0 (sign(0) = 0; f'' jumps from -1 to 1)"

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return torch.copysign(torch.expm1(w.abs()), w).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return torch.exp(m.in_float64(x).abs()).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        return torch.sign(x) * torch.exp(x.abs())

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)
