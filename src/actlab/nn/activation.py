"""The activation modules of torch.nn, drop-in.

Each subclasses :class:`torch.nn.Module` (never torch's activation classes) and has torch.nn's
class name, constructor signature, defaults, attributes, ``__constants__``, ``extra_repr`` and
argument errors; ``forward`` applies the declaration's operator (:mod:`actlab.ops`). Most are the
generic class of their kind (:mod:`actlab.nn.generic`); the few whose constructors differ from the
pattern (Hardtanh's deprecated keywords, ReLU6, PReLU's weight, RReLU's training mode, the softmax
family's legacy ``dim=None``) are written out below, still using the declarations for the math.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from .. import functional as F
from .. import ops
from ..forms import ParamChecker
from ..registry import declaration as D
from .generic import ActivationModule, along_dim_module, elementwise_module

Sigmoid = elementwise_module(D("Sigmoid"))
Tanh = elementwise_module(D("Tanh"))
Softsign = elementwise_module(D("Softsign"))
Hardsigmoid = elementwise_module(D("Hardsigmoid"))
LogSigmoid = elementwise_module(D("LogSigmoid"))
Threshold = elementwise_module(D("Threshold"))
ReLU = elementwise_module(D("ReLU"))
LeakyReLU = elementwise_module(D("LeakyReLU"))
ELU = elementwise_module(D("ELU"))
CELU = elementwise_module(D("CELU"))
SELU = elementwise_module(D("SELU"))
Softplus = elementwise_module(D("Softplus"))
SiLU = elementwise_module(D("SiLU"))
GELU = elementwise_module(D("GELU"))
Mish = elementwise_module(D("Mish"))
Hardswish = elementwise_module(D("Hardswish"))
Hardshrink = elementwise_module(D("Hardshrink"))
Softshrink = elementwise_module(D("Softshrink"))
Tanhshrink = elementwise_module(D("Tanhshrink"))


def _own(cls: type[ActivationModule]) -> type[ActivationModule]:
    """Record a hand-written module class as its declaration's module."""
    cls.decl.module_class = cls
    cls.__doc__ = cls.__doc__ or cls.decl.__doc__
    return cls


@_own
class Hardtanh(ActivationModule):
    __doc__ = D("Hardtanh").__doc__
    __constants__ = ["min_val", "max_val", "inplace"]
    decl = D("Hardtanh")

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn(
                "keyword argument `min_value` is deprecated and renamed to `min_val`",
                FutureWarning,
                stacklevel=2,
            )
            min_val = min_value
        if max_value is not None:
            warnings.warn(
                "keyword argument `max_value` is deprecated and renamed to `max_val`",
                FutureWarning,
                stacklevel=2,
            )
            max_val = max_value
        self.decl.validate_init(min_val=min_val, max_val=max_val)
        self.min_val, self.max_val = ParamChecker(self.decl, ("min_val", "max_val"))([min_val, max_val])
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


@_own
class ReLU6(ActivationModule):
    __doc__ = D("ReLU6").__doc__
    __constants__ = ["min_val", "max_val", "inplace"]
    decl = D("ReLU6")

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val, self.inplace = 0.0, 6.0, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


@_own
class PReLU(ActivationModule):
    __doc__ = D("PReLU").__doc__
    __constants__ = ["num_parameters"]
    decl = D("PReLU")

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = nn.Parameter(torch.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the slopes with ``init``."""
        with torch.no_grad():
            self.weight.fill_(self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


@_own
class RReLU(ActivationModule):
    __doc__ = D("RReLU").__doc__
    __constants__ = ["lower", "upper", "inplace"]
    decl = D("RReLU")

    operator = ops.operator(D("RReLU"))
    checker = ParamChecker(D("RReLU"), ("lower", "upper"))

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        if self.training and type(input) is Tensor and input.is_floating_point():  # a training step
            return self.operator.train(input, self.checker([self.lower, self.upper]), self.inplace)
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)


class _DimModule(ActivationModule):
    __constants__ = ["dim"]
    _fn: ClassVar[Any]

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if type(input) is Tensor and type(dim) is int:  # the common case: the operator directly
            return ops.operator(self.decl)(input, dim)
        return type(self)._fn(input, dim, _stacklevel=5)  # fx proxies, subclasses, dim=None ...

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


@_own
class Softmax(_DimModule):
    __doc__ = D("Softmax").__doc__
    decl = D("Softmax")
    _fn = staticmethod(F.softmax)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name Softmax, as torch's
        super().__init__(dim)


@_own
class Softmin(_DimModule):
    __doc__ = D("Softmin").__doc__
    decl = D("Softmin")
    _fn = staticmethod(F.softmin)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name Softmin, as torch's
        super().__init__(dim)


@_own
class LogSoftmax(_DimModule):
    __doc__ = D("LogSoftmax").__doc__
    decl = D("LogSoftmax")
    _fn = staticmethod(F.log_softmax)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name LogSoftmax, as torch's
        super().__init__(dim)


@_own
class Softmax2d(ActivationModule):
    __doc__ = D("Softmax2d").__doc__
    decl = D("Softmax2d")

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax2d(input)


GLU = along_dim_module(D("GLU"))

__all__ = [
    "Sigmoid", "Tanh", "Softsign", "Hardsigmoid", "Hardtanh", "LogSigmoid", "Threshold", "ReLU", "ReLU6",
    "LeakyReLU", "PReLU", "RReLU", "ELU", "CELU", "SELU", "Softplus", "SiLU", "GELU", "Mish", "Hardswish",
    "Hardshrink", "Softshrink", "Tanhshrink", "Softmax", "Softmin", "LogSoftmax", "Softmax2d", "GLU",
]  # fmt: skip
