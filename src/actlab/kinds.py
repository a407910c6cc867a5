"""The activation declaration: one class per activation, holding everything derived elsewhere.

A declaration is never instantiated. It states the math (``f``, ``df``, ``d2f`` as plain
functions of the input and the parameters, written with elementary torch ops), the torch.nn
name, signature and defaults, the valid parameter ranges, the LaTeX formula, the plot range,
kinks and overlays, and the paper. The operator layer (:mod:`actlab.ops`), modules, functional
forms, plots, verification, accuracy sweeps, benchmarks and the report are derived from it.

What a declaration must state depends on its *kind*, a base class below:

* :class:`Elementwise` — ``f``, ``df``, ``d2f`` of a scalar input (and ``df_y``/``d2f_y`` when
  f' can be written in the output, which is what in-place ops save);
* :class:`Random` — elementwise in evaluation, random slopes in training (RReLU);
* :class:`Normalizer` — a map along ``dim`` (softmax family, sparsemax): ``forward``, ``vjp``,
  ``vjp2``, ``jvp``, ``vjp_jvp``, all in terms of the output;
* :class:`SplitGate` — x = [a, b] halves along ``dim``, out = a * gate(b) (GLU and variants):
  everything derived from the gate's own declaration;
* :class:`Parametric` — learnable tensors after x (PReLU, StarReLU, Snake): ``forward``,
  ``vjp``, ``vjp2``, ``jvp``, ``vjp_jvp`` over x and the tensors; a tensor may carry a trailing
  coefficient dimension (``coefficients``: APL's hinges, PAU's polynomials) or be shaped like x
  (``like_input``: FReLU's funnel condition, computed by its module);
* :class:`VectorMap` — a map along ``dim`` written with its input x whose output may change the
  size of ``dim`` (SoLU, Maxout, CReLU, GroupSort): the same five functions as a normaliser, of x;
* :class:`ParametricNormalizer` — a normaliser with learnable tensors (EntmaxBisect's alpha):
  derivatives written with y and the tensors.

Layers dispatch on these classes (``issubclass``), never on strings.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor

from .errors import ParameterError, ParameterTypeError, ShapeError

Check = Callable[[Any], bool]
Saved = tuple[Tensor, ...]


@dataclass(frozen=True)
class Param:
    """A parameter: torch's name and default, its type, the valid range (the values plotted are
    the declaration's ``plot_params``)."""

    default: Any
    doc: str = ""
    check: Check | None = None
    valid: str = "any"  # human-readable range, e.g. "> 0"
    error: type[Exception] = ParameterError
    sample: tuple[float, float] | tuple[str, ...] | None = None  # range to draw random tests from
    type: type | None = None  # float, int, str or bool; when not given: the default's (float for a required one)
    optional: bool = False  # a default of None is a value (top-k's k), not a required argument

    def __post_init__(self) -> None:
        if self.type is None:
            object.__setattr__(self, "type", float if self.default is None else type(self.default))

    @property
    def required(self) -> bool:
        """No default (torch's required arguments, e.g. Threshold's): None without ``optional``."""
        return self.default is None and not self.optional

    def coerce(self, value: Any) -> Any:
        """numpy scalars and 0-d tensors as the Python number torch would take; other values as given."""
        if self.type is float and not isinstance(value, (bool, str)):
            if isinstance(value, Tensor) and value.dim() == 0 and not value.is_complex():
                return float(value.item())
            if isinstance(value, numbers.Real) and not isinstance(value, float):
                return float(value)
        if self.type is int and isinstance(value, numbers.Integral) and not isinstance(value, (bool, int)):
            return int(value)
        return value

    def validate(self, owner: str, name: str, value: Any) -> None:
        """TypeError for a value of the wrong type (as torch's argument parser), else ``error``
        when ``check`` rejects it."""
        want = self.type
        ok = (
            isinstance(value, str)
            if want is str
            else _real(value)
            if want is float
            else isinstance(value, numbers.Integral) and not isinstance(value, bool)
            if want is int
            else True
        )
        if not ok and not (value is None and self.default is None and want is not float):
            expected = {str: "str", float: "Number", int: "int"}.get(want, want.__name__)
            raise ParameterTypeError(f"{owner}(): argument '{name}' must be {expected}, not {type(value).__name__}")
        if self.check is not None and not self.check(value):
            raise self.error(f"{owner}: {name} must be {self.valid}, got {value!r}")


def _real(v: Any) -> bool:
    t = type(v)  # float and int first: the ABC check costs a microsecond on every call
    return t is float or t is int or (t is not bool and isinstance(v, numbers.Real))


def positive(v: Any) -> bool:
    return _real(v) and v > 0 and math.isfinite(v)


