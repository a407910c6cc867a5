"""Activation modules generated from the declarations, drop-in for torch.nn's.

Each module subclasses :class:`torch.nn.Module` (never torch's activation classes) and has
torch.nn's class name, constructor signature, defaults, attributes, ``extra_repr`` and
argument errors. ``forward`` calls :mod:`actlab.functional`, which runs the hand-derived
autograd Functions. A handful whose constructors differ from the pattern (Hardtanh's
deprecated keywords, ReLU6, PReLU's weight, RReLU's training mode, the softmax family)
are written out below, still using the declarations for the math.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from .. import functional as F
from ..registry import declarations, spec
from ..spec import Activation

__all__: list[str] = []


class ActivationModule(nn.Module):
    """Base of actlab's activation modules; ``decl`` is the declaration it is built from."""

    decl: ClassVar[type[Activation]]

    def extra_repr(self) -> str:
        values = [(k, getattr(self, k)) for k in self.decl.params]
        if self.decl.repr_positional:
            parts = [str(v) for _, v in values]
        else:
            parts = [f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in values]
        if getattr(self, "inplace", False) and self.decl.repr_inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


def _generate(decl: type[Activation]) -> type[ActivationModule]:
    """Write the module class for an elementwise declaration with torch's exact signature."""
    names = list(decl.params)
    sig = ["self"] + [k if decl.params[k].default is None else f"{k}={decl.params[k].default!r}" for k in names]
    if decl.inplace:
        sig.append("inplace=False")
    body = ["    ActivationModule.__init__(self)"]
    body += [f"    self.{k} = {k}" for k in names]
    if decl.inplace:
        body.append("    self.inplace = inplace")
    if hasattr(decl, "validate_init"):
        body.append(f"    _decl.validate_init({', '.join(f'{k}={k}' for k in names)})")
    call = ", ".join(["input", *(f"self.{k}" for k in names)] + (["self.inplace"] if decl.inplace else []))
    src = (
        f"def __init__({', '.join(sig)}) -> None:\n" + "\n".join(body) + "\n\n"
        f"def forward(self, input):\n    return _fn({call})\n"
    )
    ns: dict[str, Any] = {
        "ActivationModule": ActivationModule,
        "_decl": decl,
        "_fn": getattr(F, decl.function),
    }
    exec(src, ns)  # noqa: S102  (generated from the declaration)
    ns["forward"].__doc__ = f"Apply {decl.name} element-wise."
    ns["__init__"].__qualname__ = f"{decl.name}.__init__"  # errors read "ELU.__init__() ..." as torch's
    ns["forward"].__qualname__ = f"{decl.name}.forward"
    attrs = {"forward": ns["forward"], "__doc__": decl.__doc__, "__module__": __name__, "decl": decl}
    constants = [*names, *(["inplace"] if decl.inplace else [])]
    if constants:  # torch's parameterless modules (Sigmoid, Tanh ...) keep nn.Module's __init__, no __constants__
        attrs.update({"__init__": ns["__init__"], "__constants__": constants})
    return type(decl.name, (ActivationModule,), attrs)


def _export(cls: type[ActivationModule], decl: type[Activation]) -> type[ActivationModule]:
    decl.module_class = cls
    cls.decl = decl
    globals()[cls.__name__] = cls
    if cls.__name__ not in __all__:
        __all__.append(cls.__name__)
    return cls


def install(decl: type[Activation]) -> type[ActivationModule] | None:
    """Create (or return) the module class of ``decl``; elementwise kinds only."""
    if decl.module_class is not None:
        return decl.module_class
    if decl.kind != "elementwise":
        return None
    return _export(_generate(decl), decl)


class Hardtanh(ActivationModule):
    __doc__ = spec("Hardtanh").__doc__
    __constants__ = ["min_val", "max_val", "inplace"]
    decl = spec("Hardtanh")

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
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        self.decl.validate_init(min_val=min_val, max_val=max_val)

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


class ReLU6(ActivationModule):
    __doc__ = spec("ReLU6").__doc__
    __constants__ = ["min_val", "max_val", "inplace"]
    decl = spec("ReLU6")

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val, self.inplace = 0.0, 6.0, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class PReLU(ActivationModule):
    __doc__ = spec("PReLU").__doc__
    __constants__ = ["num_parameters"]
    decl = spec("PReLU")

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


class RReLU(ActivationModule):
    __doc__ = spec("RReLU").__doc__
    __constants__ = ["lower", "upper", "inplace"]
    decl = spec("RReLU")

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
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
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_DimModule):
    __doc__ = spec("Softmax").__doc__
    decl = spec("Softmax")
    _fn = staticmethod(F.softmax)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name Softmax, as torch's
        super().__init__(dim)


class Softmin(_DimModule):
    __doc__ = spec("Softmin").__doc__
    decl = spec("Softmin")
    _fn = staticmethod(F.softmin)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name Softmin, as torch's
        super().__init__(dim)


class LogSoftmax(_DimModule):
    __doc__ = spec("LogSoftmax").__doc__
    decl = spec("LogSoftmax")
    _fn = staticmethod(F.log_softmax)

    def __init__(self, dim: int | None = None) -> None:  # own __init__: errors name LogSoftmax, as torch's
        super().__init__(dim)


class Softmax2d(ActivationModule):
    __doc__ = spec("Softmax2d").__doc__
    decl = spec("Softmax2d")

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax2d(input)


class GLU(ActivationModule):
    __doc__ = spec("GLU").__doc__
    __constants__ = ["dim"]
    decl = spec("GLU")

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)


for _cls in (Hardtanh, ReLU6, PReLU, RReLU, Softmax, Softmin, LogSoftmax, Softmax2d, GLU):
    _export(_cls, _cls.decl)
for _decl in declarations():
    install(_decl)
