r"""Family "periodic": GCU (x cos x), Sine (SIREN's sin(w0 x)), Sinc (sin x / x) and the learnable
Snake (BigVGAN: x + sin^2(alpha x) / alpha).

f and f' of float32 inputs are computed in float64: w0 x is then exact (w0 = 30 has 4 significant
bits) and sin, cos keep their relative accuracy near their zeros, so no point of f' is left out of
the accuracy bound for cancellation. GCU and Sine have no limit at +-inf (NaN there, as the 128-bit
reference); Sinc and its derivatives tend to 0.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math as m
from ..kinds import Elementwise, Param, Parametric, finite, positive
from ..registry import register


# ==== Snake (BigVGAN): x + sin^2(alpha x) / alpha, learnable alpha =================================
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
class Snake(Parametric, function="snake"):
    r"""Snake: x plus a periodic term, learnable frequency a per channel (dim 1).

    .. math:: f(x) = x + \frac{\sin^2(ax)}{a} = x + x\sin(ax)\,\mathrm{sinc}(ax),\quad
              \partial_x f = 1 + \sin(2ax),\quad \partial_x^2 f = 2a\cos(2ax),\quad
              \partial_a f = x^2 h(ax),\ h(t) = 2\,\mathrm{sinc}(2t) - \mathrm{sinc}^2 t,\quad
              \partial_x\partial_a f = 2x\cos(2ax),\quad \partial_a^2 f = x^3 h'(ax)

    The sinc form has the a -> 0 limit built in: f = x, df/da = x^2 (BigVGAN adds 1e-9 to a).
    """

    tensor_params = ("alpha",)
    initial, channels = {"alpha": "alpha"}, "in_features"
    params = {
        "in_features": Param(1, "number of frequencies: 1 or the channel count", None, ">= 1"),
        "alpha": Param(1.0, "initial frequency a (a -> 0: identity)", finite, "finite", sample=(0.2, 3.0)),
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


# ==== GCU, Sine, Sinc ==============================================================================
@register
class GCU(Elementwise, function="gcu"):
    r"""Growing cosine unit: x cos x, an oscillatory activation.

    .. math:: f(x) = x\cos x,\quad f' = \cos x - x\sin x,\quad f'' = -2\sin x - x\cos x
    """

    formula = r"\mathrm{GCU}(x) = x\cos(x)"
    reference = "Noel et al., Growing cosine unit: a novel oscillatory activation function that can speedup training and reduce parameters in convolutional neural networks (2021), arXiv:2108.12943"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return (w * torch.cos(w)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return (torch.cos(w) - w * torch.sin(w)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        return -2.0 * torch.sin(x) - x * torch.cos(x)


@register
class Sine(Elementwise, function="sine"):
    r"""Sine activation of SIREN: sin(w0 x), w0 = 30 for the hidden layers.

    .. math:: f(x) = \sin(\omega_0 x),\quad f' = \omega_0\cos(\omega_0 x),\quad f'' = -\omega_0^2\sin(\omega_0 x)
    """

    params = {"w0": Param(30.0, "frequency", positive, "> 0 and finite", sample=(1.0, 30.0))}
    formula = r"\mathrm{Sine}(x) = \sin(\omega_0 x)"
    reference = "Sitzmann et al., Implicit neural representations with periodic activation functions (SIREN), NeurIPS 2020, arXiv:2006.09661"
    x_range = (-0.3, 0.3)
    plot_params = ({"w0": 30.0}, {"w0": 10.0})

    def f(x: Tensor, w0: float) -> Tensor:
        return torch.sin(w0 * m.in_float64(x)).to(x.dtype)

    def df(x: Tensor, w0: float) -> Tensor:
        return (w0 * torch.cos(w0 * m.in_float64(x))).to(x.dtype)

    def d2f(x: Tensor, w0: float) -> Tensor:
        return -(w0 * w0) * torch.sin(w0 * x)


def _sinc_series(k_max: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    r"""Taylor coefficients of :math:`\mathrm{sinc}'(x) = x\sum_k c_k x^{2k-2}` and
    :math:`\mathrm{sinc}''(x) = \sum_k d_k x^{2k-2}`, k >= 1: :math:`c_k = (-1)^k 2k/(2k+1)!`,
    :math:`d_k = (-1)^k 2k(2k-1)/(2k+1)!`."""
    c = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, k_max + 1))
    d = tuple((-1) ** k * 2 * k * (2 * k - 1) / math.factorial(2 * k + 1) for k in range(1, k_max + 1))
    return c, d


_SINC_D1, _SINC_D2 = _sinc_series(12)


SINC_SERIES_CUT = 0.5  # below, (x cos x - sin x)/x^2 cancels; 12 terms reach 1e-30 at 0.5


def _horner(coeffs: tuple[float, ...], u: Tensor) -> Tensor:
    acc = torch.full_like(u, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = acc * u + c
    return acc


def _sinc_parts(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """small |x| mask, x for the series (0 elsewhere), x for the closed forms (1 where small or
    infinite), sinc of the closed-form x."""
    small = x.abs() < SINC_SERIES_CUT
    xs = torch.where(small, x, 0.0)
    xc = torch.where(small | x.isinf(), 1.0, x)
    return small, xs, xc, torch.sin(xc) / xc


@register
class Sinc(Elementwise, function="sinc"):
    r"""Sinc (unnormalised cardinal sine): sin x / x, 1 at 0.

    .. math:: f(x) = \frac{\sin x}{x},\quad f' = \frac{\cos x - f(x)}{x} = \frac{x\cos x - \sin x}{x^2},\quad
              f'' = -f(x) - \frac{2f'(x)}{x}

    f' and f'' are Taylor series for |x| < 1/2, where the closed forms cancel. torch.sinc and the
    normalised sinc of signal processing are Sinc(pi x).
    """

    formula = r"\mathrm{Sinc}(x) = \frac{\sin(x)}{x}"
    reference = "Kunc & Klema, Three decades of activations (2024), arXiv:2402.09092 (sinc); Saratchandran et al., A sampling theory perspective on activations for implicit neural representations (ECCV 2024)"
    x_range = (-15.0, 15.0)

    def f(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        xc = torch.where((w == 0.0) | w.isinf(), 1.0, w)
        y = torch.where(w == 0.0, 1.0, torch.where(w.isinf(), 0.0, torch.sin(xc) / xc))
        return m.keep_nan(w, y).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        small, ws, wc, sinc = _sinc_parts(w)
        series = ws * _horner(_SINC_D1, ws * ws)
        closed = torch.where(w.isinf(), 0.0, (torch.cos(wc) - sinc) / wc)
        return torch.where(small, series, closed).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        small, xs, xc, sinc = _sinc_parts(x)
        series = _horner(_SINC_D2, xs * xs)
        d1 = (torch.cos(xc) - sinc) / xc
        closed = torch.where(x.isinf(), 0.0, -sinc - 2.0 * d1 / xc)
        return torch.where(small, series, closed)
