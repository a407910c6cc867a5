"""Modules of the non-elementwise modern activations: SwiGLU, GeGLU, ReGLU (split input, second
half gated), Sparsemax, Entmax15, and the learnable StarReLU (timm's signature) and Snake
(BigVGAN's). The elementwise ones (QuickGELU, SquaredReLU, ...) are generated in
:mod:`actlab.nn.activation`."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .. import functional as F
from ..registry import spec
from .activation import ActivationModule

__all__ = ["SwiGLU", "GeGLU", "ReGLU", "Sparsemax", "Entmax15", "StarReLU", "Snake"]


class _DimModule(ActivationModule):
    __constants__ = ["dim"]

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim
        self.decl.validate(dim=dim)

    def forward(self, input: Tensor) -> Tensor:
        return getattr(F, self.decl.function)(input, self.dim)


class SwiGLU(_DimModule):
    __doc__ = spec("SwiGLU").__doc__
    decl = spec("SwiGLU")


class ReGLU(_DimModule):
    __doc__ = spec("ReGLU").__doc__
    decl = spec("ReGLU")


class Sparsemax(_DimModule):
    __doc__ = spec("Sparsemax").__doc__
    decl = spec("Sparsemax")


class Entmax15(_DimModule):
    __doc__ = spec("Entmax15").__doc__
    decl = spec("Entmax15")


class GeGLU(ActivationModule):
    __doc__ = spec("GeGLU").__doc__
    __constants__ = ["dim", "approximate"]
    decl = spec("GeGLU")

    def __init__(self, dim: int = -1, approximate: str = "none") -> None:
        super().__init__()
        self.dim, self.approximate = dim, approximate
        self.decl.validate(dim=dim, approximate=approximate)

    def forward(self, input: Tensor) -> Tensor:
        return F.geglu(input, self.dim, self.approximate)


class StarReLU(ActivationModule):
    __doc__ = spec("StarReLU").__doc__
    decl = spec("StarReLU")

    def __init__(
        self,
        scale_value: float = 0.8944,
        bias_value: float = -0.4472,
        scale_learnable: bool = True,
        bias_learnable: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.decl.validate(scale_value=scale_value, bias_value=bias_value)
        self.scale_value, self.bias_value = scale_value, bias_value
        kw = {"device": device, "dtype": dtype}
        self.scale = nn.Parameter(torch.full((1,), float(scale_value), **kw), requires_grad=scale_learnable)
        self.bias = nn.Parameter(torch.full((1,), float(bias_value), **kw), requires_grad=bias_learnable)

    def forward(self, input: Tensor) -> Tensor:
        return F.star_relu(input, self.scale, self.bias)

    def extra_repr(self) -> str:
        return f"scale_value={self.scale_value}, bias_value={self.bias_value}"


class Snake(ActivationModule):
    __doc__ = spec("Snake").__doc__
    __constants__ = ["in_features"]
    decl = spec("Snake")

    def __init__(
        self,
        in_features: int = 1,
        alpha: float = 1.0,
        alpha_trainable: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(in_features, int) or isinstance(in_features, bool) or in_features < 1:
            raise ValueError(f"Snake: in_features must be an int >= 1, got {in_features!r}")
        self.decl.validate(alpha=alpha)
        self.in_features, self.alpha_init = in_features, alpha
        self.alpha = nn.Parameter(torch.full((in_features,), float(alpha), device=device, dtype=dtype))
        self.alpha.requires_grad = alpha_trainable

    def forward(self, input: Tensor) -> Tensor:
        return F.snake(input, self.alpha)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, alpha={self.alpha_init}"


for _cls in (SwiGLU, GeGLU, ReGLU, Sparsemax, Entmax15, StarReLU, Snake):
    _cls.decl.module_class = _cls
