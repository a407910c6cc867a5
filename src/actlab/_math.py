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
