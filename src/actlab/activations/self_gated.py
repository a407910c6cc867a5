"""Self-gated activations of the literature, x times a gate of x: ELiSH, HardELiSH, LiSHT,
TanhExp (and TeLU, the same function), Smish, Logish, Phish, GoLU, E-swish, ErfAct, dSiLU and
Flatten-T Swish.

f and f' of float32 inputs are computed in float64 and rounded once (``_math.in_float64``): the
gates compose exp, log, tanh and erf, whose float32 roundings add up to more than the 4 ulp (f) and
16 ulp (f') the accuracy sweep allows. Terms x * (a factor that underflows) clip x where the factor
is 0 even in float64, so that +-inf gives the limit and not inf * 0 = NaN.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Elementwise, Param, finite, positive
from .gated import EXP_UNDERFLOW, GAUSS_UNDERFLOW, SiLU, _swish, _swish_prime

SQRT2 = math.sqrt(2.0)
ELISH_DF_ZERO = math.log(SQRT2 - 1.0)  # e^x = sqrt(2) - 1: the minimum of ELiSH
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
TANH_EXP_FLAT = 10.0  # tanh(e^x) = 1 and e^x sech^2(e^x) = 0 in float64 beyond
ERF_FLAT = 40.0  # erf(u) = 1 and u e^{-u^2} = 0 in float64 for u >= 40


def _wide(x: Tensor) -> Tensor:
    return m.in_float64(x)


# ---- ELiSH, HardELiSH (Basirat & Roth) -------------------------------------------------------
@register
class ELiSH(Elementwise):
    r"""Exponential linear sigmoid squashing: Swish for x >= 0, (e^x - 1) sigma(x) below.

    .. math:: f(x) = x\sigma(x)\ (x \ge 0),\quad (e^x - 1)\sigma(x)\ (x < 0);\quad
              f' = \sigma(x)(1 + x\sigma(-x))\ (x \ge 0),\quad \sigma(x)(e^x + (e^x - 1)\sigma(-x))\ (x < 0);\quad
              f'' = \sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))\ (x \ge 0),\quad
              \sigma(x)(e^x(1 + 2\sigma(-x)) + \sigma(-x)(\sigma(-x) - \sigma(x))(e^x - 1))\ (x < 0)

    f' < 0 part: :math:`e^x + (e^x - 1)\sigma(-x) = (\sqrt2 - 1)\,\mathrm{expm1}(x - x_0)(e^x + 1 + \sqrt2)/(e^x + 1)`,
    :math:`x_0 = \log(\sqrt2 - 1)`, which has no cancellation at the minimum x_0.
    """

    function, family = "elish", "gated"
    formula = r"\mathrm{ELiSH}(x) = \begin{cases} x\,\sigma(x) & x \ge 0 \\ (e^{x} - 1)\,\sigma(x) & x < 0\end{cases}"
    reference = "Basirat & Roth, The quest for the golden activation function (2018), arXiv:1808.00783"
    x_range = (-5.0, 4.0)
    kink_convention = (
        "f' is continuous at 0 (1/2); f'' jumps from 1 to 1/2 and f''(0) = 1/2 (the paper's x >= 0 branch)"
    )

    def f(x: Tensor) -> Tensor:
        w = _wide(x)
        s = m.sigmoid(w)
        return torch.where(w >= 0.0, w * s, torch.expm1(torch.clamp(w, max=0.0)) * s).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = _wide(x)
        s, sm = m.sigmoid(w), m.sigmoid(-w)
        wc = m.clip(w, EXP_UNDERFLOW)
        wn = torch.clamp(w, max=0.0)
        e = torch.exp(wn)
        neg = s * ((SQRT2 - 1.0) * torch.expm1(wn - ELISH_DF_ZERO) * (e + 1.0 + SQRT2) / (e + 1.0))
        return torch.where(w >= 0.0, s * (1.0 + wc * sm), neg).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        s, sm = m.sigmoid(x), m.sigmoid(-x)
        xc = m.clip(x, EXP_UNDERFLOW)
        xn = torch.clamp(x, max=0.0)
        e = torch.exp(xn)
        neg = s * (e * (1.0 + 2.0 * sm) + sm * (sm - s) * torch.expm1(xn))
        return torch.where(x >= 0.0, m.sigmoid_prime(xc) * (2.0 + xc * (sm - s)), neg)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class HardELiSH(Elementwise):
    r"""Hard ELiSH: ELiSH with the hard sigmoid h(x) = max(0, min(1, (x + 1)/2)) as the gate.

    .. math:: f(x) = x\,h(x)\ (x \ge 0),\quad (e^x - 1)\,h(x)\ (x < 0);\quad
              f' = 1\ (x > 1),\quad x + \tfrac12\ (0 \le x \le 1),\quad
              \tfrac12(e^x(x + 1) + e^x - 1)\ (-1 \le x < 0),\quad 0\ (x < -1);\quad
              f'' = 0,\quad 1,\quad \tfrac12 e^x(x + 3),\quad 0 \text{ on the same pieces}
    """

    function, family = "hard_elish", "gated"
    formula = r"\mathrm{HardELiSH}(x) = \begin{cases} x\,\max(0, \min(1, \frac{x + 1}{2})) & x \ge 0 \\ (e^{x} - 1)\max(0, \min(1, \frac{x + 1}{2})) & x < 0\end{cases}"
    reference = "Basirat & Roth, The quest for the golden activation function (2018), arXiv:1808.00783"
    x_range = (-3.0, 3.0)
    kink_convention = (
        "the inner pieces hold on closed intervals, as autograd of the formula with clamp: "
        "f'(-1) = (e^-1 - 1)/2, f''(-1) = e^-1; f'(1) = 3/2, f''(1) = 1; at 0 the x >= 0 piece: "
        "f'(0) = 1/2 (continuous), f''(0) = 1; f'(NaN) = NaN"
    )

    def f(x: Tensor) -> Tensor:
        w = _wide(x)
        h = torch.clamp(0.5 * (w + 1.0), 0.0, 1.0)
        return torch.where(w >= 0.0, w * h, torch.expm1(torch.clamp(w, max=0.0)) * h).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = _wide(x)
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
class LiSHT(Elementwise):
    r"""Linearly scaled hyperbolic tangent.

    .. math:: f(x) = x\tanh x,\quad f' = \tanh x + x\,\mathrm{sech}^2 x,\quad
              f'' = 2\,\mathrm{sech}^2 x\,(1 - x\tanh x)
    """

    function, family = "lisht", "gated"
    formula = r"\mathrm{LiSHT}(x) = x\tanh(x)"
    reference = "Roy et al., LiSHT: non-parametric linearly scaled hyperbolic tangent activation function for neural networks (2019), arXiv:1901.05894"
    x_range = (-3.0, 3.0)

    def f(x: Tensor) -> Tensor:
        w = _wide(x)
        return (w * m.tanh(w)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = _wide(x)
        return (m.tanh(w) + m.clip(w, EXP_UNDERFLOW) * m.sech2(w)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, EXP_UNDERFLOW)
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
    xc = torch.clamp(x, min=-EXP_UNDERFLOW)
    tail = xc < m.TAIL
    gate = _tanh_of_positive(torch.exp(torch.clamp(x, max=TANH_EXP_FLAT)))
    return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, xc, 0.0)), x * gate)


def _tanh_exp_prime(x: Tensor) -> Tensor:
    r""":math:`\tanh(e^x) + x e^x\mathrm{sech}^2(e^x)`; :math:`e^x(1 + x)` scaled for x < -64."""
    xc = torch.clamp(x, -EXP_UNDERFLOW, TANH_EXP_FLAT)
    e = torch.exp(xc)
    tail = xc < m.TAIL
    near = _tanh_of_positive(e) + xc * e * m.sech2(e)
    return torch.where(tail, m.exp_tail_times(1.0 + xc, torch.where(tail, xc, 0.0)), near)


@register
class TanhExp(Elementwise):
    r"""TanhExp: x gated by tanh of its exponential.

    .. math:: f(x) = x\tanh(e^x),\quad f' = \tanh(e^x) + x e^x\mathrm{sech}^2(e^x),\quad
              f'' = e^x\mathrm{sech}^2(e^x)\,(2 + x - 2x e^x\tanh(e^x))
    """

    function, family = "tanh_exp", "gated"
    formula = r"\mathrm{TanhExp}(x) = x\tanh(e^{x})"
    reference = "Liu & Di, TanhExp: a smooth activation function with high convergence speed for lightweight neural networks (2020), arXiv:2003.09855"
    x_range = (-5.0, 3.0)

    def f(x: Tensor) -> Tensor:
        return _tanh_exp(_wide(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return _tanh_exp_prime(_wide(x)).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = torch.clamp(x, -EXP_UNDERFLOW, TANH_EXP_FLAT)
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
class Smish(Elementwise):
    r"""Smish: x gated by tanh(log(1 + sigma(beta x))), scaled by alpha.

    .. math:: f(x) = \alpha x\,T(\beta x),\ T(z) = \tanh(\log(1 + \sigma(z))) = \frac{q}{q + 2},\
              q = \sigma(z)(\sigma(z) + 2);\quad f' = \alpha(T(z) + z T'(z)),\quad
              f'' = \alpha\beta(2T'(z) + z T''(z)),\ z = \beta x
    """

    function, family = "smish", "gated"
    params = {
        "alpha": Param(1.0, "output scale", positive, "> 0 and finite", sample=(0.5, 2.0), plot=(1.0,)),
        "beta": Param(
            1.0, "input scale of the gate", positive, "> 0 and finite", sample=(0.5, 2.0), plot=(0.5, 1.0, 2.0)
        ),
    }
    formula = r"\mathrm{Smish}(x) = \alpha x\tanh\left(\log\left(1 + \sigma(\beta x)\right)\right)"
    reference = (
        "Wang, Ren & Wang, Smish: a novel activation function for deep learning methods, Electronics 11(4):540 (2022)"
    )
    x_range = (-6.0, 4.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    def f(x: Tensor, alpha: float, beta: float) -> Tensor:
        w = _wide(x)
        wc = torch.clamp(w, min=-EXP_UNDERFLOW / beta)
        z = beta * wc
        t, _, _ = _smish_gate(m.sigmoid(z))
        tail = z < m.TAIL  # T(z) = e^z (1 - 3e^z/2 + ...): x T = x e^z, scaled
        out = torch.where(tail, m.exp_tail_times(wc, torch.where(tail, z, 0.0)), wc * t)
        return (alpha * out).to(x.dtype)

    def df(x: Tensor, alpha: float, beta: float) -> Tensor:
        z = m.clip(beta * _wide(x), EXP_UNDERFLOW)
        t, t_s, _ = _smish_gate(m.sigmoid(z))
        tail = z < m.TAIL
        out = torch.where(tail, m.exp_tail_times(1.0 + z, torch.where(tail, z, 0.0)), t + z * t_s * m.sigmoid_prime(z))
        return (alpha * out).to(x.dtype)

    def d2f(x: Tensor, alpha: float, beta: float) -> Tensor:
        z = m.clip(beta * x, EXP_UNDERFLOW)
        s, ds = m.sigmoid(z), m.sigmoid_prime(z)
        _, t_s, t_ss = _smish_gate(s)
        return alpha * beta * ds * (2.0 * t_s + z * (t_ss * ds + t_s * (m.sigmoid(-z) - s)))


@register
class Logish(Elementwise):
    r"""Logish: x gated by log(1 + sigma(x)).

    .. math:: f(x) = x\log(1 + \sigma(x)),\quad f' = \log(1 + \sigma(x)) + \frac{x\sigma'(x)}{1 + \sigma(x)},\quad
              f'' = \frac{\sigma'(x)}{1 + \sigma(x)}\left(2 + x(\sigma(-x) - \sigma(x)) - \frac{x\sigma'(x)}{1 + \sigma(x)}\right)
    """

    function, family = "logish", "gated"
    formula = r"\mathrm{Logish}(x) = x\log\left(1 + \sigma(x)\right)"
    reference = "Zhu et al., Logish: a new nonlinear nonmonotonic activation function for convolutional neural network, Neurocomputing 458:490-499 (2021)"
    x_range = (-6.0, 4.0)

    # below x = -64, log(1 + sigma(x)) = e^x to 1e-28: x e^x and (1 + x) e^x, scaled out of the subnormals
    def f(x: Tensor) -> Tensor:
        w = torch.clamp(_wide(x), min=-EXP_UNDERFLOW)
        tail = w < m.TAIL
        near = w * torch.log1p(m.sigmoid(w))
        return torch.where(tail, m.exp_tail_times(w, torch.where(tail, w, 0.0)), near).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.clip(_wide(x), EXP_UNDERFLOW)
        s = m.sigmoid(w)
        tail = w < m.TAIL
        near = torch.log1p(s) + w * m.sigmoid_prime(w) / (1.0 + s)
        return torch.where(tail, m.exp_tail_times(1.0 + w, torch.where(tail, w, 0.0)), near).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, EXP_UNDERFLOW)
        s, ds = m.sigmoid(xc), m.sigmoid_prime(xc)
        r = ds / (1.0 + s)
        return r * (2.0 + xc * (m.sigmoid(-xc) - s) - xc * r)


@register
class Phish(Elementwise):
    r"""Phish: x gated by tanh of GELU(x) = x Phi(x).

    .. math:: f(x) = x\tanh(g),\ g = x\Phi(x);\quad f' = \tanh g + x\,\mathrm{sech}^2(g)\,g',\
              g' = \Phi(x) + x\varphi(x);\quad f'' = \mathrm{sech}^2 g\,(2g' + x(g'' - 2\tanh(g)\,g'^2)),\
              g'' = \varphi(x)(2 - x^2)
    """

    function, family = "phish", "gated"
    formula = r"\mathrm{Phish}(x) = x\tanh\left(\mathrm{GELU}(x)\right) = x\tanh\left(x\,\Phi(x)\right)"
    reference = "Naveen, Phish: a novel hyper-optimizable activation function (2022)"
    x_range = (-5.0, 3.0)

    # x is clipped to [-40, 800]: below -40, Phi and phi are 0 in float64; above 800, sech^2 g is 0
    def f(x: Tensor) -> Tensor:
        w = torch.clamp(_wide(x), min=-GAUSS_UNDERFLOW)
        return (w * m.tanh(w * m.normal_cdf(w))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = torch.clamp(_wide(x), -GAUSS_UNDERFLOW, EXP_UNDERFLOW)
        cdf = m.normal_cdf(w)
        g = w * cdf
        return (m.tanh(g) + w * m.sech2(g) * (cdf + w * m.normal_pdf(w))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = torch.clamp(x, -GAUSS_UNDERFLOW, EXP_UNDERFLOW)
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
    return (lnb - math.log(EXP_UNDERFLOW)) / gamma, (lnb + EXP_UNDERFLOW) / gamma


def _times_exp_neg(a: Tensor, e: Tensor) -> Tensor:
    """a e^{-e} for 0 <= e <= 800, without rounding e^{-e} to a subnormal first."""
    tail = e > -m.TAIL
    return torch.where(tail, m.exp_tail_times(a, torch.where(tail, -e, 0.0)), a * torch.exp(-e))


@register
class GoLU(Elementwise):
    r"""Gompertz linear unit: x gated by the Gompertz function.

    .. math:: f(x) = x\,G(x),\ G(x) = \alpha e^{-\beta e^{-\gamma x}};\quad
              f' = G(x)(1 + \gamma x E),\ E = \beta e^{-\gamma x};\quad
              f'' = \gamma G(x) E\,(2 - \gamma x + \gamma x E)
    """

    function, family = "golu", "gated"
    params = {
        "alpha": Param(1.0, "scale of the gate", positive, "> 0 and finite", sample=(0.5, 1.5), plot=(1.0,)),
        "beta": Param(
            1.0, "displacement of the gate", positive, "> 0 and finite", sample=(0.5, 2.0), plot=(0.5, 1.0, 2.0)
        ),
        "gamma": Param(1.0, "growth rate of the gate", positive, "> 0 and finite", sample=(0.5, 2.0), plot=(1.0,)),
    }
    formula = r"\mathrm{GoLU}(x) = x\,\alpha\,e^{-\beta e^{-\gamma x}}"
    reference = "Das et al., Gompertz linear units: leveraging asymmetry for enhanced learning dynamics (2025), arXiv:2502.03654"
    x_range = (-4.0, 3.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    # a e^{-E} is scaled out of the subnormals for E > 64 (float64 inputs near the underflow)
    def f(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        lo, _ = _golu_bounds(beta, gamma)
        w = torch.clamp(_wide(x), min=lo)
        return (alpha * _times_exp_neg(w, beta * torch.exp(-gamma * w))).to(x.dtype)

    def df(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        w = torch.clamp(_wide(x), *_golu_bounds(beta, gamma))
        e = beta * torch.exp(-gamma * w)
        return (alpha * _times_exp_neg(1.0 + gamma * w * e, e)).to(x.dtype)

    def d2f(x: Tensor, alpha: float, beta: float, gamma: float) -> Tensor:
        xc = torch.clamp(x, *_golu_bounds(beta, gamma))
        e = beta * torch.exp(-gamma * xc)
        z = gamma * xc
        return gamma * alpha * _times_exp_neg(e * (2.0 - z + z * e), e)


@register
class ESwish(Elementwise):
    r"""E-swish: Swish (SiLU) scaled by beta.

    .. math:: f(x) = \beta x\sigma(x),\quad f' = \beta\sigma(x)(1 + x\sigma(-x)),\quad
              f'' = \beta\sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))
    """

    function, family = "eswish", "gated"
    params = {
        "beta": Param(
            1.375,
            "output scale (the paper: 1 to 2)",
            positive,
            "> 0 and finite",
            sample=(1.0, 2.0),
            plot=(1.0, 1.375, 2.0),
        ),
    }
    formula = r"\mathrm{E\text{-}swish}(x) = \beta\,x\,\sigma(x)"
    reference = "Alcaide, E-swish: adjusting activations to different network depths (2018), arXiv:1801.07145"
    x_range = (-6.0, 4.0)
    plot_params = ({"beta": 1.0}, {"beta": 1.375}, {"beta": 2.0})

    def f(x: Tensor, beta: float) -> Tensor:
        return (beta * _swish(_wide(x), 1.0)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        return (beta * _swish_prime(_wide(x), 1.0)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        return beta * SiLU.d2f(x)


def _erf_act_bounds(a: float, b: float) -> tuple[float, float]:
    """x below which a e^{bx} < e^{-800} (erf of it is 0) and above which it exceeds 40."""
    lna = math.log(a)
    return (-EXP_UNDERFLOW - lna) / b, (math.log(ERF_FLAT) - lna) / b


@register
class ErfAct(Elementwise):
    r"""ErfAct: x gated by erf(a e^{bx}).

    .. math:: f(x) = x\,\mathrm{erf}(u),\ u = a e^{bx};\quad
              f' = \mathrm{erf}(u) + \tfrac{2}{\sqrt\pi}\,b x\,u e^{-u^2};\quad
              f'' = \tfrac{2}{\sqrt\pi}\,b u e^{-u^2}\left(2 + b x(1 - 2u^2)\right)
    """

    function, family = "erf_act", "gated"
    params = {
        "a": Param(0.75, "scale inside the erf", positive, "> 0 and finite", sample=(0.5, 1.5), plot=(0.5, 0.75, 1.5)),
        "b": Param(0.75, "rate of the exponential", positive, "> 0 and finite", sample=(0.5, 1.5), plot=(0.75,)),
    }
    formula = r"\mathrm{ErfAct}(x) = x\,\mathrm{erf}\left(a\,e^{b x}\right)"
    reference = "Biswas et al., ErfAct and Pserf: non-monotonic smooth trainable activation functions (2021), arXiv:2109.04386 (AAAI 2022)"
    x_range = (-6.0, 3.0)
    plot_params = ({"a": 0.5}, {"a": 0.75}, {"a": 1.5})

    def f(x: Tensor, a: float, b: float) -> Tensor:
        lo, _ = _erf_act_bounds(a, b)
        w = torch.clamp(_wide(x), min=lo)
        return (w * torch.erf(a * torch.exp(b * w))).to(x.dtype)

    def df(x: Tensor, a: float, b: float) -> Tensor:
        lo, hi = _erf_act_bounds(a, b)
        w = _wide(x)
        wc = torch.clamp(w, lo, hi)
        u = a * torch.exp(b * wc)
        gate = torch.erf(a * torch.exp(b * torch.clamp(w, min=lo)))
        return (gate + TWO_OVER_SQRT_PI * b * wc * u * torch.exp(-u * u)).to(x.dtype)

    def d2f(x: Tensor, a: float, b: float) -> Tensor:
        xc = torch.clamp(x, *_erf_act_bounds(a, b))
        u = a * torch.exp(b * xc)
        return TWO_OVER_SQRT_PI * b * u * torch.exp(-u * u) * (2.0 + b * xc * (1.0 - 2.0 * u * u))


@register
class DSiLU(Elementwise):
    r"""dSiLU: the derivative of SiLU used as an activation (a sigmoid-like unit with overshoot).

    .. math:: f(x) = \sigma(x)(1 + x\sigma(-x)),\quad f' = \sigma'(x)(2 + x d),\quad
              f'' = \sigma'(x)\left(d(3 + x d) - 2x\sigma'(x)\right),\ d = \sigma(-x) - \sigma(x)
    """

    function, family = "dsilu", "sigmoidal"
    formula = r"\mathrm{dSiLU}(x) = \sigma(x)\left(1 + x\left(1 - \sigma(x)\right)\right)"
    reference = "Elfwing, Uchibe & Doya, Sigmoid-weighted linear units for neural network function approximation in reinforcement learning, Neural Networks 107:3-11 (2018)"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        return _swish_prime(_wide(x), 1.0).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.clip(_wide(x), EXP_UNDERFLOW)
        return (m.sigmoid_prime(w) * (2.0 + w * (m.sigmoid(-w) - m.sigmoid(w)))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        xc = m.clip(x, EXP_UNDERFLOW)
        ds = m.sigmoid_prime(xc)
        d = m.sigmoid(-xc) - m.sigmoid(xc)
        return ds * (d * (3.0 + xc * d) - 2.0 * xc * ds)


@register
class FlattenTSwish(Elementwise):
    r"""Flatten-T Swish: Swish shifted by T for x >= 0, the constant T below.

    .. math:: f(x) = x\sigma(x) + T\ (x \ge 0),\quad T\ (x < 0);\quad
              f' = \sigma(x)(1 + x\sigma(-x))\ (x \ge 0),\quad 0\ (x < 0);\quad
              f'' = \sigma'(x)(2 + x(\sigma(-x) - \sigma(x)))\ (x \ge 0),\quad 0\ (x < 0)
    """

    function, family = "flatten_t_swish", "gated"
    params = {
        "T": Param(
            -0.2, "the flat value for x < 0 (and shift above)", finite, "finite", sample=(-0.5, 0.0), plot=(-0.2,)
        )
    }
    formula = r"\mathrm{FTS}(x) = \begin{cases} x\,\sigma(x) + T & x \ge 0 \\ T & x < 0\end{cases}"
    reference = "Chieng et al., Flatten-T Swish: a thresholded ReLU-Swish-like activation function for deep learning (2018), arXiv:1812.06247"
    x_range = (-3.0, 3.0)
    plot_params = ({"T": -0.2}, {"T": 0.0})
    kink_convention = "f'(0) = 1/2, f''(0) = 1/2 (the paper's x >= 0 branch); f'(x < 0) = 0; f'(NaN) = NaN"

    def f(x: Tensor, T: float) -> Tensor:
        w = _wide(x)
        return m.keep_nan(w, torch.where(w >= 0.0, _swish(torch.clamp(w, min=0.0), 1.0) + T, T)).to(x.dtype)

    def df(x: Tensor, T: float) -> Tensor:
        w = _wide(x)
        return m.keep_nan(w, torch.where(w >= 0.0, _swish_prime(torch.clamp(w, min=0.0), 1.0), 0.0)).to(x.dtype)

    def d2f(x: Tensor, T: float) -> Tensor:
        return torch.where(x >= 0.0, SiLU.d2f(torch.clamp(x, min=0.0)), 0.0)

    @classmethod
    def kinks(cls, T: float = -0.2) -> tuple[float, ...]:
        return (0.0,)
