r"""Family "normalizer": maps along ``dim`` whose rows sum to 1 (or their log). torch.nn's Softmax,
Softmin, LogSoftmax and Softmax2d; the sparse maps Sparsemax and 1.5-entmax (exact, sort-based,
with top-k), alpha-entmax by bisection with a learnable alpha (EntmaxBisect, a
:class:`~actlab.kinds.ParametricNormalizer`), and two maps written with the input x
(:class:`~actlab.kinds.VectorMap`): SoLU (x times its softmax) and timm's RadixSoftmax.

The max is subtracted before exponentiating (never the min), and log-softmax is computed by
log-sum-exp with the sum of all but one maximal entry in log1p. The derivatives are written with the
output y (the normalisers save it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from .._math import pick
from ..errors import ParameterError, ShapeError
from ..kinds import Normalizer, Param, ParametricNormalizer, VectorMap, integer
from ..registry import register
from .grouped import CHANNELS
from .sigmoidal import Sigmoid

IMPLICIT_DIM = Param(
    None,
    "dimension to normalise over (None: torch's legacy implicit choice)",
    lambda v: v is None or integer(v),
    "an int or None",
    type=int,
)


# ==== torch.nn's normalisers: Softmax, Softmin, LogSoftmax, Softmax2d ==============================
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
    top = pick(posinf.sum(dim, keepdim=True) == 1, 0.0, float("nan"), x)
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
class Softmax(Normalizer, function="softmax", in_torch=True):
    r"""Softmax along ``dim``.

    .. math:: y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j,\quad
              J^\top g = J g = y \odot (g - \langle g, y\rangle),\quad
              \partial y_i/\partial x_j = y_i(\delta_{ij} - y_j),\quad
              \partial^2 y_i/\partial x_j \partial x_k = y_i(\delta_{ij} - y_j)(\delta_{ik} - y_k) - y_i y_j(\delta_{jk} - y_k)
    """

    params = {"dim": IMPLICIT_DIM}
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
class Softmin(Normalizer, function="softmin", in_torch=True):
    r"""Softmin along ``dim``: softmax(-x).

    .. math:: y_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}},\quad J^\top g = J g = -y \odot (g - \langle g, y\rangle),\quad
              \partial y_i/\partial x_j = -y_i(\delta_{ij} - y_j),\quad
              \partial^2 y_i/\partial x_j \partial x_k = y_i(\delta_{ij} - y_j)(\delta_{ik} - y_k) - y_i y_j(\delta_{jk} - y_k)
    """

    params = {"dim": IMPLICIT_DIM}
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
class LogSoftmax(Normalizer, function="log_softmax", in_torch=True):
    r"""Log-softmax along ``dim`` via log-sum-exp.

    .. math:: y_i = x_i - m - \log\sum_j e^{x_j - m},\quad p = e^y,\quad
              J^\top g = g - p\textstyle\sum_j g_j,\quad J t = t - \langle p, t\rangle,\quad
              \partial y_i/\partial x_j = \delta_{ij} - p_j,\quad \partial^2 y_i/\partial x_j \partial x_k = -p_j(\delta_{jk} - p_k)
    """

    params = {"dim": IMPLICIT_DIM}
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
class Softmax2d(Normalizer, function="softmax2d", in_torch=True):
    r"""Softmax over channels at every spatial location: Softmax(dim=-3) of (C, H, W) or (N, C, H, W).

    .. math:: y_c = \frac{e^{x_c}}{\sum_{c'} e^{x_{c'}}} \text{ at each } (h, w),\quad
              \partial y_c/\partial x_d = y_c(\delta_{cd} - y_d),\quad
              \partial^2 y_c/\partial x_d \partial x_e = y_c(\delta_{cd} - y_d)(\delta_{ce} - y_e) - y_c y_d(\delta_{de} - y_e)
    """

    formula = r"\mathrm{Softmax2d}(x)_{c,h,w} = \frac{e^{x_{c,h,w}}}{\sum_{c'} e^{x_{c',h,w}}}"
    reference = "torch.nn.Softmax2d"
    forward = Softmax.forward
    vjp = Softmax.vjp
    jvp = Softmax.jvp
    vjp2 = Softmax.vjp2
    vjp_jvp = Softmax.vjp_jvp


# ==== Sparsemax and 1.5-entmax =====================================================================
# Sparse normalisers: Sparsemax and 1.5-entmax (exact, sort-based), with hand-derived first
# and second derivatives.
#
# Both are projections onto the simplex that give exact zeros. With the support S (y > 0):
#
# * sparsemax: :math:`y = [z - \tau]_+`, :math:`J = \mathrm{diag}(s) - s s^\top/|S|`, so
#   :math:`J^\top g = s \odot (g - \overline{g}_S)`. J is constant on each support, so the second
#   derivative is 0: ``vjp2`` returns :math:`J\,gg` for g and 0 for y.
# * 1.5-entmax: :math:`y = [z/2 - \tau]_+^2`, with :math:`u = \sqrt{y}`:
#   :math:`J = \mathrm{diag}(u) - u u^\top/\textstyle\sum u`, so
#   :math:`J^\top g = u \odot (g - \langle u, g\rangle/\sum u)`. Differentiating
#   :math:`w = \langle gg, J^\top g\rangle` in u gives :math:`(gg - \langle u, gg\rangle/\sum u)
#   \odot (g - \langle u, g\rangle/\sum u)`, and :math:`du/dy = 1/(2u)` on S (0 off S; the
#   factor u of the next J cancels it). The entmax package's entmax15 (1.3) differentiates
#   sqrt(y) at y = 0 instead and fails gradgradcheck.
#
# The operator saves only the output. The threshold tau comes from the support found by the sort (Peters et al.'s
# algorithm); for entmax15 it is then recomputed from the support alone (two-pass mean and sum
# of squares: the cumulative mean of squares minus the squared mean cancels). Rows with +inf give the uniform
# distribution over their +inf entries (the limit); NaN propagates to its row.
DIM = Param(-1, "dimension to normalise over", integer, "an int")


def shifted(x: Tensor, dim: int) -> Tensor:
    """x - max along ``dim``; a row whose max is +inf becomes 0 at its +inf entries, -inf elsewhere."""
    mx = torch.amax(x, dim, keepdim=True)
    posinf = torch.isposinf(mx)
    z = x - torch.where(posinf, 0.0, mx)
    return torch.where(posinf, m.pick(torch.isposinf(x), 0.0, float("-inf"), z), z)


def _topk_ok(v: object) -> bool:
    return v is None or (integer(v) and v >= 1)


K = Param(
    None,
    "partial sort: only the k largest entries are sorted, k doubling while a support fills them "
    "(None: a full sort); the result does not depend on k",
    _topk_ok,
    "None or an int >= 1",
    type=int,
    optional=True,
)


def _ranks(z: Tensor, dim: int, k: int | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """The ``k`` largest entries of z sorted descending along ``dim`` (all with k None or >= n), the
    sort indices, and 1..k shaped to broadcast."""
    n = z.size(dim)
    zs, idx = torch.sort(z, dim, descending=True) if k is None or k >= n else torch.topk(z, k, dim)
    shape = [1] * z.dim()
    shape[dim] = zs.size(dim)
    ranks = torch.arange(1, zs.size(dim) + 1, dtype=z.dtype, device=z.device).view(shape)
    return zs, idx, ranks


def _support_mask(z: Tensor, idx: Tensor, ranks: Tensor, size: Tensor, dim: int) -> Tensor:
    """The top-``size`` entries along ``dim`` (by the sort indices) as a boolean mask shaped like z."""
    return torch.zeros_like(z, dtype=torch.bool).scatter(dim, idx, ranks <= size)


def _partial(size_of, z: Tensor, dim: int, k: int | None) -> tuple[Tensor, Tensor]:
    """The support (mask, size) by ``size_of(sorted, ranks)`` on the k largest entries, doubling k
    while a row's support takes all k of them (it may extend beyond: entmax's top-k schedule)."""
    if not _topk_ok(k):  # k < 1 would never fill a support: the doubling would not end
        raise ParameterError(f"k must be None or an int >= 1, got {k!r}")
    n = z.size(dim)
    while True:
        zs, idx, ranks = _ranks(z, dim, k)
        size = size_of(zs, ranks, dim)
        if k is None or k >= n or not bool((size == k).any()):
            return _support_mask(z, idx, ranks, size, dim), size
        k = 2 * k


def _sparsemax_size(zs: Tensor, ranks: Tensor, dim: int) -> Tensor:
    cs = zs.cumsum(dim)
    return (1.0 + ranks * zs > cs).sum(dim, keepdim=True).clamp(min=1)  # 0 only in NaN rows


def _entmax15_size(zs: Tensor, ranks: Tensor, dim: int) -> Tensor:
    mean = zs.cumsum(dim) / ranks
    mean_sq = (zs * zs).cumsum(dim) / ranks
    tau_k = mean - torch.sqrt(torch.clamp((1.0 - ranks * (mean_sq - mean * mean)) / ranks, min=0.0))
    return (tau_k <= zs).sum(dim, keepdim=True)


def sparsemax_threshold_and_support(x: Tensor, dim: int = -1, k: int | None = None) -> tuple[Tensor, Tensor]:
    r"""The threshold :math:`\tau` with :math:`\sum_i [x_i - \tau]_+ = 1` along ``dim`` and the support
    size (both with ``dim`` kept, size 1), for x as given (sparsemax calls it with x - max). ``k``:
    partial sorting as the entmax package (the result does not depend on it, bit for bit: tau is
    computed from the support set)."""
    mask, size = _partial(_sparsemax_size, x, dim, k)
    total = torch.where(mask, x, 0.0).sum(dim, keepdim=True)
    return (total - 1.0) / size, size


def entmax15_threshold_and_support(x: Tensor, dim: int = -1, k: int | None = None) -> tuple[Tensor, Tensor]:
    r"""The threshold :math:`\tau` with :math:`\sum_i [x_i - \tau]_+^2 = 1` along ``dim`` and the support
    size (``dim`` kept), for x as given (1.5-entmax calls it with (x - max) / 2). The support is
    found on the sorted entries (Peters et al.); tau is then recomputed from the support alone
    (two-pass mean and sum of squares), so it does not depend on ``k``."""
    mask, size = _partial(_entmax15_size, x, dim, k)
    mean = torch.where(mask, x, 0.0).sum(dim, keepdim=True) / size
    dev = torch.where(mask, x - mean, 0.0)
    ss = (dev * dev).sum(dim, keepdim=True)
    return mean - torch.sqrt(torch.clamp((1.0 - ss) / size, min=0.0)), size


def _as_rows(fn, x: Tensor, dim: int, k: int | None = None) -> Tensor:  # noqa: ANN001
    """Run ``fn`` on a 1-element vector for 0-d input (the result is 1, as softmax's), pass empty input."""
    if x.numel() == 0:
        return x.clone()
    if x.dim() == 0:
        return fn(x.reshape(1), 0, k).reshape(())
    return fn(x, dim, k)


def _sparsemax(x: Tensor, dim: int, k: int | None) -> Tensor:
    z = shifted(x, dim)
    tau, _ = sparsemax_threshold_and_support(z, dim, k)
    return torch.clamp(z - tau, min=0.0)


def _entmax15(x: Tensor, dim: int, k: int | None) -> Tensor:
    z = shifted(x, dim) / 2.0
    tau, _ = entmax15_threshold_and_support(z, dim, k)
    u = torch.clamp(z - tau, min=0.0)
    return u * u


def sparsemax_vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
    """J^T g = s * (g - mean of g over the support)."""
    s = y > 0.0
    mean = torch.where(s, g, 0.0).sum(dim, keepdim=True) / s.sum(dim, keepdim=True)
    return torch.where(s, g - mean, 0.0)


def entmax15_vjp(g: Tensor, y: Tensor, dim: int) -> Tensor:
    """J^T g = u * (g - <u, g> / sum u), u = sqrt(y)."""
    u = torch.sqrt(y)
    return u * (g - (u * g).sum(dim, keepdim=True) / u.sum(dim, keepdim=True))


@register
class Sparsemax(Normalizer, function="sparsemax"):
    r"""Sparsemax along ``dim``: the Euclidean projection of x onto the probability simplex.

    .. math:: y = [x - \tau]_+,\ \textstyle\sum_i y_i = 1,\quad
              J^\top g = J g = s \odot (g - \overline{g}_S),\ s = [y > 0],\quad \text{second derivative } 0
    """

    params = {"dim": DIM, "k": K}
    formula = r"\mathrm{Sparsemax}(x) = \operatorname*{argmin}_{p \in \Delta} \lVert p - x \rVert^2 = [x - \tau]_+"
    reference = "Martins & Astudillo, From softmax to sparsemax (ICML 2016)"

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        return cls.params

    def forward(x: Tensor, dim: int, k: int | None = None) -> Tensor:
        return _as_rows(_sparsemax, x, dim, k)

    def vjp(g: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        return sparsemax_vjp(g, y, dim)

    def jvp(t: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        return sparsemax_vjp(t, y, dim)

    def vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int, k: int | None = None) -> tuple[Tensor, Tensor]:
        """J is symmetric and constant on each support: d/dg = J gg, d/dy = 0."""
        return sparsemax_vjp(gg, y, dim), torch.zeros_like(y)

    def vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        return sparsemax_vjp(tg, y, dim)  # J does not move with y inside a support


@register
class Entmax15(Normalizer, function="entmax15"):
    r"""1.5-entmax along ``dim`` (exact, sort-based): sparse like sparsemax, smooth like softmax.

    .. math:: y = [x/2 - \tau]_+^2,\ \textstyle\sum_i y_i = 1,\quad
              J^\top g = J g = u \odot (g - \langle u, g\rangle / \textstyle\sum u),\ u = \sqrt{y},\quad
              \text{second derivative on the support: } \partial (J^\top g)/\partial y = (gg - \langle u, gg\rangle/\textstyle\sum u) \odot (g - \langle u, g\rangle/\textstyle\sum u) / 2u
    """

    params = {"dim": DIM, "k": K}
    formula = r"\mathrm{Entmax}_{1.5}(x) = \left[\tfrac{x}{2} - \tau\right]_+^2,\ \textstyle\sum_i y_i = 1"
    reference = "Peters, Niculae & Martins, Sparse sequence-to-sequence models (ACL 2019)"

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        return cls.params

    def forward(x: Tensor, dim: int, k: int | None = None) -> Tensor:
        return _as_rows(_entmax15, x, dim, k)

    def vjp(g: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        return entmax15_vjp(g, y, dim)

    def jvp(t: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        return entmax15_vjp(t, y, dim)

    def vjp2(gg: Tensor, g: Tensor, y: Tensor, dim: int, k: int | None = None) -> tuple[Tensor, Tensor]:
        """d/dg <gg, J^T g> = J gg (J symmetric); d/dy = (gg - <u,gg>/S)(g - <u,g>/S) / (2u) on S."""
        u = torch.sqrt(y)
        total = u.sum(dim, keepdim=True)
        cg = g - (u * g).sum(dim, keepdim=True) / total
        cgg = gg - (u * gg).sum(dim, keepdim=True) / total
        s = y > 0.0
        return u * cgg, torch.where(s, cgg * cg / (2.0 * torch.where(s, u, 1.0)), 0.0)

    def vjp_jvp(tg: Tensor, ty: Tensor, g: Tensor, y: Tensor, dim: int, k: int | None = None) -> Tensor:
        r"""d[u (g - c)] with c = <u, g>/U, U = sum u and du = ty / 2u on the support (0 off it):
        :math:`J\,tg + du\,(g - c) - u\,(\langle du, g\rangle - c \sum du)/U`."""
        s = y > 0.0
        u = torch.sqrt(y)
        total = u.sum(dim, keepdim=True)
        c = (u * g).sum(dim, keepdim=True) / total
        du = torch.where(s, ty / (2.0 * torch.where(s, u, 1.0)), 0.0)
        dc = ((du * g).sum(dim, keepdim=True) - c * du.sum(dim, keepdim=True)) / total
        return entmax15_vjp(tg, y, dim) + du * (g - c) - u * dc


# ==== alpha-entmax by bisection (EntmaxBisect) =====================================================
# alpha-entmax for any alpha > 0 (alpha != 1) by bisection, with a learnable alpha: a
# :class:`~actlab.kinds.ParametricNormalizer`.
#
# With :math:`\beta = \alpha - 1` and x shifted by its maximum (x <= 0), the map is
#
# .. math:: y_i = [1 + \beta(x_i - \rho)]_+^{1/\beta},\quad \textstyle\sum_i y_i = 1,
#
# the entmax package's :math:`[(\alpha - 1)x - \tau]_+^{1/(\alpha-1)}` with :math:`\tau = \beta(\max x + \rho) - 1`
# (Peters et al. 2019). Written this way :math:`y_i = \exp(\operatorname{log1p}(\beta(x_i - \rho))/\beta)` tends to
# softmax as alpha -> 1 without cancellation. The root :math:`\rho \in [0, (1 - d^{-\beta})/\beta]` is bracketed
# (the top entry is 1 at the left end, every entry at most 1/d at the right end; d counts the entries > -inf),
# bisected ``n_iter``
# times and polished by two Newton steps on the support (kept inside the bracket), so float64
# reaches full precision: alpha = 1.5 agrees with the sort-based Entmax15 and alpha = 2 with Sparsemax
# to a few units of float64's epsilon.
#
# Derivatives (support S = {y > 0}, :math:`s = y^{2-\alpha}` on S, 0 off it, :math:`U = \sum s`):
#
# * :math:`J_x^\top g = J_x g = s \odot (g - c_g)`, :math:`c_g = \langle s, g\rangle / U`;
# * :math:`\partial y_i/\partial\alpha = v_i = \frac{1}{\beta}\bigl[\frac{y_i - s_i/U}{\beta} - y_i\ell_i + \frac{s_i}{U}H\bigr]`,
#   :math:`\ell = \log y`, :math:`H = \sum y\ell` (Correia et al. 2019). The bracket cancels as alpha -> 1;
#   ``alpha_direction`` evaluates it as :math:`\frac{y_i}{S}\bigl[-\ell_i^2\psi_i + \langle\ell^2\psi\rangle + \ell_i(\langle\ell\varphi\rangle - \varphi_i H)\bigr]`
#   with :math:`t = -\beta\ell`, :math:`\varphi = \operatorname{expm1}(t)/t`, :math:`\psi = (\operatorname{expm1}(t) - t)/t^2`,
#   :math:`S = 1 - \beta\langle\ell\varphi\rangle`, :math:`\langle\cdot\rangle = \sum y\,\cdot` (exact, no cancellation);
# * second order: with y held fixed (the operator chains y's own dependence), the partials of
#   :math:`\langle gg_x, J^\top g\rangle + gg_\alpha\langle g, v\rangle` in y and alpha through
#   :math:`\partial s/\partial y = (1-\beta)s/y`, :math:`\partial s/\partial\alpha = -s\ell` (``vjp2``, ``vjp_jvp``). These
#   closed forms lose relative accuracy like :math:`\epsilon/(\alpha - 1)^2` as alpha -> 1 (alpha = 1 itself is
#   softmax: rejected with a clear error). For alpha > 1.5 the second derivative in x is unbounded where
#   an entry enters the support (:math:`d^2 y/dx^2 \sim y^{1 - 2\beta}`): a property of the map.
#
# Off the support every derivative is 0 (the convention of Sparsemax and Entmax15). alpha is a number
# or a tensor with size 1 along ``dim`` (one alpha per row, as the entmax package); its gradient is
# summed to its shape.
PSI_CUT = 0.5  # below |t|, psi(t) = (expm1(t) - t)/t^2 by its series (the closed form cancels)


_PSI_SERIES = tuple(1.0 / math.factorial(n + 2) for n in range(18))


def _alpha_ok(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0 and v != 1


def check_alpha(alpha: Tensor) -> None:
    """ParameterError unless every alpha is finite, > 0 and != 1 (skipped inside torch.func
    transforms, where the values are not inspectable)."""
    if torch._C._functorch.is_functorch_wrapped_tensor(alpha) or alpha.device.type == "meta":
        return
    bad = ~torch.isfinite(alpha) | (alpha <= 0) | (alpha == 1)
    if bool(bad.any()):
        raise ParameterError(
            f"EntmaxBisect: alpha must be finite, > 0 and != 1 (alpha = 1 is softmax), got {alpha[bad].flatten()[0].item()!r}"
        )


def _phi(t: Tensor) -> Tensor:
    r""":math:`\operatorname{expm1}(t)/t` (1 at t = 0)."""
    zero = t == 0
    return torch.where(zero, 1.0, torch.expm1(t) / torch.where(zero, 1.0, t))


def _psi(t: Tensor) -> Tensor:
    r""":math:`(\operatorname{expm1}(t) - t)/t^2` (1/2 at 0), by its series below ``PSI_CUT``."""
    small = t.abs() < PSI_CUT
    u = torch.where(small, t, 0.0)
    acc = torch.full_like(u, _PSI_SERIES[-1])
    for c in reversed(_PSI_SERIES[:-1]):
        acc = acc * u + c
    w = torch.where(small, 1.0, t)
    return torch.where(small, acc, (torch.expm1(w) - w) / (w * w))


def _power(z: Tensor, rho: Tensor, beta: Tensor) -> Tensor:
    r""":math:`[1 + \beta(z - \rho)]_+^{1/\beta}` as :math:`\exp(\operatorname{log1p}(\beta(z - \rho))/\beta)`; NaN stays NaN."""
    u = beta * (z - rho)
    inside = u > -1.0
    p = torch.exp(torch.log1p(torch.where(inside, u, 0.0)) / beta)
    return torch.where(inside, p, torch.where(torch.isnan(u), u, 0.0))


def _slope(p: Tensor, beta: Tensor) -> Tensor:
    r""":math:`p^{1-\beta}` on the support (p > 0), 0 off it: :math:`-\partial p/\partial\rho`, and s of the Jacobian."""
    on = p > 0.0
    return torch.where(on, torch.pow(torch.where(on, p, 1.0), 1.0 - beta), 0.0)


def _solve(z: Tensor, beta: Tensor, dim: int, n_iter: int) -> Tensor:
    """rho with sum [1 + beta (z - rho)]_+^(1/beta) = 1 for z <= 0 (max 0): bisection, then Newton. The
    bracket's d counts the entries > -inf (a masked entry changes nothing)."""
    d = (z > float("-inf")).sum(dim, keepdim=True).clamp(min=1).to(z.dtype)
    width = -torch.expm1(-beta * torch.log(d)) / beta
    lo = torch.zeros_like(width)
    for _ in range(n_iter):
        width = width / 2.0
        mid = lo + width
        excess = _power(z, mid, beta).sum(dim, keepdim=True) - 1.0
        lo = torch.where(excess >= 0.0, mid, lo)
    hi = lo + width
    rho = lo + width / 2.0
    for _ in range(2):  # Newton on the support: d(sum p)/d rho = -sum p^(1 - beta)
        p = _power(z, rho, beta)
        slope = _slope(p, beta).sum(dim, keepdim=True)
        rho = torch.clamp(rho + (p.sum(dim, keepdim=True) - 1.0) / slope, min=lo, max=hi)
    return rho


def _entmax_bisect(x: Tensor, alpha: Tensor, dim: int, n_iter: int, ensure_sum_one: bool) -> Tensor:
    if x.numel() == 0:
        return x.clone()
    if x.dim() == 0:
        return torch.ones_like(x)
    beta = alpha - 1.0
    z = shifted(x, dim)
    p = _power(z, _solve(z, beta, dim, n_iter), beta)
    return p / p.sum(dim, keepdim=True) if ensure_sum_one else p


def entmax_bisect_threshold(x: Tensor, alpha: Tensor | float = 1.5, dim: int = -1, n_iter: int = 50) -> Tensor:
    r"""The entmax package's threshold :math:`\tau` of :math:`y = [(\alpha - 1)x - \tau]_+^{1/(\alpha-1)}` along
    ``dim`` (kept, size 1): :math:`\tau = (\alpha - 1)(\max x + \rho)`` - 1."""
    alpha = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
    check_alpha(alpha)
    beta = alpha - 1.0
    mx = torch.amax(x, dim, keepdim=True)
    return beta * (mx + _solve(x - mx, beta, dim, n_iter)) - 1.0


def _parts(y: Tensor, beta: Tensor, dim: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Support mask, log y (0 off it), s = y^(1 - beta) (0 off it) and U = sum s."""
    on = y > 0.0
    ell = torch.log(torch.where(on, y, 1.0))
    s = torch.where(on, torch.exp((1.0 - beta) * ell), 0.0)
    return on, ell, s, s.sum(dim, keepdim=True)


def alpha_direction(y: Tensor, beta: Tensor, dim: int) -> Tensor:
    r""":math:`v = \partial y/\partial\alpha` in the cancellation-free form of the module docstring."""
    on, ell, _, _ = _parts(y, beta, dim)
    t = -beta * ell
    phi, psi = _phi(t), _psi(t)
    yl = torch.where(on, y * ell, 0.0)
    p_ = (yl * phi).sum(dim, keepdim=True)
    q_ = (yl * ell * psi).sum(dim, keepdim=True)
    h_ = yl.sum(dim, keepdim=True)
    total = 1.0 - beta * p_
    return torch.where(on, y / total * (q_ - ell * ell * psi + ell * (p_ - phi * h_)), 0.0)


def _row(t: Tensor, dim: int) -> Tensor:
    return t.sum(dim, keepdim=True)


class _Second:
    """The partials of <gg_x, J^T g> + gg_a <g, v> (and of the vjp outputs) in y and alpha, y held
    fixed: the shared pieces of ``vjp2`` and ``vjp_jvp``."""

    def __init__(self, g: Tensor, y: Tensor, beta: Tensor, dim: int):
        self.dim, self.beta = dim, beta
        self.on, self.ell, self.s, self.u = _parts(y, beta, dim)
        self.g, self.y = g, y
        self.cg = _row(self.s * g, dim) / self.u
        self.h = _row(torch.where(self.on, y * self.ell, 0.0), dim)
        self.k = -1.0 / (beta * beta) + self.h / beta  # d<g, v>/d c_g
        self.ds_dy = torch.where(self.on, (1.0 - beta) * self.s / torch.where(self.on, y, 1.0), 0.0)

    def direct_y(self) -> Tensor:
        """d<g, v>/dy with s held: g/beta^2 - (g - c_g)(log y + 1)/beta on the support."""
        b = self.beta
        return torch.where(self.on, self.g / (b * b) - (self.g - self.cg) * (self.ell + 1.0) / b, 0.0)

    def direct_beta(self) -> Tensor:
        """d<g, v>/d alpha with y and s held."""
        b, dim = self.beta, self.dim
        gy = _row(self.g * self.y, dim)
        gl = _row(torch.where(self.on, self.g * self.y * self.ell, 0.0), dim)
        return -2.0 / (b * b * b) * (gy - self.cg) + (gl - self.cg * self.h) / (b * b)


@register
class EntmaxBisect(ParametricNormalizer, function="entmax_bisect"):
    r"""alpha-entmax along ``dim`` for any alpha > 0 (alpha != 1) by bisection; alpha learnable.

    .. math:: y = [1 + (\alpha - 1)(x - \rho)]_+^{1/(\alpha-1)},\ \textstyle\sum_i y_i = 1,\quad
              J_x^\top g = s \odot (g - \langle s, g\rangle/\textstyle\sum s),\ s = y^{2-\alpha},\quad
              \partial y/\partial\alpha = \frac{1}{\alpha-1}\left[\frac{y - s/\sum s}{\alpha - 1} - y\log y + \frac{s}{\sum s}\sum y\log y\right],\quad
              \text{second derivatives: } \partial s/\partial y = (2 - \alpha)s/y,\ \partial s/\partial\alpha = -s\log y
    """

    tensor_params = ("alpha",)
    initial = {"alpha": "alpha"}
    params = {
        "alpha": Param(
            1.5,
            "alpha > 0, != 1 (-> 1: softmax, 1.5: Entmax15, 2: Sparsemax); learnable (the functional form also takes a tensor with size 1 along dim: one alpha per row)",
            _alpha_ok,
            "> 0 and != 1",
            sample=(1.1, 2.5),
        ),
        "dim": DIM,
        "n_iter": Param(
            50, "bisection steps (two Newton steps follow)", lambda v: integer(v) and v >= 1, "an int >= 1"
        ),
        "ensure_sum_one": Param(True, "divide by the sum at the end", None, "a bool", type=bool),
    }
    formula = r"\alpha\text{-entmax}(x) = \left[1 + (\alpha - 1)(x - \rho)\right]_+^{1/(\alpha - 1)},\ \textstyle\sum_i y_i = 1"
    reference = (
        "Peters, Niculae & Martins, Sparse sequence-to-sequence models (ACL 2019); "
        "Correia, Niculae & Martins, Adaptively sparse transformers (EMNLP 2019): the gradient in alpha"
    )
    plot_params = ({"alpha": 1.25}, {"alpha": 1.5}, {"alpha": 2.0})
    kink_convention = "off the support (y = 0) every derivative is 0, as Sparsemax's and Entmax15's"

    def forward(x: Tensor, alpha: Tensor, dim: int, n_iter: int = 50, ensure_sum_one: bool = True) -> Tensor:
        check_alpha(alpha)
        return _entmax_bisect(x, alpha, dim, n_iter, ensure_sum_one)

    def vjp(g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any) -> tuple[Tensor, Tensor]:
        beta = alpha - 1.0
        _, _, s, total = _parts(y, beta, dim)
        gx = s * (g - _row(s * g, dim) / total)
        ga = _row(g * alpha_direction(y, beta, dim), dim)
        return gx, ga.sum_to_size(alpha.shape)

    def jvp(ts: tuple[Tensor, Tensor], y: Tensor, alpha: Tensor, dim: int, **_: Any) -> Tensor:
        tx, ta = ts
        beta = alpha - 1.0
        _, _, s, total = _parts(y, beta, dim)
        return s * (tx - _row(s * tx, dim) / total) + alpha_direction(y, beta, dim) * ta

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any):
        ggx, gga = ggs
        beta = alpha - 1.0
        d = _Second(g, y, beta, dim)
        cgg = _row(d.s * ggx, dim) / d.u
        grad_g = d.s * (ggx - cgg) + gga * alpha_direction(y, beta, dim)
        by_s = (ggx - cgg) * (g - d.cg) + gga * d.k * (g - d.cg) / d.u  # d/ds of the whole
        grad_y = torch.where(d.on, by_s * d.ds_dy + gga * d.direct_y(), 0.0)
        grad_a = -_row(by_s * d.s * d.ell, dim) + gga * d.direct_beta()
        return grad_g, grad_y, grad_a.sum_to_size(alpha.shape)

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any):
        ty, ta = ts
        beta = alpha - 1.0
        d = _Second(g, y, beta, dim)
        ds = d.ds_dy * ty - d.s * d.ell * ta
        dcg = (_row(ds * (g - d.cg), dim) + _row(d.s * tg, dim)) / d.u
        gx = ds * (g - d.cg) + d.s * (tg - dcg)
        v = alpha_direction(y, beta, dim)
        ga = _row(tg * v + d.direct_y() * ty + d.k * (g - d.cg) / d.u * ds, dim) + d.direct_beta() * ta
        return gx, ga.sum_to_size(alpha.shape)


# ==== SoLU and RadixSoftmax: softmax-based maps written with x =====================================
# Softmax-based maps along ``dim`` written with the input x (:class:`~actlab.kinds.VectorMap`):
# SoLU (x times its softmax) and timm's RadixSoftmax (softmax across the radix groups of split
# attention). Both are built on the softmax declaration's own math
# (:mod:`actlab.activations.normalizers`: the stable forward, :math:`J^\top g`, and its second
# derivatives), with :math:`\sigma` = softmax(x) recomputed from the saved x.
def _solu_parts(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    r""":math:`\sigma` = softmax(x) and x where it counts: 0 where :math:`\sigma = 0` (x = -inf: the limit
    :math:`x e^x \to 0`) and at +inf (the one-hot limit: there :math:`y = x` and the Jacobian is its unit)."""
    if x.dim() == 0:
        x = x.reshape(1)
    sig = softmax_forward(x, dim)
    return sig, torch.where((sig > 0.0) & torch.isfinite(x), x, 0.0)


@register
class SoLU(VectorMap, function="solu"):
    r"""Softmax linear unit: x times the softmax of x along ``dim`` (the transformer MLP activation of Elhage et al., followed there by a LayerNorm).

    .. math:: y = x \odot \sigma,\ \sigma = \mathrm{softmax}(x),\quad
              J^\top g = g \odot \sigma + \sigma \odot (g \odot x - \langle \sigma, g \odot x\rangle),\quad
              J t = t \odot \sigma + x \odot \sigma \odot (t - \langle \sigma, t\rangle),\quad
              \text{second derivatives: through } \partial\sigma_i/\partial x_j = \sigma_i(\delta_{ij} - \sigma_j)
    """

    params = {"dim": Param(-1, "dimension of the softmax (features: -1)", integer, "an int")}
    formula = r"\mathrm{SoLU}(x) = x \odot \mathrm{softmax}(x)"
    reference = "Elhage et al., Softmax linear units (Transformer Circuits Thread, 2022)"
    x_range = (-6.0, 4.0)

    def forward(x: Tensor, dim: int) -> Tensor:
        if x.numel() == 0:
            return x.clone()
        sig, _ = _solu_parts(x, dim)
        return (torch.where(sig > 0.0, x.reshape(sig.shape), 0.0) * sig).reshape(x.shape)

    def vjp(g: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        g = g.reshape(sig.shape)
        return (g * sig + softmax_vjp(g * xs, sig, dim)).reshape(x.shape)

    def jvp(t: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        t = t.reshape(sig.shape)
        return (t * sig + xs * softmax_vjp(t, sig, dim)).reshape(x.shape)

    def vjp2(gg: Tensor, g: Tensor, x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        """<gg, g sigma + J_sigma (g x)>: d/dg = gg sigma + (J_sigma gg) x; d/dx through sigma and the explicit x."""
        sig, xs = _solu_parts(x, dim)
        gg, g = gg.reshape(sig.shape), g.reshape(sig.shape)
        d_gx, d_sig = softmax_vjp2(gg, g * xs, sig, dim)
        grad_g = gg * sig + d_gx * xs
        grad_x = softmax_vjp(gg * g + d_sig, sig, dim) + torch.where(
            torch.isfinite(x).reshape(sig.shape), d_gx * g, 0.0
        )
        return grad_g.reshape(x.shape), grad_x.reshape(x.shape)

    def vjp_jvp(tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        tg, tx, g = tg.reshape(sig.shape), tx.reshape(sig.shape), g.reshape(sig.shape)
        dsig = softmax_vjp(tx, sig, dim)
        txs = torch.where(torch.isfinite(x).reshape(sig.shape), tx, 0.0)
        out = tg * sig + g * dsig + softmax_vjp_jvp(tg * xs + g * txs, dsig, g * xs, sig, dim)
        return out.reshape(x.shape)


class _Radix:
    """The views of RadixSoftmax: x along ``dim`` as (cardinality, radix, rest), the softmax over
    radix, and the output laid out as (radix, cardinality, rest) (timm's transpose)."""

    def __init__(self, x: Tensor, dim: int, radix: int, cardinality: int):
        if x.dim() == 0:
            raise ShapeError("radix_softmax: expected an input with at least one dimension, got a scalar")
        self.d = d = dim % x.dim()
        n = x.size(d)
        if n % (radix * cardinality):
            raise ShapeError(
                f"radix_softmax: the size of dim {d} ({n}) is not a multiple of radix * cardinality = {radix * cardinality}"
            )
        self.sizes = (cardinality, radix, n // (radix * cardinality))

    def grouped(self, t: Tensor) -> Tensor:
        """An x-shaped tensor as (cardinality, radix, rest)."""
        return t.unflatten(self.d, self.sizes)

    def ungrouped(self, t: Tensor) -> Tensor:
        return t.flatten(self.d, self.d + 2)

    def out(self, t: Tensor) -> Tensor:
        """(cardinality, radix, rest) to the output layout (radix-major)."""
        return t.transpose(self.d, self.d + 1).flatten(self.d, self.d + 2)

    def back(self, g: Tensor) -> Tensor:
        """An output-shaped tensor as (cardinality, radix, rest)."""
        c, r, rest = self.sizes
        return g.unflatten(self.d, (r, c, rest)).transpose(self.d, self.d + 1)


@register
class RadixSoftmax(VectorMap, function="radix_softmax"):
    r"""Split-attention softmax (ResNeSt, timm): the softmax across the ``radix`` splits of each of ``cardinality`` groups, output radix-major; a sigmoid when radix = 1.

    .. math:: y_{r, c, i} = \frac{e^{x_{c, r, i}}}{\sum_{r'} e^{x_{c, r', i}}},\quad
              J^\top g = \sigma \odot (g - \langle \sigma, g\rangle_r),\quad
              \partial^2 y/\partial x^2 = \text{softmax's second derivative over } r\ (\sigma'' \text{ for radix } 1)
    """

    params = {
        "dim": CHANNELS,
        "radix": Param(2, "splits per group (1: a sigmoid)", lambda v: integer(v) and v >= 1, "an int >= 1"),
        "cardinality": Param(1, "groups", lambda v: integer(v) and v >= 1, "an int >= 1"),
    }
    formula = r"\mathrm{RadixSoftmax}(x)_{r,c} = \mathrm{softmax}_r(x_{c,r})"
    reference = "Zhang et al., ResNeSt: split-attention networks (2020); timm (Wightman), RadixSoftmax"
    hidden = False  # attention weights over splits, not a hidden-layer activation
    x_range = (-6.0, 6.0)

    @classmethod
    def out_size(cls, n: int, radix: int = 2, cardinality: int = 1, **_: Any) -> int:
        if n % (radix * cardinality):
            raise ShapeError(
                f"radix_softmax: the size of dim ({n}) is not a multiple of radix * cardinality = {radix * cardinality}"
            )
        return n

    def forward(x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return Sigmoid.f(x)
        v = _Radix(x, dim, radix, cardinality)
        return v.out(softmax_forward(v.grouped(x), v.d + 1))

    def vjp(g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return g * Sigmoid.df(x)
        v = _Radix(x, dim, radix, cardinality)
        sig = softmax_forward(v.grouped(x), v.d + 1)
        return v.ungrouped(softmax_vjp(v.back(g), sig, v.d + 1))

    def jvp(t: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return t * Sigmoid.df(x)
        v = _Radix(x, dim, radix, cardinality)
        sig = softmax_forward(v.grouped(x), v.d + 1)
        return v.out(softmax_vjp(v.grouped(t), sig, v.d + 1))

    def vjp2(gg: Tensor, g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> tuple[Tensor, Tensor]:
        if radix == 1:
            return gg * Sigmoid.df(x), gg * g * Sigmoid.d2f(x)
        v = _Radix(x, dim, radix, cardinality)
        a = v.d + 1
        sig = softmax_forward(v.grouped(x), a)
        d_g, d_sig = softmax_vjp2(v.grouped(gg), v.back(g), sig, a)
        return v.out(d_g), v.ungrouped(softmax_vjp(d_sig, sig, a))

    def vjp_jvp(tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return tg * Sigmoid.df(x) + g * Sigmoid.d2f(x) * tx
        v = _Radix(x, dim, radix, cardinality)
        a = v.d + 1
        sig = softmax_forward(v.grouped(x), a)
        tsig = softmax_vjp(v.grouped(tx), sig, a)
        return v.ungrouped(softmax_vjp_jvp(v.back(tg), tsig, v.back(g), sig, a))
