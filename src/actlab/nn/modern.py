"""The learnable modern activations whose constructors follow their reference implementations:
StarReLU (timm's signature) and Snake (BigVGAN's). Every other extra is the generic module of its
kind (:mod:`actlab.nn.generic`), resolved by name in :mod:`actlab.nn`."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .. import functional as F
from ..registry import declaration
from .generic import ActivationModule

__all__ = ["StarReLU", "Snake"]


class StarReLU(ActivationModule):
    __doc__ = declaration("StarReLU").__doc__
    decl = declaration("StarReLU")

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
    __doc__ = declaration("Snake").__doc__
    __constants__ = ["in_features"]
    decl = declaration("Snake")

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


for _cls in (StarReLU, Snake):
    _cls.decl.module_class = _cls
