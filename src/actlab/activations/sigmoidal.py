r"""Family "sigmoidal": sigmoid-shaped (squashing) activations. torch.nn's Sigmoid, Tanh,
Softsign, Hardsigmoid, Hardtanh and LogSigmoid; from the literature dSiLU (SiLU's derivative), ISRU,
SQNL, Elliott, ArcTan, LeCun's scaled tanh, penalized tanh, soft clipping and the complementary
log-log.

The transcendental ones of the literature compute f and f' of float32 inputs in float64
(``_math.in_float64``); SQNL and Elliott are rational and exact to an ulp or two in float32 as written.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterAssertionError, ParameterError
from ..kinds import Elementwise, Param, finite, positive
from ..registry import register


# ==== torch.nn's sigmoid-shaped activations ========================================================
@register
class Sigmoid(Elementwise, function="sigmoid", in_torch=True):
    r"""Logistic sigmoid.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}},\quad \sigma' = \sigma(x)\sigma(-x),\quad
              \sigma'' = -\sigma'(x)\tanh(x/2)
    """

    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    reference = "Rumelhart, Hinton & Williams, Learning representations by back-propagating errors (1986)"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        return m.sigmoid(x)

    def df(x: Tensor) -> Tensor:
        return m.sigmoid_prime(x)

    def d2f(x: Tensor) -> Tensor:
        return -m.sigmoid_prime(x) * m.tanh(0.5 * x)


@register
class Tanh(Elementwise, function="tanh", in_torch=True):
    r"""Hyperbolic tangent.

    .. math:: \tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}},\quad \tanh' = \operatorname{sech}^2 x,
              \quad \tanh'' = -2\tanh x\,\operatorname{sech}^2 x
    """

    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"
    reference = "LeCun et al., Efficient BackProp (1998)"
    x_range = (-4.0, 4.0)

    def f(x: Tensor) -> Tensor:  # float32 via float64: <= 0.5 ulp as torch (docs/accuracy.md)
        return m.tanh(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return m.sech2(x)

    def d2f(x: Tensor) -> Tensor:
        return -2.0 * m.tanh(x) * m.sech2(x)


@register
class Softsign(Elementwise, function="softsign", in_torch=True):
    r"""Softsign.

    .. math:: f(x) = \frac{x}{1 + |x|},\quad f' = \frac{1}{(1+|x|)^2},\quad
              f'' = \frac{-2\operatorname{sign}(x)}{(1+|x|)^3}
    """

    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\mathrm{Softsign}(x) = \frac{x}{1 + |x|}"
    reference = "Bergstra et al., Quadratic polynomials learn better image features (2009)"
    x_range = (-8.0, 8.0)
    kink_convention = "f''(0) = 0 (sign(0) = 0, as autograd of |x| in torch)"

    def f(x: Tensor) -> Tensor:  # f(+-inf) = +-1, the limit (torch returns NaN there)
        return torch.where(x.abs() == float("inf"), torch.sign(x), x / (1.0 + x.abs()))

    def df(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return 1.0 / (d * d)

    def d2f(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return -2.0 * torch.sign(x) / (d * d * d)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class Hardsigmoid(Elementwise, function="hardsigmoid", in_torch=True):
    r"""Piecewise-linear sigmoid (MobileNetV3).

    .. math:: f(x) = \min(\max(x + 3, 0), 6) / 6,\quad f' = 1/6 \text{ on } (-3, 3),\ 0 \text{ else},\quad f'' = 0
    """

    piecewise_linear = True
    inplace = True
    repr_inplace = False  # torch's repr omits inplace=True here
    formula = r"\mathrm{Hardsigmoid}(x) = \begin{cases} 0 & x \le -3 \\ 1 & x \ge 3 \\ x/6 + 1/2 & \text{otherwise}\end{cases}"
    reference = "Howard et al., Searching for MobileNetV3 (2019)"
    kink_convention = "f'(-3) = f'(3) = 0 (torch); f'' = 0 everywhere"

    def f(x: Tensor) -> Tensor:
        return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0

    def df(x: Tensor) -> Tensor:
        return m.pick((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0, x)

    def d2f(x: Tensor) -> Tensor:
        return torch.zeros_like(x)

    df_y = staticmethod(lambda y: m.pick((y > 0.0) & (y < 1.0), 1.0 / 6.0, 0.0, y))
    d2f_y = staticmethod(lambda y: torch.zeros_like(y))

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


@register
class Hardtanh(Elementwise, function="hardtanh", in_torch=True):
    r"""Hard tanh: clamp to [min_val, max_val].

    .. math:: f(x) = \min(\max(x, a), b),\quad f' = 1 \text{ on } (a, b),\ 0 \text{ else},\quad f'' = 0
    """

    piecewise_linear = True
    integer_inputs = True
    params = {
        "min_val": Param(-1.0, "lower end of the linear region", finite, "finite", sample=(-3.0, -0.1)),
        "max_val": Param(1.0, "upper end of the linear region", finite, "finite", sample=(0.1, 3.0)),
    }
    inplace = True
    formula = r"\mathrm{Hardtanh}(x) = \min(\max(x, \mathrm{min\_val}), \mathrm{max\_val})"
    reference = "Collobert, Large scale machine learning (PhD thesis, 2004)"
    plot_params = ({}, {"min_val": -2.0, "max_val": 2.0})
    kink_convention = "f'(min_val) = f'(max_val) = 0 (torch); f'(NaN) = 1 as torch"

    def f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.clamp(x, min_val, max_val)

    def df(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return m.pick((x <= min_val) | (x >= max_val), 0.0, 1.0, x)

    def d2f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.zeros_like(x)

    df_y = df
    d2f_y = d2f

    @classmethod
    def kinks(cls, min_val: float = -1.0, max_val: float = 1.0) -> tuple[float, ...]:
        return (min_val, max_val)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, min_val: float = -1.0, max_val: float = 1.0, **_: object) -> bool:
        """f' from y needs y to land exactly on a bound: a bound that rounds differently in a half
        dtype (y is stored rounded, compared in float32) would mark clamped entries as inside."""
        if dtype not in (torch.float16, torch.bfloat16):
            return True
        b = torch.tensor([min_val, max_val], dtype=torch.float32)
        return bool((b.to(dtype).float() == b).all())

    @classmethod
    def validate_init(cls, min_val: float, max_val: float, **_: object) -> None:
        if max_val <= min_val:
            raise ParameterAssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    @classmethod
    def relations(cls, **p: Any) -> None:
        """F.hardtanh accepts min_val == max_val (the module does not) but not min_val > max_val."""
        if p.get("min_val", -1.0) > p.get("max_val", 1.0):
            raise ParameterError("min_val cannot be greater than max_val")


@register
class LogSigmoid(Elementwise, function="logsigmoid", in_torch=True):
    r"""Log of the sigmoid, computed without overflow.

    .. math:: f(x) = \log\sigma(x) = \min(x,0) - \log(1 + e^{-|x|}),\quad f' = \sigma(-x),\quad
              f'' = -\sigma'(x)
    """

    formula = r"\mathrm{LogSigmoid}(x) = \log\frac{1}{1 + e^{-x}}"
    reference = "numerically stable log-sum-exp form"
    x_range = (-8.0, 4.0)

    def f(x: Tensor) -> Tensor:
        return m.log_sigmoid(x)

    def df(x: Tensor) -> Tensor:
        return m.sigmoid(-x)

    def d2f(x: Tensor) -> Tensor:
        return -m.sigmoid_prime(x)


# ==== dSiLU: the derivative of SiLU, a sigmoid-shaped curve ========================================
@register
class DSiLU(Elementwise, function="dsilu"):
    r"""dSiLU: the derivative of SiLU used as an activation (a sigmoid-like unit with overshoot).

    .. math:: f(x) = \sigma(x)(1 + x\sigma(-x)),\quad f' = \sigma'(x)(2 + x d),\quad
              f'' = \sigma'(x)\left(d(3 + x d) - 2x\sigma'(x)\right),\ d = \sigma(-x) - \sigma(x)
    """

    formula = r"\mathrm{dSiLU}(x) = \sigma(x)\left(1 + x\left(1 - \sigma(x)\right)\right)"
    reference = "Elfwing, Uchibe & Doya, Sigmoid-weighted linear units for neural network function approximation in reinforcement learning, Neural Networks 107:3-11 (2018)"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        return m.swish_prime(m.in_float64(x), 1.0).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.clip(m.in_float64(x), m.EXP_UNDERFLOW)
        return (m.sigmoid_prime(w) * (2.0 + w * (m.sigmoid(-w) - m.sigmoid(w)))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:  # d = -tanh(x/2): sigma(-x) - sigma(x) cancels near 0, even in float64
        xc = m.clip(x, m.EXP_UNDERFLOW)
        ds = m.sigmoid_prime(xc)
        d = -m.tanh(0.5 * xc)
        return ds * (d * (3.0 + xc * d) - 2.0 * xc * ds)


# ==== squashing functions of the literature (float32 in float64 where transcendental) ==============
LECUN_A = 1.7159


LECUN_B = 2.0 / 3.0


CLOGLOG_FLAT = 40.0  # x - e^x is below -2e17 beyond: e^{x - e^x} is 0 in float64


# ---- inverse square root units ----------------------------------------------------------------------
def isru_root(x: Tensor, alpha: float) -> Tensor:
    r""":math:`s = \sqrt{1 + \alpha x^2}` as hypot(1, sqrt(alpha) x): no overflow of x^2."""
    return torch.hypot(torch.ones_like(x), math.sqrt(alpha) * x)


def isru_x_over(x: Tensor, s: Tensor, alpha: float) -> Tensor:
    """x / s, with the limit sign(x)/sqrt(alpha) at +-inf (not inf / inf)."""
    inf = x.isinf()
    return torch.where(inf, torch.sign(x) / math.sqrt(alpha), torch.where(inf, 0.0, x) / s)


ISRU_ALPHA = Param(1.0, "alpha: the bound is 1/sqrt(alpha)", positive, "> 0 and finite", sample=(0.3, 3.0))


@register
class ISRU(Elementwise, function="isru"):
    r"""Inverse square root unit, a cheap tanh-like squashing to (-1/sqrt(alpha), 1/sqrt(alpha)).

    .. math:: f(x) = \frac{x}{\sqrt{1 + \alpha x^2}},\quad f' = (1 + \alpha x^2)^{-3/2},\quad
              f'' = -3\alpha x\,(1 + \alpha x^2)^{-5/2}
    """

    params = {"alpha": ISRU_ALPHA}
    formula = r"\mathrm{ISRU}(x) = \frac{x}{\sqrt{1 + \alpha x^2}}"
    reference = (
        "Carlile et al., Improving deep learning by inverse square root linear units (ISRLUs) (2017), arXiv:1710.09967"
    )
    x_range = (-5.0, 5.0)
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 3.0})

    def f(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        return isru_x_over(w, isru_root(w, alpha), alpha).to(x.dtype)

    def df(x: Tensor, alpha: float) -> Tensor:
        s = isru_root(m.in_float64(x), alpha)
        return (1.0 / (s * s * s)).to(x.dtype)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        s = isru_root(x, alpha)
        s2 = s * s
        return -3.0 * alpha * isru_x_over(x, s, alpha) / (s2 * s2)


# ---- piecewise rational: SQNL, Elliott ----------------------------------------------------------------
@register
class SQNL(Elementwise, function="sqnl"):
    r"""Square nonlinearity: a piecewise quadratic tanh, saturating at +-1 beyond |x| = 2.

    .. math:: f(x) = a\left(1 - \frac{|a|}{4}\right),\ a = \min(\max(x, -2), 2);\quad
              f' = 1 - \frac{|x|}{2}\ (|x| \le 2),\ 0\ (|x| > 2);\quad
              f'' = -\tfrac12\ (0 \le x \le 2),\ \tfrac12\ (-2 \le x < 0),\ 0\ (|x| > 2)
    """

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
class Elliott(Elementwise, function="elliott"):
    r"""Elliott sigmoid: the softsign squashed into (0, 1).

    .. math:: f(x) = \frac{x}{2(1 + |x|)} + \frac12 = \frac{1}{2(1 - x)}\ (x < 0),\ 1 - \frac{1}{2(1 + x)}\ (x \ge 0);\quad
              f' = \frac{1}{2(1 + |x|)^2},\quad f'' = \frac{-\operatorname{sign}(x)}{(1 + |x|)^3}

    The sums are rewritten per sign: for x -> -inf, x/(2(1 + |x|)) + 1/2 would cancel to 0.
    """

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
class ArcTan(Elementwise, function="arctan"):
    r"""Arctangent, a sigmoid-shaped function with range (-pi/2, pi/2) and polynomial tails.

    .. math:: f(x) = \arctan x,\quad f' = \frac{1}{1 + x^2},\quad f'' = \frac{-2x}{(1 + x^2)^2}
    """

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
class LeCunTanh(Elementwise, function="lecun_tanh"):
    r"""LeCun's scaled tanh 1.7159 tanh(2x/3), chosen so that f(+-1) = +-1.

    .. math:: f(x) = A\tanh(Bx),\quad f' = AB\,\mathrm{sech}^2(Bx),\quad
              f'' = -2AB^2\tanh(Bx)\,\mathrm{sech}^2(Bx),\ A = 1.7159,\ B = 2/3
    """

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
class PenalizedTanh(Elementwise, function="penalized_tanh"):
    r"""Penalized tanh: tanh for x > 0, a tanh(x) (a = 0.25) below.

    .. math:: f(x) = \tanh x\ (x > 0),\quad a\tanh x\ (x \le 0);\quad
              f' = \mathrm{sech}^2 x,\quad a\,\mathrm{sech}^2 x;\quad
              f'' = -2\tanh x\,\mathrm{sech}^2 x,\quad -2a\tanh x\,\mathrm{sech}^2 x
    """

    params = {"a": Param(0.25, "slope factor for x <= 0", finite, "finite", sample=(0.0, 1.0))}
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
class SoftClipping(Elementwise, function="soft_clipping"):
    r"""Soft clipping: a smooth clip to [0, 1], nearly linear inside for large alpha.

    .. math:: f(x) = \frac{1}{\alpha}\log\frac{1 + e^{\alpha x}}{1 + e^{\alpha(x - 1)}},\quad
              f' = \sigma(\alpha x) - \sigma(\alpha(x - 1)) = (1 - e^{-\alpha})\,\sigma(\alpha x)\,\sigma(\alpha(1 - x)),\quad
              f'' = \alpha f'(x)\left(\sigma(-\alpha x) - \sigma(\alpha(x - 1))\right)

    Computed as f(x) = 1 - f(1 - x) for x > 1/2 (the curve is point-symmetric about (1/2, 1/2)), so
    neither tail cancels.
    """

    params = {
        "alpha": Param(
            0.5,
            "sharpness (large: clip to [0, 1])",
            positive,
            "> 0 and finite",
            sample=(0.5, 10.0),
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
class CLogLog(Elementwise, function="cloglog"):
    r"""Complementary log-log: the Gumbel-minimum CDF 1 - exp(-e^x), an asymmetric sigmoid.

    .. math:: f(x) = 1 - e^{-e^x},\quad f' = e^{x - e^x},\quad f'' = e^{x - e^x}(1 - e^x)
    """

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
