r"""FReLU, the funnel activation: :math:`\max(x, T(x))` with the funnel condition
:math:`T(x) = \mathrm{BN}(\text{depthwise } k \times k \text{ conv}(x))`.

The activation is the elementwise maximum of two tensors; its declaration is a
:class:`~actlab.spec.Parametric` whose tensor ``funnel`` is shaped like the input
(``like_input``). The module :class:`actlab.nn.FReLU` computes the funnel with torch's
``Conv2d`` and ``BatchNorm2d`` (their own derivatives) and applies this operator, whose
derivatives are hand-derived: the gradient goes to the larger input, split half and half on
ties (as torch.maximum's); every second derivative is 0.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..registry import register
from ..spec import Param, Parametric, integer


def _share(x: Tensor, t: Tensor) -> Tensor:
    """The share of the gradient that goes to x: 1 where x > t, 1/2 on ties, 0 below (and for NaN)."""
    return torch.where(x > t, 1.0, torch.where(x == t, 0.5, 0.0)).to(torch.promote_types(x.dtype, t.dtype))


@register
class FReLU(Parametric):
    r"""Funnel ReLU: the larger of x and its funnel condition T(x), a BatchNorm of a depthwise k x k convolution of x.

    .. math:: f(x, t) = \max(x, t),\ t = \mathrm{BN}(\mathrm{DWConv}_{k \times k}(x)),\quad
              \partial_x f = [x > t] + \tfrac12 [x = t],\quad \partial_t f = [x < t] + \tfrac12 [x = t],\quad
              \partial^2 f = 0
    """

    function, family = "frelu", "rectifier"
    tensor_params = ("funnel",)
    like_input = ("funnel",)
    params = {
        "in_channels": Param(
            None, "channels C of the (N, C, H, W) input", lambda v: integer(v) and v >= 1, "an int >= 1", type=int
        ),
        "kernel_size": Param(
            3, "funnel window k (odd)", lambda v: integer(v) and v >= 1 and v % 2 == 1, "an odd int >= 1"
        ),
    }
    formula = r"\mathrm{FReLU}(x) = \max\left(x,\ \mathrm{BN}(\mathrm{DWConv}_{k \times k}(x))\right)"
    reference = "Ma, Zhang & Sun, Funnel activation for visual recognition (ECCV 2020)"
    x_range = (-3.0, 3.0)
    plot_params = ({"in_channels": 1},)
    kink_convention = (
        "on ties x = T(x) the gradient is split: 1/2 to x, 1/2 to T(x) (torch.maximum's); the plot shows T = 0"
    )

    def forward(x: Tensor, t: Tensor) -> Tensor:
        return torch.maximum(x, t)

    def vjp(g: Tensor, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        w = _share(x, t)
        return (g * w).sum_to_size(x.shape), (g * (1.0 - w)).sum_to_size(t.shape)

    def jvp(ts: tuple[Tensor, Tensor], x: Tensor, t: Tensor) -> Tensor:
        tx, tt = ts
        w = _share(x, t)
        return w * tx + (1.0 - w) * tt

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, x: Tensor, t: Tensor):
        ggx, ggt = ggs
        w = _share(x, t)
        return w * ggx + (1.0 - w) * ggt, torch.zeros_like(x), torch.zeros_like(t)

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, x: Tensor, t: Tensor):
        w = _share(x, t)
        return (tg * w).sum_to_size(x.shape), (tg * (1.0 - w)).sum_to_size(t.shape)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)
