"""What every operator shares: the one dispatch (:meth:`Operator.__call__`) and the one builder of
the torch.func Function tower (:func:`tower`).

A kind's operator (one class per kind of declaration) defines its ops and rules, says which op
computes the declaration (``op``, and ``op_`` in place) and hands :func:`tower` its
:class:`Math`: the declaration's forward, J t, J^T g and their derivatives in the kind's own
calling convention. The dispatch then decides, call by call, what runs:

* plain eager (no compile, no forward AD, no torch.func): the op itself, straight to its
  dispatcher entry;
* torch.compile / torch.export tracing: the op (the graph records one node); ONNX export gets the
  declaration's math instead (ONNX has no actlab ops);
* forward-mode AD and torch.func transforms: the Function tower (``jvp`` and ``setup_context``),
  eagerly also inside compiled code (a graph break: compiled, the op's tangent would be dropped);
* in place: eagerly the kind's own rule (:meth:`Operator.apply_inplace`); under compile the op and
  ``x.copy_`` (functionalisation), the op's saved input a :func:`~actlab.ops.base.keep` copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.autograd import Function

from ..errors import InputTypeError
from ..kinds import Activation
from . import base

Grads = tuple[Tensor | None, ...]


class Math:
    """One kind's derivative math for :func:`tower`, in the kind's calling convention. It computes
    bfloat16/float16 tensors in float32 (:func:`~actlab.ops.base.upcast`); the tower casts each result
    back to the dtype of the tensor it belongs to. ``tensors`` is the number of tensors the value
    saves; ``backward`` is the tower's ``<Name>Backward.apply`` (the elementwise kind reuses it, so
    that every higher order stays the hand-derived f'')."""

    tensors: ClassVar[int] = 1

    def __init__(self, decl: type[Activation]):
        self.decl = decl
        self.param_names = tuple(decl.op_params())

    def kw(self, params: Sequence[Any]) -> dict[str, Any]:
        """The declaration's keyword arguments of parameter values in op order."""
        return dict(zip(self.param_names, params))

    def forward(self, x: Tensor, rest: tuple) -> Tensor:
        """y = f(x, ...) from the op's arguments after x."""
        raise NotImplementedError

    def saved(self, inputs: tuple, y: Tensor) -> tuple[Tensor, ...]:
        """What the value saves: its backward's inputs after g (the math of every order is written with them)."""
        return (inputs[0],)

    def params(self, inputs: tuple) -> tuple:
        """The value's non-tensor arguments (passed on to the backward)."""
        return tuple(inputs[self.tensors :])

    def jvp(self, tangents: Sequence[Tensor | None], saved: tuple, params: tuple, backward: Callable) -> Tensor:
        """J t for the tangents of the value's inputs (None: zero)."""
        raise NotImplementedError

    def vjp(self, g: Tensor, saved: tuple, params: tuple) -> Tensor | tuple[Tensor, ...]:
        """J^T g: one gradient per tensor input of the value."""
        raise NotImplementedError

    def vjp2(self, ggs: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple, needs: Sequence[bool],
             backward: Callable) -> Grads:  # fmt: skip
        """Derivatives of sum_i <ggs[i], vjp_i> in g and each saved tensor (None where not ``needs``)."""
        raise NotImplementedError

    def vjp_jvp(self, tg: Tensor | None, tsaved: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple,
                backward: Callable) -> Tensor | tuple[Tensor, ...]:  # fmt: skip
        """The directional derivative of the vjp along (tg, tsaved)."""
        raise NotImplementedError


def _like(ts: Any, refs: Sequence[Tensor]) -> Any:
    """Each result in the dtype of the tensor it belongs to (a tuple, or one tensor like refs[0])."""
    if isinstance(ts, Tensor):
        return ts if ts.dtype == refs[0].dtype else ts.to(refs[0].dtype)
    return tuple(t if t is None or t.dtype == r.dtype else t.to(r.dtype) for t, r in zip(ts, refs))


