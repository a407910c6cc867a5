"""Generic torch.nn.functional-style callables built from a declaration.

:class:`ElementwiseFunction` is ``fn(input, <params>, inplace=False)`` with torch's exact
signature (``inspect.signature``, help(), and CPython's argument errors), the parameters
validated and coerced (numpy scalars and 0-d tensors become numbers) and the operator applied.
:class:`InplaceFunction` is its ``fn_`` variant. The functional module lists them by name.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import Tensor, fx

from . import ops
from .binding import Signature
from .spec import Activation, Elementwise, Param


def check_tensor(name: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


class ParamChecker:
    """Coerce (numpy scalars, 0-d tensors) and validate a declaration's parameter values, in the
    order ``names``; then check how they relate (``decl.relations``)."""

    def __init__(self, decl: type[Activation], names: tuple[str, ...]):
        self.decl, self.names = decl, names
        self.specs: tuple[tuple[int, str, Param], ...] = tuple(
            (i, n, decl.params[n]) for i, n in enumerate(names) if n in decl.params
        )
        self.relations = decl.relations.__func__ is not Activation.relations.__func__

    def __call__(self, values: list[Any]) -> tuple:
        for i, name, spec in self.specs:
            v = values[i]
            if type(v) is not spec.kind:
                v = values[i] = spec.coerce(v)
            spec.validate(self.decl.name, name, v)
        if self.relations:
            self.decl.relations(**dict(zip(self.names, values)))
        return tuple(values)


class ElementwiseFunction:
    """``fn(input, <params>, inplace=False)`` of an elementwise declaration."""

    def __init__(self, decl: type[Elementwise]):
        self.decl = decl
        self.operator = ops.operator(decl)
        names = tuple(decl.params)
        defaults = [inspect.Parameter.empty if p.default is None else p.default for p in decl.params.values()]
        self.n = len(names)
        if decl.inplace:
            names, defaults = (*names, "inplace"), [*defaults, False]
        self.signature = Signature(decl.function, names, defaults)
        self.check = ParamChecker(decl, tuple(decl.params))
        self.__name__ = self.__qualname__ = decl.function
        self.__doc__ = decl.__doc__
        self.__module__ = "actlab.functional"
        self.__signature__ = self.signature.inspect

    def bind(self, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, tuple, bool]:
        if args:
            x, args = args[0], args[1:]
        elif "input" in kwargs:
            x = kwargs.pop("input")
        else:
            raise TypeError(f"{self.__name__}() missing 1 required positional argument: 'input'")
        values = self.signature.bind(args, kwargs)
        inplace = bool(values.pop()) if self.decl.inplace else False
        return x, self.check(values), inplace

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        x, params, inplace = self.bind(args, kwargs)
        if isinstance(x, fx.Proxy):  # symbolic tracing records the op itself
            return (self.operator.op_ if inplace else self.operator.op)(x, *params)
        check_tensor(self.__name__, x)
        return self.operator(x, params, inplace)

    def __repr__(self) -> str:
        return f"<actlab.functional.{self.__name__}>"

    def __reduce__(self) -> str:
        """Pickled and (deep)copied by reference, as plain functions are."""
        return self.__name__


class InplaceFunction:
    """``fn_(input, <params>)``: the in-place variant of an :class:`ElementwiseFunction`."""

    def __init__(self, fn: ElementwiseFunction):
        self.fn = fn
        names, defaults = fn.signature.names[:-1], fn.signature.defaults[:-1]
        self.signature = Signature(f"{fn.__name__}_", names, defaults)
        self.__name__ = self.__qualname__ = f"{fn.__name__}_"
        self.__doc__ = f"In-place version of :func:`{fn.__name__}`."
        self.__module__ = "actlab.functional"
        self.__signature__ = self.signature.inspect

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        if args:
            x, args = args[0], args[1:]
        elif "input" in kwargs:
            x = kwargs.pop("input")
        else:
            raise TypeError(f"{self.__name__}() missing 1 required positional argument: 'input'")
        params = self.fn.check(self.signature.bind(args, kwargs))
        if isinstance(x, fx.Proxy):
            return self.fn.operator.op_(x, *params)
        check_tensor(self.__name__, x)
        return self.fn.operator(x, params, True)

    def __repr__(self) -> str:
        return f"<actlab.functional.{self.__name__}>"

    def __reduce__(self) -> str:
        return self.__name__
