"""Fenchel-Young loss modules of the sparse maps, with the entmax package's constructors:
``SparsemaxLoss(k=None, ...)``, ``Entmax15Loss(k=100, ...)``, ``EntmaxBisectLoss(alpha=1.5,
n_iter=50, ...)``; ``ignore_index`` (rows whose target equals it count 0 and are left out of the
mean; only when >= 0, as the package) and ``reduction`` ("elementwise_mean" = "mean", "sum",
"none"). The math is :mod:`actlab.losses`. A learnable alpha: pass an ``nn.Parameter``."""

from __future__ import annotations

from torch import Tensor, nn

from .. import losses

__all__ = ["SparsemaxLoss", "Entmax15Loss", "EntmaxBisectLoss"]

REDUCTIONS = ("elementwise_mean", "mean", "sum", "none")


class _FenchelYoungLoss(nn.Module):
    def __init__(self, ignore_index: int = -100, reduction: str = "elementwise_mean") -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
        super().__init__()
        self.ignore_index, self.reduction = ignore_index, reduction

    def loss(self, input: Tensor, target: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        loss = self.loss(input, target)
        size = target.size(0)
        if self.ignore_index >= 0:
            ignored = target == self.ignore_index
            size = size - int(ignored.sum())
            loss = loss.masked_fill(ignored, 0.0)
        if self.reduction == "sum":
            return loss.sum()
        if self.reduction == "none":
            return loss
        return loss.sum() / size


class SparsemaxLoss(_FenchelYoungLoss):
    """The sparsemax loss (Martins & Astudillo 2016): the Fenchel-Young loss of sparsemax."""

    def __init__(self, k: int | None = None, ignore_index: int = -100, reduction: str = "elementwise_mean") -> None:
        super().__init__(ignore_index, reduction)
        self.k = k

    def loss(self, input: Tensor, target: Tensor) -> Tensor:
        return losses.sparsemax_loss(input, target, self.k)


class Entmax15Loss(_FenchelYoungLoss):
    """The 1.5-entmax loss (Peters et al. 2019): the Fenchel-Young loss of 1.5-entmax."""

    def __init__(self, k: int | None = 100, ignore_index: int = -100, reduction: str = "elementwise_mean") -> None:
        super().__init__(ignore_index, reduction)
        self.k = k

    def loss(self, input: Tensor, target: Tensor) -> Tensor:
        return losses.entmax15_loss(input, target, self.k)


class EntmaxBisectLoss(_FenchelYoungLoss):
    """The alpha-entmax loss (Peters et al. 2019) for any alpha > 0, != 1 (a number, or a tensor
    per row; an ``nn.Parameter`` is learned: its gradient is dH_alpha/dalpha)."""

    def __init__(
        self,
        alpha: float | Tensor = 1.5,
        n_iter: int = 50,
        ignore_index: int = -100,
        reduction: str = "elementwise_mean",
    ) -> None:
        super().__init__(ignore_index, reduction)
        self.alpha, self.n_iter = alpha, n_iter

    def loss(self, input: Tensor, target: Tensor) -> Tensor:
        return losses.entmax_bisect_loss(input, target, self.alpha, self.n_iter)
