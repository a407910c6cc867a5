r"""Family "radial": Gaussian-shaped activations, the Gaussian bump exp(-x^2 / (2 sigma^2)) and
MEGA's Laplace attention function (the normal CDF with mean sqrt(1/2) and deviation sqrt(1/(4 pi))).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math as m
from ..kinds import Elementwise, Param, finite, positive
from ..registry import register

MEGA_MU = math.sqrt(0.5)


MEGA_SIGMA = math.sqrt(1.0 / (4.0 * math.pi))


@register
class Gaussian(Elementwise, function="gaussian"):
    r"""Gaussian bump (radial basis) activation.

    .. math:: f(x) = e^{-t^2/2},\ t = x/\sigma;\quad f' = -\frac{t}{\sigma}e^{-t^2/2},\quad
              f'' = \frac{t^2 - 1}{\sigma^2}e^{-t^2/2}
    """

    params = {"sigma": Param(1.0, "width", positive, "> 0 and finite", sample=(0.3, 2.0))}
    formula = r"\mathrm{Gaussian}(x) = e^{-x^2 / (2\sigma^2)}"
    reference = "Ramasinghe & Lucey, Beyond periodicity: towards a unifying framework for activations in coordinate-MLPs (ECCV 2022), arXiv:2111.15135; Kunc & Klema, Three decades of activations (2024)"
    x_range = (-4.0, 4.0)
    plot_params = ({"sigma": 0.5}, {"sigma": 1.0}, {"sigma": 2.0})

    # beyond |t| = 40 the exponential is 0 in float64: t is clipped there in the products t e^{-t^2/2}
    def f(x: Tensor, sigma: float) -> Tensor:
        t = m.in_float64(x) / sigma
        return torch.exp(-0.5 * t * t).to(x.dtype)

    def df(x: Tensor, sigma: float) -> Tensor:
        t = m.clip(m.in_float64(x) / sigma, m.GAUSS_UNDERFLOW)
        return (-(t / sigma) * torch.exp(-0.5 * t * t)).to(x.dtype)

    def d2f(x: Tensor, sigma: float) -> Tensor:
        t = m.clip(x / sigma, m.GAUSS_UNDERFLOW)
        return (t * t - 1.0) / (sigma * sigma) * torch.exp(-0.5 * t * t)


@register
class Laplace(Elementwise, function="laplace"):
    r"""Laplace attention function of MEGA: the normal CDF with mean mu and deviation sigma, which
    approximates the squared ReLU of attention scores.

    .. math:: f(x) = \tfrac12\left(1 + \mathrm{erf}\left(\frac{x - \mu}{\sigma\sqrt2}\right)\right) = \Phi(t),\
              t = \frac{x - \mu}{\sigma};\quad f' = \frac{\varphi(t)}{\sigma},\quad f'' = -\frac{t\,\varphi(t)}{\sigma^2}
    """

    params = {
        "mu": Param(MEGA_MU, "mean (MEGA: sqrt(1/2))", finite, "finite", sample=(0.0, 1.0)),
        "sigma": Param(
            MEGA_SIGMA,
            "deviation (MEGA: sqrt(1/(4 pi)))",
            positive,
            "> 0 and finite",
            sample=(0.2, 1.0),
        ),
    }
    formula = (
        r"\mathrm{Laplace}(x) = \frac{1}{2}\left(1 + \mathrm{erf}\left(\frac{x - \mu}{\sigma\sqrt{2}}\right)\right)"
    )
    reference = "Ma et al., Mega: moving average equipped gated attention (ICLR 2023), arXiv:2209.10655"
    x_range = (-1.0, 2.5)
    plot_params = ({"mu": MEGA_MU, "sigma": MEGA_SIGMA}, {"mu": MEGA_MU, "sigma": 0.5})

    def f(x: Tensor, mu: float, sigma: float) -> Tensor:
        t = (m.in_float64(x) - mu) / sigma
        return m.normal_cdf(t).to(x.dtype)

    def df(x: Tensor, mu: float, sigma: float) -> Tensor:
        t = (m.in_float64(x) - mu) / sigma
        return (m.normal_pdf(t) / sigma).to(x.dtype)

    def d2f(x: Tensor, mu: float, sigma: float) -> Tensor:
        t = m.clip((x - mu) / sigma, m.GAUSS_UNDERFLOW)
        return -t * m.normal_pdf(t) / (sigma * sigma)
