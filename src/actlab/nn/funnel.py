"""The FReLU module: the funnel condition T(x) = BN(depthwise k x k conv(x)) with torch's
``Conv2d`` and ``BatchNorm2d`` (parameter names as the official code's, ``conv_frelu`` and
``bn_frelu``, so its checkpoints load), then max(x, T(x)) through actlab's ``frelu`` operator."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from .. import functional as F
from ..errors import ShapeError
from ..registry import declaration
from .generic import ActivationModule

__all__ = ["FReLU"]


class FReLU(ActivationModule):
    __doc__ = declaration("FReLU").__doc__
    __constants__ = ["in_channels", "kernel_size"]
    decl = declaration("FReLU")

    def __init__(self, in_channels: int, kernel_size: int = 3, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.decl.validate(in_channels=in_channels, kernel_size=kernel_size)
        self.in_channels, self.kernel_size = in_channels, kernel_size
        kw = {"device": device, "dtype": dtype}
        self.conv_frelu = nn.Conv2d(
            in_channels, in_channels, kernel_size, 1, kernel_size // 2, groups=in_channels, **kw
        )
        self.bn_frelu = nn.BatchNorm2d(in_channels, **kw)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) as the official module; (N, C) and (N, C, L) are viewed as (N, C, 1, 1)
        and (N, C, L, 1): the funnel window then sees the centre column (a per-channel affine map
        of x for 2-D input, e.g. in an MLP)."""
        if not 2 <= input.dim() <= 4:
            raise ShapeError(f"FReLU: expected an (N, C), (N, C, L) or (N, C, H, W) input, got {input.dim()}-D")
        x = input.reshape(*input.shape, *([1] * (4 - input.dim())))
        return F.frelu(input, self.bn_frelu(self.conv_frelu(x)).reshape(input.shape))

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, kernel_size={self.kernel_size}"


FReLU.decl.module_class = FReLU
