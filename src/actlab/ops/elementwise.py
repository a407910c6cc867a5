r"""The operator of an :class:`~actlab.kinds.Elementwise` declaration ``fn``.

Ops (``torch.ops.actlab.*``; ``p`` = the declaration's parameters in order):

==================================  ========================================  ==============================
op                                  computes                                  derivative rule
==================================  ========================================  ==============================
``fn(x, p)``                        f(x)                                      saves x: ``fn_backward``
                                                                              (saves y: ``fn_backward_y``
                                                                              when ``save_output``)
``fn_(x!, p)``                      f(x) written into x                       saves y: ``fn_backward_y``
``fn_backward(g, x, p)``            g f'(x)                                   ``fn_double_backward``;
                                                                              partials ``fn_backward``,
                                                                              ``fn_double_backward_x``
``fn_backward_y(g, y, p)``          g f'(x) written with y (``df_y``)         ``fn_double_backward_y``;
                                                                              partials ``fn_backward_y``,
                                                                              ``fn_double_backward_x_y``
``fn_double_backward(gg, g, x)``    (gg f'(x), gg g f''(x))                   ``fn_triple_backward``
``fn_double_backward_x(gg, g, x)``  gg g f''(x) alone                         ``fn_triple_backward_x``
``fn_triple_backward(...)``         composite: f' and f'' and the derivative  (autograd of torch ops)
                                    of the hand-derived f'' (third order)
``fn_triple_backward_x(...)``       composite: the same for gg g f''(x)       (autograd of torch ops)
==================================  ========================================  ==============================

The double backward's two gradients are also ops of their own (the rule's *partials*, see
:class:`~actlab.ops.base.Partial`): d/dg of ``fn_backward(g, x)`` is ``fn_backward(gg, x)``
and d/dx is ``fn_double_backward_x(gg, g, x)``. When autograd needs only one of them (the usual
gradient penalty: g is a constant), only that op runs. A ``piecewise_linear`` declaration
(f'' = 0) returns zeros for gg g f''(x) without reading its inputs, as torch does, so NaN or inf
in gg, g or x give 0 there, not NaN * 0.

The ``_y`` ops (``fn_double_backward_x_y`` and ``fn_triple_backward_x_y`` too) exist when the
declaration has ``df_y``; ``fn_`` when it has ``inplace``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

from ..errors import InputTypeError
from ..kinds import Elementwise
from . import base
from .base import Partial, Rule, like, op, upcast
from .operator import Math, Operator


class Names:
    """The op names of declaration ``fn``."""

    def __init__(self, fn: str):
        self.f, self.inplace = fn, f"{fn}_"
        self.backward, self.backward_y = f"{fn}_backward", f"{fn}_backward_y"
        self.double, self.double_y = f"{fn}_double_backward", f"{fn}_double_backward_y"
        self.double_x, self.double_x_y = f"{fn}_double_backward_x", f"{fn}_double_backward_x_y"
        self.triple, self.triple_y = f"{fn}_triple_backward", f"{fn}_triple_backward_y"
        self.triple_x, self.triple_x_y = f"{fn}_triple_backward_x", f"{fn}_triple_backward_x_y"


def third_derivative(d2f: Any, x: Tensor, w: Tensor, p: dict[str, Any]) -> Tensor:
    """``w * f'''(x)``: autograd of the hand-derived f'' (differentiable again when needed)."""
    create = torch.is_grad_enabled() and (x.requires_grad or w.requires_grad)
    with torch.enable_grad():
        xr = x if x.requires_grad else x.detach().requires_grad_()
        y = d2f(xr, **p)
        if not y.requires_grad:  # f'' constant in x (piecewise linear f)
            return torch.zeros_like(x)
        (d,) = torch.autograd.grad(y, xr, w, create_graph=create)
    return d


class ElementwiseOperator(Operator):
    """Ops, autograd rules and the Function tower of one elementwise declaration; in place it saves
    y where f' can be written with y (``df_y``), else a copy of x, as torch does."""

    def __init__(self, decl: type[Elementwise]):
        super().__init__(decl)
        self.names = n = Names(decl.function)
        self.native_inplace = False  # whether C++ runs the in-place op's autograd rule
        self.define_ops()
        self.saves_input = not (decl.save_output and decl.df_y is not None)
        base.register(
            Rule(n.f, n.backward, 1, inputs=(0,)) if self.saves_input else Rule(n.f, n.backward_y, 1, outputs=(0,))
        )
        base.register(backward_rule(n.backward, n.double, n.double_x))
        base.register(Rule(n.double, n.triple, 3, outputs_count=2, inputs=(0, 1, 2)))
        base.register(Rule(n.double_x, n.triple_x, 3, inputs=(0, 1, 2)))
        if decl.df_y is not None:
            base.register(backward_rule(n.backward_y, n.double_y, n.double_x_y))
            base.register(Rule(n.double_y, n.triple_y, 3, outputs_count=2, inputs=(0, 1, 2)))
            base.register(Rule(n.double_x_y, n.triple_x_y, 3, inputs=(0, 1, 2)))
            if decl.inplace:
                self.native_inplace = base.register(Rule(n.inplace, n.backward_y, 1, outputs=(0,), inplace=True))
        self.set_op(op(n.f))
        self.op_ = op(n.inplace) if decl.inplace else None
        self.math = ElementwiseMath(decl)

    # ---- op definitions (Python kernels: the declaration's math) ---------------------------------
    def define_ops(self) -> None:
        decl, n, params, kw = self.decl, self.names, dict(self.decl.op_params()), self.kw

        def f(x: Tensor, *a: Any) -> Tensor:
            return like(decl.f(upcast(x), **kw(a)), x)

        def f_(x: Tensor, *a: Any) -> Tensor:  # the caller bumps the version counter once
            with base.preserved_version(x):
                return x.copy_(decl.f(upcast(x), **kw(a)))

        def vjp(df: Any) -> Any:
            def backward(g: Tensor, s: Tensor, *a: Any) -> Tensor:
                return like(upcast(g) * df(upcast(s), **kw(a)), g)

            return backward

        def second(d2f: Any, gg: Tensor, g: Tensor, s: Tensor, p: dict[str, Any]) -> Tensor:
            """gg g f''(s); zeros when the declaration is piecewise linear (f'' = 0)."""
            if decl.piecewise_linear:
                return torch.zeros_like(s)
            return like(upcast(gg) * upcast(g) * d2f(upcast(s), **p), s)

        def double(df: Any, d2f: Any) -> Any:
            def double_backward(gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> tuple[Tensor, Tensor]:
                p = kw(a)
                return like(upcast(gg) * df(upcast(s), **p), g), second(d2f, gg, g, s, p)

            return double_backward

        def double_x(d2f: Any) -> Any:
            def double_backward_x(gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> Tensor:
                return second(d2f, gg, g, s, kw(a))

            return double_backward_x

        def third_order(df: Any, d2f: Any, ga: Tensor | None, gb: Tensor, gg: Tensor, g: Tensor, s: Tensor, p: dict):
            """Derivatives of <ga, gg f'(s)> + <gb, gg g f''(s)> in gg, g and s (without ga: of the
            second term alone)."""
            dt = s.dtype
            gb, gg, g, s = (upcast(t) for t in (gb, gg, g, s))
            d2 = d2f(s, **p)
            grad_gg, grad_g = gb * g * d2, gb * gg * d2
            grad_s = third_derivative(d2f, s, gb * gg * g, p)
            if ga is not None:
                ga = upcast(ga)
                grad_gg = ga * df(s, **p) + grad_gg
                grad_s = ga * gg * d2 + grad_s
            return grad_gg.to(dt), grad_g.to(dt), grad_s.to(dt)

        def triple(df: Any, d2f: Any) -> Any:
            def triple_backward(ga: Tensor, gb: Tensor, gg: Tensor, g: Tensor, s: Tensor, *a: Any):
                return third_order(df, d2f, ga, gb, gg, g, s, kw(a))

            return triple_backward

        def triple_x(d2f: Any) -> Any:
            def triple_backward_x(gb: Tensor, gg: Tensor, g: Tensor, s: Tensor, *a: Any):
                if decl.piecewise_linear:  # gg g f''(s) is the constant 0
                    return tuple(torch.zeros_like(t) for t in (gg, g, s))
                return third_order(None, d2f, None, gb, gg, g, s, kw(a))

            return triple_backward_x

        def fake1(x: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(x)

        def fake2(g: Tensor, s: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(g)

        def fake3(gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> tuple[Tensor, Tensor]:
            return torch.empty_like(g), torch.empty_like(s)

        def fake_x(gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(s)

        base.define(n.f, ["x"], params, 1, f, fake1)
        base.define(n.backward, ["grad", "x"], params, 1, vjp(decl.df), fake2)
        self.define_double(n.double, n.double_x, "x", double(decl.df, decl.d2f), double_x(decl.d2f), fake3, fake_x)
        self.define_triple(n.triple, n.triple_x, "x", triple(decl.df, decl.d2f), triple_x(decl.d2f))
        if decl.df_y is not None:
            base.define(n.backward_y, ["grad", "y"], params, 1, vjp(decl.df_y), fake2)
            y_double = double(decl.df_y, decl.d2f_y), double_x(decl.d2f_y)
            self.define_double(n.double_y, n.double_x_y, "y", *y_double, fake3, fake_x)
            self.define_triple(n.triple_y, n.triple_x_y, "y", triple(decl.df_y, decl.d2f_y), triple_x(decl.d2f_y))
        if decl.inplace:
            base.define(n.inplace, ["x"], params, 1, f_, lambda x, *a: x, mutates=True)

    def define_double(self, name: str, name_x: str, s: str, kernel: Any, kernel_x: Any, fake: Any, fake_x: Any) -> None:
        """``name(gg, g, s) -> (gg f'(s), gg g f''(s))`` and ``name_x(gg, g, s)``: the second alone."""
        params = dict(self.decl.op_params())
        base.define(name, ["grad_grad", "grad", s], params, 2, kernel, fake)
        base.define(name_x, ["grad_grad", "grad", s], params, 1, kernel_x, fake_x)

    def define_triple(self, name: str, name_x: str, s: str, kernel: Any, kernel_x: Any) -> None:
        """The composite third-order ops: derivatives of the double backward (``name``) and of its
        second term alone (``name_x``) in gg, g and s."""
        params = dict(self.decl.op_params())
        base.define(name, ["ga", "gb", "grad_grad", "grad", s], params, 3, kernel, composite=True)
        base.define(name_x, ["gb", "grad_grad", "grad", s], params, 3, kernel_x, composite=True)

    @cached_property
    def inplace_function(self) -> type[Function] | None:
        """In place under reverse-mode autograd without a native rule (built at first use)."""
        return inplace_function(self.decl, self.op_) if self.op_ and self.decl.df_y else None

    # ---- the dispatch's hooks (operator.Operator.__call__) --------------------------------------------
    def apply_inplace(self, x: Tensor, args: tuple) -> Tensor:
        decl = self.decl
        ruled = self.native_inplace  # a C++ autograd kernel saves y and bumps the version
        if not (torch.is_grad_enabled() and x.requires_grad):
            self.op_(x, *args)
            if not ruled and not x.is_inference():
                torch.autograd.graph.increment_version(x)
            return x
        if decl.df_y is not None and decl.output_ok(x.dtype, **self.kw(args)):
            return self.op_(x, *args) if ruled else self.inplace_function.apply(x, *args)
        return x.copy_(self.op(x.clone(), *args))  # f' needs x: keep a copy, as torch does

    def integer(self, x: Tensor, args: tuple, inplace: bool) -> Tensor:
        decl = self.decl
        if x.dtype is torch.bool or x.is_complex():
            raise InputTypeError(f"{decl.function}: expected a floating-point or integer tensor, got {x.dtype}")
        if decl.integer_inputs:  # torch truncates the parameters to the integer type
            y = decl.f(x, **{k: int(v) if isinstance(v, float) else v for k, v in self.kw(args).items()})
            return x.copy_(y) if inplace else y.to(x.dtype)
        if decl.integer_to_float and not inplace:
            return self(x.to(torch.get_default_dtype()), *args)
        raise InputTypeError(
            f"{decl.function}: expected a floating-point tensor (float16/bfloat16/float32/float64), got {x.dtype}"
        )


def backward_rule(backward: str, double: str, double_x: str) -> Rule:
    """The rule of ``backward(g, s) = g f'(s)``: saves g and s; ``double(gg, g, s)`` gives both
    gradients, or one alone by its partial: d/dg = ``backward(gg, s)``, d/ds = ``double_x(gg, g, s)``."""
    return Rule(backward, double, 2, inputs=(0, 1), partials=(Partial(backward, (0, 2)), Partial(double_x, (0, 1, 2))))


class ElementwiseMath(Math):
    """The tower's math: J t = f'(x) t and J^T g = g f'(x) by ``<Name>Backward`` (g f'(x)), whose
    derivatives are compositions of ``decl.d2f``, so third and higher derivatives are autograd of
    the hand-derived f''."""

    def run(self, fn: Any, x: Tensor, params: tuple, *mult: Tensor) -> Tensor:
        """``fn(x) * mult...`` computed in float32 for half dtypes, rounded once to x's dtype."""
        y = fn(upcast(x), **self.kw(params))
        for t in mult:
            y = upcast(t) * y
        return y.to(x.dtype) if y.dtype != x.dtype else y

    def second(self, x: Tensor, params: tuple, t: Tensor, g: Tensor) -> Tensor:
        """t g f''(x); zeros when the declaration is piecewise linear (as the ops)."""
        return torch.zeros_like(x) if self.decl.piecewise_linear else self.run(self.decl.d2f, x, params, t, g)

    def forward(self, x: Tensor, rest: tuple) -> Tensor:
        return self.run(self.decl.f, x, rest)

    def jvp(self, tangents: Sequence[Tensor | None], saved: tuple, params: tuple, backward: Callable) -> Tensor:
        return backward(tangents[0], *saved, *params)

    def vjp(self, g: Tensor, saved: tuple, params: tuple) -> Tensor:
        return self.run(self.decl.df, saved[0], params, g)

    def vjp2(self, ggs: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple, needs: Sequence[bool],
             backward: Callable) -> tuple:  # fmt: skip
        (gg,), (x,) = ggs, saved
        grad_g = backward(gg, x, *params) if needs[0] else None
        return grad_g, self.second(x, params, gg, g) if needs[1] else None

    def vjp_jvp(self, tg: Tensor | None, tsaved: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple,
                backward: Callable) -> Tensor:  # fmt: skip
        (tx,), (x,) = tsaved, saved
        out = backward(tg, x, *params) if tg is not None else torch.zeros_like(g)
        return out + self.second(x, params, tx, g) if tx is not None else out


def inplace_function(decl: type[Elementwise], op_: Any) -> type[Function]:
    """In place under reverse-mode autograd when no native kernel attaches the rule in C++:
    writes f(x) into x (one version bump, as torch), saves y and differentiates with ``df_y``."""
    backward_y = op(Names(decl.function).backward_y)

    class Inplace(Function):
        @staticmethod
        def forward(ctx: Any, x: Tensor, *args: Any) -> Tensor:
            op_(x, *args)  # writes without a version bump; mark_dirty bumps once
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            ctx.args = args
            return x

        @staticmethod
        def backward(ctx: Any, g: Tensor) -> tuple:
            (y,) = ctx.saved_tensors
            return (backward_y(g, y, *ctx.args), *([None] * len(ctx.args)))

    Inplace.__name__ = Inplace.__qualname__ = f"{decl.name}InplaceFunction"
    return Inplace