def tower(decl: type[Activation], math: Math) -> tuple[type[Function], type[Function]]:
    """``<Name>Function`` (the value; its backward calls the second, its jvp is ``math.jvp``) and
    ``<Name>Backward`` (J^T g; its backward is ``math.vjp2``, its jvp ``math.vjp_jvp``): the
    autograd.Functions forward-mode AD and torch.func run, every derivative the declaration's math."""
    n = math.tensors

    class BackwardFunction(Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(g: Tensor, *rest: Any) -> Any:
            saved, params = rest[:n], rest[n:]
            return _like(math.vjp(g, saved, params), saved)

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
            ctx.save_for_backward(*inputs[: 1 + n])
            ctx.save_for_forward(*inputs[: 1 + n])
            ctx.params = tuple(inputs[1 + n :])

        @staticmethod
        def backward(ctx: Any, *ggs: Tensor) -> tuple:
            g, *saved = ctx.saved_tensors
            needs = ctx.needs_input_grad[: 1 + n]
            grads = math.vjp2(ggs, g, tuple(saved), ctx.params, needs, BackwardFunction.apply)
            return (*_like(grads, (g, *saved)), *([None] * len(ctx.params)))

        @staticmethod
        def jvp(ctx: Any, tg: Tensor | None, *ts: Tensor | None) -> Any:
            g, *saved = ctx.saved_tensors
            out = math.vjp_jvp(tg, ts[:n], g, tuple(saved), ctx.params, BackwardFunction.apply)
            return _like(out, saved)

    class ValueFunction(Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x: Tensor, *rest: Any) -> Tensor:
            return _like(math.forward(x, rest), (x,))

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
            saved = math.saved(inputs, output)
            ctx.save_for_backward(*saved)
            ctx.save_for_forward(*saved)
            ctx.params = math.params(inputs)

        @staticmethod
        def backward(ctx: Any, g: Tensor) -> tuple:
            grads = BackwardFunction.apply(g, *ctx.saved_tensors, *ctx.params)
            return (*(grads if isinstance(grads, tuple) else (grads,)), *([None] * len(ctx.params)))

        @staticmethod
        def jvp(ctx: Any, *ts: Tensor | None) -> Tensor:
            saved = ctx.saved_tensors
            return _like(math.jvp(ts, saved, ctx.params, BackwardFunction.apply), saved)

    ValueFunction.__name__ = ValueFunction.__qualname__ = f"{decl.name}Function"
    BackwardFunction.__name__ = BackwardFunction.__qualname__ = f"{decl.name}Backward"
    ValueFunction.__doc__ = (decl.__doc__ or "").strip() or f"{decl.name} with hand-derived derivatives."
    BackwardFunction.__doc__ = f"J^T g of {decl.name}; its derivatives are the hand-derived math of the declaration."
    return ValueFunction, BackwardFunction


class Operator:
    """The ops, rules and Function tower of one declaration; calling it applies the declaration:
    ``operator(x, *args, inplace=False)``, ``args`` the op's arguments after x (learnable tensors,
    then parameter values, validated by the caller).

    A kind's subclass sets ``op`` (``op_`` for an in-place form), ``saves_input`` (whether the op's
    rule saves x) and ``function`` / ``backward_function`` (:func:`tower`), and may override the
    hooks :meth:`integer` (non-floating inputs) and :meth:`apply_inplace` (eager in-place calls)."""

    op: Any
    op_: Any = None
    saves_input: bool = True
    math: Math

    def __init__(self, decl: type[Activation]):
        self.decl = decl
        self.param_names = tuple(decl.op_params())

    @cached_property
    def _tower(self) -> tuple[type[Function], type[Function]]:
        return tower(self.decl, self.math)

    @property
    def function(self) -> type[Function]:
        """The value's Function (built at first use: 200 classes cost 80 ms at import)."""
        return self._tower[0]

    @property
    def backward_function(self) -> type[Function]:
        """The backward's Function (J^T g)."""
        return self._tower[1]

    def kw(self, params: Sequence[Any]) -> dict[str, Any]:
        """The declaration's keyword arguments of parameter values in op order."""
        return dict(zip(self.param_names, params))

    def set_op(self, op: Any) -> None:
        """Record the op that computes the declaration and its dispatcher entry (the eager hot path)."""
        self.op = op
        self.eager = base.direct(op)

    def __call__(self, x: Tensor, *args: Any, inplace: bool = False) -> Tensor:
        if not inplace and type(x) is Tensor and x.is_floating_point() and base.plain_eager():
            return self.eager(x, *args)  # the common case first: the checks below in one
        if isinstance(x, torch.fx.Proxy):  # symbolic tracing records the op itself
            return (self.op_ if inplace else self.op)(x, *args)
        if not isinstance(x, Tensor):
            raise TypeError(f"{self.decl.function}(): argument 'input' must be Tensor, not {type(x).__name__}")
        if not x.is_floating_point():
            return self.integer(x, args, inplace)
        if inplace and self.op_ is None:
            raise TypeError(f"{self.decl.function}() has no in-place form")
        if base.compiling():
            if base.derivatives_observable():  # torch.func / forward AD inside the compiled code
                return _outside_the_graph(self, x, args, inplace)
            if base.onnx_exporting():  # ONNX has no actlab ops: the declaration's math (inference)
                y = _like(self.math.forward(x, args), (x,))
            elif inplace:  # functionalised: op + copy_; the op saves a copy no graph pass removes
                saves = self.saves_input and torch.is_grad_enabled() and x.requires_grad
                y = self.op(base.keep(x) if saves else x, *args)
            else:
                return self.op(x, *args)
            return x.copy_(y) if inplace else y
        if base.derivatives_observable():
            return self.through_the_tower(x, args, inplace)
        return self.apply_inplace(x, args) if inplace else self.eager(x, *args)

    def through_the_tower(self, x: Tensor, args: tuple, inplace: bool) -> Tensor:
        """The Function tower: what forward-mode AD and torch.func transforms must run (an op has
        no forward-AD rule: its tangent would be lost)."""
        y = self.function.apply(x, *args)
        return x.copy_(y) if inplace else y

    def integer(self, x: Tensor, args: tuple, inplace: bool) -> Tensor:
        """A non-floating input (refused; elementwise kinds follow torch's integer rules)."""
        raise InputTypeError(
            f"{self.decl.function}: expected a floating-point tensor (float16/bfloat16/float32/float64), got {x.dtype}"
        )

    def apply_inplace(self, x: Tensor, args: tuple) -> Tensor:
        """An eager in-place call (kinds with ``op_``)."""
        raise NotImplementedError


@torch._disable_dynamo  # torch.compiler.disable, but importing torch._dynamo (2 s) on first use, not at import
def _outside_the_graph(operator: Operator, x: Tensor, args: tuple, inplace: bool) -> Tensor:
    """The tower, run eagerly (a graph break): torch.compile would record the op, whose tangent
    torch.func's jvp then drops (zeros), or trace the tower's forward but not its jvp."""
    return operator.through_the_tower(x, args, inplace)
