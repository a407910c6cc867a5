r"""Family "grouped": Piecewise-linear maps over groups of units along ``dim`` (:class:`~actlab.kinds.VectorMap`):
Maxout, CReLU, LWTA, k-WTA, GroupSort and MaxMin.

Each output entry is an input entry (or its negation, or 0) chosen by comparisons, so the
Jacobian J is a constant 0/±1 selection on every region where the comparisons keep their
outcome: :math:`J^\top g` scatters g back to the chosen entries, :math:`J t` gathers t, and the
second derivative is 0 (``vjp2`` returns :math:`J\,gg` for g and 0 for x; ``vjp_jvp`` is
:math:`J^\top t_g`). The values are the chosen inputs themselves (no arithmetic), so +-inf and
NaN pass through unchanged. Groups are runs of consecutive entries along ``dim`` (the view
``(n / size, size)``). Ties are broken as torch's ``max``/``topk``/stable ``sort`` break them
(the first maximal entry wins), and the derivative follows the chosen entry.

The scalar view plotted and analysed is y_0 of the pair (x, 0) along ``dim``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import ShapeError
from ..kinds import Param, VectorMap, integer
from ..registry import register

CHANNELS = Param(1, "dimension of the units (channels: 1)", integer, "an int")


GROUP = Param(2, "entries per group (consecutive along dim)", lambda v: integer(v) and v >= 1, "an int >= 1")


def _axis(name: str, x: Tensor, dim: int) -> int:
    if x.dim() == 0:
        raise ShapeError(f"{name}: expected an input with at least one dimension, got a scalar")
    return dim % x.dim()


def _grouped(name: str, x: Tensor, dim: int, size: int) -> tuple[Tensor, int]:
    """x viewed as (..., n / size, size, ...) along ``dim`` and the index of the group axis."""
    d = _axis(name, x, dim)
    n = x.size(d)
    if n % size:
        raise ShapeError(f"{name}: the size of dim {d} ({n}) is not a multiple of the group size {size}")
    return x.unflatten(d, (n // size, size)), d + 1


def _check_groups(name: str, n: int, size: int) -> None:
    if n % size:
        raise ShapeError(f"{name}: the size of dim ({n}) is not a multiple of the group size {size}")


class _Selection(VectorMap):
    """A map whose Jacobian is a constant selection (see the module docstring): subclasses give
    ``forward``, ``vjp`` (scatter) and ``jvp`` (gather); the second-order functions follow."""

    @classmethod
    def vjp2(cls, gg: Tensor, g: Tensor, x: Tensor, dim: int, **p: Any) -> tuple[Tensor, Tensor]:
        return cls.jvp(gg, x, dim, **p), torch.zeros_like(x)

    @classmethod
    def vjp_jvp(cls, tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        return cls.vjp(tg, x, dim, **p)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


def _group_argmax(x: Tensor, dim: int, size: int, name: str) -> tuple[Tensor, int, Tensor]:
    xg, a = _grouped(name, x, dim, size)
    return xg, a, torch.argmax(xg, a, keepdim=True)  # the first maximal entry (NaN counts as maximal)


@register
class Maxout(_Selection, function="maxout"):
    r"""Maxout: the maximum of each group of ``pieces`` consecutive units along ``dim``.

    .. math:: y_j = \max_{i \in G_j} x_i,\quad \partial y_j/\partial x_i = [i = \operatorname{argmax}_{G_j} x],\quad
              \text{second derivative } 0

    The linear pieces are the preceding layer's outputs (Goodfellow et al.): a layer of
    ``pieces * m`` units followed by Maxout gives m maxout units.
    """

    params = {"dim": CHANNELS, "pieces": Param(2, "pieces per unit", lambda v: integer(v) and v >= 1, "an int >= 1")}
    formula = r"\mathrm{Maxout}(x)_j = \max_{i \in G_j} x_i"
    reference = "Goodfellow, Warde-Farley, Mirza, Courville & Bengio, Maxout networks (ICML 2013)"
    x_range = (-3.0, 3.0)
    kink_convention = (
        "ties: the first maximal piece takes the gradient (torch.max's index); y_0 of (0, 0) has derivative 1 in x_0"
    )

    @classmethod
    def out_size(cls, n: int, pieces: int = 2, **_: Any) -> int:
        _check_groups("maxout", n, pieces)
        return n // pieces

    def forward(x: Tensor, dim: int, pieces: int) -> Tensor:
        xg, a, idx = _group_argmax(x, dim, pieces, "maxout")
        return xg.gather(a, idx).squeeze(a)

    def vjp(g: Tensor, x: Tensor, dim: int, pieces: int) -> Tensor:
        xg, a, idx = _group_argmax(x, dim, pieces, "maxout")
        return torch.zeros_like(xg).scatter(a, idx, g.unsqueeze(a)).flatten(a - 1, a)

    def jvp(t: Tensor, x: Tensor, dim: int, pieces: int) -> Tensor:
        xg, a, idx = _group_argmax(x, dim, pieces, "maxout")
        return t.unflatten(a - 1, xg.shape[a - 1 : a + 1]).gather(a, idx).squeeze(a)


@register
class LWTA(_Selection, function="lwta"):
    r"""Local winner-take-all: in each group of ``group_size`` units only the largest passes, the others are 0.

    .. math:: y_i = x_i\,[i = \operatorname{argmax}_{G(i)} x],\quad \partial y_i/\partial x_i = [i = \operatorname{argmax}_{G(i)} x],\quad
              \text{second derivative } 0
    """

    params = {"dim": CHANNELS, "group_size": GROUP}
    formula = r"\mathrm{LWTA}(x)_i = x_i\,[x_i = \max_{j \in G(i)} x_j]"
    reference = "Srivastava, Masci, Kazerounian, Gomez & Schmidhuber, Compete to compute (NIPS 2013)"
    x_range = (-3.0, 3.0)
    kink_convention = "ties: the first maximal unit of the group wins (value and gradient); the others get 0"

    @classmethod
    def out_size(cls, n: int, group_size: int = 2, **_: Any) -> int:
        _check_groups("lwta", n, group_size)
        return n

    @staticmethod
    def _mask(x: Tensor, dim: int, group_size: int) -> Tensor:
        xg, a, idx = _group_argmax(x, dim, group_size, "lwta")
        return torch.zeros_like(xg, dtype=torch.bool).scatter(a, idx, True).flatten(a - 1, a)

    @classmethod
    def forward(cls, x: Tensor, dim: int, group_size: int) -> Tensor:
        return torch.where(cls._mask(x, dim, group_size), x, 0.0)

    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, dim: int, group_size: int) -> Tensor:
        return torch.where(cls._mask(x, dim, group_size), g, 0.0)

    @classmethod
    def jvp(cls, t: Tensor, x: Tensor, dim: int, group_size: int) -> Tensor:
        return torch.where(cls._mask(x, dim, group_size), t, 0.0)


def _kwta_k(n: int, ratio: float) -> int:
    return max(1, int(ratio * n))


@register
class KWTA(_Selection, function="kwta"):
    r"""k-winners-take-all: the k = max(1, floor(ratio n)) largest entries along ``dim`` pass, the others are 0.

    .. math:: y_i = x_i\,[x_i \in \operatorname{top}_k(x)],\quad \partial y_i/\partial x_i = [x_i \in \operatorname{top}_k(x)],\quad
              \text{second derivative } 0
    """

    params = {
        "dim": CHANNELS,
        "ratio": Param(
            0.2, "sparsity ratio gamma: k = max(1, floor(ratio n)) entries pass", lambda v: isinstance(v, float) and 0 < v <= 1,
            "in (0, 1]", sample=(0.3, 0.6),
        ),
    }  # fmt: skip
    formula = r"k\text{-WTA}(x)_i = x_i\,[x_i \in \operatorname{top}_k(x)],\ k = \max(1, \lfloor \gamma n \rfloor)"
    reference = "Xiao, Zhong & Zheng, Enhancing adversarial defense by k-winners-take-all (ICLR 2020)"
    x_range = (-3.0, 3.0)
    kink_convention = "ties at the k-th value: the entries torch.topk returns pass (value and gradient)"

    @staticmethod
    def _mask(x: Tensor, dim: int, ratio: float) -> Tensor:
        d = _axis("kwta", x, dim)
        _, idx = torch.topk(x, _kwta_k(x.size(d), ratio), d)
        return torch.zeros_like(x, dtype=torch.bool).scatter(d, idx, True)

    @classmethod
    def forward(cls, x: Tensor, dim: int, ratio: float) -> Tensor:
        return torch.where(cls._mask(x, dim, ratio), x, 0.0)

    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, dim: int, ratio: float) -> Tensor:
        return torch.where(cls._mask(x, dim, ratio), g, 0.0)

    @classmethod
    def jvp(cls, t: Tensor, x: Tensor, dim: int, ratio: float) -> Tensor:
        return torch.where(cls._mask(x, dim, ratio), t, 0.0)


class _Sorted(_Selection):
    """Each group sorted (stably): ascending (GroupSort) or descending (MaxMin)."""

    descending: bool = False

    @classmethod
    def _sort(cls, x: Tensor, dim: int, size: int) -> tuple[Tensor, Tensor, int]:
        xg, a = _grouped(cls.function, x, dim, size)
        values, idx = torch.sort(xg, stable=True, dim=a, descending=cls.descending)
        return values, idx, a

    @classmethod
    def _size(cls, p: dict[str, Any]) -> int:
        return p.get("group_size", 2)

    @classmethod
    def out_size(cls, n: int, **p: Any) -> int:
        _check_groups(cls.function, n, cls._size(p))
        return n

    @classmethod
    def forward(cls, x: Tensor, dim: int, **p: Any) -> Tensor:
        values, _, a = cls._sort(x, dim, cls._size(p))
        return values.flatten(a - 1, a)

    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        values, idx, a = cls._sort(x, dim, cls._size(p))
        return (
            torch.zeros_like(values).scatter(a, idx, g.unflatten(a - 1, values.shape[a - 1 : a + 1])).flatten(a - 1, a)
        )

    @classmethod
    def jvp(cls, t: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        values, idx, a = cls._sort(x, dim, cls._size(p))
        return t.unflatten(a - 1, values.shape[a - 1 : a + 1]).gather(a, idx).flatten(a - 1, a)


@register
class GroupSort(_Sorted, function="group_sort"):
    r"""GroupSort: each group of ``group_size`` consecutive units sorted ascending (a permutation: 1-Lipschitz, gradient norm preserving).

    .. math:: y_{G} = \operatorname{sort}(x_{G}),\quad J = P_\pi\ (\text{the sorting permutation}),\quad \text{second derivative } 0
    """

    params = {"dim": CHANNELS, "group_size": GROUP}
    formula = r"\mathrm{GroupSort}(x)_{G} = \operatorname{sort}(x_{G})"
    reference = "Anil, Lucas & Grosse, Sorting out Lipschitz function approximation (ICML 2019)"
    x_range = (-3.0, 3.0)
    kink_convention = "ties keep their input order (stable sort); each output takes the gradient of the entry it is"


@register
class MaxMin(_Sorted, function="max_min"):
    r"""MaxMin (OPLU): each pair of consecutive units becomes (max, min).

    .. math:: (y_{2j}, y_{2j+1}) = (\max(x_{2j}, x_{2j+1}), \min(x_{2j}, x_{2j+1})),\quad J = P_\pi,\quad \text{second derivative } 0
    """

    params = {"dim": CHANNELS}
    descending = True
    formula = r"\mathrm{MaxMin}(a, b) = (\max(a, b), \min(a, b))"
    reference = (
        "Chernodub & Nowicki, Norm-preserving orthogonal permutation linear unit activation functions (OPLU) (2016); "
        "Anil, Lucas & Grosse, Sorting out Lipschitz function approximation (ICML 2019)"
    )
    x_range = (-3.0, 3.0)
    kink_convention = "ties keep their input order (stable sort): the first entry of an equal pair is the max"


@register
class CReLU(_Selection, function="crelu"):
    r"""Concatenated ReLU: relu(x) and relu(-x) side by side along ``dim`` (the size doubles).

    .. math:: y = [\max(0, x), \max(0, -x)],\quad J^\top [g_1, g_2] = g_1 [x > 0] - g_2 [x < 0],\quad \text{second derivative } 0
    """

    params = {"dim": CHANNELS}
    formula = r"\mathrm{CReLU}(x) = [\max(0, x),\ \max(0, -x)]"
    reference = "Shang, Sohn, Almeida & Lee, Understanding and improving convolutional neural networks via concatenated rectified linear units (ICML 2016)"
    x_range = (-3.0, 3.0)
    kink_convention = "relu'(0) = 0 in both halves (torch's relu): at x = 0 the gradient is 0"

    @classmethod
    def out_size(cls, n: int, **_: Any) -> int:
        return 2 * n

    def forward(x: Tensor, dim: int) -> Tensor:
        d = _axis("crelu", x, dim)
        return torch.cat([torch.clamp(x, min=0.0), torch.clamp(-x, min=0.0)], d)

    def vjp(g: Tensor, x: Tensor, dim: int) -> Tensor:
        d = _axis("crelu", x, dim)
        g1, g2 = g.chunk(2, d)
        return torch.where(x > 0.0, g1, 0.0) - torch.where(x < 0.0, g2, 0.0)

    def jvp(t: Tensor, x: Tensor, dim: int) -> Tensor:
        d = _axis("crelu", x, dim)
        return torch.cat([torch.where(x > 0.0, t, 0.0), torch.where(x < 0.0, -t, 0.0)], d)
