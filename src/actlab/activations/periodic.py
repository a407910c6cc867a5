"""Periodic activations: GCU (x cos x), Sine (SIREN's sin(w0 x)) and Sinc (sin x / x).

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
from ..registry import register
from ..spec import Elementwise, Param, positive


@register
class GCU(Elementwise):
    r"""Growing cosine unit: x cos x, an oscillatory activation.

    .. math:: f(x) = x\cos x,\quad f' = \cos x - x\sin x,\quad f'' = -2\sin x - x\cos x
    """

    function, family = "gcu", "periodic"
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
class Sine(Elementwise):
    r"""Sine activation of SIREN: sin(w0 x), w0 = 30 for the hidden layers.

    .. math:: f(x) = \sin(\omega_0 x),\quad f' = \omega_0\cos(\omega_0 x),\quad f'' = -\omega_0^2\sin(\omega_0 x)
    """

    function, family = "sine", "periodic"
    params = {"w0": Param(30.0, "frequency", positive, "> 0 and finite", sample=(1.0, 30.0), plot=(10.0, 30.0))}
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
class Sinc(Elementwise):
    r"""Sinc (unnormalised cardinal sine): sin x / x, 1 at 0.

    .. math:: f(x) = \frac{\sin x}{x},\quad f' = \frac{\cos x - f(x)}{x} = \frac{x\cos x - \sin x}{x^2},\quad
              f'' = -f(x) - \frac{2f'(x)}{x}

    f' and f'' are Taylor series for |x| < 1/2, where the closed forms cancel. torch.sinc and the
    normalised sinc of signal processing are Sinc(pi x).
    """

    function, family = "sinc", "periodic"
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
