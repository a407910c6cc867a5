r"""Family "learnable": learnable (adaptive) activations acting entry by entry, their parameters
``nn.Parameter`` s of one value or one per channel (dim 1): SoftExponential, PELU, MPELU, SReLU,
APL, AReLU, ACON-C, and the rational activations PAU (the "safe" Padé activation unit, degrees 5/4)
and Rational (Boullé et al., degrees 3/2), whose polynomial coefficients are ``coefficients``
tensors (one row, or one row per channel). Each states f and, by hand, its first and second
partials in x and the parameters (:mod:`.pointwise`).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..kinds import Param, finite, integer, positive
from ..registry import register
from .pointwise import CHANNELS, Hessian, PointwiseParametric, safe_mul, with_limits


# ==== learnable entrywise activations ==============================================================
def _float64(x: Tensor, *w: Tensor | float) -> tuple[Tensor, ...]:
    """x and the tensors in float64 when x is float32 (where the float32 forms miss a few ulps;
    see docs/accuracy.md), else in x's dtype; numbers become tensors of that dtype."""
    x = m.in_float64(x)
    return (x, *(torch.as_tensor(t, dtype=x.dtype) for t in w))


# ---- SoftExponential ------------------------------------------------------------------------------
def _series(coeffs: tuple[float, ...], t: Tensor) -> Tensor:
    acc = torch.full_like(t, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = acc * t + c
    return acc


# h1(t) = (t e^t - expm1 t)/t^2 = sum (m+1) t^m/(m+2)!, h1'(t) = sum m(m+1) t^(m-1)/(m+2)!
_H1 = tuple((k + 1) / math.factorial(k + 2) for k in range(24))


_H1P = tuple((k + 1) * (k + 2) / math.factorial(k + 3) for k in range(23))


# h2(s) = (log(1-s) + s/(1-s))/s^2 = sum (m+1)/(m+2) s^m, h2'(s) = sum m(m+1)/(m+2) s^(m-1)
_H2 = tuple((k + 1) / (k + 2) for k in range(40))


_H2P = tuple((k + 1) * (k + 2) / (k + 3) for k in range(40))


SERIES_T, SERIES_S = 1.0, 0.25  # the series are used below these |t|, |s| (the closed forms cancel there)


@register
class SoftExponential(PointwiseParametric, function="soft_exponential"):
    r"""Soft exponential: a learnable continuum from logarithmic (alpha < 0) through the identity (alpha = 0) to exponential (alpha > 0).

    .. math:: f(x) = \begin{cases} -\log(1 - \alpha(x + \alpha))/\alpha & \alpha < 0 \\ x & \alpha = 0 \\ (e^{\alpha x} - 1)/\alpha + \alpha & \alpha > 0 \end{cases},\quad
              \partial_x f = e^{\alpha x} \text{ resp. } 1/u,\ u = 1 - \alpha(x + \alpha),\quad
              \partial_x^2 f = \alpha e^{\alpha x} \text{ resp. } \alpha/u^2,\quad
              \partial_\alpha f = 1 + x^2 h_1(\alpha x) \text{ resp. } 1/u + (x + \alpha)^2 h_2(\alpha(x + \alpha)),\quad
              \partial_\alpha^2 f = x^3 h_1'(\alpha x) \text{ resp. } \frac{x + 2\alpha}{u^2} + 2(x + \alpha)h_2 + (x + \alpha)^2(x + 2\alpha)h_2'

    with :math:`h_1(t) = (te^t - e^t + 1)/t^2` and :math:`h_2(s) = (\log(1-s) + s/(1-s))/s^2` (both 1/2 at 0),
    evaluated by their series near 0, so every partial is exact through alpha = 0.
    """

    tensor_params = ("alpha",)
    initial, channels = {"alpha": "alpha_init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        # sampled >= 0 for the registry-wide tests (their inputs ignore the log branch's domain x > -alpha - 1/|alpha|)
        "alpha_init": Param(0.0, "initial alpha (0: the identity)", finite, "finite", sample=(0.0, 0.8)),
    }
    formula = r"\mathrm{SoftExp}_\alpha(x) = \begin{cases} -\frac{\log(1 - \alpha(x + \alpha))}{\alpha} & \alpha < 0 \\ x & \alpha = 0 \\ \frac{e^{\alpha x} - 1}{\alpha} + \alpha & \alpha > 0 \end{cases}"
    reference = (
        "Godfrey & Gashler, A continuum among logarithmic, linear, and exponential functions, and its potential "
        "to improve generalization in neural networks (IC3K 2015), arXiv:1602.01321"
    )
    x_range = (-3.0, 3.0)
    plot_params = (
        {"alpha_init": -0.25},
        {"alpha_init": 0.0},
        {"alpha_init": 0.5},
    )  # the log branch's domain covers the range
    kink_convention = (
        "in alpha at alpha = 0 the alpha >= 0 branch: d2f/dalpha2 = x^3/3 (the alpha < 0 side tends to 2x + 2x^3/3: "
        "f is C1, not C2, in alpha); for alpha < 0, x below -alpha - 1/|alpha| is outside the domain (NaN), -inf at its edge"
    )

    def forward(x: Tensor, a: Tensor | float) -> Tensor:
        x64, a64 = m.in_float64(x), torch.as_tensor(a, dtype=torch.float64 if x.dtype == torch.float32 else x.dtype)
        pos, neg = a64 > 0.0, a64 < 0.0
        ap, an = torch.where(pos, a64, 1.0), torch.where(neg, a64, -1.0)
        exp_branch = torch.expm1(ap * x64) / ap + ap
        log_branch = -torch.log1p(-an * (x64 + an)) / an
        return torch.where(pos, exp_branch, torch.where(neg, log_branch, x64)).to(x.dtype)

    @classmethod
    def partials(cls, x: Tensor, a: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        x64, a64 = m.in_float64(x), m.in_float64(a)
        return with_limits(cls._partials, x64, a64, second=second)

    @staticmethod
    def _partials(x: Tensor, a: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        neg = a < 0.0
        # alpha >= 0 (alpha = 0 included: its limits are this branch's)
        ae = torch.where(neg, 0.0, a)
        t = ae * x
        e = torch.exp(t)
        small = t.abs() < SERIES_T
        ts = torch.where(small, t, 0.0)
        ab = torch.where(small, 1.0, ae)  # > 0 wherever the closed forms are used
        x2h1 = torch.where(small, x * x * _series(_H1, ts), (safe_mul(t - 1.0, e) + 1.0) / (ab * ab))
        exp_d = [e, 1.0 + x2h1]
        # alpha < 0
        an = torch.where(neg, a, -1.0)
        xa = x + an
        s = an * xa
        u = 1.0 - s
        near = s.abs() < SERIES_S
        ss = torch.where(near, s, 0.0)
        sf = torch.where(near, 0.5, s)  # != 0 wherever the closed forms are used
        core = torch.log1p(-s) + s / u  # (x + alpha)^2 h2(s) = core / alpha^2
        x2h2 = torch.where(near, xa * xa * _series(_H2, ss), core / (an * an))
        log_d = [1.0 / u, 1.0 / u + x2h2]
        outside = neg & ~(u > 0.0)  # x <= -alpha - 1/|alpha|: f is -inf at the edge, undefined beyond
        d = [torch.where(outside, float("nan"), torch.where(neg, ld, ed)) for ld, ed in zip(log_d, exp_d)]
        if not second:
            return d, {}
        x3h1p = torch.where(
            small, x * x * x * _series(_H1P, ts), (safe_mul(t * t - 2.0 * t + 2.0, e) - 2.0) / (ab * ab * ab)
        )
        two_h2 = torch.where(near, 2.0 * xa * _series(_H2, ss), 2.0 * core / (an * sf))
        x2h2p = torch.where(near, xa * xa * _series(_H2P, ss), (s * s / (u * u) - 2.0 * core) / (an * an * sf))
        x2a = x + 2.0 * an
        h = {
            (0, 0): torch.where(neg, an / (u * u), ae * e),
            (0, 1): torch.where(neg, x2a / (u * u), safe_mul(x, e)),
            (1, 1): torch.where(neg, x2a / (u * u) + two_h2 + x2h2p * x2a, x3h1p),
        }
        return d, {k: torch.where(outside, float("nan"), v) for k, v in h.items()}


# ---- exponential units: PELU, MPELU ---------------------------------------------------------------
@register
class PELU(PointwiseParametric, function="pelu"):
    r"""Parametric ELU: a learnable slope a/b for x >= 0 and a learnable ELU a(e^{x/b} - 1) below, continuous in f and f'.

    .. math:: f(x) = \begin{cases} \frac{a}{b}x & x \ge 0 \\ a(e^{x/b} - 1) & x < 0 \end{cases},\quad
              \partial_x f = \tfrac{a}{b}\text{ resp. }\tfrac{a}{b}e^{x/b},\quad \partial_x^2 f = 0 \text{ resp. } \tfrac{a}{b^2}e^{x/b},\quad
              \partial_a f = \tfrac{x}{b} \text{ resp. } e^{x/b} - 1,\quad \partial_b f = -\tfrac{a x}{b^2} \text{ resp. } -\tfrac{a x}{b^2}e^{x/b},\quad
              \partial_b^2 f = \tfrac{2ax}{b^3} \text{ resp. } \tfrac{a x}{b^3}e^{x/b}(2 + \tfrac{x}{b})
    """

    tensor_params = ("a", "b")
    initial, channels = {"a": "a_init", "b": "b_init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "a_init": Param(
            1.0,
            "initial a (saturation -a and, with b, the slope a/b)",
            positive,
            "> 0",
            sample=(0.5, 1.5),
        ),
        "b_init": Param(1.0, "initial b (decay scale of the exponential)", positive, "> 0", sample=(0.5, 1.5)),
    }
    formula = r"\mathrm{PELU}(x) = \begin{cases} \frac{a}{b}\,x & x \ge 0 \\ a\,(e^{x/b} - 1) & x < 0 \end{cases}"
    reference = "Trottier, Giguère & Chaib-draa, Parametric exponential linear unit for deep convolutional neural networks (ICMLA 2017), arXiv:1605.09332"
    x_range = (-4.0, 3.0)
    plot_params = ({"a_init": 1.0, "b_init": 1.0}, {"a_init": 2.0, "b_init": 1.0}, {"a_init": 1.0, "b_init": 2.0})
    kink_convention = "x = 0 takes the x >= 0 branch: f'(0) = a/b (both sides agree), f''(0) = 0, df/db(0) = 0"

    def forward(x: Tensor, a: Tensor | float, b: Tensor | float) -> Tensor:
        x64, a, b = _float64(x, a, b)  # float32 in float64: x/b exact enough that e^{x/b} keeps a few ulps
        return torch.where(x64 >= 0.0, a / b * x64, a * torch.expm1(x64 / b)).to(x.dtype)

    @classmethod
    def partials(cls, x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        x, a, b = _float64(x, a, b)
        pos = x >= 0.0
        e = torch.exp(torch.where(pos, 0.0, x / b))  # e^{x/b} on the left, 1 on the right
        xe = safe_mul(x, e)
        d = [
            a / b * e,
            torch.where(pos, x / b, torch.expm1(torch.where(pos, 0.0, x / b))),
            -a * xe / (b * b),
        ]
        if not second:
            return d, {}
        h = {
            (0, 0): torch.where(pos, 0.0, a / (b * b) * e),
            (0, 1): e / b,
            (0, 2): -a / (b * b) * (e + torch.where(pos, 0.0, xe / b)),
            (1, 2): -xe / (b * b),
            (2, 2): a * (2.0 * xe + torch.where(pos, 0.0, safe_mul(x, xe) / b)) / (b * b * b),
        }
        return d, h

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


@register
class MPELU(PointwiseParametric, function="mpelu"):
    r"""Multiple parametric ELU: the identity for x > 0, a learnable ELU alpha(e^{beta x} - 1) for x <= 0 (alpha = beta = 1: ELU; beta -> 0: PReLU-like).

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha(e^{\beta x} - 1) & x \le 0 \end{cases},\quad
              \partial_x f = 1 \text{ resp. } \alpha\beta e^{\beta x},\quad \partial_x^2 f = 0 \text{ resp. } \alpha\beta^2 e^{\beta x},\quad
              \partial_\alpha f = e^{\beta x} - 1,\quad \partial_\beta f = \alpha x e^{\beta x},\quad
              \partial_\beta^2 f = \alpha x^2 e^{\beta x},\ \partial_x\partial_\beta f = \alpha e^{\beta x}(1 + \beta x) \ (x \le 0)
    """

    tensor_params = ("alpha", "beta")
    initial, channels = {"alpha": "alpha_init", "beta": "beta_init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "alpha_init": Param(1.0, "initial alpha (saturation -alpha)", finite, "finite", sample=(0.25, 1.5)),
        "beta_init": Param(1.0, "initial beta (> 0: decays to -alpha)", positive, "> 0", sample=(0.5, 2.0)),
    }
    formula = r"\mathrm{MPELU}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{\beta x} - 1) & x \le 0 \end{cases}"
    reference = "Li, Fan, Li, Wu & Ming, Improving deep neural network with multiple parametric exponential linear units (Neurocomputing 2018), arXiv:1606.00305"
    x_range = (-4.0, 3.0)
    plot_params = (
        {"alpha_init": 1.0, "beta_init": 1.0},
        {"alpha_init": 0.25, "beta_init": 1.0},
        {"alpha_init": 1.0, "beta_init": 3.0},
    )
    kink_convention = "x = 0 takes the x <= 0 branch (as ELU): f'(0) = alpha beta, f''(0) = alpha beta^2"

    def forward(x: Tensor, alpha: Tensor | float, beta: Tensor | float) -> Tensor:
        x64, alpha, beta = _float64(x, alpha, beta)  # float32 in float64: beta x exact (e^{beta x} to an ulp)
        return torch.where(x64 > 0.0, x64, alpha * torch.expm1(torch.where(x64 > 0.0, 0.0, beta * x64))).to(x.dtype)

    @classmethod
    def partials(cls, x: Tensor, alpha: Tensor, beta: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        x, alpha, beta = _float64(x, alpha, beta)
        left = ~(x > 0.0)  # NaN takes no branch's derivative: 0 (as ELU's)
        e = torch.exp(torch.where(left, beta * x, 0.0))
        xe = torch.where(left, safe_mul(x, e), 0.0)
        d = [
            torch.where(left, alpha * beta * e, torch.ones_like(e)),
            torch.where(left, torch.expm1(torch.where(left, beta * x, 0.0)), 0.0),
            alpha * xe,
        ]
        if not second:
            return d, {}
        h = {
            (0, 0): torch.where(left, alpha * beta * beta * e, 0.0),
            (0, 1): torch.where(left, beta * e, 0.0),
            (0, 2): torch.where(left, alpha * (e + beta * xe), 0.0),
            (1, 2): xe,
            (2, 2): alpha * safe_mul(x, xe),
        }
        return d, h

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


# ---- piecewise linear: SReLU, APL, AReLU --------------------------------------------------------------
def _lin(slope: Tensor, dx: Tensor) -> Tensor:
    """slope * dx, and 0 for an infinite dx on a flat piece (slope 0): the limit, not 0 * inf."""
    return torch.where(torch.isinf(dx) & (slope == 0.0), 0.0, slope * dx)


@register
class SReLU(PointwiseParametric, function="srelu"):
    r"""S-shaped ReLU: the identity between two learnable thresholds, learnable slopes beyond them.

    .. math:: f(x) = \begin{cases} t_r + a_r(x - t_r) & x \ge t_r \\ x & t_l < x < t_r \\ t_l + a_l(x - t_l) & x \le t_l \end{cases},\quad
              \partial_x f = a_r \text{ resp. } 1 \text{ resp. } a_l,\quad \partial_x^2 f = 0,\quad
              \partial_{t_r} f = 1 - a_r,\ \partial_{a_r} f = x - t_r\ (x \ge t_r),\quad \partial_{t_l} f = 1 - a_l,\ \partial_{a_l} f = x - t_l\ (x \le t_l),\quad
              \partial_x\partial_{a_r} f = 1,\ \partial_{t_r}\partial_{a_r} f = -1\ (x \ge t_r)
    """

    tensor_params = ("t_left", "a_left", "t_right", "a_right")
    initial = {"t_left": "t_left_init", "a_left": "a_left_init", "t_right": "t_right_init", "a_right": "a_right_init"}
    channels = "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "t_left_init": Param(0.0, "initial left threshold t_l", finite, "finite"),
        "a_left_init": Param(0.2, "initial left slope a_l", finite, "finite", sample=(0.0, 0.5)),
        "t_right_init": Param(1.0, "initial right threshold t_r (> t_l)", finite, "finite"),
        "a_right_init": Param(1.0, "initial right slope a_r", finite, "finite", sample=(0.0, 1.5)),
    }
    formula = r"\mathrm{SReLU}(x) = \begin{cases} t_r + a_r (x - t_r) & x \ge t_r \\ x & t_l < x < t_r \\ t_l + a_l (x - t_l) & x \le t_l \end{cases}"
    reference = "Jin, Xu, Feng, Wei, Xiong & Yan, Deep learning with S-shaped rectified linear activation units (AAAI 2016), arXiv:1512.07030"
    x_range = (-3.0, 3.0)
    plot_params = (
        {"t_left_init": 0.0, "a_left_init": 0.2, "t_right_init": 1.0, "a_right_init": 1.0},
        {"t_left_init": -1.0, "a_left_init": 0.2, "t_right_init": 1.0, "a_right_init": 0.2},
    )
    kink_convention = (
        "x = t_r takes the right piece (f' = a_r), x = t_l the left one (f' = a_l); where t_l >= t_r the right "
        "piece wins. The defaults are the leaky ReLU (t_l = 0, a_r = 1) the paper starts from, a_l = 0.2"
    )

    @classmethod
    def relations(cls, **p: Any) -> None:
        if "t_left_init" in p and "t_right_init" in p and not p["t_left_init"] < p["t_right_init"]:
            raise ParameterError(
                f"SReLU: t_left_init must be < t_right_init, got {p['t_left_init']} and {p['t_right_init']}"
            )

    def forward(x: Tensor, tl: Tensor | float, al: Tensor | float, tr: Tensor | float, ar: Tensor | float) -> Tensor:
        right, left = x >= tr, x <= tl
        return torch.where(right, tr + _lin(ar, x - tr), torch.where(left, tl + _lin(al, x - tl), x))

    @classmethod
    def partials(cls, x: Tensor, tl: Tensor, al: Tensor, tr: Tensor, ar: Tensor, second: bool = False):
        right = x >= tr
        left = (x <= tl) & ~right
        r, lf = right.to(x.dtype), left.to(x.dtype)
        d = [
            torch.where(right, ar, torch.where(left, al, torch.ones_like(x))),
            lf * (1.0 - al),
            torch.where(left, x - tl, 0.0),
            r * (1.0 - ar),
            torch.where(right, x - tr, 0.0),
        ]
        if not second:
            return d, {}
        return d, {(0, 2): lf, (0, 4): r, (1, 2): -lf, (3, 4): -r}

    @classmethod
    def kinks(cls, t_left_init: float = 0.0, t_right_init: float = 1.0, **_: Any) -> tuple[float, ...]:
        return (t_left_init, t_right_init)


@register
class APL(PointwiseParametric, function="apl"):
    r"""Adaptive piecewise linear unit: ReLU plus S learnable hinges a_s max(0, b_s - x).

    .. math:: f(x) = \max(0, x) + \sum_{s=1}^{S} a_s \max(0, b_s - x),\quad
              \partial_x f = [x > 0] - \sum_s a_s [x < b_s],\quad \partial_x^2 f = 0,\quad
              \partial_{a_s} f = \max(0, b_s - x),\ \partial_{b_s} f = a_s [x < b_s],\quad
              \partial_x\partial_{a_s} f = -[x < b_s],\ \partial_{a_s}\partial_{b_s} f = [x < b_s]
    """

    tensor_params = ("a", "b")
    coefficients = ("a", "b")
    channels = "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "hinges": Param(2, "number of hinges S", lambda v: integer(v) and v >= 1, "an int >= 1"),
        "slope": Param(0.0, "initial slope a_s of every hinge (0: ReLU)", finite, "finite"),
        "spread": Param(1.0, "initial hinge positions b_s: evenly spaced on [-spread, spread]", finite, "finite"),
    }
    formula = r"\mathrm{APL}(x) = \max(0, x) + \sum_{s=1}^{S} a_s \max(0, b_s - x)"
    reference = "Agostinelli, Hoffman, Sadowski & Baldi, Learning activation functions to improve deep neural networks (ICLR 2015 workshop), arXiv:1412.6830"
    x_range = (-3.0, 3.0)
    plot_params = ({"slope": 0.5}, {"slope": -0.5})
    kink_convention = "max(0, .)'(0) = 0 at every hinge and at 0 (torch's relu): f'(0) excludes the ReLU's 1, f'(b_s) excludes hinge s"

    @classmethod
    def initial_values(cls, **p: Any) -> dict[str, float | tuple[float, ...]]:
        return {"a": (float(p["slope"]),) * p["hinges"], "b": _spaced(p["hinges"], float(p["spread"]))}

    def forward(x: Tensor, a: Tensor, b: Tensor) -> Tensor:
        x64, a, b = _float64(x, a, b)  # float32 in float64: the hinges' sum cancels where f crosses 0
        out = torch.clamp(x64, min=0.0)
        for s in range(a.shape[-1]):
            out = out + _lin(a[..., s], torch.clamp(b[..., s] - x64, min=0.0))
        return out.to(x.dtype)

    @classmethod
    def partials(cls, x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        k = a.shape[-1]
        below = [(x < b[..., s]).to(x.dtype) for s in range(k)]
        dx = (x > 0.0).to(x.dtype) - sum(a[..., s] * below[s] for s in range(k))
        d = [dx, *(torch.clamp(b[..., s] - x, min=0.0) for s in range(k)), *(a[..., s] * below[s] for s in range(k))]
        if not second:
            return d, {}
        h: Hessian = {}
        for s in range(k):
            h[(0, 1 + s)] = -below[s]
            h[(1 + s, 1 + k + s)] = below[s]
        return d, h

    @classmethod
    def kinks(cls, hinges: int = 2, spread: float = 1.0, **_: Any) -> tuple[float, ...]:
        return tuple(sorted({0.0, *_spaced(hinges, spread)}))


def _spaced(n: int, spread: float) -> tuple[float, ...]:
    return (0.0,) if n == 1 else tuple(-spread + 2.0 * spread * i / (n - 1) for i in range(n))


@register
class AReLU(PointwiseParametric, function="arelu"):
    r"""Attention-based ReLU: a learnable positive amplification 1 + sigma(beta) and a learnable negative slope clamp(alpha, 0.01, 0.99).

    .. math:: f(x) = (1 + \sigma(\beta))\max(0, x) - C(\alpha)\max(0, -x),\ C(\alpha) = \min(\max(\alpha, 0.01), 0.99),\quad
              \partial_x f = 1 + \sigma(\beta) \text{ resp. } C(\alpha),\quad \partial_x^2 f = 0,\quad
              \partial_\alpha f = x\,C'(\alpha)\ (x < 0),\ \partial_\beta f = x\,\sigma'(\beta)\ (x > 0),\quad
              \partial_\beta^2 f = x\,\sigma''(\beta),\ \partial_x\partial_\beta f = \sigma'(\beta),\ \partial_x\partial_\alpha f = C'(\alpha)
    """

    tensor_params = ("alpha", "beta")
    initial, channels = {"alpha": "alpha_init", "beta": "beta_init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "alpha_init": Param(
            0.9,
            "initial alpha (negative slope, clamped to [0.01, 0.99])",
            finite,
            "finite",
            sample=(0.1, 0.9),
        ),
        "beta_init": Param(2.0, "initial beta (positive gain 1 + sigma(beta))", finite, "finite", sample=(-2.0, 2.0)),
    }
    formula = r"\mathrm{AReLU}(x) = (1 + \sigma(\beta))\max(0, x) - \min(\max(\alpha, 0.01), 0.99)\max(0, -x)"
    reference = (
        "Chen, Chen, Song, Ren, Zeng & Xie, AReLU: attention-based rectified linear unit (2020), arXiv:2006.13858"
    )
    x_range = (-3.0, 3.0)
    plot_params = ({"alpha_init": 0.9, "beta_init": 2.0}, {"alpha_init": 0.2, "beta_init": -2.0})
    kink_convention = (
        "f'(0) = 0 (autograd of the reference relu(x)(1 + sigmoid(beta)) - relu(-x) clamp(alpha)); "
        "C'(alpha) = 1 on the closed interval [0.01, 0.99] (torch.clamp's), 0 outside"
    )

    def forward(x: Tensor, alpha: Tensor | float, beta: Tensor | float) -> Tensor:
        c = torch.clamp(torch.as_tensor(alpha, dtype=x.dtype), 0.01, 0.99)
        gain = 1.0 + m.sigmoid(torch.as_tensor(beta, dtype=x.dtype))
        return gain * torch.clamp(x, min=0.0) - c * torch.clamp(-x, min=0.0)

    @classmethod
    def partials(cls, x: Tensor, alpha: Tensor, beta: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        pos, neg = (x > 0.0).to(x.dtype), (x < 0.0).to(x.dtype)
        inside = ((alpha >= 0.01) & (alpha <= 0.99)).to(x.dtype)
        sp = m.sigmoid_prime(beta)
        d = [
            pos * (1.0 + m.sigmoid(beta)) + neg * torch.clamp(alpha, 0.01, 0.99),
            torch.where(x < 0.0, x, 0.0) * inside,
            torch.where(x > 0.0, x, 0.0) * sp,
        ]
        if not second:
            return d, {}
        return d, {
            (0, 1): neg * inside,
            (0, 2): pos * sp,
            (2, 2): torch.where(x > 0.0, x, 0.0) * (-sp * m.tanh(0.5 * beta)),
        }

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


# ---- ACON-C --------------------------------------------------------------------------------------------
def _swish_parts(u: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r""":math:`\sigma'(u)`, :math:`S_1 = \sigma + u\sigma'` (swish': _math.swish_prime, no cancellation near
    its zero at u = -1.28), :math:`1 - S_1 = \sigma(-u) - u\sigma'` (no cancellation) and
    :math:`S_2 = \sigma'(2 + u(1 - 2\sigma))` (swish''), u clipped where :math:`\sigma'` has underflowed."""
    uc = m.clip(u, 800.0)
    sp = m.sigmoid_prime(uc)
    return sp, m.swish_prime(u, 1.0), m.sigmoid(-u) - uc * sp, sp * (2.0 - uc * m.tanh(0.5 * uc))


@register
class ACON(PointwiseParametric, function="acon"):
    r"""ACON-C (activate or not): a learnable smooth switch between the slopes p1 and p2, its sharpness beta learnable too (p1 = 1, p2 = 0, beta = 1: Swish).

    .. math:: f(x) = (p_1 - p_2)x\,\sigma(\beta(p_1 - p_2)x) + p_2 x,\quad u = \beta(p_1 - p_2)x,\quad
              \partial_x f = (p_1 - p_2)S_1(u) + p_2,\ S_1 = \sigma + u\sigma',\quad
              \partial_x^2 f = \beta(p_1 - p_2)^2 S_2(u),\ S_2 = \sigma'(2 + u(1 - 2\sigma)),\quad
              \partial_{p_1} f = x S_1,\ \partial_{p_2} f = x(1 - S_1),\ \partial_\beta f = ((p_1 - p_2)x)^2\sigma'(u),\quad
              \partial_\beta^2 f = ((p_1 - p_2)x)^3\sigma''(u)
    """

    tensor_params = ("p1", "p2", "beta")
    initial, channels = {"p1": "p1_init", "p2": "p2_init", "beta": "beta_init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "p1_init": Param(1.0, "initial p1 (slope where the switch is on)", finite, "finite", sample=(0.5, 1.5)),
        "p2_init": Param(0.0, "initial p2 (slope where it is off)", finite, "finite", sample=(-0.5, 0.3)),
        "beta_init": Param(
            1.0,
            "initial beta (sharpness; -> inf: max(p1 x, p2 x))",
            finite,
            "finite",
            sample=(0.5, 2.0),
        ),
    }
    formula = r"\mathrm{ACON\text{-}C}(x) = (p_1 - p_2)\,x\,\sigma(\beta (p_1 - p_2) x) + p_2 x"
    reference = (
        "Ma, Zhang, Liu, Zhang & Sun, Activate or not: learning customized activation (CVPR 2021), arXiv:2009.04759"
    )
    x_range = (-5.0, 5.0)
    plot_params = (
        {"p1_init": 1.0, "p2_init": 0.0, "beta_init": 1.0},
        {"p1_init": 1.0, "p2_init": 0.25, "beta_init": 5.0},
    )
    kink_convention = (
        "smooth everywhere; the official code draws p1, p2 ~ N(0, 1) and beta = 1 per channel, the defaults here are "
        "the deterministic Swish point p1 = 1, p2 = 0, beta = 1"
    )

    def forward(x: Tensor, p1: Tensor | float, p2: Tensor | float, beta: Tensor | float) -> Tensor:
        x64, p1, p2, beta = _float64(x, p1, p2, beta)  # float32 in float64: sigma(u) is not subnormal above -104
        dp = p1 - p2
        z = dp * x64
        u = beta * z
        swish = safe_mul(z, m.sigmoid(u))  # z sigma(u): 0 where sigma has underflowed (z -> -inf side)
        inf = torch.isinf(x64)
        coef = torch.where(u > 0.0, p1, torch.where(u < 0.0, p2, 0.5 * dp + p2))  # the slope as x -> +-inf
        return torch.where(inf, _lin(coef, x64), swish + _lin(p2, x64)).to(x.dtype)

    @classmethod
    def partials(cls, x: Tensor, p1: Tensor, p2: Tensor, beta: Tensor, second: bool = False):
        x, p1, p2, beta = _float64(x, p1, p2, beta)
        dp = p1 - p2
        z = dp * x
        u = beta * z
        sp, s1, off, s2 = _swish_parts(u)
        d = [dp * s1 + p2, safe_mul(x, s1), safe_mul(x, off), safe_mul(safe_mul(z, z), sp)]
        if not second:
            return d, {}
        bx = beta * x
        xs2 = safe_mul(x, s2)
        spp = -sp * m.tanh(0.5 * m.clip(u, 800.0))
        h = {
            (0, 0): beta * dp * dp * s2,
            (0, 1): s1 + dp * safe_mul(bx, s2),
            (0, 2): off - dp * safe_mul(bx, s2),
            (0, 3): dp * safe_mul(z, s2),
            (1, 1): beta * safe_mul(x, xs2),
            (1, 2): -beta * safe_mul(x, xs2),
            (1, 3): safe_mul(z, xs2),
            (2, 2): beta * safe_mul(x, xs2),
            (2, 3): -safe_mul(z, xs2),
            (3, 3): safe_mul(safe_mul(safe_mul(z, z), z), spp),
        }
        return d, h


# ==== rational activations: PAU and Rational =======================================================
# PAU version B (safe), degrees 5/4: least-squares fits on [-3, 3] (ml-research/rational_activations,
# pau/paus_config.json "PAU_version_B5/4"), numerator a_0..a_5, denominator b_1..b_4
PAU_INIT: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "leaky_relu": (
        (
            0.03355815890668059,
            0.5049940948281444,
            1.6534163637528791,
            2.0099850112036783,
            0.9318900490866645,
            0.1524224383838956,
        ),
        (-5.748546580824416e-05, 3.9802477853818083, -4.2529808614931225e-05, 0.3018338162009311),
    ),
    "relu": (
        (
            0.033897129202224346,
            0.4999985439606278,
            1.6701363611130988,
            1.9901021632350815,
            0.9413089613384323,
            0.1509133373584318,
        ),
        (-2.1040152094202414e-05, 3.980247851167207, -3.166344237241501e-05, 0.30183382300945066),
    ),
    "tanh": (
        (
            2.1172949817857366e-09,
            0.9999942495075363,
            6.276332768876106e-07,
            0.10770864506559906,
            2.946556898117109e-08,
            0.000871124373591946,
        ),
        (6.376908337817277e-07, 0.44101418051922986, 2.2747661404467182e-07, 0.014581039909092108),
    ),
    "sigmoid": (
        (
            0.5000000002774382,
            0.2500039727332485,
            0.05544474230118124,
            0.006888449237990345,
            0.00048491391666921244,
            1.5646015289718136e-05,
        ),
        (7.956371345839366e-06, 0.11088550952772189, 7.76547864226066e-07, 0.0009697684428133153),
    ),
    "gelu": (
        (
            -0.0004221071456647063,
            0.49999955516606254,
            0.40270535451115536,
            0.07366976895222031,
            -0.012954788054484537,
            -0.0037414002583076983,
        ),
        (4.9585381197087913e-05, 0.1472977407631199, 1.1645825701440633e-05, -0.007483871514842074),
    ),
    "swish": (
        (
            3.2597006782059475e-07,
            0.500000007624051,
            0.2500169540800127,
            0.05327519598927768,
            0.005804580590860159,
            0.00027529600705133663,
        ),
        (3.917294261258692e-05, 0.1065308384054887, 3.7991514117509955e-06, 0.0005503052126186067),
    ),
}


# Boullé et al.'s best (3, 2) rational approximation of ReLU on [-1, 1]: a_0..a_3, b_0..b_2
RATIONAL_INIT = ((0.0218, 0.5, 1.5957, 1.1915), (1.0, 0.0, 2.383))


class _Monomials:
    """x^j / max(1, |x|)^n for j = 0..top, and 1 / max(1, |x|)^n."""

    def __init__(self, x: Tensor, n: int, top: int):
        big = x.abs() > 1.0
        xs, xb = torch.where(big, 0.0, x), torch.where(big, x, 1.0)
        small = [torch.ones_like(x)]
        for _ in range(top):
            small.append(small[-1] * xs)
        large = [torch.ones_like(x)] * (top + 1)
        large[n] = torch.sign(xb) ** n
        for j in range(n - 1, -1, -1):
            large[j] = large[j + 1] / xb
        for j in range(n + 1, top + 1):
            large[j] = large[j - 1] * xb
        self.pw = [torch.where(big, lg, sm) for lg, sm in zip(large, small)]
        self.inv_scale = torch.where(big, (1.0 / xb).abs() ** n, 1.0)

    def __getitem__(self, j: int) -> Tensor:
        return self.pw[j]


class _RationalUnit(PointwiseParametric):
    """F = P/Q with coefficient tensors ``numerator`` (a_0..a_m) and ``denominator`` (b_start..b_n)."""

    tensor_params = ("numerator", "denominator")
    coefficients = ("numerator", "denominator")
    channels = "num_parameters"
    safe: ClassVar[bool]  # PAU's Q = 1 + |B|, B without a constant term; else Q = B
    start: ClassVar[int]  # the power of the first denominator coefficient

    @classmethod
    def _parts(cls, x: Tensor, a: Tensor, b: Tensor) -> dict[str, Any]:
        ma, nb = a.shape[-1] - 1, b.shape[-1] - 1 + cls.start
        pw = _Monomials(x, nb, max(ma, nb))
        aj = [a[..., j] for j in range(ma + 1)]
        bk = [(c + cls.start, b[..., c]) for c in range(b.shape[-1])]
        p = sum(aj[j] * pw[j] for j in range(ma + 1))
        p1 = sum(j * aj[j] * pw[j - 1] for j in range(1, ma + 1))
        p2 = sum(j * (j - 1) * aj[j] * pw[j - 2] for j in range(2, ma + 1))
        bs = sum(bc * pw[k] for k, bc in bk)
        b1 = sum(k * bc * pw[k - 1] for k, bc in bk if k >= 1)
        b2 = sum(k * (k - 1) * bc * pw[k - 2] for k, bc in bk if k >= 2)
        sg = torch.sign(bs) if cls.safe else torch.ones_like(x)
        q = pw.inv_scale + bs.abs() if cls.safe else bs + torch.zeros_like(x)
        q1, q2 = sg * b1, sg * b2
        f = p / q
        fx = (p1 - f * q1) / q
        fxx = (p2 - 2.0 * fx * q1 - f * q2) / q
        return {"pw": pw, "ma": ma, "bk": bk, "q": q, "q1": q1, "sg": sg, "f": f, "fx": fx, "fxx": fxx}

    @classmethod
    def _value(cls, x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        return [cls._parts(x, a, b)["f"]], {}

    @classmethod
    def partials(cls, x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        return with_limits(cls._partials, m.in_float64(x), m.in_float64(a), m.in_float64(b), second=second)

    @classmethod
    def _partials(cls, x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        r = cls._parts(x, a, b)
        pw, q, q1, sg, f, fx = r["pw"], r["q"], r["q1"], r["sg"], r["f"], r["fx"]
        ma, bk = r["ma"], r["bk"]
        aa = [pw[j] / q for j in range(ma + 1)]
        xk = [pw[k] / q for k, _ in bk]
        d = [fx, *aa, *(-sg * f * xkk for xkk in xk)]
        if not second:
            return d, {}
        ia, ib = 1, 2 + ma  # first variable index of the numerator and of the denominator coefficients
        h: Hessian = {(0, 0): r["fxx"]}
        for j in range(ma + 1):
            dj = j * pw[j - 1] / q if j >= 1 else torch.zeros_like(x)
            h[(0, ia + j)] = dj - aa[j] * q1 / q
            for c in range(len(bk)):
                h[(ia + j, ib + c)] = -sg * aa[j] * xk[c]
        for c, (k, _) in enumerate(bk):
            dk = k * pw[k - 1] / q if k >= 1 else torch.zeros_like(x)
            h[(0, ib + c)] = -sg * (fx * xk[c] + f * dk - f * xk[c] * q1 / q)
            for e in range(c, len(bk)):
                h[(ib + c, ib + e)] = 2.0 * f * sg * sg * xk[c] * xk[e]
        return d, h


def _pau_value(x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
    return PAU._value(x, a, b)


def _rational_value(x: Tensor, a: Tensor, b: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
    return Rational._value(x, a, b)


@register
class PAU(_RationalUnit, function="pau"):
    r"""Padé activation unit, safe form, degrees 5/4: a learnable rational function without poles, initialised to approximate leaky ReLU.

    .. math:: f(x) = \frac{\sum_{j=0}^{5} a_j x^j}{1 + \left|\sum_{k=1}^{4} b_k x^k\right|},\quad
              f' = \frac{P' - f Q'}{Q},\ Q' = \operatorname{sign}(B)B',\quad f'' = \frac{P'' - 2f'Q' - f Q''}{Q},\quad
              \partial_{a_j} f = \frac{x^j}{Q},\ \partial_{b_k} f = -\operatorname{sign}(B)\frac{f x^k}{Q},\ \partial_{b_k}\partial_{b_l} f = \frac{2f x^{k+l}}{Q^2}
    """

    safe, start = True, 1
    params = {
        "num_parameters": CHANNELS,
        "approx_func": Param(
            "leaky_relu", "the function the initial coefficients approximate on [-3, 3]", lambda v: v in PAU_INIT,
            "one of " + ", ".join(PAU_INIT), sample=tuple(PAU_INIT), type=str,
        ),
    }  # fmt: skip
    formula = r"\mathrm{PAU}(x) = \frac{\sum_{j=0}^{5} a_j x^j}{1 + \left|\sum_{k=1}^{4} b_k x^k\right|}"
    reference = (
        "Molina, Schramowski & Kersting, Padé activation units: end-to-end learning of flexible activation functions "
        "in deep networks (ICLR 2020), arXiv:1907.06732; initial coefficients from ml-research/rational_activations (version B)"
    )
    x_range = (-3.0, 3.0)
    plot_params = ({"approx_func": "leaky_relu"}, {"approx_func": "tanh"}, {"approx_func": "gelu"})
    kink_convention = "|B|'(0) = 0 at the zeros of B (torch.abs's subgradient); x = 0 is one (F' jumps by 2|b_1| F(0))"

    @classmethod
    def initial_values(cls, **p: Any) -> dict[str, float | tuple[float, ...]]:
        num, den = PAU_INIT[p["approx_func"]]
        return {"numerator": num, "denominator": den}

    def forward(x: Tensor, a: Tensor, b: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        (f,), _ = with_limits(_pau_value, x64, m.in_float64(a), m.in_float64(b))
        return torch.where(torch.isnan(x64), x64, f).to(x.dtype)

    @classmethod
    def kinks(cls, approx_func: str = "leaky_relu", **_: Any) -> tuple[float, ...]:
        """The real zeros of B (x = 0 among them) at the initial coefficients."""
        _, den = PAU_INIT[approx_func]
        roots = np.roots([*reversed(den), 0.0])
        return tuple(sorted({0.0, *(float(r.real) for r in roots if abs(r.imag) < 1e-12)}))


@register
class Rational(_RationalUnit, function="rational"):
    r"""Rational activation, degrees 3/2: a learnable ratio of a cubic and a quadratic, initialised to the best rational approximation of ReLU on [-1, 1].

    .. math:: f(x) = \frac{a_0 + a_1 x + a_2 x^2 + a_3 x^3}{b_0 + b_1 x + b_2 x^2},\quad
              f' = \frac{P' - f Q'}{Q},\quad f'' = \frac{P'' - 2f'Q' - f Q''}{Q},\quad
              \partial_{a_j} f = \frac{x^j}{Q},\ \partial_{b_k} f = -\frac{f x^k}{Q},\ \partial_{b_k}\partial_{b_l} f = \frac{2f x^{k+l}}{Q^2}

    Q is not kept away from 0: a learned denominator may get real zeros (poles).
    """

    safe, start = False, 0
    params = {"num_parameters": CHANNELS}
    formula = r"\mathrm{Rational}(x) = \frac{a_0 + a_1 x + a_2 x^2 + a_3 x^3}{b_0 + b_1 x + b_2 x^2}"
    reference = "Boullé, Nakatsukasa & Townsend, Rational neural networks (NeurIPS 2020), arXiv:2004.01902"
    x_range = (-3.0, 3.0)

    @classmethod
    def initial_values(cls, **p: Any) -> dict[str, float | tuple[float, ...]]:
        return {"numerator": RATIONAL_INIT[0], "denominator": RATIONAL_INIT[1]}

    def forward(x: Tensor, a: Tensor, b: Tensor) -> Tensor:
        x64 = m.in_float64(x)
        (f,), _ = with_limits(_rational_value, x64, m.in_float64(a), m.in_float64(b))
        return torch.where(torch.isnan(x64), x64, f).to(x.dtype)
