"""The functional forms: torch.nn.functional-style callables built from a declaration, one class
per kind (plain callables, not autograd Functions: those are the operators' towers, actlab.ops).

* :class:`ElementwiseForm`: ``fn(input, <params>, inplace=False)`` (:class:`InplaceForm`
  is its ``fn_`` variant);
* :class:`AlongDimForm`: ``fn(input, dim=-1, <params>)`` for normalisers, split gates and
  vector maps (SoLU, Maxout, ...);
* :class:`ParametricForm`: ``fn(input, <tensors>)`` for learnable activations, each tensor of
  one value or one per channel (dim 1), with a trailing coefficient dimension where the declaration
  says so, or shaped like the input;
* :class:`ParametricNormalizerForm`: ``fn(input, <tensors>=<default>, dim=-1, <params>)``
  (EntmaxBisect's alpha: a number or a tensor with size 1 along ``dim``).

Each has its exact signature (``inspect.signature``, help(), and CPython's argument errors),
validates and coerces its parameters (numpy scalars and 0-d tensors become numbers) and applies
the operator. :func:`form_for` picks the class by the declaration's kind; :func:`form` is the one
built form of a declaration (``actlab.functional`` and the losses share it).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import Tensor, fx

from . import ops
from .binding import Signature
from .errors import DtypeError, ShapeError
from .kinds import Activation, Elementwise, Normalizer, Param, Parametric, ParametricNormalizer, SplitGate, VectorMap


def check_tensor(name: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


class ParamChecker:
    """Coerce (numpy scalars, 0-d tensors) and validate a declaration's parameter values, in the
    order ``names``; then check how they relate (``decl.relations``)."""

    MEMO = 64  # accepted value combinations remembered (a module calls with the same ones every step)

    def __init__(self, decl: type[Activation], names: tuple[str, ...]):
        self.decl, self.names = decl, names
        self.specs: tuple[tuple[int, str, Param], ...] = tuple(
            (i, n, decl.params[n]) for i, n in enumerate(names) if n in decl.params
        )
        self.relations = decl.relations.__func__ is not Activation.relations.__func__
        self.accepted: set[tuple] = set()

    def __call__(self, values: list[Any]) -> tuple:
        if torch.compiler.is_compiling():  # checked once, while tracing: no memo (a lookup in it would
            return self.validate(values)  # become a guard that its own insertion breaks)
        key = (*values, *map(type, values))  # types too: 1, 1.0 and True are equal keys otherwise
        try:
            if key in self.accepted:  # validated before (the checks do not tell -0.0 from 0.0)
                return tuple(values)
        except TypeError:  # an unhashable value: checked below, not remembered
            key = None
        self.validate(values)
        if key is not None and all(type(v) is t for v, t in zip(values, key[len(values) :])):
            if len(self.accepted) >= self.MEMO:
                self.accepted.clear()
            self.accepted.add(key)  # only values that needed no coercion
        return tuple(values)

    def validate(self, values: list[Any]) -> tuple:
        """Coerce (in place) and check every value, then their relations."""
        for i, name, spec in self.specs:
            v = values[i]
            if type(v) is not spec.type:
                v = values[i] = spec.coerce(v)
            spec.validate(self.decl.name, name, v)
        if self.relations:
            self.decl.relations(**dict(zip(self.names, values)))
        return tuple(values)


class _Form:
    """Shared parts: name, docs, signature, pickling by reference, fx leaf recording."""

    signature: Signature

    def _setup(
        self, decl: type[Activation], names: tuple[str, ...], defaults: list[Any], name: str = "", doc: str = ""
    ) -> None:
        self.decl = decl
        self.operator = ops.operator(decl)
        self.__name__ = self.__qualname__ = name or decl.function
        self.signature = Signature(self.__name__, names, defaults)
        self.__doc__ = doc or decl.__doc__
        self.__module__ = "actlab.functional"
        self.__signature__ = self.signature.inspect

    def _input(self, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, tuple]:
        if args:
            return args[0], args[1:]
        if "input" in kwargs:
            return kwargs.pop("input"), ()
        raise TypeError(f"{self.__name__}() missing 1 required positional argument: 'input'")

    def _trace(self, args: tuple, kwargs: dict[str, Any]) -> Any:
        """The fx Proxy of a call to this function (a leaf) when an argument is a Proxy, else None."""
        for a in (*args, *kwargs.values()):
            if isinstance(a, fx.Proxy):
                return a.tracer.create_proxy("call_function", self, args, kwargs)
        return None

    def __repr__(self) -> str:
        return f"<actlab.functional.{self.__name__}>"

    def __reduce__(self) -> str:
        return self.__name__


class ElementwiseForm(_Form):
    """``fn(input, <params>, inplace=False)`` of an elementwise declaration."""

    def __init__(self, decl: type[Elementwise]):
        names = tuple(decl.params)
        defaults = [inspect.Parameter.empty if p.default is None else p.default for p in decl.params.values()]
        if decl.inplace:
            names, defaults = (*names, "inplace"), [*defaults, False]
        self._setup(decl, names, defaults)
        self.check = ParamChecker(decl, tuple(decl.params))

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        x, rest = self._input(args, kwargs)
        values = self.signature.bind(rest, kwargs)
        inplace = bool(values.pop()) if self.decl.inplace else False
        params = self.check(values)
        if isinstance(x, fx.Proxy):  # symbolic tracing records the op itself
            return (self.operator.op_ if inplace else self.operator.op)(x, *params)
        check_tensor(self.__name__, x)
        return self.operator(x, *params, inplace=inplace)


class InplaceForm(_Form):
    """``fn_(input, <params>)``: the in-place variant of an :class:`ElementwiseForm`."""

    def __init__(self, fn: ElementwiseForm):
        names, defaults = fn.signature.names[:-1], list(fn.signature.defaults[:-1])
        self._setup(fn.decl, names, defaults, name=f"{fn.__name__}_", doc=f"In-place version of :func:`{fn.__name__}`.")
        self.check = fn.check

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        x, rest = self._input(args, kwargs)
        params = self.check(self.signature.bind(rest, kwargs))
        if isinstance(x, fx.Proxy):
            return self.operator.op_(x, *params)
        check_tensor(self.__name__, x)
        return self.operator(x, *params, inplace=True)


class AlongDimForm(_Form):
    """``fn(input, dim=-1, <params>)`` of a normaliser or split-gate declaration."""

    def __init__(self, decl: type[Activation]):
        names = tuple(decl.op_params())
        defaults = [p.default for p in decl.op_params().values()]
        self._setup(decl, names, defaults)
        self.check = ParamChecker(decl, names)

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        traced = self._trace(args, kwargs)
        if traced is not None:
            return traced
        x, rest = self._input(args, kwargs)
        values = self.signature.bind(rest, kwargs)
        dim = values[0]
        if not isinstance(dim, int) or isinstance(dim, bool):
            if not hasattr(dim, "__index__") or isinstance(dim, bool):
                raise TypeError(f"{self.__name__}(): argument 'dim' must be int, not {type(dim).__name__}")
            values[0] = dim.__index__()
        check_tensor(self.__name__, x)
        return self.operator(x, *self.check(values))


class ParametricForm(_Form):
    """``fn(input, <tensors>)`` of a learnable declaration: each tensor one value or one per
    channel (input.size(1)). Under autocast everything takes the autocast dtype (as torch's prelu);
    otherwise the tensors are cast to the input's dtype (a differentiable cast: float32 weights
    train a bfloat16 layer), or with ``strict`` (PReLU, as torch) must already have it."""

    def __init__(self, decl: type[Parametric], strict: bool = False):
        names = tuple(decl.tensor_params)
        self._setup(decl, names, [Signature.REQUIRED] * len(names))
        self.strict = strict

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        traced = self._trace(args, kwargs)
        if traced is not None:
            return traced
        x, rest = self._input(args, kwargs)
        tensors = self.signature.bind(rest, kwargs)
        check_tensor(self.__name__, x)
        for t, n in zip(tensors, self.signature.names):
            if not isinstance(t, Tensor):
                raise TypeError(f"{self.__name__}: {n} must be a Tensor, got {type(t).__name__}")
        x, *tensors = self.dtypes(x, tensors)
        shaped = [self.place(x, t, n) for t, n in zip(tensors, self.signature.names)]
        return self.operator(x, *shaped)

    def place(self, x: Tensor, t: Tensor, name: str) -> Tensor:
        """``t`` shaped to broadcast against ``x``, by what the declaration says it is."""
        if name in self.decl.coefficients:
            return coefficient_weight(self.__name__, x, t, name)
        if name in self.decl.like_input:
            try:
                fits = torch.broadcast_shapes(t.shape, x.shape) == x.shape
            except RuntimeError:
                fits = False
            if not fits:
                raise ShapeError(
                    f"{self.__name__}: {name} of shape {tuple(t.shape)} does not broadcast "
                    f"to the input's {tuple(x.shape)}"
                )
            return t
        return channel_weight(self.__name__, x, t, name)

    def dtypes(self, x: Tensor, tensors: list[Tensor]) -> tuple[Tensor, ...]:
        device = "cpu" if x.is_cpu else x.device.type  # (x.device builds an object)
        if torch.is_autocast_enabled(device) and x.is_floating_point():
            dt = torch.get_autocast_dtype(device)
            return tuple(t.to(dt) for t in (x, *tensors))
        for t in tensors:
            if t.dtype != x.dtype and (self.strict or not t.is_floating_point()):
                raise DtypeError(f"{self.__name__}: Type promoting not supported. Got {x.dtype} and {t.dtype}")
        return (x, *(t if t.dtype == x.dtype else t.to(x.dtype) for t in tensors))


def channel_weight(name: str, input: Tensor, weight: Tensor, what: str) -> Tensor:
    """``weight`` (1 value, or one per channel = input.size(1)) shaped to broadcast against ``input``."""
    if weight.dim() > 1:
        raise ShapeError(f"{name}: {what} must be 0-D or 1-D, got {weight.dim()}-D")
    n, d = weight.numel(), input.dim()
    if n == 1:  # a 1-element 1-D weight already broadcasts against any input with a dimension
        return weight if d >= 1 and weight.dim() == 1 else weight.reshape(())
    channels = input.size(1) if d >= 2 else 1
    if n != channels:
        raise ShapeError(
            f"{name}: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels} (expected 1 or the channel count, input.size(1))."
        )
    # (C,) broadcasts against (N, C) as it is; a view costs a node in the graph, so only when needed
    return weight if d == 2 else weight.reshape((1, n) + (1,) * (d - 2))


def coefficient_weight(name: str, input: Tensor, weight: Tensor, what: str) -> Tensor:
    """A coefficient tensor: (K,) or (1, K) shared, shaped (K,); (C, K) one row per channel
    (input.size(1)), shaped (1, C, 1, ..., K) so that ``w[..., j]`` broadcasts against ``input``."""
    if weight.dim() not in (1, 2):
        raise ShapeError(f"{name}: {what} must be (K,) or (channels, K), got {weight.dim()}-D")
    if weight.dim() == 1 or weight.size(0) == 1:
        return weight.reshape(weight.shape[-1])
    channels = input.size(1) if input.dim() >= 2 else 1
    if weight.size(0) != channels:
        raise ShapeError(
            f"{name}: {what} has {weight.size(0)} rows but the input has {channels} channels (input.size(1))"
        )
    return weight.reshape((1, channels) + (1,) * (input.dim() - 2) + (weight.size(1),))


class ParametricNormalizerForm(_Form):
    """``fn(input, <tensors>=<initial>, dim=-1, <params>)`` of a normaliser with learnable tensors
    (EntmaxBisect): each tensor a number (a constant) or a tensor broadcastable against the input
    with size 1 along ``dim`` (one value per row; its gradient is summed to its shape)."""

    def __init__(self, decl: type[ParametricNormalizer]):
        self.tensors = tuple(decl.tensor_params)
        self.op_names = tuple(decl.op_params())
        init = {t: decl.params[k] for t, k in decl.initial.items()}
        names = (*self.tensors, *self.op_names)
        defaults = [*(init[t].default for t in self.tensors), *(p.default for p in decl.op_params().values())]
        self._setup(decl, names, defaults)
        self.init = init
        self.check = ParamChecker(decl, self.op_names)

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        traced = self._trace(args, kwargs)
        if traced is not None:
            return traced
        x, rest = self._input(args, kwargs)
        values = self.signature.bind(rest, kwargs)
        check_tensor(self.__name__, x)
        k = len(self.tensors)
        params = self.check(values[k:])
        dim = params[0]
        rows = list(x.shape)
        if rows:
            rows[dim] = 1
        tensors = [self.tensor(x, v, t, rows) for v, t in zip(values[:k], self.tensors)]
        return self.operator(x, *tensors, *params)

    def tensor(self, x: Tensor, value: Any, name: str, rows: list[int]) -> Tensor:
        if not isinstance(value, Tensor):
            spec = self.init[name]
            value = spec.coerce(value)
            spec.validate(self.decl.name, name, value)
            return torch.tensor(value, dtype=x.dtype, device=x.device)
        if not value.is_floating_point():
            raise DtypeError(f"{self.__name__}: {name} must be a floating-point tensor, got {value.dtype}")
        if torch.broadcast_shapes(value.shape, tuple(rows)) != tuple(rows):
            raise ShapeError(
                f"{self.__name__}: {name} of shape {tuple(value.shape)} must broadcast to {tuple(rows)} "
                "(the input's shape with size 1 along dim)"
            )
        return value.to(x.dtype) if value.dtype != x.dtype else value


def form_for(decl: type[Activation]) -> Any:
    """The functional callable of ``decl``, by its kind."""
    if issubclass(decl, Elementwise):
        return ElementwiseForm(decl)
    if issubclass(decl, ParametricNormalizer):
        return ParametricNormalizerForm(decl)
    if issubclass(decl, (Normalizer, SplitGate, VectorMap)):
        return AlongDimForm(decl)
    if issubclass(decl, Parametric):
        return ParametricForm(decl)
    raise TypeError(f"{decl.name}: no functional form for its kind")
