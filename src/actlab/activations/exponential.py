r"""Family "exponential": activations built on e^x and log(1 + e^x). torch.nn's ELU, CELU, SELU
and Softplus; Squareplus (an algebraic softplus), the learnable xIELU and SchNet's shifted softplus
(zero at 0). The exponential branch only ever sees min(x, 0) (the "double where").
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..kinds import Elementwise, Param, Parametric, finite, nonzero, positive
from ..registry import register
from . import partials as rules
from .pointwise import CHANNELS

# ==== torch.nn's exponential units =================================================================
SELU_ALPHA = 1.6732632423543772848170429916717


SELU_SCALE = 1.0507009873554804934193349852946


def _neg(x: Tensor) -> Tensor:
    """min(x, 0): the only values the exponential branch ever sees (double-where)."""
    return torch.clamp(x, max=0.0)


@register
class ELU(Elementwise, function="elu", in_torch=True):
    r"""Exponential linear unit.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } \alpha(e^x - 1),\quad
              f' = 1 \text{ or } \alpha e^x,\quad f'' = 0 \text{ or } \alpha e^x
    """

    params = {
        "alpha": Param(
            1.0,
            "saturation value for x -> -inf",
            finite,
            "finite",
            sample=(0.1, 2.0),
        )
    }
    inplace = True
    formula = r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0\end{cases}"
    reference = "Clevert, Unterthiner & Hochreiter, Fast and accurate deep network learning by ELUs (2015)"
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0})
    kink_convention = "f'(0) = alpha (the x <= 0 branch) but f''(0) = 0, as torch"

    def f(x: Tensor, alpha: float) -> Tensor:
        return torch.where(x > 0.0, x, alpha * torch.expm1(_neg(x)))

    def df(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x <= 0.0, alpha * torch.exp(_neg(x)), 1.0, x)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x < 0.0, alpha * torch.exp(_neg(x)), 0.0, x)

    def df_y(y: Tensor, alpha: float) -> Tensor:  # alpha e^x = y + alpha on x <= 0
        return m.pick(y <= 0.0, y + alpha, 1.0, y)

    def d2f_y(y: Tensor, alpha: float) -> Tensor:
        return m.pick(y < 0.0, 1.0, 0.0, y)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, alpha: float = 1.0, **_: Any) -> bool:
        return alpha >= 0  # y <= 0 exactly where x <= 0

    @classmethod
    def kinks(cls, alpha: float = 1.0) -> tuple[float, ...]:
        return (0.0,)


@register
class CELU(Elementwise, function="celu", in_torch=True):
    r"""Continuously differentiable ELU.

    .. math:: f(x) = \max(0,x) + \min(0, \alpha(e^{x/\alpha} - 1)),\quad
              f' = 1 \text{ or } e^{x/\alpha},\quad f'' = 0 \text{ or } e^{x/\alpha}/\alpha
    """

    params = {
        "alpha": Param(
            1.0,
            "saturation value",
            nonzero,
            "non-zero and finite",
            sample=(0.2, 2.0),
        )
    }
    inplace = True
    formula = r"\mathrm{CELU}(x) = \max(0, x) + \min\left(0, \alpha \left(e^{x/\alpha} - 1\right)\right)"
    reference = "Barron, Continuously differentiable exponential linear units (2017)"
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0})
    kink_convention = "f'(0) = 1, f''(0) = 0 (torch)"

    def f(x: Tensor, alpha: float) -> Tensor:
        return torch.where(x > 0.0, x, alpha * torch.expm1(_neg(x) / alpha))

    def df(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x <= 0.0, torch.exp(_neg(x) / alpha), 1.0, x)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x < 0.0, torch.exp(_neg(x) / alpha) / alpha, 0.0, x)

    def df_y(y: Tensor, alpha: float) -> Tensor:  # e^{x/alpha} = y / alpha + 1
        return m.pick(y <= 0.0, y / alpha + 1.0, 1.0, y)

    def d2f_y(y: Tensor, alpha: float) -> Tensor:
        return m.pick(y < 0.0, 1.0 / alpha, 0.0, y)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, alpha: float = 1.0, **_: Any) -> bool:
        return alpha > 0  # y <= 0 exactly where x <= 0

    @classmethod
    def kinks(cls, alpha: float = 1.0) -> tuple[float, ...]:
        return (0.0,)


@register
class SELU(Elementwise, function="selu", in_torch=True):
    r"""Scaled ELU with the self-normalising constants of Klambauer et al.

    .. math:: f(x) = \lambda\,(x \text{ if } x > 0 \text{ else } \alpha(e^x - 1)),\quad
              \alpha \approx 1.6733,\ \lambda \approx 1.0507,\quad
              f' = \lambda \text{ or } \lambda\alpha e^x,\quad f'' = 0 \text{ or } \lambda\alpha e^x
    """

    inplace = True
    formula = r"\mathrm{SELU}(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0\end{cases},\ \alpha \approx 1.6733,\ \lambda \approx 1.0507"
    reference = "Klambauer et al., Self-normalizing neural networks (2017)"
    kink_convention = "f'(0) = lambda * alpha (the x <= 0 branch), f''(0) = 0 (torch)"

    def f(x: Tensor) -> Tensor:
        return torch.where(x > 0.0, SELU_SCALE * x, (SELU_SCALE * SELU_ALPHA) * torch.expm1(_neg(x)))

    def df(x: Tensor) -> Tensor:
        return m.pick(x <= 0.0, (SELU_SCALE * SELU_ALPHA) * torch.exp(_neg(x)), SELU_SCALE, x)

    def d2f(x: Tensor) -> Tensor:
        return m.pick(x < 0.0, (SELU_SCALE * SELU_ALPHA) * torch.exp(_neg(x)), 0.0, x)

    def df_y(y: Tensor) -> Tensor:
        return m.pick(y <= 0.0, y + SELU_SCALE * SELU_ALPHA, SELU_SCALE, y)

    def d2f_y(y: Tensor) -> Tensor:
        return m.pick(y < 0.0, 1.0, 0.0, y)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class Softplus(Elementwise, function="softplus", in_torch=True):
    r"""Softplus, linear above ``threshold / beta`` as in torch; never overflows.

    .. math:: f(x) = \tfrac{1}{\beta}\log(1 + e^{\beta x}),\quad f' = \sigma(\beta x),\quad
              f'' = \beta\,\sigma'(\beta x)
    """

    params = {
        "beta": Param(
            1.0,
            "sharpness",
            nonzero,
            "non-zero and finite",
            sample=(0.5, 3.0),
        ),
        "threshold": Param(
            20.0,
            "beta * x above which the function is linear",
            finite,
            "finite",
            sample=(5.0, 30.0),
        ),
    }
    formula = r"\mathrm{Softplus}(x) = \frac{1}{\beta} \log\left(1 + e^{\beta x}\right)"
    reference = "Dugas et al., Incorporating second-order functional knowledge for better option pricing (2001)"
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})
    kink_convention = "linear (f' = 1, f'' = 0) where beta * x > threshold; at beta * x = threshold f' = sigma(threshold) but f'' = 0, as torch"

    def f(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return torch.where(z > threshold, x, m.softplus(z) / beta)

    def df(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return m.pick(z > threshold, 1.0, m.sigmoid(z), x)

    def d2f(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return m.pick(z >= threshold, 0.0, beta * m.sigmoid_prime(z), x)  # torch: f''(threshold) = 0

    @classmethod
    def kinks(cls, beta: float = 1.0, threshold: float = 20.0) -> tuple[float, ...]:
        """f jumps by softplus(threshold) - threshold (~2e-9 at 20) where the linear branch starts."""
        return (threshold / beta,)


# ==== Squareplus: an algebraic softplus ============================================================
def _squareplus_root(x: Tensor, b: float) -> Tensor:
    r""":math:`s = \sqrt{x^2 + b}` as hypot(x, sqrt b): no overflow of x^2."""
    return torch.hypot(x, x.new_full((), math.sqrt(b)))


def _x_over_s(x: Tensor, s: Tensor) -> Tensor:
    """x / s in [-1, 1]; +-1 at +-inf (not inf / inf)."""
    inf = x.isinf()
    return torch.where(inf, torch.sign(x), torch.where(inf, 0.0, x) / s)


@register
class Squareplus(Elementwise, function="squareplus"):
    r"""Squareplus: an algebraic softplus.

    .. math:: f(x) = \frac{x + s}{2} = \frac{b}{2(s - x)},\ s = \sqrt{x^2 + b};\quad
              f' = \frac{f}{s},\quad f'' = \frac{b}{2 s^3}

    The second form is used for x < 0, where x + s cancels.
    """

    params = {"b": Param(4.0, "curvature near 0 (b -> 0: ReLU)", positive, "> 0 and finite", sample=(0.5, 8.0))}
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


# ==== xIELU: a learnable integral of ELU (partials: .partials) =====================================
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
class xIELU(Parametric, function="xielu"):
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
        ),
        "alpha_n_raw": Param(
            _inverse_softplus(0.3),
            "initial raw alpha_n (softplus^-1 of 0.3: alpha_n = 0.8)",
            finite,
            "finite",
            sample=(-1.5, 0.5),
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


# ==== SchNet's shifted softplus (float32 in float64) ===============================================
LN2 = math.log(2.0)


@register
class ShiftedSoftplus(Elementwise, function="shifted_softplus"):
    r"""Shifted softplus of SchNet: softplus(x) - log 2, so that f(0) = 0.

    .. math:: f(x) = \log(1 + e^x) - \log 2 = \operatorname{log1p}\left(\tfrac12\operatorname{expm1}(x)\right),\quad
              f' = \sigma(x),\quad f'' = \sigma'(x)

    The log1p form keeps the relative accuracy near the zero at x = 0 (x > 1: (x - log 2) + log1p(e^-x)).
    """

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
