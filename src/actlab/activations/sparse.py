r"""Sparse normalisers: Sparsemax and 1.5-entmax (exact, sort-based), with hand-derived first
and second derivatives.

Both are projections onto the simplex that give exact zeros. With the support S (y > 0):

* sparsemax: :math:`y = [z - \tau]_+`, :math:`J = \mathrm{diag}(s) - s s^\top/|S|`, so
  :math:`J^\top g = s \odot (g - \overline{g}_S)`. J is constant on each support, so the second
  derivative is 0: ``vjp2`` returns :math:`J\,gg` for g and 0 for y.
* 1.5-entmax: :math:`y = [z/2 - \tau]_+^2`, with :math:`u = \sqrt{y}`:
  :math:`J = \mathrm{diag}(u) - u u^\top/\textstyle\sum u`, so
  :math:`J^\top g = u \odot (g - \langle u, g\rangle/\sum u)`. Differentiating
  :math:`w = \langle gg, J^\top g\rangle` in u gives :math:`(gg - \langle u, gg\rangle/\sum u)
  \odot (g - \langle u, g\rangle/\sum u)`, and :math:`du/dy = 1/(2u)` on S (0 off S; the
  factor u of the next J cancels it). The entmax package's entmax15 (1.3) differentiates
  sqrt(y) at y = 0 instead and fails gradgradcheck.

The operator saves only the output. The threshold tau comes from the support found by the sort (Peters et al.'s
algorithm); for entmax15 it is then recomputed from the support alone (two-pass mean and sum
of squares: the cumulative mean of squares minus the squared mean cancels). Rows with +inf give the uniform
distribution over their +inf entries (the limit); NaN propagates to its row.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from ..registry import register
from ..spec import Normalizer, Param, integer

DIM = Param(-1, "dimension to normalise over", integer, "an int")


def shifted(x: Tensor, dim: int) -> Tensor:
    """x - max along ``dim``; a row whose max is +inf becomes 0 at its +inf entries, -inf elsewhere."""
    mx = torch.amax(x, dim, keepdim=True)
    posinf = torch.isposinf(mx)
    z = x - torch.where(posinf, 0.0, mx)
    return torch.where(posinf, torch.where(torch.isposinf(x), 0.0, float("-inf")), z)


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
class Sparsemax(Normalizer):
    r"""Sparsemax along ``dim``: the Euclidean projection of x onto the probability simplex.

    .. math:: y = [x - \tau]_+,\ \textstyle\sum_i y_i = 1,\quad
              J^\top g = J g = s \odot (g - \overline{g}_S),\ s = [y > 0],\quad \text{second derivative } 0
    """

    function, family = "sparsemax", "normalizer"
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
class Entmax15(Normalizer):
    r"""1.5-entmax along ``dim`` (exact, sort-based): sparse like sparsemax, smooth like softmax.

    .. math:: y = [x/2 - \tau]_+^2,\ \textstyle\sum_i y_i = 1,\quad
              J^\top g = J g = u \odot (g - \langle u, g\rangle / \textstyle\sum u),\ u = \sqrt{y},\quad
              \text{second derivative on the support: } \partial (J^\top g)/\partial y = (gg - \langle u, gg\rangle/\textstyle\sum u) \odot (g - \langle u, g\rangle/\textstyle\sum u) / 2u
    """

    function, family = "entmax15", "normalizer"
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
