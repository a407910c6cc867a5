"""Sigmoid-like (squashing) activations: ISRU, ISRLU, SQNL, Elliott, ArcTan, LeCun's scaled tanh,
penalized tanh, soft clipping and the complementary log-log.

The transcendental ones compute f and f' of float32 inputs in float64 (``_math.in_float64``);
SQNL and Elliott are rational and exact to an ulp or two in float32 as written.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Elementwise, Param, finite, positive

LECUN_A = 1.7159
LECUN_B = 2.0 / 3.0
CLOGLOG_FLAT = 40.0  # x - e^x is below -2e17 beyond: e^{x - e^x} is 0 in float64


# ---- inverse square root units ----------------------------------------------------------------------
def _isru_root(x: Tensor, alpha: float) -> Tensor:
    r""":math:`s = \sqrt{1 + \alpha x^2}` as hypot(1, sqrt(alpha) x): no overflow of x^2."""
    return torch.hypot(torch.ones_like(x), math.sqrt(alpha) * x)


def _x_over(x: Tensor, s: Tensor, alpha: float) -> Tensor:
    """x / s, with the limit sign(x)/sqrt(alpha) at +-inf (not inf / inf)."""
    inf = x.isinf()
    return torch.where(inf, torch.sign(x) / math.sqrt(alpha), torch.where(inf, 0.0, x) / s)


ALPHA = Param(
    1.0, "alpha: the bound is 1/sqrt(alpha)", positive, "> 0 and finite", sample=(0.3, 3.0), plot=(0.5, 1.0, 3.0)
)


@register
class ISRU(Elementwise):
    r"""Inverse square root unit, a cheap tanh-like squashing to (-1/sqrt(alpha), 1/sqrt(alpha)).

    .. math:: f(x) = \frac{x}{\sqrt{1 + \alpha x^2}},\quad f' = (1 + \alpha x^2)^{-3/2},\quad
              f'' = -3\alpha x\,(1 + \alpha x^2)^{-5/2}
    """

    function, family = "isru", "sigmoidal"
    params = {"alpha": ALPHA}
    formula = r"\mathrm{ISRU}(x) = \frac{x}{\sqrt{1 + \alpha x^2}}"
    reference = (
        "Carlile et al., Improving deep learning by inverse square root linear units (ISRLUs) (2017), arXiv:1710.09967"
    )
    x_range = (-5.0, 5.0)
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 3.0})

    def f(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        return _x_over(w, _isru_root(w, alpha), alpha).to(x.dtype)

    def df(x: Tensor, alpha: float) -> Tensor:
        s = _isru_root(m.in_float64(x), alpha)
        return (1.0 / (s * s * s)).to(x.dtype)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        s = _isru_root(x, alpha)
        s2 = s * s
        return -3.0 * alpha * _x_over(x, s, alpha) / (s2 * s2)


@register
class ISRLU(Elementwise):
    r"""Inverse square root linear unit: the identity for x >= 0, ISRU below (an ELU-like curve).

    .. math:: f(x) = x\ (x \ge 0),\quad \frac{x}{\sqrt{1 + \alpha x^2}}\ (x < 0);\quad
              f' = 1,\quad (1 + \alpha x^2)^{-3/2};\quad f'' = 0,\quad -3\alpha x(1 + \alpha x^2)^{-5/2}

    f, f' and f'' are continuous at 0 (the third derivative jumps), so 0 is not a kink.
    """

    function, family = "isrlu", "rectifier"
    params = {"alpha": ALPHA}
    formula = r"\mathrm{ISRLU}(x) = \begin{cases} x & x \ge 0 \\ \frac{x}{\sqrt{1 + \alpha x^2}} & x < 0\end{cases}"
    reference = (
        "Carlile et al., Improving deep learning by inverse square root linear units (ISRLUs) (2017), arXiv:1710.09967"
    )
    x_range = (-5.0, 3.0)
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 3.0})

    def f(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        wn = torch.clamp(w, max=0.0)
        return torch.where(w >= 0.0, w, _x_over(wn, _isru_root(wn, alpha), alpha)).to(x.dtype)

    def df(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        s = _isru_root(torch.clamp(w, max=0.0), alpha)
        return m.keep_nan(w, torch.where(w >= 0.0, 1.0, 1.0 / (s * s * s))).to(x.dtype)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        xn = torch.clamp(x, max=0.0)
        s = _isru_root(xn, alpha)
        s2 = s * s
        return torch.where(x >= 0.0, 0.0, -3.0 * alpha * _x_over(xn, s, alpha) / (s2 * s2))


# ---- piecewise rational: SQNL, Elliott ----------------------------------------------------------------
@register
class SQNL(Elementwise):
    r"""Square nonlinearity: a piecewise quadratic tanh, saturating at +-1 beyond |x| = 2.

    .. math:: f(x) = a\left(1 - \frac{|a|}{4}\right),\ a = \min(\max(x, -2), 2);\quad
              f' = 1 - \frac{|x|}{2}\ (|x| \le 2),\ 0\ (|x| > 2);\quad
              f'' = -\tfrac12\ (0 \le x \le 2),\ \tfrac12\ (-2 \le x < 0),\ 0\ (|x| > 2)
    """

    function, family = "sqnl", "sigmoidal"
    formula = r"\mathrm{SQNL}(x) = \begin{cases} 1 & x > 2 \\ x - \frac{x^2}{4} & 0 \le x \le 2 \\ x + \frac{x^2}{4} & -2 \le x < 0 \\ -1 & x < -2\end{cases}"
    reference = "Wuraola & Patel, SQNL: a new computationally efficient activation function (IJCNN 2018)"
    x_range = (-3.5, 3.5)
    kink_convention = "f' is continuous (0 at +-2, 1 at 0); f''(0) = -1/2 (the 0 <= x <= 2 piece), f''(+-2) = -+1/2 (the quadratic pieces are closed)"

    def f(x: Tensor) -> Tensor:
        a = torch.clamp(x, -2.0, 2.0)
        return a * (1.0 - 0.25 * a.abs())

    def df(x: Tensor) -> Tensor:
        return 1.0 - 0.5 * torch.clamp(x, -2.0, 2.0).abs()

    def d2f(x: Tensor) -> Tensor:
        return torch.where(x.abs() > 2.0, 0.0, m.pick(x >= 0.0, -0.5, 0.5, x))

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-2.0, 0.0, 2.0)


@register
class Elliott(Elementwise):
    r"""Elliott sigmoid: the softsign squashed into (0, 1).

    .. math:: f(x) = \frac{x}{2(1 + |x|)} + \frac12 = \frac{1}{2(1 - x)}\ (x < 0),\ 1 - \frac{1}{2(1 + x)}\ (x \ge 0);\quad
              f' = \frac{1}{2(1 + |x|)^2},\quad f'' = \frac{-\operatorname{sign}(x)}{(1 + |x|)^3}

    The sums are rewritten per sign: for x -> -inf, x/(2(1 + |x|)) + 1/2 would cancel to 0.
    """

    function, family = "elliott", "sigmoidal"
    formula = r"\mathrm{Elliott}(x) = \frac{x}{2(1 + |x|)} + \frac{1}{2}"
    reference = "Elliott, A better activation function for artificial neural networks, ISR technical report TR 93-8, University of Maryland (1993)"
    x_range = (-8.0, 8.0)
    kink_convention = "f''(0) = 0 (sign(0) = 0, as autograd of |x| and Softsign)"

    def f(x: Tensor) -> Tensor:
        xn, xp = torch.clamp(x, max=0.0), torch.clamp(x, min=0.0)
        return torch.where(x < 0.0, 0.5 / (1.0 - xn), 1.0 - 0.5 / (1.0 + xp))

    def df(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return 0.5 / (d * d)

    def d2f(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return -torch.sign(x) / (d * d * d)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


# ---- transcendental: ArcTan, LeCunTanh, PenalizedTanh, SoftClipping, CLogLog -------------------------
def _reciprocal_if_large(x: Tensor) -> tuple[Tensor, Tensor]:
    """(|x| > 1, 1/x where |x| > 1 else x): 1/(1 + x^2) = t^2/(1 + t^2) then needs no x^2."""
    big = x.abs() > 1.0
    return big, torch.where(big, 1.0 / torch.where(big, x, 1.0), x)


@register
class ArcTan(Elementwise):
    r"""Arctangent, a sigmoid-shaped function with range (-pi/2, pi/2) and polynomial tails.

    .. math:: f(x) = \arctan x,\quad f' = \frac{1}{1 + x^2},\quad f'' = \frac{-2x}{(1 + x^2)^2}
    """

    function, family = "arctan", "sigmoidal"
    formula = r"\mathrm{ArcTan}(x) = \arctan(x)"
    reference = "Kunc & Klema, Three decades of activations (2024), arXiv:2402.09092 (arctan)"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        return torch.atan(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        big, t = _reciprocal_if_large(m.in_float64(x))
        t2 = t * t
        return (torch.where(big, t2, 1.0) / (1.0 + t2)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        big, t = _reciprocal_if_large(x)
        t2 = t * t
        r = t / (1.0 + t2)  # x / (1 + x^2), in both cases
        return -2.0 * r * torch.where(big, t2, 1.0) / (1.0 + t2)


@register
class LeCunTanh(Elementwise):
    r"""LeCun's scaled tanh 1.7159 tanh(2x/3), chosen so that f(+-1) = +-1.

    .. math:: f(x) = A\tanh(Bx),\quad f' = AB\,\mathrm{sech}^2(Bx),\quad
              f'' = -2AB^2\tanh(Bx)\,\mathrm{sech}^2(Bx),\ A = 1.7159,\ B = 2/3
    """

    function, family = "lecun_tanh", "sigmoidal"
    formula = r"\mathrm{LeCunTanh}(x) = 1.7159\tanh\left(\frac{2x}{3}\right)"
    reference = (
        "LeCun, Bottou, Orr & Mueller, Efficient BackProp, in Neural Networks: Tricks of the Trade (1998), sec. 4.4"
    )
    x_range = (-5.0, 5.0)

    def f(x: Tensor) -> Tensor:
        return (LECUN_A * m.tanh(LECUN_B * m.in_float64(x))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return (LECUN_A * LECUN_B * m.sech2(LECUN_B * m.in_float64(x))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        z = LECUN_B * x
        return -2.0 * LECUN_A * LECUN_B * LECUN_B * m.tanh(z) * m.sech2(z)


@register
class PenalizedTanh(Elementwise):
    r"""Penalized tanh: tanh for x > 0, a tanh(x) (a = 0.25) below.

    .. math:: f(x) = \tanh x\ (x > 0),\quad a\tanh x\ (x \le 0);\quad
              f' = \mathrm{sech}^2 x,\quad a\,\mathrm{sech}^2 x;\quad
              f'' = -2\tanh x\,\mathrm{sech}^2 x,\quad -2a\tanh x\,\mathrm{sech}^2 x
    """

    function, family = "penalized_tanh", "sigmoidal"
    params = {"a": Param(0.25, "slope factor for x <= 0", finite, "finite", sample=(0.0, 1.0), plot=(0.25, 0.5))}
    formula = r"\mathrm{PenalizedTanh}(x) = \begin{cases} \tanh(x) & x > 0 \\ a\tanh(x) & x \le 0\end{cases}"
    reference = "Xu, Huang & Li, Revise saturated activation functions (2016), arXiv:1602.05980; Eger, Youssef & Gurevych, Is it time to swish? (EMNLP 2018)"
    x_range = (-4.0, 4.0)
    plot_params = ({"a": 0.25}, {"a": 0.5})
    kink_convention = "f'(0) = a (the x <= 0 branch, as LeakyReLU); f''(0) = 0 on both sides"

    def f(x: Tensor, a: float) -> Tensor:
        w = m.in_float64(x)
        t = m.tanh(w)
        return torch.where(w > 0.0, t, a * t).to(x.dtype)

    def df(x: Tensor, a: float) -> Tensor:
        w = m.in_float64(x)
        return (m.sech2(w) * m.pick(w > 0.0, 1.0, a, w)).to(x.dtype)

    def d2f(x: Tensor, a: float) -> Tensor:
        return -2.0 * m.tanh(x) * m.sech2(x) * m.pick(x > 0.0, 1.0, a, x)

    @classmethod
    def kinks(cls, a: float = 0.25) -> tuple[float, ...]:
        return (0.0,)


def _soft_clip_low(x: Tensor, alpha: float) -> Tensor:
    r"""SoftClipping for x <= 1/2 without cancellation:
    :math:`\frac{1}{\alpha}\log\frac{1 + e^{\alpha x}}{1 + e^{\alpha(x - 1)}} = \frac{1}{\alpha}
    \operatorname{log1p}\frac{-e^{\alpha x}\operatorname{expm1}(-\alpha)}{1 + e^{\alpha(x - 1)}}`."""
    return torch.log1p(-torch.exp(alpha * x) * math.expm1(-alpha) / (1.0 + torch.exp(alpha * (x - 1.0)))) / alpha


@register
class SoftClipping(Elementwise):
    r"""Soft clipping: a smooth clip to [0, 1], nearly linear inside for large alpha.

    .. math:: f(x) = \frac{1}{\alpha}\log\frac{1 + e^{\alpha x}}{1 + e^{\alpha(x - 1)}},\quad
              f' = \sigma(\alpha x) - \sigma(\alpha(x - 1)) = (1 - e^{-\alpha})\,\sigma(\alpha x)\,\sigma(\alpha(1 - x)),\quad
              f'' = \alpha f'(x)\left(\sigma(-\alpha x) - \sigma(\alpha(x - 1))\right)

    Computed as f(x) = 1 - f(1 - x) for x > 1/2 (the curve is point-symmetric about (1/2, 1/2)), so
    neither tail cancels.
    """

    function, family = "soft_clipping", "sigmoidal"
    params = {
        "alpha": Param(
            0.5,
            "sharpness (large: clip to [0, 1])",
            positive,
            "> 0 and finite",
            sample=(0.5, 10.0),
            plot=(0.5, 2.0, 10.0, 50.0),
        )
    }
    formula = r"\mathrm{SoftClipping}(x) = \frac{1}{\alpha}\log\frac{1 + e^{\alpha x}}{1 + e^{\alpha(x - 1)}}"
    reference = "Klimek & Perelstein, Neural network-based approach to phase space integration, SciPost Phys. 9, 053 (2020), arXiv:1810.11509"
    x_range = (-4.0, 5.0)
    plot_params = ({"alpha": 2.0}, {"alpha": 10.0}, {"alpha": 50.0})

    def f(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        low = w <= 0.5
        lo = _soft_clip_low(torch.where(low, w, 0.5), alpha)
        hi = 1.0 - _soft_clip_low(torch.where(low, 0.5, 1.0 - w), alpha)
        return torch.where(low, lo, hi).to(x.dtype)

    def df(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        return (-math.expm1(-alpha) * m.sigmoid(alpha * w) * m.sigmoid(alpha * (1.0 - w))).to(x.dtype)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        d1 = -math.expm1(-alpha) * m.sigmoid(alpha * x) * m.sigmoid(alpha * (1.0 - x))
        return alpha * d1 * (m.sigmoid(-alpha * x) - m.sigmoid(alpha * (x - 1.0)))


@register
class CLogLog(Elementwise):
    r"""Complementary log-log: the Gumbel-minimum CDF 1 - exp(-e^x), an asymmetric sigmoid.

    .. math:: f(x) = 1 - e^{-e^x},\quad f' = e^{x - e^x},\quad f'' = e^{x - e^x}(1 - e^x)
    """

    function, family = "cloglog", "sigmoidal"
    formula = r"\mathrm{CLogLog}(x) = 1 - e^{-e^{x}}"
    reference = "Gomes, Ludermir & Lima, Comparison of new activation functions in neural network for forecasting financial time series, Neural Comput. Appl. 20:417-439 (2011)"
    x_range = (-5.0, 3.0)

    # 1 - exp(-e^x) for x >= 0 (exp(-e^x) <= 1/e: no cancellation, and its autograd stays accurate
    # where f' is tiny), -expm1(-e^x) below
    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        e = torch.exp(w)
        return torch.where(w >= 0.0, 1.0 - torch.exp(-e), -torch.expm1(-torch.where(w >= 0.0, 0.0, e))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = torch.clamp(m.in_float64(x), max=CLOGLOG_FLAT)
        return torch.exp(w - torch.exp(w)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = torch.clamp(x, max=CLOGLOG_FLAT)
        return -torch.exp(xc - torch.exp(xc)) * torch.expm1(xc)
