"""Smooth activations with learnable parameters: SinLU (a, b), SMU (mu) and xIELU (alpha_p,
alpha_n). Each tensor is one value or one per channel (dim 1); the derivatives are the partials of
:mod:`.partials`, from which vjp, jvp, vjp2 and vjp_jvp follow.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Param, Parametric, finite
from . import partials as rules
from .gated import EXP_UNDERFLOW, GAUSS_UNDERFLOW

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
CHANNELS = Param(1, "number of values per tensor: 1 or the channel count", None, ">= 1")


# ---- SinLU -----------------------------------------------------------------------------------------
def _sinlu(x: Tensor, a: Tensor, b: Tensor) -> rules.Partials:
    r"""Partials of :math:`f = u\sigma(x)`, :math:`u = x + a\sin(bx)`. Every term carries
    :math:`\sigma(x)` or its derivatives, 0 below x = -800: x is clipped there. float32 is computed
    in float64 (b x is then exact, and :math:`\sigma` does not go subnormal at x > -104), and
    :math:`1 + ab\cos(bx) = (1 - ab) + 2ab\cos^2(bx/2)`, which does not cancel for ab <= 1
    (a = b = 1: f' touches 0 near every odd multiple of pi)."""
    x, a, b = (m.in_float64(t) for t in (x, a, b))
    x = torch.clamp(x, min=-EXP_UNDERFLOW)
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
class SinLU(Parametric):
    r"""Sinu-sigmoidal linear unit: (x + a sin(bx)) sigma(x), learnable amplitude a and frequency b
    (tensors ``alpha``, ``beta``; the constructor's ``a``, ``b`` are their initial values).

    .. math:: f = u\,\sigma(x),\ u = x + a\sin(bx);\quad
              \partial_x f = (1 + ab\cos(bx))\sigma(x) + u\,\sigma'(x),\quad
              \partial_a f = \sin(bx)\,\sigma(x),\quad \partial_b f = a x\cos(bx)\,\sigma(x);\quad
              \partial_x^2 f = -ab^2\sin(bx)\sigma(x) + 2(1 + ab\cos(bx))\sigma'(x) + u\,\sigma''(x)

    f(+inf) = +inf, f(-inf) = 0; its derivatives have no limit at +inf (they oscillate).
    """

    function, family = "sinlu", "gated"
    tensor_params = ("alpha", "beta")  # torch-activation's names; its constructor's a, b are the initial values
    initial, channels = {"alpha": "a", "beta": "b"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "a": Param(1.0, "initial amplitude of the sine", finite, "finite", sample=(0.2, 1.5), plot=(0.5, 1.0)),
        "b": Param(1.0, "initial frequency of the sine", finite, "finite", sample=(0.2, 1.5), plot=(1.0, 2.0)),
    }
    formula = r"\mathrm{SinLU}(x) = \left(x + a\sin(b x)\right)\sigma(x)"
    reference = "Paul et al., SinLU: sinu-sigmoidal linear unit, Mathematics 10(3):337 (2022)"
    x_range = (-6.0, 6.0)
    plot_params = ({"a": 1.0, "b": 1.0}, {"a": 0.5, "b": 1.0}, {"a": 1.0, "b": 2.0})

    def forward(x: Tensor, a: Tensor | float, b: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)  # float32 in float64: b x exact, sigma(x) not subnormal above -104
        xc = torch.clamp(x64, min=-EXP_UNDERFLOW)
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


# ---- SMU ---------------------------------------------------------------------------------------------
SMU_ALPHA = 0.25  # the paper's (and its code's) fixed leak; mu is the learnable smoothing
_K, _H, _C = (1.0 + SMU_ALPHA) / 2.0, (1.0 - SMU_ALPHA) / 2.0, 1.0 - SMU_ALPHA


def _smu(x: Tensor, mu: Tensor) -> rules.Partials:
    r"""Partials of :math:`f = x(k + h\,\mathrm{erf}(v))`, :math:`v = \mu c x`; where
    :math:`|v| > 40` the Gaussian :math:`G = \tfrac{2}{\sqrt\pi}e^{-v^2}` is 0 and x, v are
    replaced by 0 in its products (no inf * 0)."""
    v = mu * _C * x
    big = v.abs() > GAUSS_UNDERFLOW
    vs, xs = torch.where(big, 0.0, v), torch.where(big, 0.0, x)
    gauss = torch.where(big, 0.0, TWO_OVER_SQRT_PI * torch.exp(-vs * vs))
    lin = 1.0 - vs * vs
    return rules.Partials(
        fx=_K + _H * torch.erf(v) + _H * vs * gauss,
        fw=(_H * _C * xs * xs * gauss,),
        fxx=2.0 * _H * _C * mu * gauss * lin,
        fxw=(2.0 * _H * _C * xs * gauss * lin,),
        fww=((-2.0 * _H * _C * _C * xs * xs * xs * vs * gauss,),),
    )


@register
class SMU(Parametric):
    r"""Smooth maximum unit: a smooth max(x, alpha x) through erf, learnable smoothing mu (alpha = 0.25).

    .. math:: f = \tfrac12\left((1 + \alpha)x + (1 - \alpha)x\,\mathrm{erf}(\mu(1 - \alpha)x)\right)
              = x(k + h\,\mathrm{erf}(v)),\ v = \mu c x,\ c = 1 - \alpha;\quad
              \partial_x f = k + h\,\mathrm{erf}(v) + h v G,\ G = \tfrac{2}{\sqrt\pi}e^{-v^2};\quad
              \partial_\mu f = h c x^2 G;\quad \partial_x^2 f = 2h\mu c\,G(1 - v^2),\quad
              \partial_x\partial_\mu f = 2hcx\,G(1 - v^2),\quad \partial_\mu^2 f = -2hc^2x^3 v G

    mu -> inf gives the leaky ReLU max(x, alpha x); the official code initialises mu to 1e6.
    """

    function, family = "smu", "rectifier"
    tensor_params = ("mu",)
    initial, channels = {"mu": "init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "init": Param(
            1e6, "initial smoothing mu (large: leaky ReLU)", finite, "finite", sample=(0.5, 5.0), plot=(1.0, 4.0, 1e6)
        ),
    }
    formula = r"\mathrm{SMU}(x) = \frac{(1 + \alpha)x + (1 - \alpha)x\,\mathrm{erf}\left(\mu(1 - \alpha)x\right)}{2},\ \alpha = 0.25"
    reference = "Biswas et al., SMU: smooth activation function for deep networks using smoothing maximum technique (2021), arXiv:2111.04682"
    x_range = (-4.0, 4.0)
    plot_params = ({"init": 1.0}, {"init": 4.0}, {"init": 1e6})

    def forward(x: Tensor, mu: Tensor | float) -> Tensor:
        return x * (_K + _H * torch.erf(mu * _C * x))

    def vjp(g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp(g, _smu(x, mu), (mu,))

    def jvp(ts: tuple[Tensor, ...], x: Tensor, mu: Tensor) -> Tensor:
        return rules.jvp(ts, _smu(x, mu))

    def vjp2(ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp2(ggs, g, _smu(x, mu), (mu,))

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp_jvp(tg, ts, g, _smu(x, mu), (mu,))


# ---- xIELU -------------------------------------------------------------------------------------------
XIELU_BETA = 0.5
XIELU_EPS = -1e-6


def _inverse_softplus(y: float) -> float:
    return math.log(math.expm1(y))


def _xielu(x: Tensor, rp: Tensor, rn: Tensor) -> rules.Partials:
    r"""Partials in x and the raw parameters :math:`r_p, r_n` (:math:`\alpha_p = \mathrm{softplus}(r_p)`,
    :math:`\alpha_n = \beta + \mathrm{softplus}(r_n)`); each piece sees only its own half of x."""
    x, rp, rn = (m.in_float64(t) for t in (x, rp, rn))  # float32 in float64: f' has a zero at log(1 - beta/alpha_n)
    pos = x > 0.0
    xp, xn = torch.clamp(x, min=0.0), torch.clamp(x, max=0.0)
    ap, an = m.softplus(rp), XIELU_BETA + m.softplus(rn)
    sp, sn = m.sigmoid(rp), m.sigmoid(rn)
    below = x <= XIELU_EPS  # the real -1e-6 (float32 inputs compare in float64)
    ex = torch.where(below, torch.exp(xn), 0.0)  # d/dx expm1(min(x, eps)): e^x below eps, 0 above
    e1x = torch.expm1(torch.clamp(xn, max=XIELU_EPS)) - xn
    zero = torch.zeros_like(x)
    return rules.Partials(
        fx=m.keep_nan(x, torch.where(pos, 2.0 * ap * xp + XIELU_BETA, an * (ex - 1.0) + XIELU_BETA)),
        fw=(torch.where(pos, sp * xp * xp, 0.0), torch.where(pos, 0.0, sn * e1x)),
        fxx=m.keep_nan(x, torch.where(pos, 2.0 * ap, an * ex)),
        fxw=(torch.where(pos, 2.0 * sp * xp, 0.0), torch.where(pos, 0.0, sn * (ex - 1.0))),
        fww=(
            (torch.where(pos, m.sigmoid_prime(rp) * xp * xp, 0.0), zero),
            (zero, torch.where(pos, 0.0, m.sigmoid_prime(rn) * e1x)),
        ),
    )


@register
class xIELU(Parametric):
    r"""xIELU: a quadratic for x > 0 and an exponential with a linear term below, learnable
    alpha_p, alpha_n through softplus (alpha_p > 0, alpha_n > beta = 0.5), as the reference code.

    .. math:: f = \alpha_p x^2 + \beta x\ (x > 0),\quad \alpha_n(\mathrm{expm1}(\min(x, \epsilon)) - x) + \beta x\ (x \le 0);\quad
              \partial_x f = 2\alpha_p x + \beta\ (x > 0),\quad \alpha_n(e^x[x \le \epsilon] - 1) + \beta\ (x \le 0);\quad
              \partial_x^2 f = 2\alpha_p\ (x > 0),\quad \alpha_n e^x[x \le \epsilon]\ (x \le 0);\quad
              \partial_{r_p} f = \sigma(r_p)x^2\ (x > 0),\quad \partial_{r_n} f = \sigma(r_n)(\mathrm{expm1}(\min(x, \epsilon)) - x)\ (x \le 0)

    The tensors ``alpha_p``, ``alpha_n`` hold the raw values r_p, r_n (softplus^-1 of alpha_p and
    of alpha_n - beta), as the paper's code and its state dicts; the constructor's ``alpha_p_raw``,
    ``alpha_n_raw`` are their initial values (defaults: alpha_p = alpha_n = 0.8, the code's
    ``alpha_p_init``, ``alpha_n_init``); beta = 0.5, epsilon = -1e-6.
    """

    function, family = "xielu", "exponential"
    tensor_params = ("alpha_p", "alpha_n")
    initial, channels = {"alpha_p": "alpha_p_raw", "alpha_n": "alpha_n_raw"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "alpha_p_raw": Param(
            _inverse_softplus(0.8),
            "initial raw alpha_p (softplus^-1 of 0.8: alpha_p = 0.8)",
            finite,
            "finite",
            sample=(-1.0, 1.0),
            plot=(_inverse_softplus(0.8),),
        ),
        "alpha_n_raw": Param(
            _inverse_softplus(0.3),
            "initial raw alpha_n (softplus^-1 of 0.3: alpha_n = 0.8)",
            finite,
            "finite",
            sample=(-1.5, 0.5),
            plot=(_inverse_softplus(0.3),),
        ),
    }
    formula = r"\mathrm{xIELU}(x) = \begin{cases} \alpha_p x^2 + \beta x & x > 0 \\ \alpha_n\left(e^{\min(x, \epsilon)} - 1 - x\right) + \beta x & x \le 0\end{cases}"
    reference = "Huang & Schlag, Deriving activation functions using integration (2025), arXiv:2411.13010"
    x_range = (-4.0, 2.0)
    plot_params = (
        {"alpha_p_raw": _inverse_softplus(0.8), "alpha_n_raw": _inverse_softplus(0.3)},
        {"alpha_p_raw": _inverse_softplus(0.3), "alpha_n_raw": _inverse_softplus(1.0)},
    )
    kink_convention = (
        "df/dx(eps) = alpha_n(e^eps - 1) + beta (the exponential piece, x <= eps); on (eps, 0] df/dx = beta - alpha_n "
        "and d2f/dx2 = 0, as expm1(min(x, eps)) is flat there; df/dx(0) = beta - alpha_n (the x <= 0 piece)"
    )

    def forward(x: Tensor, rp: Tensor | float, rn: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)  # float32 in float64: the x <= 0 piece cancels at its zero
        ap, an = (
            m.softplus(torch.as_tensor(rp, dtype=x64.dtype)),
            XIELU_BETA + m.softplus(torch.as_tensor(rn, dtype=x64.dtype)),
        )
        xp, xn = torch.clamp(x64, min=0.0), torch.clamp(x64, max=0.0)
        neg = (XIELU_BETA - an) * xn + an * torch.expm1(torch.clamp(xn, max=XIELU_EPS))
        return torch.where(x64 > 0.0, xp * (ap * xp + XIELU_BETA), neg).to(x.dtype)

    def vjp(g: Tensor, x: Tensor, rp: Tensor, rn: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp(g, _xielu(x, rp, rn), (rp, rn))

    def jvp(ts: tuple[Tensor, ...], x: Tensor, rp: Tensor, rn: Tensor) -> Tensor:
        return rules.jvp(ts, _xielu(x, rp, rn))

    def vjp2(ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, rp: Tensor, rn: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp2(ggs, g, _xielu(x, rp, rn), (rp, rn))

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, rp: Tensor, rn: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp_jvp(tg, ts, g, _xielu(x, rp, rn), (rp, rn))

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (XIELU_EPS, 0.0)