def finite(v: Any) -> bool:
    return _real(v) and math.isfinite(v)


def nonnegative(v: Any) -> bool:
    return finite(v) and v >= 0


def nonzero(v: Any) -> bool:
    return finite(v) and v != 0


def integer(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


_MATH = (
    "f",
    "df",
    "d2f",
    "df_y",
    "d2f_y",
    "vjp",
    "vjp2",
    "jvp",
    "vjp_jvp",
    "forward",
    "noise",
)  # static if plain functions
_FAMILIES = "actlab.activations."  # the package of the built-in declarations, one module per family


class Activation:
    """Base of all declarations (see the module docstring); subclass one of the kinds below."""

    kind_label: ClassVar[str] = ""  # the kind's name in lists and reports ("elementwise", ...); per kind class
    name: ClassVar[str]  # the class name (torch.nn's where it has the activation), e.g. "ELU"
    function: ClassVar[str]  # torch.nn.functional name, e.g. "elu"
    in_torch: ClassVar[bool] = False  # torch.nn has it: torch.nn.<name>, torch.nn.functional.<function>
    family: ClassVar[str] = ""  # built-ins: the name of the file in actlab/activations/ that declares it
    params: ClassVar[Mapping[str, Param]] = {}
    inplace: ClassVar[bool] = False  # constructor takes ``inplace``
    formula: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    x_range: ClassVar[tuple[float, float]] = (-5.0, 5.0)
    plot_params: ClassVar[tuple[dict[str, Any], ...]] = ({},)
    repr_positional: ClassVar[bool] = False  # extra_repr "0.5" instead of "lambd=0.5"
    repr_inplace: ClassVar[bool] = True  # extra_repr shows "inplace=True" (torch's Hardsigmoid/Hardswish do not)
    user_defined: ClassVar[bool] = False
    module_class: ClassVar[type | None] = None  # set when the module class is created
    kink_convention: ClassVar[str] = ""  # documented derivative value at kinks

    def __init_subclass__(
        cls, *, function: str | None = None, in_torch: bool | None = None, family: str | None = None, **kwargs: Any
    ) -> None:
        """Class keywords: ``class ELU(Elementwise, function="elu", in_torch=True)``. The family of
        a built-in declaration is its file's name (``activations/exponential.py``); others say it."""
        super().__init_subclass__(**kwargs)
        for attr in _MATH:  # plain functions in the class body become static
            v = cls.__dict__.get(attr)
            if callable(v) and not isinstance(v, (staticmethod, classmethod)):
                setattr(cls, attr, staticmethod(v))
        if "name" not in cls.__dict__:
            cls.name = cls.__name__
        if function is not None:
            cls.function = function
        if in_torch is not None:
            cls.in_torch = in_torch
        if family is not None:
            cls.family = family
        elif "family" not in cls.__dict__ and cls.__module__.startswith(_FAMILIES):
            cls.family = cls.__module__.removeprefix(_FAMILIES)

    @classmethod
    def plot_values(cls, param: str) -> tuple[Any, ...]:
        """The values ``param`` takes in the plots (``plot_params``), in order."""
        return tuple(dict.fromkeys(p[param] for p in cls.plot_params if param in p))

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        """The non-tensor arguments of the operator, in order (the math's keyword arguments)."""
        return cls.params

    @classmethod
    def kinks(cls, **p: Any) -> tuple[float, ...]:
        """Points where f, f' or f'' is not continuous (plots mark them, sweeps probe them)."""
        return ()

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {k: v.default for k, v in cls.params.items()}

    @classmethod
    def validate(cls, **p: Any) -> None:
        """Raise the torch-compatible exception for parameter values of the wrong type or out of
        range (each ``Param``), then for values that do not fit together (``relations``)."""
        for k, spec in cls.params.items():
            if k in p:
                spec.validate(cls.name, k, p[k])
        cls.relations(**p)

    @classmethod
    def relations(cls, **p: Any) -> None:
        """Constraints between parameters (e.g. Hardtanh's min_val <= max_val)."""

    @classmethod
    def validate_init(cls, **p: Any) -> None:
        """Extra checks of the module's constructor (torch's modules reject some values F accepts)."""

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or cls.name).strip().splitlines()[0]


