"""Generic module classes, one per kind of declaration; :func:`module_for` builds a declaration's.

* :class:`ElementwiseModule`: ``Name(<params>, inplace=False)`` (parameterless ones keep
  nn.Module's constructor, as torch's Sigmoid and Tanh);
* :class:`AlongDimModule`: ``Name(dim=-1, <params>)`` for normalisers, split gates and vector maps;
* :class:`ParametricModule`: ``Name(<params>, device=None, dtype=None)`` whose learnable tensors
  are ``nn.Parameter`` s filled with their initial values (``Parametric.initial_values``), one value
  or one per channel (``Parametric.channels``), a row of K coefficients for ``coefficients`` tensors;
* :class:`ParametricNormalizerModule`: ``Name(<initial values>, dim=-1, <params>, device=None,
  dtype=None)``: EntmaxBisect with a learnable alpha.

Each class has the declaration's name, docstring, ``__constants__``, an ``__init__`` with the exact
signature (CPython's argument errors), parameters validated at construction as torch's modules
would at call time, and ``forward`` applying the declaration's operator.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from .. import ops
from ..binding import Signature
from ..errors import ScriptingError
from ..forms import AlongDimForm, ParamChecker, ParametricForm, ParametricNormalizerForm
from ..kinds import Activation, Elementwise, Normalizer, Parametric, ParametricNormalizer, SplitGate, VectorMap


class ActivationModule(nn.Module):
    """Base of actlab's activation modules; ``decl`` is the declaration it is built from."""

    decl: ClassVar[type[Activation]]

    def __prepare_scriptable__(self) -> nn.Module:
        """``torch.jit.script`` calls this first: say clearly why it cannot work and what does."""
        raise ScriptingError(
            f"actlab.nn.{type(self).__name__} cannot be compiled by torch.jit.script: its forward applies "
            "actlab operators through Python (operator objects and the torch.func Function tower), which "
            "TorchScript cannot compile. Use torch.jit.trace (the trace records torch.ops.actlab.* calls and "
            "can be saved), torch.compile or torch.export; all keep the hand-derived derivatives."
        )

    def extra_repr(self) -> str:
        values = [(k, getattr(self, k)) for k in self.decl.params]
        if self.decl.repr_positional:
            parts = [str(v) for _, v in values]
        else:
            parts = [f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in values]
        if getattr(self, "inplace", False) and self.decl.repr_inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


class GenericModule(ActivationModule):
    """Binds the constructor's arguments (``signature``) to attributes, validated."""

    signature: ClassVar[Signature]
    checker: ClassVar[ParamChecker]

    def bind(self, args: tuple, kwargs: dict[str, Any], extra: int = 0) -> list[Any]:
        """Validated parameter values in declaration order, plus the ``extra`` trailing arguments."""
        values = self.signature.bind(args, kwargs)
        n = len(values) - extra
        params = list(self.checker(values[:n]))
        self.decl.validate_init(**dict(zip(self.checker.names, params)))
        for k, v in zip(self.checker.names, params):
            setattr(self, k, v)
        return values[n:]


def _class(decl: type[Activation], base: type, names: list[str], defaults: list[Any], **attrs: Any) -> type:
    """A subclass of ``base`` named as the declaration, with ``__init__(self, <names>)``."""
    body: dict[str, Any] = {"__doc__": decl.__doc__, "__module__": "actlab.nn", "__qualname__": decl.name, "decl": decl}
    body.update(attrs)
    if names:
        signature = Signature(f"{decl.name}.__init__", names, defaults, first="self")

        def __init__(self: GenericModule, *args: Any, **kwargs: Any) -> None:
            nn.Module.__init__(self)
            self.setup(args, kwargs)

        __init__.__signature__ = signature.inspect
        __init__.__qualname__ = f"{decl.name}.__init__"
        body.update({"__init__": __init__, "signature": signature})
    cls = type(decl.name, (base,), body)
    decl.module_class = cls
    return cls


def _defaults(decl: type[Activation], names: list[str]) -> list[Any]:
    return [Signature.REQUIRED if decl.params[n].required else decl.params[n].default for n in names]


class ElementwiseModule(GenericModule):
    """Module of an elementwise declaration: its parameters are attributes (torch's names)."""

    decl: ClassVar[type[Elementwise]]
    inplace: bool = False

    def setup(self, args: tuple, kwargs: dict[str, Any]) -> None:
        extra = self.bind(args, kwargs, extra=1 if self.decl.inplace else 0)
        if self.decl.inplace:
            self.inplace = bool(extra[0])

    def forward(self, input: Tensor) -> Tensor:
        names = self.decl.params
        params = tuple([getattr(self, k) for k in names]) if names else ()
        return ops.operator(self.decl)(input, *params, inplace=self.inplace)


def elementwise_module(decl: type[Elementwise]) -> type[ElementwiseModule]:
    names = list(decl.params)
    defaults = _defaults(decl, names)
    if decl.inplace:
        names, defaults = [*names, "inplace"], [*defaults, False]
    checker = ParamChecker(decl, tuple(decl.params))
    constants = {"__constants__": names} if names else {}
    return _class(decl, ElementwiseModule, names, defaults, checker=checker, **constants)


