"""Numerically stable building blocks written from elementary torch ops.

Every helper is finite wherever the true value is finite, and avoids cancellation:
the branch that would overflow is never evaluated on the unsafe half ("double where").
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

SQRT_2 = math.sqrt(2.0)
SQRT_1_2 = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def sigmoid(x: Tensor) -> Tensor:
    r""":math:`\sigma(x) = 1/(1+e^{-x})`, as :math:`e^x/(1+e^x)` for x < 0 (no overflow)."""
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(x: Tensor) -> Tensor:
    r""":math:`\sigma'(x) = \sigma(x)\sigma(-x) = e^{-|x|}/(1+e^{-|x|})^2` (no 1 - y cancellation)."""
    e = torch.exp(-x.abs())
    return e / ((1.0 + e) * (1.0 + e))


def tanh(x: Tensor) -> Tensor:
    r""":math:`\tanh x = \operatorname{sign}(x)\,\frac{-t}{2+t}`, :math:`t = \operatorname{expm1}(-2|x|)`."""
    t = torch.expm1(-2.0 * x.abs())
    return torch.copysign(-t / (2.0 + t), x)


def sech2(x: Tensor) -> Tensor:
    r""":math:`\operatorname{sech}^2 x = 1 - \tanh^2 x = 4e^{-2|x|}/(1+e^{-2|x|})^2`."""
    e = torch.exp(-2.0 * x.abs())
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def softplus(x: Tensor) -> Tensor:
    r""":math:`\log(1+e^x) = \max(x, 0) + \operatorname{log1p}(e^{-|x|})`."""
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))


def log_sigmoid(x: Tensor) -> Tensor:
    r""":math:`\log\sigma(x) = \min(x, 0) - \operatorname{log1p}(e^{-|x|})`."""
    return torch.clamp(x, max=0) - torch.log1p(torch.exp(-x.abs()))


def normal_cdf(x: Tensor) -> Tensor:
    r""":math:`\Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2)` (accurate in the left tail)."""
    return 0.5 * torch.erfc(-x * SQRT_1_2)


def normal_pdf(x: Tensor) -> Tensor:
    r""":math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`."""
    return INV_SQRT_2PI * torch.exp(-0.5 * x * x)


def safe(x: Tensor, cond: Tensor, fill: float = 0.0) -> Tensor:
    """``x`` where ``cond`` holds, else ``fill``: feeds a branch only values it can take."""
    return torch.where(cond, x, fill)


def clip(x: Tensor, bound: float) -> Tensor:
    """Clamp to [-bound, bound]: used where a term provably underflows to 0 beyond ``bound``
    (even in float64), so that inf * 0 never turns a finite limit into NaN."""
    return torch.clamp(x, -bound, bound)


def pick(cond: Tensor, a: Tensor | float, b: Tensor | float, like: Tensor) -> Tensor:
    """``torch.where(cond, a, b)`` in ``like``'s dtype even when both branches are Python
    numbers (plain ``torch.where`` would return the default dtype, float32)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = like.new_full((), a)
    return torch.where(cond, a, b)


# ---- accuracy helpers (see docs/accuracy.md) --------------------------------------------------
TAIL = -64.0  # below this, x * e^x is computed shifted into the normal range
_E_TAIL = math.exp(TAIL)


def exp_tail_times(a: Tensor, x: Tensor) -> Tensor:
    r""":math:`a\,e^{x}` for x < -64 without rounding :math:`e^x` to a subnormal first:
    :math:`(a\,e^{x + 64})\,e^{-64}` (x + 64 is exact there; one rounding into the subnormal
    range at the end). ``x`` must be clamped to >= -800 so that ``a`` stays finite."""
    return (a * torch.exp(x - TAIL)) * _E_TAIL


# Beyond these magnitudes the gate's derivative underflows to 0 even in float64, so clipping
# x there changes nothing but keeps inf * 0 from turning a finite limit into NaN.
EXP_UNDERFLOW = 800.0
GAUSS_UNDERFLOW = 40.0
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def silu_parts(z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """sigma(z), sigma'(z) and the clipped z used beside the"""
    zc = clip(z, EXP_UNDERFLOW)
    return sigmoid(z), sigmoid_prime(zc), zc


def swish(x: Tensor, beta: float) -> Tensor:
    r"""x sigma(beta x); for beta x < -64 as :math:`x e^{\beta x}` scaled out of the subnormals
    (there :math:`1 + e^{\beta x}` is 1 even in float64)."""
    xc = torch.clamp(x, min=-EXP_UNDERFLOW / max(abs(beta), 1e-30))
    z = beta * xc
    tail = z < TAIL
    return torch.where(tail, exp_tail_times(xc, torch.where(tail, z, 0.0)), xc * sigmoid(beta * x))


def swish_prime(x: Tensor, beta: float) -> Tensor:
    r""":math:`\sigma(z) + z\sigma'(z)`, z = beta x. For z <= 0 as
    :math:`e^z((1 + z) + e^z)/(1 + e^z)^2` (1 + z is exact near the zero of f' at z = -1.28, where
    :math:`1 + z\sigma(-z)` would cancel the rounding of :math:`z\sigma(-z)`);
    :math:`e^z (1 + z)` scaled for z < -64."""
    s, ds, zc = silu_parts(beta * x)
    tail = zc < TAIL
    zn = torch.clamp(zc, max=0.0)
    e = torch.exp(zn)
    neg = e * ((1.0 + zn) + e) / ((1.0 + e) * (1.0 + e))
    near = torch.where(zc <= 0.0, neg, s + zc * ds)
    return torch.where(tail, exp_tail_times(1.0 + zc, torch.where(tail, zc, 0.0)), near)


def in_float64(x: Tensor) -> Tensor:
    """float32 is computed in float64 where the float32 forms cannot reach a few ulps
    (the speed cost is measured in docs/accuracy.md); other dtypes are left as they are.
    Not while exporting to ONNX: onnxruntime lacks double kernels for some ops (Erf)."""
    onnx = torch.compiler.is_exporting() and torch.onnx.is_in_onnx_export()  # the first is cheap
    return x.double() if x.dtype == torch.float32 and not onnx else x


def _tanh_taylor() -> tuple[float, ...]:
    r"""Coefficients p_k of :math:`x - \tanh x = x^3 \sum_k p_k x^{2k}`, from
    :math:`\tanh' = 1 - \tanh^2` (exact rationals, rounded once)."""
    from fractions import Fraction

    t = [Fraction(1)]
    for k in range(1, 48):
        t.append(-sum(t[i] * t[k - 1 - i] for i in range(k)) / (2 * k + 1))
    return tuple(float(-c) for c in t[1:])


_TANH_TAYLOR = _tanh_taylor()


def x_minus_tanh(x: Tensor) -> Tensor:
    r""":math:`x - \tanh x` without cancellation: Taylor series :math:`x^3 P(x^2)` for
    :math:`|x| < c`, else :math:`\operatorname{sign}(x)((|x| - 1) + 2/(1 + e^{2|x|}))`
    (|x| - 1 exact, both terms >= 0 for |x| >= 1). c = 1 in float32 (19 terms), 0.5 otherwise."""
    cut, n = (1.0, 19) if x.dtype in (torch.float32, torch.float16, torch.bfloat16) else (0.5, 17)
    a = x.abs()
    small = a < cut
    u = torch.where(small, x, 0.0)
    u2 = u * u
    acc = torch.full_like(u2, _TANH_TAYLOR[n - 1])
    for c in reversed(_TANH_TAYLOR[: n - 1]):
        acc = acc * u2 + c
    series = u * (u2 * acc)
    al = torch.where(small, 1.0, a)
    far = (al - 1.0) + 2.0 / (1.0 + torch.exp(2.0 * al))
    if cut < 1.0:  # between cut and 1 the far form cancels; x - tanh x is correct to a few ulps there
        far = torch.where(al < 1.0, al - tanh(al), far)
    return torch.where(small, series, torch.copysign(far, x))


def keep_nan(x: Tensor, y: Tensor) -> Tensor:
    """``y`` with NaN wherever ``x`` is NaN: a piecewise form otherwise hands NaN the value of
    whichever branch its comparisons select."""
    return torch.where(torch.isnan(x), x, y)
