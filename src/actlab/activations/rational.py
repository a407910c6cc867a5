r"""Learnable rational activations: PAU (the "safe" Padé activation unit, degrees 5/4) and
Rational (Boullé et al., degrees 3/2), their polynomial coefficients ``coefficients`` tensors
(one row, or one row per channel).

Both are F = P/Q with :math:`P = \sum_j a_j x^j`; PAU's denominator is :math:`Q = 1 + |B|`,
:math:`B = \sum_{k \ge 1} b_k x^k` (no poles), Rational's :math:`Q = \sum_{k \ge 0} b_k x^k`. With
:math:`A_j = x^j/Q`, :math:`X_k = x^k/Q` and s = sign(B) (1 for Rational):

.. math:: F_x = \frac{P' - F Q'}{Q},\quad F_{xx} = \frac{P'' - 2F_x Q' - F Q''}{Q},\quad
          \partial_{a_j} F = A_j,\quad \partial_{b_k} F = -s F X_k,\quad
          \partial_{a_j}\partial_{b_k} F = -s A_j X_k,\quad \partial_{b_k}\partial_{b_l} F = 2F X_k X_l,\quad
          \partial_x\partial_{a_j} F = \frac{j x^{j-1} - A_j Q'}{Q},\quad
          \partial_x\partial_{b_k} F = -s\left(F_x X_k + F\frac{k x^{k-1}}{Q} - F X_k\frac{Q'}{Q}\right)

All of these are ratios of polynomials of the same degree, so they are evaluated with every
monomial divided by :math:`\max(1, |x|)^n` (n: the denominator's degree; the monomials above
it are built up by multiplication, those below by division): nothing overflows for any finite
x, in float64 (float32 inputs are computed in float64). At x = +-inf each quantity is its limit
(``with_limits``). At a zero of B, PAU takes :math:`|B|' = 0` (torch.abs's subgradient); the
zero at x = 0 is always one (a kink of F unless b_1 = 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Param
from .learnable import CHANNELS
from .pointwise import Hessian, PointwiseParametric, with_limits

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
class PAU(_RationalUnit):
    r"""Padé activation unit, safe form, degrees 5/4: a learnable rational function without poles, initialised to approximate leaky ReLU.

    .. math:: f(x) = \frac{\sum_{j=0}^{5} a_j x^j}{1 + \left|\sum_{k=1}^{4} b_k x^k\right|},\quad
              f' = \frac{P' - f Q'}{Q},\ Q' = \operatorname{sign}(B)B',\quad f'' = \frac{P'' - 2f'Q' - f Q''}{Q},\quad
              \partial_{a_j} f = \frac{x^j}{Q},\ \partial_{b_k} f = -\operatorname{sign}(B)\frac{f x^k}{Q},\ \partial_{b_k}\partial_{b_l} f = \frac{2f x^{k+l}}{Q^2}
    """

    function, family = "pau", "learnable"
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
class Rational(_RationalUnit):
    r"""Rational activation, degrees 3/2: a learnable ratio of a cubic and a quadratic, initialised to the best rational approximation of ReLU on [-1, 1].

    .. math:: f(x) = \frac{a_0 + a_1 x + a_2 x^2 + a_3 x^3}{b_0 + b_1 x + b_2 x^2},\quad
              f' = \frac{P' - f Q'}{Q},\quad f'' = \frac{P'' - 2f'Q' - f Q''}{Q},\quad
              \partial_{a_j} f = \frac{x^j}{Q},\ \partial_{b_k} f = -\frac{f x^k}{Q},\ \partial_{b_k}\partial_{b_l} f = \frac{2f x^{k+l}}{Q^2}

    Q is not kept away from 0: a learned denominator may get real zeros (poles).
    """

    function, family = "rational", "learnable"
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