class AlongDimModule(GenericModule):
    """Module of a normaliser or split gate: ``dim`` and the parameters are attributes."""

    function: ClassVar[AlongDimForm]

    def setup(self, args: tuple, kwargs: dict[str, Any]) -> None:
        self.bind(args, kwargs)

    def forward(self, input: Tensor) -> Tensor:
        return self.function(input, *(getattr(self, k) for k in self.checker.names))


def along_dim_module(decl: type[Activation]) -> type[AlongDimModule]:
    names = list(decl.params)
    checker = ParamChecker(decl, tuple(names))
    return _class(
        decl, AlongDimModule, names, _defaults(decl, names), checker=checker, function=AlongDimForm(decl),
        __constants__=names,
    )  # fmt: skip


class ParametricModule(GenericModule):
    """Module of a learnable declaration: each tensor an ``nn.Parameter`` of its initial value."""

    decl: ClassVar[type[Parametric]]
    function: ClassVar[ParametricForm]

    def setup(self, args: tuple, kwargs: dict[str, Any]) -> None:
        device, dtype = self.bind(args, kwargs, extra=2)
        for tensor, value in self.initial_tensors(device, dtype).items():
            self.register_parameter(tensor, nn.Parameter(value))

    def initial_tensors(self, device: Any = None, dtype: Any = None) -> dict[str, Tensor]:
        """Each learnable tensor at its initial value: (n,) of one number, or (K,) / (n, K)
        coefficients (n: the channel count, 1 without ``channels``)."""
        decl = self.decl
        n = int(getattr(self, decl.channels)) if decl.channels else 1
        values = decl.initial_values(**{k: getattr(self, k) for k in decl.params})
        out = {}
        for tensor, value in values.items():
            if isinstance(value, tuple):
                row = torch.tensor(value, device=device, dtype=dtype or torch.get_default_dtype())
                out[tensor] = row.repeat(n, 1) if n > 1 else row
            else:
                out[tensor] = torch.full((n,), float(value), device=device, dtype=dtype)
        return out

    def reset_parameters(self) -> None:
        """Fill every learnable tensor with its initial value again."""
        with torch.no_grad():
            for tensor, value in self.initial_tensors().items():
                getattr(self, tensor).copy_(value)

    def forward(self, input: Tensor) -> Tensor:
        return self.function(input, *(getattr(self, t) for t in self.decl.tensor_params))


def parametric_module(decl: type[Parametric]) -> type[ParametricModule]:
    names = list(decl.params)
    checker = ParamChecker(decl, tuple(names))
    return _class(
        decl, ParametricModule, [*names, "device", "dtype"], [*_defaults(decl, names), None, None],
        checker=checker, function=ParametricForm(decl), __constants__=names,
    )  # fmt: skip


class ParametricNormalizerModule(GenericModule):
    """Module of a normaliser with learnable tensors: each an ``nn.Parameter`` of its initial value
    (a number: one shared value; a tensor: its shape, e.g. one alpha per row), the other
    parameters attributes."""

    decl: ClassVar[type[ParametricNormalizer]]
    function: ClassVar[ParametricNormalizerForm]

    def setup(self, args: tuple, kwargs: dict[str, Any]) -> None:
        device, dtype = self.bind(args, kwargs, extra=2)
        for tensor, init in self.decl.initial.items():
            value = getattr(self, init)
            if init == tensor:  # the constructor argument becomes the parameter of the same name
                delattr(self, init)
            data = value.detach().clone() if isinstance(value, Tensor) else torch.tensor(float(value))
            self.register_parameter(tensor, nn.Parameter(data.to(device=device, dtype=dtype or data.dtype)))

    def forward(self, input: Tensor) -> Tensor:
        decl = self.decl
        tensors = [getattr(self, t) for t in decl.tensor_params]
        return self.function(input, *tensors, *(getattr(self, k) for k in decl.op_params()))

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in self.decl.op_params())


def parametric_normalizer_module(decl: type[ParametricNormalizer]) -> type[ParametricNormalizerModule]:
    names = list(decl.params)
    checker = ParamChecker(decl, tuple(names))
    return _class(
        decl, ParametricNormalizerModule, [*names, "device", "dtype"], [*_defaults(decl, names), None, None],
        checker=checker, function=ParametricNormalizerForm(decl), __constants__=list(decl.op_params()),
    )  # fmt: skip


def module_for(decl: type[Activation]) -> type[ActivationModule]:
    """The generic module class of ``decl``, by its kind."""
    if issubclass(decl, Elementwise):
        return elementwise_module(decl)
    if issubclass(decl, ParametricNormalizer):
        return parametric_normalizer_module(decl)
    if issubclass(decl, (Normalizer, SplitGate, VectorMap)):
        return along_dim_module(decl)
    if issubclass(decl, Parametric):
        return parametric_module(decl)
    raise TypeError(f"{decl.name}: no module for its kind")
