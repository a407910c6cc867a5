r"""Family "gated": x times a gate. Self-gated, x * gate(x): torch.nn's SiLU, GELU (exact and
tanh), Mish and Hardswish; Swish, SmoothHardswish, QuickGELU (CLIP), HardMish (timm), SERF,
ClippedGELU; from the literature ELiSH, HardELiSH, LiSHT, TanhExp (and TeLU, the same function),
Smish, Logish, Phish, GoLU, E-swish, ErfAct, Flatten-T Swish and the learnable SinLU. Split gates
over x = [a, b] (a :class:`~actlab.kinds.SplitGate`): out = a * gate(b), torch.nn's GLU and the GLU
variants SwiGLU, GeGLU and ReGLU (Shazeer 2020).

Convention of the split gates (as torch.nn.GLU and timm's ``GluMlp`` with its default
``gate_last=True``): the first half is the value, the second the gate.

The literature's gates compose exp, log, tanh and erf, whose float32 roundings add up to more than
the 4 ulp (f) and 16 ulp (f') the accuracy sweep allows: f and f' of float32 inputs are computed in
float64 and rounded once (``_math.in_float64``). Terms x * (a factor that underflows) clip x where
the factor is 0 even in float64, so that +-inf gives the limit and not inf * 0 = NaN.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..kinds import Elementwise, Param, Parametric, SplitGate, finite, integer, positive
from ..registry import register
from . import partials as rules
from .pointwise import CHANNELS
from .rectifier import ReLU
from .sigmoidal import Sigmoid

# ==== torch.nn's self-gated activations, Swish and SmoothHardswish =================================
GELU_TANH_UNDERFLOW = 30.0


GELU_TANH_C = 0.044715


@register
class SiLU(Elementwise, function="silu", in_torch=True):
    r"""Sigmoid-weighted linear unit (= Swish with beta 1).

    .. math:: f(x) = x\sigma(x),\quad f' = \sigma(x) + x\sigma'(x),\quad
              f'' = \sigma'(x)\,(2 - x\tanh(x/2))
    """

    inplace = True
    formula = r"\mathrm{SiLU}(x) = x \, \sigma(x)"
    reference = "Elfwing, Uchibe & Doya, Sigmoid-weighted linear units (2017); Hendrycks & Gimpel (2016)"
    x_range = (-6.0, 6.0)

    def f(x: Tensor) -> Tensor:
        return m.swish(x, 1.0)

    def df(x: Tensor) -> Tensor:
        return m.swish_prime(x, 1.0)

    def d2f(x: Tensor) -> Tensor:
        _, ds, xc = m.silu_parts(x)
        return ds * (2.0 - xc * m.tanh(0.5 * xc))


@register
class Swish(Elementwise, function="swish"):
    r"""Swish with a fixed beta (the seed's extra; beta = 1 is SiLU).

    .. math:: f(x) = x\sigma(\beta x),\quad f' = \sigma(\beta x) + \beta x\sigma'(\beta x),\quad
              f'' = \beta\sigma'(\beta x)(2 - \beta x\tanh(\beta x/2))
    """

    params = {"beta": Param(1.0, "gate sharpness", finite, "finite", sample=(0.25, 3.0))}
    formula = r"\mathrm{Swish}(x) = x \, \sigma(\beta x)"
    reference = "Ramachandran, Zoph & Le, Searching for activation functions (2017)"
    x_range = (-6.0, 6.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    def f(x: Tensor, beta: float) -> Tensor:
        return m.swish(x, beta)

    def df(x: Tensor, beta: float) -> Tensor:
        return m.swish_prime(x, beta)

    def d2f(x: Tensor, beta: float) -> Tensor:
        _, ds, zc = m.silu_parts(beta * x)
        return beta * ds * (2.0 - zc * m.tanh(0.5 * zc))


def _gelu_tanh_gate(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """z = 2u, u = sqrt(2/pi)(x + c x^3); returns clipped x, z, dz/dx, d2z/dx2."""
    xc = m.clip(x, GELU_TANH_UNDERFLOW)
    x2 = xc * xc
    k = 2.0 * m.SQRT_2_OVER_PI
    return (
        xc,
        k * xc * (1.0 + GELU_TANH_C * x2),
        k * (1.0 + 3.0 * GELU_TANH_C * x2),
        k * 6.0 * GELU_TANH_C * xc,
    )


def _gelu(x: Tensor, approximate: str) -> Tensor:
    if approximate == "tanh":
        xc = torch.clamp(x, min=-m.EXP_UNDERFLOW)
        _, z, _, _ = _gelu_tanh_gate(x)
        tail = z < m.TAIL  # x e^z, scaled out of the subnormals
        return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, z, 0.0)), xc * m.sigmoid(z))
    return torch.clamp(x, min=-m.GAUSS_UNDERFLOW) * m.normal_cdf(x)


def _gelu_prime(x: Tensor, approximate: str) -> Tensor:
    if approximate == "tanh":
        xc, z, dz, _ = _gelu_tanh_gate(x)
        tail = z < m.TAIL  # e^z (1 + x z'), scaled out of the subnormals
        near = m.sigmoid(z) + xc * m.sigmoid_prime(z) * dz
        return torch.where(tail, m.exp_tail_times(1.0 + xc * dz, torch.where(tail, z, 0.0)), near)
    xc = m.clip(x, m.GAUSS_UNDERFLOW)
    return m.normal_cdf(x) + xc * m.normal_pdf(xc)


@register
class GELU(Elementwise, function="gelu", in_torch=True):
    r"""Gaussian error linear unit, exact or with the tanh approximation.

    .. math:: f(x) = x\Phi(x),\quad f' = \Phi(x) + x\varphi(x),\quad f'' = \varphi(x)(2 - x^2);
              \text{tanh: } f(x) = \tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u),\
              u = \sqrt{2/\pi}(x + 0.044715x^3)
    """

    params = {
        "approximate": Param(
            "none",
            "'none' (exact, erf) or 'tanh'",
            lambda v: v in ("none", "tanh"),
            "'none' or 'tanh'",
            error=ParameterError,
            sample=("none", "tanh"),
        )
    }
    formula = r"\mathrm{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)"
    reference = "Hendrycks & Gimpel, Gaussian error linear units (2016)"
    plot_params = ({"approximate": "none"}, {"approximate": "tanh"})

    # float32 is computed in float64: in the left tail the rounding of x / sqrt(2) (or of u) is
    # amplified by |d log Phi / d log x| ~ x^2 (hundreds of ulps); see docs/accuracy.md.
    def f(x: Tensor, approximate: str) -> Tensor:
        return _gelu(m.in_float64(x), approximate).to(x.dtype)

    def df(x: Tensor, approximate: str) -> Tensor:
        return _gelu_prime(m.in_float64(x), approximate).to(x.dtype)

    def d2f(x: Tensor, approximate: str) -> Tensor:
        if approximate == "tanh":
            xc, z, dz, d2z = _gelu_tanh_gate(x)
            ds = m.sigmoid_prime(z)
            d2s = -ds * m.tanh(0.5 * z)
            return 2.0 * ds * dz + xc * (d2s * dz * dz + ds * d2z)
        xc = m.clip(x, m.GAUSS_UNDERFLOW)
        return m.normal_pdf(xc) * (2.0 - xc * xc)


def _mish_parts(x: Tensor) -> tuple[Tensor, Tensor]:
    """t = tanh(softplus(x)) and 1 - t^2, both without cancellation or overflow.

    With e = e^x, t = e(e + 2) / (e(e + 2) + 2) for x <= 0; with e = e^{-x},
    t = (1 + 2e) / (1 + 2e + 2e^2) for x > 0. Then 1 - t^2 = (1 - t)(1 + t) with
    1 - t = 2 / (n + 2) resp. 2e^2 / (1 + 2e + 2e^2).
    """
    e = torch.exp(-x.abs())
    neg = x <= 0.0
    n = e * (e + 2.0)
    d_pos = 1.0 + 2.0 * e + 2.0 * e * e
    t = torch.where(neg, n / (n + 2.0), (1.0 + 2.0 * e) / d_pos)
    one_minus_t = torch.where(neg, 2.0 / (n + 2.0), 2.0 * e * e / d_pos)
    return t, one_minus_t * (1.0 + t)


def _mish(x: Tensor) -> Tensor:
    """x t; x e^x (scaled) for x < -64, where t = e^x (1 + O(e^x))."""
    t, _ = _mish_parts(x)
    xc = torch.clamp(x, min=-m.EXP_UNDERFLOW)
    tail = xc < m.TAIL
    return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, xc, 0.0)), xc * t)


@register
class Mish(Elementwise, function="mish", in_torch=True):
    r"""Mish: self-regularised non-monotonic activation.

    .. math:: f(x) = x\tanh(\mathrm{softplus}(x)),\quad t = \tanh(\mathrm{softplus}\,x),\
              s = \sigma(x)(1 - t^2),\quad f' = t + x s,\quad
              f'' = 2s + x(1 - t^2)(\sigma'(x) - 2t\sigma(x)^2)
    """

    inplace = True
    formula = r"\mathrm{Mish}(x) = x \tanh\left(\log\left(1 + e^{x}\right)\right)"
    reference = "Misra, Mish: a self regularized non-monotonic activation function (2019)"
    x_range = (-6.0, 6.0)

    def f(x: Tensor) -> Tensor:  # float32 via float64: the float32 form reaches 4.5 ulp (docs/accuracy.md)
        return _mish(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        r"""t + x sigma(x)(1 - t^2) for x > 0. For x <= 0, with e = e^x and n = e(e + 2):
        :math:`f' = e\,(4(1 + x) + e((4x + 6) + e(4 + e)))/(n + 2)^2` (1 + x and 4x + 6 are exact
        near the zero of f' at -1.19, so nothing large cancels); e^x (1 + x) scaled for x < -64."""
        t, sech2 = _mish_parts(x)
        xc = m.clip(x, m.EXP_UNDERFLOW)
        tail = xc < m.TAIL
        xn = torch.clamp(xc, max=0.0)
        e = torch.exp(xn)
        d = e * (e + 2.0) + 2.0
        neg = e * (4.0 * (1.0 + xn) + e * ((4.0 * xn + 6.0) + e * (4.0 + e))) / (d * d)
        near = torch.where(xc <= 0.0, neg, t + xc * m.sigmoid(x) * sech2)
        return torch.where(tail, m.exp_tail_times(1.0 + xc, torch.where(tail, xc, 0.0)), near)

    def d2f(x: Tensor) -> Tensor:
        t, sech2 = _mish_parts(x)
        xc = m.clip(x, m.EXP_UNDERFLOW)
        sg = m.sigmoid(x)
        s = sg * sech2
        return 2.0 * s + xc * sech2 * (m.sigmoid_prime(xc) - 2.0 * t * sg * sg)


@register
class Hardswish(Elementwise, function="hardswish", in_torch=True):
    r"""Hard swish (MobileNetV3).

    .. math:: f(x) = x\,\frac{\min(\max(x + 3, 0), 6)}{6},\quad f' = \frac{2x + 3}{6}
              \text{ on } (-3, 3),\quad f'' = \tfrac13 \text{ on } (-3, 3)
    """

    inplace = True
    repr_inplace = False  # torch's repr omits inplace=True here
    formula = r"\mathrm{Hardswish}(x) = \begin{cases} 0 & x \le -3 \\ x & x \ge 3 \\ x (x + 3) / 6 & \text{otherwise}\end{cases}"
    reference = "Howard et al., Searching for MobileNetV3 (2019)"
    kink_convention = "f'(-3) = 0, f'(3) = 1, f''(+-3) = 0 (torch)"

    def f(x: Tensor) -> Tensor:  # f(-inf) = 0, the limit (torch returns NaN); x itself for x >= 3
        return torch.where(x <= -3.0, 0.0, torch.where(x >= 3.0, x, x * (x + 3.0) / 6.0))

    def df(x: Tensor) -> Tensor:  # (2x + 3) / 6: 2x + 3 is exact near the zero at -1.5
        return m.pick(x <= -3.0, 0.0, torch.where(x < 3.0, (2.0 * x + 3.0) / 6.0, 1.0), x)

    def d2f(x: Tensor) -> Tensor:
        return m.pick((x > -3.0) & (x < 3.0), 1.0 / 3.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


@register
class SmoothHardswish(Elementwise, function="smooth_hardswish"):
    r"""The seed's continuously differentiable hard swish (C1: f' is continuous at +-3).

    .. math:: f(x) = \frac{x(x+3)^2(6-x)}{108} \text{ on } (-3, 3),\ \max(0, x) \text{ else};\quad
              f' = \frac{(x+3)(18 + 12x - 4x^2)}{108},\quad f'' = \frac{54 - 12x^2}{108}
    """

    formula = r"\mathrm{SmoothHardswish}(x) = \begin{cases} 0 & x \le -3 \\ x & x \ge 3 \\ x (x+3)^2 (6 - x) / 108 & \text{otherwise}\end{cases}"
    reference = "the seed tutorial's MyActivation (continuously differentiable hard swish)"
    kink_convention = "f''(+-3) = 0 (the outer branch; f'' jumps there by 1/2)"

    def f(x: Tensor) -> Tensor:  # float32 via float64: six roundings reach 4.1 ulp in float32
        inner = (x > -3.0) & (x < 3.0)
        xi = m.in_float64(torch.where(inner, x, 0.0))
        return torch.where(inner, (xi * (xi + 3.0) ** 2 * (6.0 - xi) / 108.0).to(x.dtype), torch.clamp(x, min=0.0))

    def df(x: Tensor) -> Tensor:
        inner = (x > -3.0) & (x < 3.0)
        xi = torch.where(inner, x, 0.0)
        return torch.where(
            inner,
            (xi + 3.0) * (18.0 + 12.0 * xi - 4.0 * xi * xi) / 108.0,
            m.pick(x >= 3.0, 1.0, 0.0, x),
        )

    def d2f(x: Tensor) -> Tensor:
        inner = (x > -3.0) & (x < 3.0)
        return m.pick(inner, (54.0 - 12.0 * x * x) / 108.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


# ==== QuickGELU, HardMish, SERF, ClippedGELU =======================================================
QUICK_GELU_BETA = 1.702


@register
class QuickGELU(Elementwise, function="quick_gelu"):
    r"""QuickGELU (CLIP): GELU approximated by a sigmoid gate, = Swish with beta 1.702.

    .. math:: f(x) = x\sigma(1.702x),\quad f' = \sigma(z) + z\sigma'(z),\quad
              f'' = 1.702\,\sigma'(z)(2 - z\tanh(z/2)),\ z = 1.702x
    """

    formula = r"\mathrm{QuickGELU}(x) = x\,\sigma(1.702\,x)"
    reference = "Hendrycks & Gimpel, Gaussian error linear units (2016), sec. 2; Radford et al., CLIP (2021)"
    x_range = (-6.0, 6.0)

    # float32 is computed in float64: the rounding of 1.702 x is amplified ~|1.702 x| times in the tail.
    def f(x: Tensor) -> Tensor:
        return m.swish(m.in_float64(x), QUICK_GELU_BETA).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return m.swish_prime(m.in_float64(x), QUICK_GELU_BETA).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        _, ds, zc = m.silu_parts(QUICK_GELU_BETA * x)
        return QUICK_GELU_BETA * ds * (2.0 - zc * m.tanh(0.5 * zc))


@register
class HardMish(Elementwise, function="hard_mish"):
    r"""Hard Mish: a piecewise quadratic Mish (timm).

    .. math:: f(x) = \tfrac12 x \min(\max(x + 2, 0), 2),\quad f' = x + 1 \text{ on } [-2, 0],\quad
              f'' = 1 \text{ on } [-2, 0];\ f = x,\ f' = 1 \text{ for } x > 0;\ 0 \text{ for } x < -2
    """

    formula = r"\mathrm{HardMish}(x) = \tfrac{1}{2}\, x \,\min(\max(x + 2, 0), 2)"
    reference = "timm (Wightman), hard_mish; after Misra, Mish (2019)"
    x_range = (-4.0, 3.0)
    kink_convention = (
        "inner branch on the closed interval [-2, 0]: f'(-2) = -1, f''(-2) = f''(0) = 1 "
        "(autograd of timm's 0.5 x clamp(x + 2, 0, 2) and timm's hard_mish backward)"
    )

    def f(x: Tensor) -> Tensor:  # f(-inf) = 0, the limit (the literal form gives -inf * 0 = NaN)
        inner = torch.where(x <= -2.0, 0.0, torch.clamp(x, max=0.0))  # NaN stays NaN
        return torch.where(x >= 0.0, x, 0.5 * inner * (inner + 2.0))

    def df(x: Tensor) -> Tensor:
        inner = (x >= -2.0) & (x <= 0.0)
        return m.pick(inner, x + 1.0, m.pick(x > 0.0, 1.0, 0.0, x), x)

    def d2f(x: Tensor) -> Tensor:
        return m.pick((x >= -2.0) & (x <= 0.0), 1.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-2.0, 0.0)


def _erf_prime(u: Tensor) -> Tensor:
    return m.TWO_OVER_SQRT_PI * torch.exp(-u * u)


@register
class SERF(Elementwise, function="serf"):
    r"""SERF: self-regularised, x times the error function of softplus.

    .. math:: f(x) = x\,\mathrm{erf}(p),\ p = \mathrm{softplus}(x);\quad
              f' = \mathrm{erf}(p) + x\,\mathrm{erf}'(p)\sigma(x);\quad
              f'' = \mathrm{erf}'(p)\left(2\sigma(x) + x(\sigma'(x) - 2p\,\sigma(x)^2)\right),\
              \mathrm{erf}'(p) = \tfrac{2}{\sqrt\pi}e^{-p^2}
    """

    formula = r"\mathrm{SERF}(x) = x\,\mathrm{erf}\left(\log\left(1 + e^{x}\right)\right)"
    reference = "Nag & Bhattacharyya, SERF: towards better training of deep neural networks using log-Softplus ERror activation Function (2021), arXiv:2108.09598"
    x_range = (-6.0, 4.0)

    # x is clamped to [-800, 800] where its factor (erf(p) resp. erf'(p)) has underflowed to 0,
    # so that -inf * 0 gives the limit 0 and not NaN. float32 is computed in float64: below
    # x = -87 softplus(x) ~ e^x is subnormal in float32.
    def f(x: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        return (torch.clamp(x64, min=-m.EXP_UNDERFLOW) * torch.erf(m.softplus(x64))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        xc = m.clip(x64, m.EXP_UNDERFLOW)
        p = m.softplus(xc)
        return (torch.erf(m.softplus(x64)) + xc * _erf_prime(p) * m.sigmoid(xc)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, m.EXP_UNDERFLOW)
        p, s = m.softplus(xc), m.sigmoid(xc)
        return _erf_prime(p) * (2.0 * s + xc * (m.sigmoid_prime(xc) - 2.0 * p * s * s))


def _gelu_scalar(x: float) -> float:
    return 0.5 * x * math.erfc(-x / math.sqrt(2.0))


def _gelu_crossings(level: float) -> tuple[float, ...]:
    """The x where GELU(x) = level (GELU has its minimum -0.16997 at x = -0.75179; increasing right
    of it, decreasing left of it towards 0), by bisection in float64."""
    x_min, y_min = -0.7517916243119, -0.16997120922832
    if level <= y_min:
        return ()

    def solve(lo: float, hi: float) -> float:
        rising = _gelu_scalar(hi) > _gelu_scalar(lo)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if (_gelu_scalar(mid) < level) == rising:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    right = solve(x_min, max(level, 0.0) + 10.0)
    return (solve(-40.0, x_min), right) if level < 0.0 else (right,)


def _clipped(x: Tensor, min_val: float, max_val: float) -> Tensor:
    r"""Where GELU(x) is at or beyond a bound. For x > 0 the upper test is
    :math:`x - b \ge x\Phi(-x)` (the same as :math:`x\Phi(x) \ge b`, but x - b is exact near the
    crossing and :math:`x\Phi(-x)` is accurate: at x = 10, GELU(x) = 10 - 7.6e-23 rounds to 10 even
    in float64, yet is not clipped)."""
    y = GELU.f(x, "none")
    xp = torch.clamp(x, 0.0, 40.0)  # x Phi(-x) underflows beyond 40; inf * 0 must not give NaN
    above = torch.where(x > 0.0, (x - max_val) >= xp * m.normal_cdf(-xp), y >= max_val)
    return above | (y <= min_val)


@register
class ClippedGELU(Elementwise, function="clipped_gelu"):
    r"""GELU clipped to [min_val, max_val] (transformers' ``gelu_10``, for quantisation).

    .. math:: f(x) = \min(\max(x\Phi(x), a), b),\quad f' = \Phi(x) + x\varphi(x) \text{ where }
              a < f < b \text{ else } 0,\quad f'' = \varphi(x)(2 - x^2) \text{ there, else } 0
    """

    params = {
        "min_val": Param(-10.0, "lower clip", finite, "finite", sample=(-10.0, -0.1)),
        "max_val": Param(10.0, "upper clip", finite, "finite", sample=(1.0, 10.0)),
    }
    formula = r"\mathrm{ClippedGELU}(x) = \min(\max(x\,\Phi(x), a), b)"
    reference = "Zafrir et al., Q8BERT / transformers ClippedGELUActivation (gelu_10); arXiv:2004.09602"
    plot_params = ({"min_val": -10.0, "max_val": 2.0},)
    kink_convention = "f' = f'' = 0 where GELU(x) reaches a clip bound (the clipped branch, as hardtanh)"

    def f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.clamp(GELU.f(x, "none"), min_val, max_val)

    def df(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.where(_clipped(x, min_val, max_val), 0.0, GELU.df(x, "none"))

    def d2f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.where(_clipped(x, min_val, max_val), 0.0, GELU.d2f(x, "none"))

    @classmethod
    def relations(cls, **p: Any) -> None:
        if p.get("min_val", -10.0) > p.get("max_val", 10.0):
            raise ParameterError("ClippedGELU: min_val cannot be greater than max_val")

    @classmethod
    def kinks(cls, min_val: float = -10.0, max_val: float = 10.0) -> tuple[float, ...]:
        return tuple(sorted(_gelu_crossings(min_val) + _gelu_crossings(max_val)))


# ==== the split gates: out = a * gate(b), x = [a, b] ===============================================
DIM = Param(-1, "dimension to split in half", integer, "an int")


APPROXIMATE = Param(
    "none",
    "'none' (exact, erf) or 'tanh'",
    lambda v: v in ("none", "tanh"),
    "'none' or 'tanh'",
    sample=("none", "tanh"),
)


@register
class GLU(SplitGate, function="glu", in_torch=True):
    r"""Gated linear unit over a split input: x = [a, b] along ``dim``.

    .. math:: \mathrm{GLU}(a, b) = a \otimes \sigma(b),\quad
              \partial/\partial a = \sigma(b),\quad \partial/\partial b = a\,\sigma'(b),\quad
              \partial^2/\partial b^2 = a\,\sigma''(b),\quad \partial^2/\partial a \partial b = \sigma'(b),\quad \partial^2/\partial a^2 = 0
    """

    gate = Sigmoid
    params = {"dim": DIM}
    formula = r"\mathrm{GLU}(a, b) = a \otimes \sigma(b)"
    reference = "Dauphin et al., Language modeling with gated convolutional networks (2017)"


@register
class SwiGLU(SplitGate, function="swiglu"):
    r"""SwiGLU: GLU with a SiLU (Swish-1) gate; x = [a, b] along ``dim``.

    .. math:: \mathrm{SwiGLU}(a, b) = a \otimes \mathrm{SiLU}(b) = a \otimes b\,\sigma(b),\quad
              \partial/\partial a = \mathrm{SiLU}(b),\quad \partial/\partial b = a\,\mathrm{SiLU}'(b),\quad
              \partial^2/\partial b^2 = a\,\mathrm{SiLU}''(b),\quad \partial^2/\partial a \partial b = \mathrm{SiLU}'(b)
    """

    gate = SiLU
    params = {"dim": DIM}
    formula = r"\mathrm{SwiGLU}(a, b) = a \otimes b\,\sigma(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"


@register
class GeGLU(SplitGate, function="geglu"):
    r"""GeGLU: GLU with a GELU gate (exact, or the tanh approximation); x = [a, b] along ``dim``.

    .. math:: \mathrm{GeGLU}(a, b) = a \otimes \mathrm{GELU}(b) = a \otimes b\,\Phi(b),\quad
              \partial/\partial a = \mathrm{GELU}(b),\quad \partial/\partial b = a\,\mathrm{GELU}'(b),\quad
              \partial^2/\partial b^2 = a\,\mathrm{GELU}''(b),\quad \partial^2/\partial a \partial b = \mathrm{GELU}'(b)
    """

    gate = GELU
    params = {"dim": DIM, "approximate": APPROXIMATE}
    formula = r"\mathrm{GeGLU}(a, b) = a \otimes b\,\Phi(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    plot_params = ({"approximate": "none"}, {"approximate": "tanh"})


@register
class ReGLU(SplitGate, function="reglu"):
    r"""ReGLU: GLU with a ReLU gate; x = [a, b] along ``dim`` (relu'(0) = 0).

    .. math:: \mathrm{ReGLU}(a, b) = a \otimes \max(0, b),\quad
              \partial/\partial a = \max(0, b),\quad \partial/\partial b = a\,[b > 0],\quad
              \partial^2/\partial b^2 = 0,\quad \partial^2/\partial a \partial b = [b > 0]
    """

    gate = ReLU
    params = {"dim": DIM}
    formula = r"\mathrm{ReGLU}(a, b) = a \otimes \max(0, b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    kink_convention = "d/db at b = 0 is 0 (relu'(0) = 0, torch)"

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


# ==== self-gated activations of the literature (float32 in float64) ================================
SQRT2 = math.sqrt(2.0)


ELISH_DF_ZERO = math.log(SQRT2 - 1.0)  # e^x = sqrt(2) - 1: the minimum of ELiSH


TANH_EXP_FLAT = 10.0  # tanh(e^x) = 1 and e^x sech^2(e^x) = 0 in float64 beyond


ERF_FLAT = 40.0  # erf(u) = 1 and u e^{-u^2} = 0 in float64 for u >= 40


# ---- ELiSH, HardELiSH (Basirat & Roth) -------------------------------------------------------
@register
class ELiSH(Elementwise, function="elish"):
    r"""Exponential linear sigmoid squashing: Swish for x >= 0, (e^x - 1) sigma(x) below.

    .. math:: f(x) = x\sigma(x)\ (x \ge 0),\quad (e^x - 1)\sigma(x)\ (x < 0);\quad
              f' = \sigma(x)(1 + x\sigma(-x))\ (x \ge 0),\quad \sigma(x)(e^x + (e^x - 1)\sigma(-x))\ (x < 0);\quad
              f'' = \sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))\ (x \ge 0),\quad
              \sigma(x)(e^x(1 + 2\sigma(-x)) + \sigma(-x)(\sigma(-x) - \sigma(x))(e^x - 1))\ (x < 0)

    f' < 0 part: :math:`e^x + (e^x - 1)\sigma(-x) = (\sqrt2 - 1)\,\mathrm{expm1}(x - x_0)(e^x + 1 + \sqrt2)/(e^x + 1)`,
    :math:`x_0 = \log(\sqrt2 - 1)`, which has no cancellation at the minimum x_0.
    """

    formula = r"\mathrm{ELiSH}(x) = \begin{cases} x\,\sigma(x) & x \ge 0 \\ (e^{x} - 1)\,\sigma(x) & x < 0\end{cases}"
    reference = "Basirat & Roth, The quest for the golden activation function (2018), arXiv:1808.00783"
    x_range = (-5.0, 4.0)
    kink_convention = (
        "f' is continuous at 0 (1/2); f'' jumps from 1 to 1/2 and f''(0) = 1/2 (the paper's x >= 0 branch)"
    )

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        s = m.sigmoid(w)
        return torch.where(w >= 0.0, w * s, torch.expm1(torch.clamp(w, max=0.0)) * s).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        s, sm = m.sigmoid(w), m.sigmoid(-w)
        wc = m.clip(w, m.EXP_UNDERFLOW)
        wn = torch.clamp(w, max=0.0)
        e = torch.exp(wn)
        neg = s * ((SQRT2 - 1.0) * torch.expm1(wn - ELISH_DF_ZERO) * (e + 1.0 + SQRT2) / (e + 1.0))
        return torch.where(w >= 0.0, s * (1.0 + wc * sm), neg).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        s, sm = m.sigmoid(x), m.sigmoid(-x)
        xc = m.clip(x, m.EXP_UNDERFLOW)
        xn = torch.clamp(x, max=0.0)
        e = torch.exp(xn)
        neg = s * (e * (1.0 + 2.0 * sm) + sm * (sm - s) * torch.expm1(xn))
        return torch.where(x >= 0.0, m.sigmoid_prime(xc) * (2.0 + xc * (sm - s)), neg)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class HardELiSH(Elementwise, function="hard_elish"):
    r"""Hard ELiSH: ELiSH with the hard sigmoid h(x) = max(0, min(1, (x + 1)/2)) as the gate.

    .. math:: f(x) = x\,h(x)\ (x \ge 0),\quad (e^x - 1)\,h(x)\ (x < 0);\quad
              f' = 1\ (x > 1),\quad x + \tfrac12\ (0 \le x \le 1),\quad
              \tfrac12(e^x(x + 1) + e^x - 1)\ (-1 \le x < 0),\quad 0\ (x < -1);\quad
              f'' = 0,\quad 1,\quad \tfrac12 e^x(x + 3),\quad 0 \text{ on the same pieces}
    """

    formula = r"\mathrm{HardELiSH}(x) = \begin{cases} x\,\max(0, \min(1, \frac{x + 1}{2})) & x \ge 0 \\ (e^{x} - 1)\max(0, \min(1, \frac{x + 1}{2})) & x < 0\end{cases}"
    reference = "Basirat & Roth, The quest for the golden activation function (2018), arXiv:1808.00783"
    x_range = (-3.0, 3.0)
    kink_convention = (
        "the inner pieces hold on closed intervals, as autograd of the formula with clamp: "
        "f'(-1) = (e^-1 - 1)/2, f''(-1) = e^-1; f'(1) = 3/2, f''(1) = 1; at 0 the x >= 0 piece: "
        "f'(0) = 1/2 (continuous), f''(0) = 1; f'(NaN) = NaN"
    )

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        h = torch.clamp(0.5 * (w + 1.0), 0.0, 1.0)
        return torch.where(w >= 0.0, w * h, torch.expm1(torch.clamp(w, max=0.0)) * h).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        wi = torch.clamp(w, -1.0, 0.0)
        neg = 0.5 * (torch.exp(wi) * (wi + 1.0) + torch.expm1(wi))
        out = torch.where(w > 1.0, 1.0, torch.where(w >= 0.0, w + 0.5, torch.where(w >= -1.0, neg, 0.0)))
        return m.keep_nan(w, out).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xi = torch.clamp(x, -1.0, 0.0)
        neg = 0.5 * torch.exp(xi) * (xi + 3.0)
        return torch.where(x > 1.0, 0.0, torch.where(x >= 0.0, 1.0, torch.where(x >= -1.0, neg, 0.0)))

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-1.0, 0.0, 1.0)


# ---- LiSHT, TanhExp / TeLU ----------------------------------------------------------------------
@register
class LiSHT(Elementwise, function="lisht"):
    r"""Linearly scaled hyperbolic tangent.

    .. math:: f(x) = x\tanh x,\quad f' = \tanh x + x\,\mathrm{sech}^2 x,\quad
              f'' = 2\,\mathrm{sech}^2 x\,(1 - x\tanh x)
    """

    formula = r"\mathrm{LiSHT}(x) = x\tanh(x)"
    reference = "Roy et al., LiSHT: non-parametric linearly scaled hyperbolic tangent activation function for neural networks (2019), arXiv:1901.05894"
    x_range = (-3.0, 3.0)

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return (w * m.tanh(w)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return (m.tanh(w) + m.clip(w, m.EXP_UNDERFLOW) * m.sech2(w)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, m.EXP_UNDERFLOW)
        return 2.0 * m.sech2(x) * (1.0 - xc * m.tanh(x))


def _tanh_of_positive(e: Tensor) -> Tensor:
    """tanh(e) for e >= 0 in a form whose autograd stays accurate (f'' of TanhExp is tested
    against autograd of f): the expm1 quotient below 1, 1 - 2/(e^{2e} + 1) above."""
    small = e < 1.0
    return torch.where(
        small, m.tanh(torch.where(small, e, 0.0)), 1.0 - 2.0 / (torch.exp(2.0 * torch.where(small, 1.0, e)) + 1.0)
    )


def _tanh_exp(x: Tensor) -> Tensor:
    r""":math:`x\tanh(e^x)`; for x < -64 as :math:`x e^x` scaled out of the subnormals
    (:math:`\tanh(e^x) = e^x(1 - e^{2x}/3 + \dots)`, the correction below 1e-55)."""
    xc = torch.clamp(x, min=-m.EXP_UNDERFLOW)
    tail = xc < m.TAIL
    gate = _tanh_of_positive(torch.exp(torch.clamp(x, max=TANH_EXP_FLAT)))
    return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, xc, 0.0)), x * gate)


def _tanh_exp_prime(x: Tensor) -> Tensor:
    r""":math:`\tanh(e^x) + x e^x\mathrm{sech}^2(e^x)`; :math:`e^x(1 + x)` scaled for x < -64."""
    xc = torch.clamp(x, -m.EXP_UNDERFLOW, TANH_EXP_FLAT)
    e = torch.exp(xc)
    tail = xc < m.TAIL
    near = _tanh_of_positive(e) + xc * e * m.sech2(e)
    return torch.where(tail, m.exp_tail_times(1.0 + xc, torch.where(tail, xc, 0.0)), near)


@register
class TanhExp(Elementwise, function="tanh_exp"):
    r"""TanhExp: x gated by tanh of its exponential.

    .. math:: f(x) = x\tanh(e^x),\quad f' = \tanh(e^x) + x e^x\mathrm{sech}^2(e^x),\quad
              f'' = e^x\mathrm{sech}^2(e^x)\,(2 + x - 2x e^x\tanh(e^x))
    """

    formula = r"\mathrm{TanhExp}(x) = x\tanh(e^{x})"
    reference = "Liu & Di, TanhExp: a smooth activation function with high convergence speed for lightweight neural networks (2020), arXiv:2003.09855"
    x_range = (-5.0, 3.0)

    def f(x: Tensor) -> Tensor:
        return _tanh_exp(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return _tanh_exp_prime(m.in_float64(x)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = torch.clamp(x, -m.EXP_UNDERFLOW, TANH_EXP_FLAT)
        e = torch.exp(xc)
        return e * m.sech2(e) * (2.0 + xc - 2.0 * xc * e * _tanh_of_positive(e))


@register
class TeLU(TanhExp):
    r"""TeLU: the hyperbolic tangent exponential linear unit, the same function as TanhExp.

    .. math:: f(x) = x\tanh(e^x),\quad f' = \tanh(e^x) + x e^x\mathrm{sech}^2(e^x),\quad
              f'' = e^x\mathrm{sech}^2(e^x)\,(2 + x - 2x e^x\tanh(e^x))
    """

    function = "telu"
    formula = r"\mathrm{TeLU}(x) = x\tanh(e^{x})"
    reference = "Fernandez & Mali, TeLU activation function for fast and stable deep learning (2024), arXiv:2412.20269; = TanhExp (Liu & Di, 2020)"


# ---- Smish, Logish, Phish ----------------------------------------------------------------------
def _smish_gate(s: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    r"""t = tanh(log(1 + s)) = q/(q + 2), q = s(s + 2), and dt/ds, d^2t/ds^2 (no cancellation, s > 0)."""
    q = s * (s + 2.0)
    d = q + 2.0
    t_s = 4.0 * (1.0 + s) / (d * d)
    t_ss = 4.0 * (1.0 - 3.0 * (1.0 + s) * (1.0 + s)) / (d * d * d)
    return q / d, t_s, t_ss


@register
class Smish(Elementwise, function="smish"):
    r"""Smish: x gated by tanh(log(1 + sigma(beta x))), scaled by alpha.

    .. math:: f(x) = \alpha x\,T(\beta x),\ T(z) = \tanh(\log(1 + \sigma(z))) = \frac{q}{q + 2},\
              q = \sigma(z)(\sigma(z) + 2);\quad f' = \alpha(T(z) + z T'(z)),\quad
              f'' = \alpha\beta(2T'(z) + z T''(z)),\ z = \beta x
    """

    params = {
        "alpha": Param(1.0, "output scale", positive, "> 0 and finite", sample=(0.5, 2.0)),
        "beta": Param(1.0, "input scale of the gate", positive, "> 0 and finite", sample=(0.5, 2.0)),
    }
    formula = r"\mathrm{Smish}(x) = \alpha x\tanh\left(\log\left(1 + \sigma(\beta x)\right)\right)"
    reference = (
        "Wang, Ren & Wang, Smish: a novel activation function for deep learning methods, Electronics 11(4):540 (2022)"
    )
    x_range = (-6.0, 4.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    def f(x: Tensor, alpha: float, beta: float) -> Tensor:
        w = m.in_float64(x)
        wc = torch.clamp(w, min=-m.EXP_UNDERFLOW / beta)
        z = beta * wc
        t, _, _ = _smish_gate(m.sigmoid(z))
        tail = z < m.TAIL  # T(z) = e^z (1 - 3e^z/2 + ...): x T = x e^z, scaled
        out = torch.where(tail, m.exp_tail_times(wc, torch.where(tail, z, 0.0)), wc * t)
        return (alpha * out).to(x.dtype)

    def df(x: Tensor, alpha: float, beta: float) -> Tensor:
        z = m.clip(beta * m.in_float64(x), m.EXP_UNDERFLOW)
        t, t_s, _ = _smish_gate(m.sigmoid(z))
        tail = z < m.TAIL
        out = torch.where(tail, m.exp_tail_times(1.0 + z, torch.where(tail, z, 0.0)), t + z * t_s * m.sigmoid_prime(z))
        return (alpha * out).to(x.dtype)

    def d2f(x: Tensor, alpha: float, beta: float) -> Tensor:
        z = m.clip(beta * x, m.EXP_UNDERFLOW)
        s, ds = m.sigmoid(z), m.sigmoid_prime(z)
        _, t_s, t_ss = _smish_gate(s)
        return alpha * beta * ds * (2.0 * t_s + z * (t_ss * ds + t_s * (m.sigmoid(-z) - s)))


@register
class Logish(Elementwise, function="logish"):
    r"""Logish: x gated by log(1 + sigma(x)).

    .. math:: f(x) = x\log(1 + \sigma(x)),\quad f' = \log(1 + \sigma(x)) + \frac{x\sigma'(x)}{1 + \sigma(x)},\quad
              f'' = \frac{\sigma'(x)}{1 + \sigma(x)}\left(2 + x(\sigma(-x) - \sigma(x)) - \frac{x\sigma'(x)}{1 + \sigma(x)}\right)
    """

    formula = r"\mathrm{Logish}(x) = x\log\left(1 + \sigma(x)\right)"
    reference = "Zhu et al., Logish: a new nonlinear nonmonotonic activation function for convolutional neural network, Neurocomputing 458:490-499 (2021)"
    x_range = (-6.0, 4.0)

    # below x = -64, log(1 + sigma(x)) = e^x to 1e-28: x e^x and (1 + x) e^x, scaled out of the subnormals
    def f(x: Tensor) -> Tensor:
        w = torch.clamp(m.in_float64(x), min=-m.EXP_UNDERFLOW)
        tail = w < m.TAIL
        near = w * torch.log1p(m.sigmoid(w))
        return torch.where(tail, m.exp_tail_times(w, torch.where(tail, w, 0.0)), near).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.clip(m.in_float64(x), m.EXP_UNDERFLOW)
        s = m.sigmoid(w)
        tail = w < m.TAIL
        near = torch.log1p(s) + w * m.sigmoid_prime(w) / (1.0 + s)
        return torch.where(tail, m.exp_tail_times(1.0 + w, torch.where(tail, w, 0.0)), near).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, m.EXP_UNDERFLOW)
        s, ds = m.sigmoid(xc), m.sigmoid_prime(xc)
        r = ds / (1.0 + s)
        return r * (2.0 + xc * (m.sigmoid(-xc) - s) - xc * r)


@register
class Phish(Elementwise, function="phish"):
    r"""Phish: x gated by tanh of GELU(x) = x Phi(x).

    .. math:: f(x) = x\tanh(g),\ g = x\Phi(x);\quad f' = \tanh g + x\,\mathrm{sech}^2(g)\,g',\
              g' = \Phi(x) + x\varphi(x);\quad f'' = \mathrm{sech}^2 g\,(2g' + x(g'' - 2\tanh(g)\,g'^2)),\
              g'' = \varphi(x)(2 - x^2)
    """

    formula = r"\mathrm{Phish}(x) = x\tanh\left(\mathrm{GELU}(x)\right) = x\tanh\left(x\,\Phi(x)\right)"
    reference = "Naveen, Phish: a novel hyper-optimizable activation function (2022)"
    x_range = (-5.0, 3.0)

    # x is clipped to [-40, 800]: below -40, Phi and phi are 0 in float64; above 800, sech^2 g is 0
    def f(x: Tensor) -> Tensor:
        w = torch.clamp(m.in_float64(x), min=-m.GAUSS_UNDERFLOW)
        return (w * m.tanh(w * m.normal_cdf(w))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = torch.clamp(m.in_float64(x), -m.GAUSS_UNDERFLOW, m.EXP_UNDERFLOW)
        cdf = m.normal_cdf(w)
        g = w * cdf
        return (m.tanh(g) + w * m.sech2(g) * (cdf + w * m.normal_pdf(w))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = torch.clamp(x, -m.GAUSS_UNDERFLOW, m.EXP_UNDERFLOW)
        cdf, pdf = m.normal_cdf(xc), m.normal_pdf(xc)
        g = xc * cdf
        dg = cdf + xc * pdf
        d2g = pdf * (2.0 - xc * xc)
        return m.sech2(g) * (2.0 * dg + xc * (d2g - 2.0 * m.tanh(g) * dg * dg))


# ---- GoLU, E-swish, ErfAct, dSiLU, Flatten-T Swish ---------------------------------------------
def _golu_bounds(beta: float, gamma: float) -> tuple[float, float]:
    r"""x below which :math:`\beta e^{-\gamma x} > 800` (the gate is 0 in float64) and above which
    :math:`\beta e^{-\gamma x} < e^{-800}` (x times it is 0)."""
    lnb = math.log(beta)
    return (lnb - math.log(m.EXP_UNDERFLOW)) / gamma, (lnb + m.EXP_UNDERFLOW) / gamma


def _times_exp_neg(a: Tensor, e: Tensor) -> Tensor:
    """a e^{-e} for 0 <= e <= 800, without rounding e^{-e} to a subnormal first."""
    tail = e > -m.TAIL
    return torch.where(tail, m.exp_tail_times(a, torch.where(tail, -e, 0.0)), a * torch.exp(-e))


@register
class GoLU(Elementwise, function="golu"):
    r"""Gompertz linear unit: x gated by the Gompertz function.

    .. math:: f(x) = x\,G(x),\ G(x) = \alpha e^{-\beta e^{-\gamma x}};\quad
              f' = G(x)(1 + \gamma x E),\ E = \beta e^{-\gamma x};\quad
              f'' = \gamma G(x) E\,(2 - \gamma x + \gamma x E)
    """

    params = {
        "alpha": Param(1.0, "scale of the gate", positive, "> 0 and finite", sample=(0.5, 1.5)),
        "beta": Param(1.0, "displacement of the gate", positive, "> 0 and finite", sample=(0.5, 2.0)),
        "gamma": Param(1.0, "growth rate of the gate", positive, "> 0 and finite", sample=(0.5, 2.0)),
    }
    formula = r"\mathrm{GoLU}(x) = x\,\alpha\,e^{-\beta e^{-\gamma x}}"
    reference = "Das et al., Gompertz linear units: leveraging asymmetry for enhanced learning dynamics (2025), arXiv:2502.03654"
    x_range = (-4.0, 3.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    # a e^{-E} is scaled out of the subnormals for E > 64 (float64 inputs near the underflow)
    def f(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        lo, _ = _golu_bounds(beta, gamma)
        w = torch.clamp(m.in_float64(x), min=lo)
        return (alpha * _times_exp_neg(w, beta * torch.exp(-gamma * w))).to(x.dtype)

    def df(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        w = torch.clamp(m.in_float64(x), *_golu_bounds(beta, gamma))
        e = beta * torch.exp(-gamma * w)
        return (alpha * _times_exp_neg(1.0 + gamma * w * e, e)).to(x.dtype)

    def d2f(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        xc = torch.clamp(x, *_golu_bounds(beta, gamma))
        e = beta * torch.exp(-gamma * xc)
        z = gamma * xc
        return gamma * alpha * _times_exp_neg(e * (2.0 - z + z * e), e)


@register
class ESwish(Elementwise, function="eswish"):
    r"""E-swish: Swish (SiLU) scaled by beta.

    .. math:: f(x) = \beta x\sigma(x),\quad f' = \beta\sigma(x)(1 + x\sigma(-x)),\quad
              f'' = \beta\sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))
    """

    params = {
        "beta": Param(
            1.375,
            "output scale (the paper: 1 to 2)",
            positive,
            "> 0 and finite",
            sample=(1.0, 2.0),
        ),
    }
    formula = r"\mathrm{E\text{-}swish}(x) = \beta\,x\,\sigma(x)"
    reference = "Alcaide, E-swish: adjusting activations to different network depths (2018), arXiv:1801.07145"
    x_range = (-6.0, 4.0)
    plot_params = ({"beta": 1.0}, {"beta": 1.375}, {"beta": 2.0})

    def f(x: Tensor, beta: float) -> Tensor:
        return (beta * m.swish(m.in_float64(x), 1.0)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        return (beta * m.swish_prime(m.in_float64(x), 1.0)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        return beta * SiLU.d2f(x)


def _erf_act_bounds(a: float, b: float) -> tuple[float, float]:
    """x below which a e^{bx} < e^{-800} (erf of it is 0) and above which it exceeds 40."""
    lna = math.log(a)
    return (-m.EXP_UNDERFLOW - lna) / b, (math.log(ERF_FLAT) - lna) / b


@register
class ErfAct(Elementwise, function="erf_act"):
    r"""ErfAct: x gated by erf(a e^{bx}).

    .. math:: f(x) = x\,\mathrm{erf}(u),\ u = a e^{bx};\quad
              f' = \mathrm{erf}(u) + \tfrac{2}{\sqrt\pi}\,b x\,u e^{-u^2};\quad
              f'' = \tfrac{2}{\sqrt\pi}\,b u e^{-u^2}\left(2 + b x(1 - 2u^2)\right)
    """

    params = {
        "a": Param(0.75, "scale inside the erf", positive, "> 0 and finite", sample=(0.5, 1.5)),
        "b": Param(0.75, "rate of the exponential", positive, "> 0 and finite", sample=(0.5, 1.5)),
    }
    formula = r"\mathrm{ErfAct}(x) = x\,\mathrm{erf}\left(a\,e^{b x}\right)"
    reference = "Biswas et al., ErfAct and Pserf: non-monotonic smooth trainable activation functions (2021), arXiv:2109.04386 (AAAI 2022)"
    x_range = (-6.0, 3.0)
    plot_params = ({"a": 0.5}, {"a": 0.75}, {"a": 1.5})

    def f(x: Tensor, a: float, b: float) -> Tensor:
        lo, _ = _erf_act_bounds(a, b)
        w = torch.clamp(m.in_float64(x), min=lo)
        return (w * torch.erf(a * torch.exp(b * w))).to(x.dtype)

    def df(x: Tensor, a: float, b: float) -> Tensor:
        lo, hi = _erf_act_bounds(a, b)
        w = m.in_float64(x)
        wc = torch.clamp(w, lo, hi)
        u = a * torch.exp(b * wc)
        gate = torch.erf(a * torch.exp(b * torch.clamp(w, min=lo)))
        return (gate + m.TWO_OVER_SQRT_PI * b * wc * u * torch.exp(-u * u)).to(x.dtype)

    def d2f(x: Tensor, a: float, b: float) -> Tensor:
        xc = torch.clamp(x, *_erf_act_bounds(a, b))
        u = a * torch.exp(b * xc)
        return m.TWO_OVER_SQRT_PI * b * u * torch.exp(-u * u) * (2.0 + b * xc * (1.0 - 2.0 * u * u))


@register
class FlattenTSwish(Elementwise, function="flatten_t_swish"):
    r"""Flatten-T Swish: Swish shifted by T for x >= 0, the constant T below.

    .. math:: f(x) = x\sigma(x) + T\ (x \ge 0),\quad T\ (x < 0);\quad
              f' = \sigma(x)(1 + x\sigma(-x))\ (x \ge 0),\quad 0\ (x < 0);\quad
              f'' = \sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))\ (x \ge 0),\quad 0\ (x < 0)
    """

    params = {"T": Param(-0.2, "the flat value for x < 0 (and shift above)", finite, "finite", sample=(-0.5, 0.0))}
    formula = r"\mathrm{FTS}(x) = \begin{cases} x\,\sigma(x) + T & x \ge 0 \\ T & x < 0\end{cases}"
    reference = "Chieng et al., Flatten-T Swish: a thresholded ReLU-Swish-like activation function for deep learning (2018), arXiv:1812.06247"
    x_range = (-3.0, 3.0)
    plot_params = ({"T": -0.2}, {"T": 0.0})
    kink_convention = "f'(0) = 1/2, f''(0) = 1/2 (the paper's x >= 0 branch); f'(x < 0) = 0; f'(NaN) = NaN"

    def f(x: Tensor, T: float) -> Tensor:
        w = m.in_float64(x)
        return m.keep_nan(w, torch.where(w >= 0.0, m.swish(torch.clamp(w, min=0.0), 1.0) + T, T)).to(x.dtype)

    def df(x: Tensor, T: float) -> Tensor:
        w = m.in_float64(x)
        return m.keep_nan(w, torch.where(w >= 0.0, m.swish_prime(torch.clamp(w, min=0.0), 1.0), 0.0)).to(x.dtype)

    def d2f(x: Tensor, T: float) -> Tensor:
        return torch.where(x >= 0.0, SiLU.d2f(torch.clamp(x, min=0.0)), 0.0)

    @classmethod
    def kinks(cls, T: float = -0.2) -> tuple[float, ...]:
        return (0.0,)


# ==== SinLU: a learnable sinusoidal gate (partials: .partials) =====================================
# ---- SinLU -----------------------------------------------------------------------------------------
def _sinlu(x: Tensor, a: Tensor, b: Tensor) -> rules.Partials:
    r"""Partials of :math:`f = u\sigma(x)`, :math:`u = x + a\sin(bx)`. Every term carries
    :math:`\sigma(x)` or its derivatives, 0 below x = -800: x is clipped there. float32 is computed
    in float64 (b x is then exact, and :math:`\sigma` does not go subnormal at x > -104), and
    :math:`1 + ab\cos(bx) = (1 - ab) + 2ab\cos^2(bx/2)`, which does not cancel for ab <= 1
    (a = b = 1: f' touches 0 near every odd multiple of pi)."""
    x, a, b = (m.in_float64(t) for t in (x, a, b))
    x = torch.clamp(x, min=-m.EXP_UNDERFLOW)
    s, ds = m.sigmoid(x), m.sigmoid_prime(x)
    d2s = ds * (m.sigmoid(-x) - s)
    sn, cs, ch = torch.sin(b * x), torch.cos(b * x), torch.cos(0.5 * (b * x))
    u = x + a * sn
    ux, uxx = (1.0 - a * b) + 2.0 * (a * b) * (ch * ch), -a * b * b * sn
    ua, ub = sn, a * x * cs
    uxa, uxb = b * cs, a * cs - a * b * x * sn
    uab, ubb = x * cs, -a * x * x * sn
    return rules.Partials(
        fx=ux * s + u * ds,
        fw=(ua * s, ub * s),
        fxx=uxx * s + 2.0 * ux * ds + u * d2s,
        fxw=(uxa * s + ua * ds, uxb * s + ub * ds),
        fww=((torch.zeros_like(x), uab * s), (uab * s, ubb * s)),
    )


@register
class SinLU(Parametric, function="sinlu"):
    r"""Sinu-sigmoidal linear unit: (x + a sin(bx)) sigma(x), learnable amplitude a and frequency b
    (tensors ``alpha``, ``beta``; the constructor's ``a``, ``b`` are their initial values).

    .. math:: f = u\,\sigma(x),\ u = x + a\sin(bx);\quad
              \partial_x f = (1 + ab\cos(bx))\sigma(x) + u\,\sigma'(x),\quad
              \partial_a f = \sin(bx)\,\sigma(x),\quad \partial_b f = a x\cos(bx)\,\sigma(x);\quad
              \partial_x^2 f = -ab^2\sin(bx)\sigma(x) + 2(1 + ab\cos(bx))\sigma'(x) + u\,\sigma''(x)

    f(+inf) = +inf, f(-inf) = 0; its derivatives have no limit at +inf (they oscillate).
    """

    tensor_params = ("alpha", "beta")  # torch-activation's names; its constructor's a, b are the initial values
    initial, channels = {"alpha": "a", "beta": "b"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "a": Param(1.0, "initial amplitude of the sine", finite, "finite", sample=(0.2, 1.5)),
        "b": Param(1.0, "initial frequency of the sine", finite, "finite", sample=(0.2, 1.5)),
    }
    formula = r"\mathrm{SinLU}(x) = \left(x + a\sin(b x)\right)\sigma(x)"
    reference = "Paul et al., SinLU: sinu-sigmoidal linear unit, Mathematics 10(3):337 (2022)"
    x_range = (-6.0, 6.0)
    plot_params = ({"a": 1.0, "b": 1.0}, {"a": 0.5, "b": 1.0}, {"a": 1.0, "b": 2.0})

    def forward(x: Tensor, a: Tensor | float, b: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)  # float32 in float64: b x exact, sigma(x) not subnormal above -104
        xc = torch.clamp(x64, min=-m.EXP_UNDERFLOW)
        y = (xc + a * torch.sin(b * xc)) * m.sigmoid(xc)
        return torch.where(x64 == math.inf, x64, y).to(x.dtype)

    def vjp(g: Tensor, x: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp(g, _sinlu(x, a, b), (a, b))

    def jvp(ts: tuple[Tensor, ...], x: Tensor, a: Tensor, b: Tensor) -> Tensor:
        return rules.jvp(ts, _sinlu(x, a, b))

    def vjp2(ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp2(ggs, g, _sinlu(x, a, b), (a, b))

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp_jvp(tg, ts, g, _sinlu(x, a, b), (a, b))
