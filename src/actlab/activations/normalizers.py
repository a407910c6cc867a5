"""Normalisers over a dimension: Softmax, Softmin, LogSoftmax, Softmax2d.

The max is subtracted before exponentiating (never the min), and log-softmax is
x - max - log(sum(exp(x - max))), so nothing overflows. The operator saves only the output.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..registry import register
from ..spec import Normalizer, Param, integer

DIM = Param(
    None,
    "dimension to normalise over (None: torch's legacy implicit choice)",
    lambda v: v is None or integer(v),
    "an int or None",
    type=int,
)


def shifted_exact(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """z = x - max as an unevaluated sum hi + lo (Knuth's TwoSum): the rounding of x - max,
    up to half an ulp of |z| <= 100, would shift e^z by up to 2^-18 (64 ulps) otherwise.

    A row whose max is +inf has a limit when a single entry is +inf (z = 0 there, -inf
    elsewhere: softmax one-hot, log-softmax 0 and -inf); with several +inf entries it has none
    and the row is NaN, as torch's."""
    m = torch.amax(x, dim, keepdim=True)
    inf_row = torch.isposinf(m)
    hi = x - torch.where(inf_row, 0.0, m)
    mv = hi - x  # the -m that made it into hi
    lo = (x - (hi - mv)) + (-m - mv)
    posinf = torch.isposinf(x)
    top = torch.where(posinf.sum(dim, keepdim=True) == 1, 0.0, float("nan"))
    hi = torch.where(inf_row, torch.where(posinf, top, float("-inf")), hi)
    return hi, torch.where(torch.isfinite(hi) & ~inf_row, lo, 0.0)


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
    if x.dim() == 0:
        return log_softmax_forward(x.reshape(1), 0).reshape(())
    hi, lo = shifted_exact(x, dim)
    e = torch.exp(hi)
    shape = [1] * x.dim()
    shape[dim] = x.size(dim)
    top = torch.arange(x.size(dim), device=x.device).view(shape) == torch.argmax(hi, dim, keepdim=True)
    rest = torch.where(top, 0.0, e + e * lo).sum(dim, keepdim=True)
    return (hi - torch.log1p(rest)) + lo


def _dot(a: Tensor, b: Tensor, dim: int) -> Tensor:
    return (a * b).sum(dim, keepdim=True)


def softmax_vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
    """J^T g = J g for y = softmax(x) (J = diag(y) - y y^T is symmetric): y * (g - <g, y>)."""
    return y * (g - _dot(g, y, dim))


def softmax_vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """Derivatives of <gg, y * (g - <g, y>)> with respect to g and y."""
    s, t = _dot(g, y, dim), _dot(gg, y, dim)
    return y * (gg - t), gg * (g - s) - g * t


def softmax_vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int) -> Tensor:
    """The directional derivative of y * (g - <g, y>) along (tg, ty)."""
    return ty * (g - _dot(g, y, dim)) + y * (tg - _dot(tg, y, dim) - _dot(g, ty, dim))


@register
class Softmax(Normalizer):
    r"""Softmax along ``dim``.

    .. math:: y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j,\quad
              J^\top g = J g = y \odot (g - \langle g, y\rangle),\quad
              \partial y_i/\partial x_j = y_i(\delta_{ij} - y_j),\quad
              \partial^2 y_i/\partial x_j \partial x_k = y_i(\delta_{ij} - y_j)(\delta_{ik} - y_k) - y_i y_j(\delta_{jk} - y_k)
    """

    function, torch_name, family = "softmax", "Softmax", "normalizer"
    params = {"dim": DIM}
    formula = r"\mathrm{Softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}"
    reference = "Bridle, Probabilistic interpretation of feedforward classification network outputs (1990)"

    def forward(x: Tensor, dim: int) -> Tensor:
        return softmax_forward(x, dim)

    def vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
        return softmax_vjp(g, y, dim)

    def jvp(t: Tensor, y: Tensor, dim: int) -> Tensor:
        return softmax_vjp(t, y, dim)

    def vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        return softmax_vjp2(gg, g, y, dim)

    def vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int) -> Tensor:
        return softmax_vjp_jvp(tg, ty, g, y, dim)


