"""Smoothed or compressed rectifiers: SmeLU (a quadratic bridge between 0 and x), the shifted
softplus of SchNet (zero at 0) and NLReLU (log(1 + beta relu(x))).

f and f' of float32 inputs are computed in float64 (``_math.in_float64``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Elementwise, Param, positive

LN2 = math.log(2.0)


@register
class SmeLU(Elementwise):
    r"""Smooth ReLU: 0 below -beta, x above beta, the quadratic (x + beta)^2 / (4 beta) between.

    .. math:: f(x) = 0\ (x \le -\beta),\quad \frac{(x + \beta)^2}{4\beta}\ (|x| \le \beta),\quad x\ (x \ge \beta);\quad
              f' = 0,\quad \frac{x + \beta}{2\beta},\quad 1;\quad f'' = 0,\quad \frac{1}{2\beta},\quad 0
    """

    function, family = "smelu", "rectifier"
    params = {
        "beta": Param(
            2.0,
            "half-width of the quadratic region",
            positive,
            "> 0 and finite",
            sample=(0.5, 3.0),
            plot=(0.5, 1.0, 2.0),
        )
    }
    formula = r"\mathrm{SmeLU}(x) = \begin{cases} 0 & x \le -\beta \\ \frac{(x + \beta)^2}{4\beta} & |x| \le \beta \\ x & x \ge \beta\end{cases}"
    reference = "Shamir, Lin & Coviello, Smooth activations and reproducibility in deep networks (2020), arXiv:2010.09931; Shamir & Lin, Real world large scale recommendation systems reproducibility and smooth activations (2022), arXiv:2202.06499"
    x_range = (-4.0, 4.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})
    kink_convention = "f' is continuous; f''(+-beta) = 1/(2 beta) (the quadratic piece is closed, as the reference code's |x| <= beta)"

    def f(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        inner = torch.clamp(w, -beta, beta) + beta
        return torch.where(w >= beta, w, inner * inner / (4.0 * beta)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return ((torch.clamp(w, -beta, beta) + beta) / (2.0 * beta)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        return m.pick(x.abs() <= beta, 0.5 / beta, 0.0, x)

    @classmethod
    def kinks(cls, beta: float = 2.0) -> tuple[float, ...]:
        return (-beta, beta)


@register
class ShiftedSoftplus(Elementwise):
    r"""Shifted softplus of SchNet: softplus(x) - log 2, so that f(0) = 0.

    .. math:: f(x) = \log(1 + e^x) - \log 2 = \operatorname{log1p}\left(\tfrac12\operatorname{expm1}(x)\right),\quad
              f' = \sigma(x),\quad f'' = \sigma'(x)

    The log1p form keeps the relative accuracy near the zero at x = 0 (x > 1: (x - log 2) + log1p(e^-x)).
    """

    function, family = "shifted_softplus", "exponential"
    formula = r"\mathrm{ssp}(x) = \log\left(1 + e^{x}\right) - \log 2"
    reference = "Schuett et al., SchNet: a continuous-filter convolutional neural network for modeling quantum interactions (NeurIPS 2017), arXiv:1706.08566"
    x_range = (-5.0, 5.0)

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        big = w > 1.0
        far = (w - LN2) + torch.log1p(torch.exp(-torch.where(big, w, 1.0)))
        near = torch.log1p(0.5 * torch.expm1(torch.where(big, 1.0, w)))
        return torch.where(big, far, near).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return m.sigmoid(m.in_float64(x)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        return m.sigmoid_prime(x)


@register
class NLReLU(Elementwise):
    r"""Natural-logarithm rectified linear unit: log(1 + beta max(0, x)).

    .. math:: f(x) = \log(1 + \beta\max(0, x)),\quad f' = \frac{\beta}{1 + \beta x}\ (x > 0),\ 0\ (x \le 0),\quad
              f'' = \frac{-\beta^2}{(1 + \beta x)^2}\ (x > 0),\ 0\ (x \le 0)
    """

    function, family = "nlrelu", "rectifier"
    params = {
        "beta": Param(
            1.0, "scale inside the logarithm", positive, "> 0 and finite", sample=(0.5, 3.0), plot=(0.5, 1.0, 3.0)
        )
    }
    formula = r"\mathrm{NLReLU}(x) = \log\left(1 + \beta\max(0, x)\right)"
    reference = "Liu et al., Natural-logarithm-rectified activation function in convolutional neural networks (2019), arXiv:1908.03682"
    x_range = (-2.0, 5.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 3.0})
    kink_convention = "f'(0) = f''(0) = 0 (the x <= 0 branch, as ReLU); f'(NaN) = NaN"

    def f(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return torch.log1p(beta * torch.clamp(w, min=0.0)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return m.keep_nan(w, torch.where(w > 0.0, beta / (1.0 + beta * torch.clamp(w, min=0.0)), 0.0)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        d = 1.0 + beta * torch.clamp(x, min=0.0)
        return torch.where(x > 0.0, -(beta * beta) / (d * d), 0.0)

    @classmethod
    def kinks(cls, beta: float = 1.0) -> tuple[float, ...]:
        return (0.0,)
