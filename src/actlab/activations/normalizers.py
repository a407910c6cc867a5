"""Normalisers over a dimension: Softmax, Softmin, LogSoftmax, Softmax2d.

The max is subtracted before exponentiating (never the min), and log-softmax is
x - max - log(sum(exp(x - max))), so nothing overflows. Backward saves only the output.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..registry import register
from ..spec import Activation, Param

DIM = Param(
    None,
    "dimension to normalise over (None: torch's legacy implicit choice)",
    lambda v: v is None or isinstance(v, int),
    "an int or None",
)


def shifted_exact(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """z = x - max as an unevaluated sum hi + lo (Knuth's TwoSum): the rounding of x - max,
    up to half an ulp of |z| <= 100, would shift e^z by up to 2^-18 (64 ulps) otherwise."""
    m = torch.amax(x, dim, keepdim=True)
    hi = x - m
    mv = hi - x  # the -m that made it into hi
    lo = (x - (hi - mv)) + (-m - mv)
    return hi, torch.where(torch.isfinite(hi), lo, 0.0)


def exp_shifted(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """e^(x - max) (with the TwoSum correction e^hi (1 + lo)) and hi + lo."""
    hi, lo = shifted_exact(x, dim)
    e = torch.exp(hi)
    return e + e * lo, hi


def softmax_forward(x: Tensor, dim: int) -> Tensor:
    if x.numel() == 0:
        return x.clone()
    e, _ = exp_shifted(x, dim)
    return e / e.sum(dim, keepdim=True)


def log_softmax_forward(x: Tensor, dim: int) -> Tensor:
    """(x - max) - log1p(sum of e^(x - max) over all but one maximal entry): log(sum) of a sum
    near 1 would lose every bit of the small terms (y_max = -log(1 + s) ~ -s)."""
    if x.numel() == 0:
        return x.clone()
    hi, lo = shifted_exact(x, dim)
    e = torch.exp(hi)
    top = torch.zeros_like(x, dtype=torch.bool).scatter_(dim, torch.argmax(x, dim, keepdim=True), True)
    rest = torch.where(top, 0.0, e + e * lo).sum(dim, keepdim=True)
    return (hi - torch.log1p(rest)) + lo


def softmax_vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
    """J^T g for y = softmax(x): y * (g - <g, y>)."""
    return y * (g - (g * y).sum(dim, keepdim=True))


def softmax_vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int, needs: tuple[bool, ...]):
    """Derivatives of <gg, y * (g - <g, y>)> with respect to g and y."""
    s = (g * y).sum(dim, keepdim=True)
    t = (gg * y).sum(dim, keepdim=True)
    grad_g = y * (gg - t) if needs[0] else None
    grad_y = gg * (g - s) - g * t if needs[1] else None
    return grad_g, grad_y


@register
class Softmax(Activation):
    r"""Softmax along ``dim``.

    .. math:: y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j,\quad
              J^\top g = y \odot (g - \langle g, y\rangle)
    """

    function, torch_name, family = "softmax", "Softmax", "normalizer"
    kind = "normalizer"
    save = "output"
    params = {"dim": DIM}
    formula = r"\mathrm{Softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}"
    reference = "Bridle, Probabilistic interpretation of feedforward classification network outputs (1990)"

    def forward(x: Tensor, dim: int) -> tuple[Tensor, tuple[Tensor, ...]]:
        y = softmax_forward(x, dim)
        return y, (y,)

    def vjp(g: Tensor, y: Tensor, dim: int) -> tuple[Tensor]:
        return (softmax_vjp(g, y, dim),)

    def vjp2(ggs: tuple[Tensor], g: Tensor, y: Tensor, needs: tuple[bool, ...], dim: int):
        return softmax_vjp2(ggs[0], g, y, dim, needs)


@register
class Softmin(Activation):
    r"""Softmin along ``dim``: softmax(-x).

    .. math:: y_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}},\quad J^\top g = -y \odot (g - \langle g, y\rangle)
    """

    function, torch_name, family = "softmin", "Softmin", "normalizer"
    kind = "normalizer"
    save = "output"
    params = {"dim": DIM}
    formula = r"\mathrm{Softmin}(x)_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}}"
    reference = "torch.nn.Softmin"

    def forward(x: Tensor, dim: int) -> tuple[Tensor, tuple[Tensor, ...]]:
        y = softmax_forward(-x, dim)
        return y, (y,)

    def vjp(g: Tensor, y: Tensor, dim: int) -> tuple[Tensor]:
        return (-softmax_vjp(g, y, dim),)

    def vjp2(ggs: tuple[Tensor], g: Tensor, y: Tensor, needs: tuple[bool, ...], dim: int):
        grad_g, grad_y = softmax_vjp2(ggs[0], g, y, dim, needs)
        return (None if grad_g is None else -grad_g, None if grad_y is None else -grad_y)


@register
class LogSoftmax(Activation):
    r"""Log-softmax along ``dim`` via log-sum-exp.

    .. math:: y_i = x_i - m - \log\sum_j e^{x_j - m},\quad J^\top g = g - e^{y}\sum_j g_j
    """

    function, torch_name, family = "log_softmax", "LogSoftmax", "normalizer"
    kind = "normalizer"
    save = "output"
    params = {"dim": DIM}
    formula = r"\mathrm{LogSoftmax}(x)_i = \log\frac{e^{x_i}}{\sum_j e^{x_j}}"
    reference = "log-sum-exp with the max subtracted"

    def forward(x: Tensor, dim: int) -> tuple[Tensor, tuple[Tensor, ...]]:
        y = log_softmax_forward(x, dim)
        return y, (y,)

    def vjp(g: Tensor, y: Tensor, dim: int) -> tuple[Tensor]:
        """g - p G (p = e^y, G = sum g); where p > 1/2 as (g - G) - G expm1(y): with
        cross-entropy's g = -onehot that keeps 1 - p exact instead of rounding p first."""
        total = g.sum(dim, keepdim=True)
        big = y > -0.6931471805599453
        return (torch.where(big, (g - total) - total * torch.expm1(y), g - torch.exp(y) * total),)

    def vjp2(ggs: tuple[Tensor], g: Tensor, y: Tensor, needs: tuple[bool, ...], dim: int):
        (gg,) = ggs
        p = torch.exp(y)
        grad_g = gg - (gg * p).sum(dim, keepdim=True) if needs[0] else None
        grad_y = -gg * p * g.sum(dim, keepdim=True) if needs[1] else None
        return grad_g, grad_y


@register
class Softmax2d(Activation):
    r"""Softmax over channels at every spatial location: Softmax(dim=-3) of (C, H, W) or (N, C, H, W)."""

    function, torch_name, family = "softmax2d", "Softmax2d", "normalizer"
    kind = "normalizer"
    save = "output"
    formula = r"\mathrm{Softmax2d}(x)_{c,h,w} = \frac{e^{x_{c,h,w}}}{\sum_{c'} e^{x_{c',h,w}}}"
    reference = "torch.nn.Softmax2d"
    forward = Softmax.forward
    vjp = Softmax.vjp
    vjp2 = Softmax.vjp2