@register
class Softmin(Normalizer):
    r"""Softmin along ``dim``: softmax(-x).

    .. math:: y_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}},\quad J^\top g = J g = -y \odot (g - \langle g, y\rangle),\quad
              \partial y_i/\partial x_j = -y_i(\delta_{ij} - y_j),\quad
              \partial^2 y_i/\partial x_j \partial x_k = y_i(\delta_{ij} - y_j)(\delta_{ik} - y_k) - y_i y_j(\delta_{jk} - y_k)
    """

    function, torch_name, family = "softmin", "Softmin", "normalizer"
    params = {"dim": DIM}
    formula = r"\mathrm{Softmin}(x)_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}}"
    reference = "torch.nn.Softmin"

    def forward(x: Tensor, dim: int) -> Tensor:
        return softmax_forward(-x, dim)

    def vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
        return -softmax_vjp(g, y, dim)

    def jvp(t: Tensor, y: Tensor, dim: int) -> Tensor:
        return -softmax_vjp(t, y, dim)

    def vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        grad_g, grad_y = softmax_vjp2(gg, g, y, dim)
        return -grad_g, -grad_y

    def vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int) -> Tensor:
        return -softmax_vjp_jvp(tg, ty, g, y, dim)


@register
class LogSoftmax(Normalizer):
    r"""Log-softmax along ``dim`` via log-sum-exp.

    .. math:: y_i = x_i - m - \log\sum_j e^{x_j - m},\quad p = e^y,\quad
              J^\top g = g - p\textstyle\sum_j g_j,\quad J t = t - \langle p, t\rangle,\quad
              \partial y_i/\partial x_j = \delta_{ij} - p_j,\quad \partial^2 y_i/\partial x_j \partial x_k = -p_j(\delta_{jk} - p_k)
    """

    function, torch_name, family = "log_softmax", "LogSoftmax", "normalizer"
    params = {"dim": DIM}
    formula = r"\mathrm{LogSoftmax}(x)_i = \log\frac{e^{x_i}}{\sum_j e^{x_j}}"
    reference = "log-sum-exp with the max subtracted"

    def forward(x: Tensor, dim: int) -> Tensor:
        return log_softmax_forward(x, dim)

    def vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
        """g - p G (p = e^y, G = sum g); where p > 1/2 as (g - G) - G expm1(y): with
        cross-entropy's g = -onehot that keeps 1 - p exact instead of rounding p first."""
        total = g.sum(dim, keepdim=True)
        big = y > -0.6931471805599453
        return torch.where(big, (g - total) - total * torch.expm1(y), g - torch.exp(y) * total)

    def jvp(t: Tensor, y: Tensor, dim: int) -> Tensor:
        return t - _dot(torch.exp(y), t, dim)

    def vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        p = torch.exp(y)
        return gg - _dot(gg, p, dim), -gg * p * g.sum(dim, keepdim=True)

    def vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int) -> Tensor:
        p = torch.exp(y)
        return tg - p * tg.sum(dim, keepdim=True) - p * ty * g.sum(dim, keepdim=True)


@register
class Softmax2d(Normalizer):
    r"""Softmax over channels at every spatial location: Softmax(dim=-3) of (C, H, W) or (N, C, H, W).

    .. math:: y_c = \frac{e^{x_c}}{\sum_{c'} e^{x_{c'}}} \text{ at each } (h, w),\quad
              \partial y_c/\partial x_d = y_c(\delta_{cd} - y_d),\quad
              \partial^2 y_c/\partial x_d \partial x_e = y_c(\delta_{cd} - y_d)(\delta_{ce} - y_e) - y_c y_d(\delta_{de} - y_e)
    """

    function, torch_name, family = "softmax2d", "Softmax2d", "normalizer"
    formula = r"\mathrm{Softmax2d}(x)_{c,h,w} = \frac{e^{x_{c,h,w}}}{\sum_{c'} e^{x_{c',h,w}}}"
    reference = "torch.nn.Softmax2d"
    forward = Softmax.forward
    vjp = Softmax.vjp
    jvp = Softmax.jvp
    vjp2 = Softmax.vjp2
    vjp_jvp = Softmax.vjp_jvp