class Elementwise(Activation):
    r"""y = f(x) entry by entry, with hand-derived f' and f''.

    Out of place the operator saves x (accurate derivatives need x, not y), or y when
    ``save_output`` is set and f' is exact in y (ReLU). In place it saves y and uses
    ``df_y``/``d2f_y`` (f' and d f'/dy written with y) when ``output_ok`` holds for the
    parameters; otherwise it keeps a copy of x, as torch does.
    """

    kind_label = "elementwise"
    save_output: ClassVar[bool] = False
    df_y: ClassVar[Callable[..., Tensor] | None] = None  # f'(x) written with y = f(x)
    d2f_y: ClassVar[Callable[..., Tensor] | None] = None  # d f'/d y, written with y
    integer_inputs: ClassVar[bool] = False  # torch computes integer tensors in integers (relu, hardtanh ...)
    integer_to_float: ClassVar[bool] = False  # torch computes integer tensors in the default float dtype
    # f'' = 0 wherever it is defined (f piecewise linear): the x-gradient of the backward,
    # gg g f''(x), is zeros whatever gg, g and x hold (NaN and inf included), as torch's
    piecewise_linear: ClassVar[bool] = False

    @staticmethod
    def f(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def df(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def d2f(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError

    @classmethod
    def output_ok(cls, dtype: torch.dtype, **p: Any) -> bool:
        """Whether ``df_y`` gives f' for these parameters and dtype (in-place ops save y then)."""
        return cls.df_y is not None


class Random(Elementwise):
    """Elementwise in evaluation (``f``); in training y = x * noise with ``noise(x, **p)`` drawn
    per entry, and backward multiplies by the same noise."""

    kind_label = "random"

    @staticmethod
    def noise(x: Tensor, **p: Any) -> Tensor:
        raise NotImplementedError


class Normalizer(Activation):
    r"""y = N(x) along ``dim`` (rows sum to 1, or their log). All derivatives are written with
    the output y, which is all the operator saves:

    * ``forward(x, dim) -> y``;
    * ``vjp(g, y, dim)`` = :math:`J^\top g`; ``jvp(t, y, dim)`` = :math:`J t`;
    * ``vjp2(gg, g, y, dim) -> (d/dg, d/dy)`` of :math:`\langle gg, J^\top g\rangle` (double backward);
    * ``vjp_jvp(tg, ty, g, y, dim)``: the directional derivative of :math:`J^\top g` (forward over reverse).
    """

    kind_label = "normalizer"
    dim_param: ClassVar[Param] = Param(-1, "dimension to normalise over", integer, "an int", type=int)

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        return {"dim": cls.dim_param}


class SplitGate(Activation):
    r"""x = [a, b] split in halves along ``dim``; out = a * gate(b), with ``gate`` an
    :class:`Elementwise` declaration whose f, f', f'' give every derivative:

    .. math:: \partial/\partial a = \mathrm{gate}(b),\quad \partial/\partial b = a\,\mathrm{gate}'(b)
    """

    kind_label = "gated"
    gate: ClassVar[type[Elementwise]]

    @classmethod
    def split(cls, x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        """The halves a, b of ``x`` along ``dim`` (a clear error for scalars and odd sizes)."""
        if x.dim() == 0:
            raise ShapeError(f"{cls.function} does not support scalars because halving size must be even")
        n = x.size(dim)
        if n % 2:
            raise ShapeError(f"Halving dimension must be even, but dimension {dim % x.dim()} is size {n}")
        return x.narrow(dim, 0, n // 2), x.narrow(dim, n // 2, n // 2)

    @classmethod
    def forward(cls, x: Tensor, dim: int, **p: Any) -> Tensor:
        a, b = cls.split(x, dim)
        return a * cls.gate.f(b, **p)

    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        a, b = cls.split(x, dim)
        return torch.cat([g * cls.gate.f(b, **p), g * a * cls.gate.df(b, **p)], dim)

    @classmethod
    def jvp(cls, t: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        (a, b), (ta, tb) = cls.split(x, dim), cls.split(t, dim)
        return ta * cls.gate.f(b, **p) + a * cls.gate.df(b, **p) * tb

    @classmethod
    def vjp2(cls, gg: Tensor, g: Tensor, x: Tensor, dim: int, **p: Any) -> tuple[Tensor, Tensor]:
        """Derivatives of <gg, [g act(b), g a act'(b)]> with respect to g and x = [a, b]."""
        (a, b), (gga, ggb) = cls.split(x, dim), cls.split(gg, dim)
        act, dact, d2act = cls.gate.f(b, **p), cls.gate.df(b, **p), cls.gate.d2f(b, **p)
        grad_g = gga * act + ggb * a * dact
        return grad_g, torch.cat([ggb * g * dact, gga * g * dact + ggb * g * a * d2act], dim)

    @classmethod
    def vjp_jvp(cls, tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int, **p: Any) -> Tensor:
        """The directional derivative of [g act(b), g a act'(b)] along (tg, tx)."""
        (a, b), (ta, tb) = cls.split(x, dim), cls.split(tx, dim)
        act, dact, d2act = cls.gate.f(b, **p), cls.gate.df(b, **p), cls.gate.d2f(b, **p)
        da = tg * act + g * dact * tb
        db = tg * a * dact + g * ta * dact + g * a * d2act * tb
        return torch.cat([da, db], dim)


class Parametric(Activation):
    r"""y = f(x, w1, ...) with learnable tensors ``tensor_params`` (one value or one per channel,
    shaped by the functional layer to broadcast against x). ``params`` are the module's constructor
    arguments (initial values), not operator arguments.

    * ``forward(x, *w) -> y`` (the operator saves x and the tensors);
    * ``vjp(g, x, *w) -> (gx, *gw)``, each gw summed to its tensor's shape; ``jvp(tx, *tw, x, *w)``;
    * ``vjp2(ggs, g, x, *w) -> (d/dg, d/dx, *d/dw)`` of :math:`\sum_i \langle gg_i, vjp_i\rangle`;
    * ``vjp_jvp(tg, tx, *tw, g, x, *w)``: the directional derivative of every vjp output.
    """

    kind_label = "parametric"
    tensor_params: ClassVar[tuple[str, ...]] = ()
    initial: ClassVar[Mapping[str, str]] = {}  # tensor -> the constructor parameter of its initial value
    channels: ClassVar[str | None] = None  # constructor parameter giving the values per tensor (1 or C)
    # tensors with a trailing coefficient dimension K: (K,) shared or (C, K) per channel, shaped by the
    # functional layer to (K,) resp. (1, C, 1, ..., K); the math picks coefficient j as w[..., j]
    coefficients: ClassVar[tuple[str, ...]] = ()
    # tensors shaped like the input (a second input, e.g. FReLU's funnel condition): passed as they
    # are, broadcast against x; the module computes them (no nn.Parameter)
    like_input: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        return {}

    @classmethod
    def initial_values(cls, **p: Any) -> dict[str, float | tuple[float, ...]]:
        """The initial value of each learnable tensor for constructor parameters ``p``: a number
        (filled per channel), or for a ``coefficients`` tensor its K coefficients."""
        return {t: float(p[k]) for t, k in cls.initial.items()}


class VectorMap(Activation):
    r"""y = M(x) along ``dim``, written with the input x, which is all the operator saves (SoLU,
    Maxout, CReLU, GroupSort, ...). The output's size along ``dim`` is ``out_size(n, **p)``
    (Maxout: n / k, CReLU: 2n); other dimensions are kept.

    * ``forward(x, dim, **p) -> y``; ``vjp(g, x, dim, **p)`` = :math:`J^\top g`; ``jvp(t, x, dim, **p)`` = :math:`J t`;
    * ``vjp2(gg, g, x, dim, **p) -> (d/dg, d/dx)`` of :math:`\langle gg, J^\top g\rangle`;
    * ``vjp_jvp(tg, tx, g, x, dim, **p)``: the directional derivative of :math:`J^\top g`.
    """

    kind_label = "vector map"
    hidden: ClassVar[bool] = True  # a hidden-layer activation (the arena): False for attention-only maps

    @classmethod
    def out_size(cls, n: int, **p: Any) -> int:
        """The output's size along ``dim`` for an input of size ``n`` there (a ShapeError if ``n`` does not fit)."""
        return n


class ParametricNormalizer(Normalizer):
    r"""A normaliser along ``dim`` with learnable tensors ``tensor_params`` (EntmaxBisect's alpha),
    each broadcastable against x with size 1 along ``dim``. The operator saves y and the tensors;
    every derivative is written with them, y held fixed (its own dependence on x and the tensors is
    the forward's, which autograd chains):

    * ``forward(x, *w, dim, **p) -> y``;
    * ``vjp(g, y, *w, dim, **p) -> (gx, *gw)``, each gw summed to its tensor's shape;
      ``jvp((tx, *tw), y, *w, dim, **p)``;
    * ``vjp2(ggs, g, y, *w, dim, **p) -> (d/dg, d/dy, *d/dw)`` of :math:`\sum_i \langle gg_i, vjp_i\rangle`;
    * ``vjp_jvp(tg, (ty, *tw), g, y, *w, dim, **p)``: the directional derivative of every vjp output.

    ``params`` hold the constructor's initial values of the tensors (``initial``) and the
    operator's arguments (``op_params``: ``dim`` and the rest).
    """

    kind_label = "parametric normalizer"
    tensor_params: ClassVar[tuple[str, ...]] = ()
    initial: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def op_params(cls) -> Mapping[str, Param]:
        return {k: v for k, v in cls.params.items() if k not in cls.initial.values()}
