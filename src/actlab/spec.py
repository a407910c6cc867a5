"""The activation declaration: one class per activation, holding everything derived elsewhere.

A declaration is never instantiated. It states the math (``f``, ``df``, ``d2f`` as plain
functions of the input and the parameters, written with elementary torch ops), the torch.nn
name, signature and defaults, the valid parameter ranges, the LaTeX formula, the plot range,
kinks and overlays, and the paper. Modules, functional forms, autograd Functions, plots,
verification, accuracy sweeps, benchmarks and the report are all generated from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import Tensor

from .errors import ParameterError

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Param:
    """A constructor parameter: torch's name and default, the valid range, values to plot with."""

    default: Any
    doc: str = ""
    check: Check | None = None
    valid: str = "any"  # human-readable range, e.g. "> 0"
    error: type[Exception] = ParameterError
    sample: tuple[float, float] | tuple[str, ...] | None = None  # range to draw random tests from
    plot: tuple[Any, ...] = ()  # values overlaid in plots

    def validate(self, owner: str, name: str, value: Any) -> None:
        if self.check is not None and not self.check(value):
            raise self.error(f"{owner}: {name} must be {self.valid}, got {value!r}")


def positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and math.isfinite(v)


def finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def nonnegative(v: Any) -> bool:
    return finite(v) and v >= 0


def nonzero(v: Any) -> bool:
    return finite(v) and v != 0


_MATH = ("f", "df", "d2f", "df_y", "d2f_y", "vjp", "vjp2", "forward", "check")


class Activation:
    """Base of all declarations (see the module docstring).

    Elementwise declarations define ``f(x, **p)``, ``df(x, **p)`` and ``d2f(x, **p)``; the
    generic autograd machinery turns them into a Function that saves only ``x`` (or only the
    output ``y``, through ``df_y``/``d2f_y``, when the op runs in place). Vector-valued ones
    (softmax family, GLU) and ones with tensor parameters (PReLU) override ``forward``,
    ``vjp`` and ``vjp2`` directly.
    """

    name: ClassVar[str]  # torch.nn class name, e.g. "ELU"
    function: ClassVar[str]  # torch.nn.functional name, e.g. "elu"
    torch_name: ClassVar[str | None] = None  # counterpart in torch.nn, None for our extras
    family: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}
    inplace: ClassVar[bool] = False  # constructor takes ``inplace``
    kind: ClassVar[str] = "elementwise"  # elementwise | normalizer | gated | parametric | random
    save: ClassVar[str] = "input"  # what backward needs: "input" or "output"
    tensor_params: ClassVar[tuple[str, ...]] = ()  # learnable tensor inputs after x (parametric kind)
    formula: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    x_range: ClassVar[tuple[float, float]] = (-5.0, 5.0)
    plot_params: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    repr_positional: ClassVar[bool] = False  # extra_repr "0.5" instead of "lambd=0.5"
    repr_inplace: ClassVar[bool] = True  # extra_repr shows "inplace=True" (torch's Hardsigmoid/Hardswish do not)
    user_defined: ClassVar[bool] = False
    module_class: ClassVar[type | None] = None  # set by the generator
    function_class: ClassVar[type | None] = None  # set by the autograd builder
    kink_convention: ClassVar[str] = ""  # documented derivative value at kinks

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attr in _MATH:  # plain functions in the class body become static
            v = cls.__dict__.get(attr)
            if callable(v) and not isinstance(v, (staticmethod, classmethod)):
                setattr(cls, attr, staticmethod(v))
        if "name" not in cls.__dict__:
            cls.name = cls.__name__

    # ---- math (defaults derive the vector-Jacobian products from df, d2f) -----------------
    @staticmethod
    def f(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def df(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def d2f(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    df_y: ClassVar[Callable[..., Tensor] | None] = None  # f'(x) written with y = f(x)
    d2f_y: ClassVar[Callable[..., Tensor] | None] = None  # d f'/d y, written with y

    @classmethod
    def kinks(cls, **p: Any) -> tuple[float, ...]:
        """Points where f, f' or f'' is not continuous (plots mark them, sweeps probe them)."""
        return ()

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {k: v.default for k, v in cls.params.items()}

    @classmethod
    def validate(cls, **p: Any) -> None:
        """Raise the torch-compatible exception for parameter values out of range."""
        for k, spec in cls.params.items():
            if k in p:
                spec.validate(cls.name, k, p[k])

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or cls.name).strip().splitlines()[0]
