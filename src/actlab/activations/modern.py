"""Activations of recent models that torch.nn lacks: QuickGELU, SquaredReLU, HardMish,
Squareplus, SERF, ClippedGELU (elementwise) and the learnable StarReLU and Snake (parametric).

Each formula is written literally beside its derivatives; the forms avoid cancellation and
inf * 0 (see the notes per function). Conventions of the reference implementations (timm,
BigVGAN, the papers) are stated in ``kink_convention`` and in docs/modern.md.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..registry import register
from ..spec import Elementwise, Param, Parametric, finite, positive
from .gated import EXP_UNDERFLOW, GELU, _silu_parts, _swish, _swish_prime

QUICK_GELU_BETA = 1.702
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
STAR_RELU_SCALE = 0.8944  # 1 / sqrt(Var relu(x)^2) = 1 / sqrt(1.25), x ~ N(0, 1) (MetaFormer, rounded)
STAR_RELU_BIAS = -0.4472  # -E[relu(x)^2] * scale = -0.5 * 0.8944


@register
class QuickGELU(Elementwise):
    r"""QuickGELU (CLIP): GELU approximated by a sigmoid gate, = Swish with beta 1.702.

    .. math:: f(x) = x\sigma(1.702x),\quad f' = \sigma(z) + z\sigma'(z),\quad
              f'' = 1.702\,\sigma'(z)(2 - z\tanh(z/2)),\ z = 1.702x
    """

    function, family = "quick_gelu", "gated"
    formula = r"\mathrm{QuickGELU}(x) = x\,\sigma(1.702\,x)"
    reference = "Hendrycks & Gimpel, Gaussian error linear units (2016), sec. 2; Radford et al., CLIP (2021)"
    x_range = (-6.0, 6.0)

    # float32 is computed in float64: the rounding of 1.702 x is amplified ~|1.702 x| times in the tail.
    def f(x: Tensor) -> Tensor:
        return _swish(m.in_float64(x), QUICK_GELU_BETA).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return _swish_prime(m.in_float64(x), QUICK_GELU_BETA).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        _, ds, zc = _silu_parts(QUICK_GELU_BETA * x)
        return QUICK_GELU_BETA * ds * (2.0 - zc * m.tanh(0.5 * zc))


@register
class SquaredReLU(Elementwise):
    r"""Squared ReLU (Primer).

    .. math:: f(x) = \max(0, x)^2,\quad f' = 2\max(0, x),\quad f'' = 2[x > 0]
    """

    function, family = "squared_relu", "rectifier"
    formula = r"\mathrm{SquaredReLU}(x) = \max(0, x)^2"
    reference = "So et al., Primer: searching for efficient transformers for language modeling (2021)"
    x_range = (-3.0, 3.0)
    kink_convention = "f'(0) = 0, f''(0) = 0 (the x <= 0 branch; autograd of relu(x) ** 2 agrees)"

    def f(x: Tensor) -> Tensor:
        r = torch.clamp(x, min=0.0)
        return r * r

    def df(x: Tensor) -> Tensor:  # f'(+inf) = +inf: the derivative is unbounded
        return 2.0 * torch.clamp(x, min=0.0)

    def d2f(x: Tensor) -> Tensor:
        return m.pick(x > 0.0, 2.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class HardMish(Elementwise):
    r"""Hard Mish: a piecewise quadratic Mish (timm).

    .. math:: f(x) = \tfrac12 x \min(\max(x + 2, 0), 2),\quad f' = x + 1 \text{ on } [-2, 0],\quad
              f'' = 1 \text{ on } [-2, 0];\ f = x,\ f' = 1 \text{ for } x > 0;\ 0 \text{ for } x < -2
    """

    function, family = "hard_mish", "gated"
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


def _squareplus_root(x: Tensor, b: float) -> Tensor:
    r""":math:`s = \sqrt{x^2 + b}` as hypot(x, sqrt b): no overflow of x^2."""
    return torch.hypot(x, x.new_full((), math.sqrt(b)))


def _x_over_s(x: Tensor, s: Tensor) -> Tensor:
    """x / s in [-1, 1]; +-1 at +-inf (not inf / inf)."""
    inf = x.isinf()
    return torch.where(inf, torch.sign(x), torch.where(inf, 0.0, x) / s)


@register
class Squareplus(Elementwise):
    r"""Squareplus: an algebraic softplus.

    .. math:: f(x) = \frac{x + s}{2} = \frac{b}{2(s - x)},\ s = \sqrt{x^2 + b};\quad
              f' = \frac{f}{s},\quad f'' = \frac{b}{2 s^3}

    The second form is used for x < 0, where x + s cancels.
    """

    function, family = "squareplus", "exponential"
    params = {
        "b": Param(
            4.0, "curvature near 0 (b -> 0: ReLU)", positive, "> 0 and finite", sample=(0.5, 8.0), plot=(1.0, 4.0, 16.0)
        )
    }
    formula = r"\mathrm{Squareplus}(x) = \frac{x + \sqrt{x^2 + b}}{2}"
    reference = "Barron, Squareplus: a softplus-like algebraic rectifier (2021), arXiv:2112.11687"
    plot_params = ({"b": 1.0}, {"b": 4.0}, {"b": 16.0})

    def f(x: Tensor, b: float) -> Tensor:
        s = _squareplus_root(x, b)  # b / (2(s - x)) as (b / 2s) / (1 - x/s): s - x may overflow, as x + s
        return torch.where(x < 0.0, (0.5 * b / s) / (1.0 - _x_over_s(x, s)), 0.5 * x + 0.5 * s)

    def df(x: Tensor, b: float) -> Tensor:
        s = _squareplus_root(x, b)
        r = _x_over_s(x, s)
        return torch.where(x < 0.0, (0.5 * b / s / s) / (1.0 - r), 0.5 * (1.0 + r))

    def d2f(x: Tensor, b: float) -> Tensor:
        s = _squareplus_root(x, b)
        return 0.5 * b / s / s / s


def _erf_prime(u: Tensor) -> Tensor:
    return TWO_OVER_SQRT_PI * torch.exp(-u * u)


@register
class SERF(Elementwise):
    r"""SERF: self-regularised, x times the error function of softplus.

    .. math:: f(x) = x\,\mathrm{erf}(p),\ p = \mathrm{softplus}(x);\quad
              f' = \mathrm{erf}(p) + x\,\mathrm{erf}'(p)\sigma(x);\quad
              f'' = \mathrm{erf}'(p)\left(2\sigma(x) + x(\sigma'(x) - 2p\,\sigma(x)^2)\right),\
              \mathrm{erf}'(p) = \tfrac{2}{\sqrt\pi}e^{-p^2}
    """

    function, family = "serf", "gated"
    formula = r"\mathrm{SERF}(x) = x\,\mathrm{erf}\left(\log\left(1 + e^{x}\right)\right)"
    reference = "Nag & Bhattacharyya, SERF: towards better training of deep neural networks using log-Softplus ERror activation Function (2021), arXiv:2108.09598"
    x_range = (-6.0, 4.0)

    # x is clamped to [-800, 800] where its factor (erf(p) resp. erf'(p)) has underflowed to 0,
    # so that -inf * 0 gives the limit 0 and not NaN. float32 is computed in float64: below
    # x = -87 softplus(x) ~ e^x is subnormal in float32.
    def f(x: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        return (torch.clamp(x64, min=-EXP_UNDERFLOW) * torch.erf(m.softplus(x64))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        xc = m.clip(x64, EXP_UNDERFLOW)
        p = m.softplus(xc)
        return (torch.erf(m.softplus(x64)) + xc * _erf_prime(p) * m.sigmoid(xc)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, EXP_UNDERFLOW)
        p, s = m.softplus(xc), m.sigmoid(xc)
        return _erf_prime(p) * (2.0 * s + xc * (m.sigmoid_prime(xc) - 2.0 * p * s * s))


# ---- learnable (Parametric): the tensors follow x into the operator ----------------------------
@register
class StarReLU(Parametric):
    r"""StarReLU (MetaFormer): a scaled and shifted squared ReLU, learnable scale s and bias b.

    .. math:: f(x) = s\max(0, x)^2 + b,\quad \partial_x f = 2s\max(0, x),\quad
              \partial_s f = \max(0, x)^2,\quad \partial_b f = 1,\quad \partial_x^2 f = 2s\,[x > 0]
    """

    function, family = "star_relu", "rectifier"
    tensor_params = ("scale", "bias")
    initial = {"scale": "scale_value", "bias": "bias_value"}
    params = {
        "scale_value": Param(
            STAR_RELU_SCALE, "initial scale s", finite, "finite", sample=(0.5, 1.5), plot=(STAR_RELU_SCALE,)
        ),
        "bias_value": Param(
            STAR_RELU_BIAS, "initial bias b", finite, "finite", sample=(-1.0, 0.5), plot=(STAR_RELU_BIAS,)
        ),
    }
    formula = r"\mathrm{StarReLU}(x) = s\,\max(0, x)^2 + b"
    reference = "Yu et al., MetaFormer baselines for vision (2022), arXiv:2210.13452"
    x_range = (-3.0, 3.0)
    plot_params = (
        {"scale_value": STAR_RELU_SCALE, "bias_value": STAR_RELU_BIAS},
        {"scale_value": 1.0, "bias_value": 0.0},
    )
    kink_convention = "df/dx(0) = 0, d2f/dx2(0) = 0 (the x <= 0 branch, as SquaredReLU)"

    def forward(x: Tensor, s: Tensor | float, b: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)  # float32 in float64: s r^2 + b cancels where it crosses 0 (b < 0)
        r = torch.clamp(x64, min=0.0)
        return (torch.as_tensor(s, dtype=x64.dtype) * (r * r) + torch.as_tensor(b, dtype=x64.dtype)).to(x.dtype)

    def vjp(g: Tensor, x: Tensor, s: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        r = torch.clamp(x, min=0.0)
        return 2.0 * g * s * r, (g * (r * r)).sum_to_size(s.shape), g.sum_to_size(b.shape)

    def jvp(ts: tuple[Tensor, Tensor, Tensor], x: Tensor, s: Tensor, b: Tensor) -> Tensor:
        tx, t_s, tb = ts
        r = torch.clamp(x, min=0.0)
        return 2.0 * s * r * tx + t_s * (r * r) + tb

    def vjp2(ggs: tuple[Tensor, Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor, b: Tensor):
        ggx, ggs_, ggb = ggs
        r = torch.clamp(x, min=0.0)
        grad_g = 2.0 * ggx * s * r + ggs_ * (r * r) + ggb
        grad_x = 2.0 * g * (ggx * s * m.pick(x > 0.0, 1.0, 0.0, x) + ggs_ * r)
        grad_s = (2.0 * g * ggx * r).sum_to_size(s.shape)
        return grad_g, grad_x, grad_s, torch.zeros_like(b)  # no gradient depends on b

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor, b: Tensor):
        tx, t_s, _ = ts
        r = torch.clamp(x, min=0.0)
        step = m.pick(x > 0.0, 1.0, 0.0, x)
        gx = 2.0 * (tg * s * r + g * t_s * r + g * s * step * tx)
        gs = (tg * (r * r) + 2.0 * g * r * tx).sum_to_size(s.shape)
        return gx, gs, tg.sum_to_size(b.shape)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


def _sinc(t: Tensor) -> Tensor:
    r"""Unnormalised :math:`\sin t / t` (1 at t = 0)."""
    return torch.sinc(t / math.pi)


def _snake_df(t: Tensor) -> Tensor:
    r""":math:`\partial_x f = 1 + \sin 2t = (\sin t + \cos t)^2`: no cancellation where it touches 0
    (t = -pi/4 + k pi), 1 + sin 2t loses every digit there."""
    return (torch.sin(t) + torch.cos(t)) ** 2


def _snake_h_series() -> tuple[float, ...]:
    r"""Coefficients of :math:`h'(t) = \sum_{m \ge 2} c_m (2m - 2) t^{2m-3}`,
    :math:`c_m = (-1)^{m-1} 2^{2m-1} (2m - 1)/(2m)!` (the Taylor series of h, below)."""
    return tuple(
        (-1) ** (k - 1) * 2.0 ** (2 * k - 1) * (2 * k - 1) / math.factorial(2 * k) * (2 * k - 2) for k in range(2, 14)
    )


_H_PRIME = _snake_h_series()
SNAKE_SERIES_CUT = 0.5  # below, h' by its series (the closed form cancels like eps / t^2)


def _snake_h(t: Tensor) -> Tensor:
    r""":math:`h(t) = (t\sin 2t - \sin^2 t)/t^2 = 2\,\mathrm{sinc}(2t) - \mathrm{sinc}(t)^2`
    (h(0) = 1): :math:`\partial_a f = x^2 h(ax)`."""
    sc = _sinc(t)
    return 2.0 * _sinc(2.0 * t) - sc * sc


def _snake_h_prime(t: Tensor) -> Tensor:
    r""":math:`h'(t) = 2(t^2\cos 2t - t\sin 2t + \sin^2 t)/t^3` (= -2t + 8t^3/9 - ...):
    :math:`\partial_a^2 f = x^3 h'(ax)`."""
    small = t.abs() < SNAKE_SERIES_CUT
    u = torch.where(small, t, 0.0)
    u2 = u * u
    acc = torch.full_like(u, _H_PRIME[-1])
    for c in reversed(_H_PRIME[:-1]):
        acc = acc * u2 + c
    series = u * acc
    w = torch.where(small, 1.0, t)
    closed = 2.0 * (w * w * torch.cos(2.0 * w) - w * torch.sin(2.0 * w) + torch.sin(w) ** 2) / (w * w * w)
    return torch.where(small, series, closed)


@register
class Snake(Parametric):
    r"""Snake: x plus a periodic term, learnable frequency a per channel (dim 1).

    .. math:: f(x) = x + \frac{\sin^2(ax)}{a} = x + x\sin(ax)\,\mathrm{sinc}(ax),\quad
              \partial_x f = 1 + \sin(2ax),\quad \partial_x^2 f = 2a\cos(2ax),\quad
              \partial_a f = x^2 h(ax),\ h(t) = 2\,\mathrm{sinc}(2t) - \mathrm{sinc}^2 t,\quad
              \partial_x\partial_a f = 2x\cos(2ax),\quad \partial_a^2 f = x^3 h'(ax)

    The sinc form has the a -> 0 limit built in: f = x, df/da = x^2 (BigVGAN adds 1e-9 to a).
    """

    function, family = "snake", "periodic"
    tensor_params = ("alpha",)
    initial, channels = {"alpha": "alpha"}, "in_features"
    params = {
        "in_features": Param(1, "number of frequencies: 1 or the channel count", None, ">= 1"),
        "alpha": Param(
            1.0, "initial frequency a (a -> 0: identity)", finite, "finite", sample=(0.2, 3.0), plot=(0.5, 1.0, 2.0)
        ),
    }
    formula = r"\mathrm{Snake}_a(x) = x + \frac{1}{a}\sin^2(a x)"
    reference = "Ziyin, Hartwig & Ueda, Neural networks fail to learn periodic functions and how to fix it (2020)"
    x_range = (-6.0, 6.0)
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0})

    # float32 in float64: a x exact (sin of a rounded argument misses by |ax| ulps), f crosses 0 for x < 0
    def forward(x: Tensor, a: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)
        t = torch.as_tensor(a, dtype=x64.dtype) * x64
        return torch.where(x64.isinf(), x64, x64 + x64 * torch.sin(t) * _sinc(t)).to(x.dtype)

    def vjp(g: Tensor, x: Tensor, a: Tensor) -> tuple[Tensor, Tensor]:
        x64 = m.in_float64(x)
        t = m.in_float64(a) * x64
        gx, ga = g * _snake_df(t), (g * x64 * x64 * _snake_h(t)).sum_to_size(a.shape)
        return gx.to(x.dtype), ga.to(a.dtype)

    def jvp(ts: tuple[Tensor, Tensor], x: Tensor, a: Tensor) -> Tensor:
        tx, ta = ts
        x64 = m.in_float64(x)
        t = m.in_float64(a) * x64
        return (_snake_df(t) * tx + x64 * x64 * _snake_h(t) * ta).to(x.dtype)

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, x: Tensor, a: Tensor):
        ggx, gga = ggs
        t = a * x
        c2 = torch.cos(2.0 * t)
        f_xa = 2.0 * x * c2
        grad_g = ggx * (1.0 + torch.sin(2.0 * t)) + gga * x * x * _snake_h(t)
        grad_x = g * (ggx * 2.0 * a * c2 + gga * f_xa)
        grad_a = (g * (ggx * f_xa + gga * x * x * x * _snake_h_prime(t))).sum_to_size(a.shape)
        return grad_g, grad_x, grad_a

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, x: Tensor, a: Tensor):
        tx, ta = ts
        t = a * x
        c2 = torch.cos(2.0 * t)
        f_xa = 2.0 * x * c2
        gx = tg * (1.0 + torch.sin(2.0 * t)) + g * (2.0 * a * c2 * tx + f_xa * ta)
        ga = tg * x * x * _snake_h(t) + g * (f_xa * tx + x * x * x * _snake_h_prime(t) * ta)
        return gx, ga.sum_to_size(a.shape)


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
class ClippedGELU(Elementwise):
    r"""GELU clipped to [min_val, max_val] (transformers' ``gelu_10``, for quantisation).

    .. math:: f(x) = \min(\max(x\Phi(x), a), b),\quad f' = \Phi(x) + x\varphi(x) \text{ where }
              a < f < b \text{ else } 0,\quad f'' = \varphi(x)(2 - x^2) \text{ there, else } 0
    """

    function, family = "clipped_gelu", "gated"
    params = {
        "min_val": Param(-10.0, "lower clip", finite, "finite", sample=(-10.0, -0.1), plot=(-10.0,)),
        "max_val": Param(10.0, "upper clip", finite, "finite", sample=(1.0, 10.0), plot=(2.0, 10.0)),
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
