r"""The operator of a :class:`~actlab.spec.ParametricNormalizer` ``fn``: a normaliser along ``dim``
with learnable tensors w1, ..., wk (EntmaxBisect's alpha), each broadcastable against x with size
1 along ``dim``. Like the other normalisers it saves its output y (and the tensors); every
derivative is the declaration's math in y and w.

==================================================  =============================  =======================
op                                                  computes                       derivative rule
==================================================  =============================  =======================
``fn(x, w..., p)``                                  ``decl.forward``               saves w, y:
                                                                                   ``fn_backward``
``fn_backward(g, w..., y, p) -> (gx, gw...)``       ``decl.vjp`` (gw summed to w)  ``fn_double_backward``
``fn_double_backward(ggx, ggw..., g, w..., y, p)``  composite: ``decl.vjp2``       (autograd of torch ops)
==================================================  =============================  =======================

``vjp2`` differentiates with y held fixed: autograd adds the path through y (the saved output of
``fn``) by calling ``fn_backward`` again, so the declaration states only partial derivatives.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

from ..errors import InputTypeError
from ..spec import ParametricNormalizer
from . import base
from .base import Rule, like, op, upcast


def _cast_all(ts: tuple[Tensor, ...], likes: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return tuple(t.to(ref.dtype) if t.dtype != ref.dtype else t for t, ref in zip(ts, likes))


def _up(ts: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return tuple(upcast(t) for t in ts)


class ParametricNormalizerOperator:
    """Ops, rules and Function tower of a normaliser with learnable tensor inputs."""

    def __init__(self, decl: type[ParametricNormalizer]):
        self.decl = decl
        fn, k = decl.function, len(decl.tensor_params)
        self.k = k
        self.names = (fn, f"{fn}_backward", f"{fn}_double_backward")
        self.param_names = tuple(decl.op_params())
        self.define_ops()
        base.register(Rule(fn, self.names[1], 1 + k, inputs=tuple(range(1, 1 + k)), outputs=(0,)))
        base.register(Rule(self.names[1], self.names[2], 2 + k, outputs_count=1 + k, inputs=tuple(range(2 + k))))
        self.op = op(fn)
        self.function, self.backward_function = self.tower()

    def kw(self, args: tuple) -> dict[str, Any]:
        return dict(zip(self.param_names, args))

    def define_ops(self) -> None:
        decl, kw, k = self.decl, self.kw, self.k
        f, backward, double = self.names
        ws = list(decl.tensor_params)
        params = dict(decl.op_params())

        def forward(x: Tensor, *a: Any) -> Tensor:
            w, args = a[:k], a[k:]
            return like(decl.forward(upcast(x), *_up(w), **kw(args)), x)

        def vjp(g: Tensor, *a: Any) -> tuple[Tensor, ...]:
            w, y, args = a[:k], a[k], a[k + 1 :]
            grads = decl.vjp(upcast(g), upcast(y), *_up(w), **kw(args))
            return _cast_all(grads, (y, *w))

        def vjp2(*a: Any) -> tuple[Tensor, ...]:
            ggs, g, w, y, args = a[: 1 + k], a[1 + k], a[2 + k : 2 + 2 * k], a[2 + 2 * k], a[3 + 2 * k :]
            grad_g, grad_y, *grad_w = decl.vjp2(_up(ggs), upcast(g), upcast(y), *_up(w), **kw(args))
            return _cast_all((grad_g, *grad_w, grad_y), (g, *w, y))

        base.define(f, ["x", *ws], params, 1, forward, lambda x, *a: torch.empty_like(x))
        base.define(
            backward,
            ["grad", *ws, "y"],
            params,
            1 + k,
            vjp,
            lambda g, *a: (torch.empty_like(a[k]), *(torch.empty_like(t) for t in a[:k])),
        )
        grads = ["grad_x", *(f"grad_{n}" for n in ws)]
        base.define(double, [*grads, "grad", *ws, "y"], params, 2 + k, vjp2, composite=True)

    def __call__(self, x: Tensor, weights: tuple[Tensor, ...], args: tuple = ()) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self.decl.function}(): argument 'input' must be Tensor, not {type(x).__name__}")
        if not x.is_floating_point():
            raise InputTypeError(
                f"{self.decl.function}: expected a floating-point tensor (float16/bfloat16/float32/float64), "
                f"got {x.dtype}"
            )
        if base.compiling():
            return self.function.forward(x, *weights, *args) if base.onnx_exporting() else self.op(x, *weights, *args)
        if base.derivatives_observable():
            return self.function.apply(x, *weights, *args)
        return self.op(x, *weights, *args)

    def tower(self) -> tuple[type[Function], type[Function]]:
        """``<Name>Function`` and ``<Name>Backward`` for torch.func and forward-mode AD."""
        decl, kw, k = self.decl, self.kw, self.k

        def tangents(ts: tuple, primals: tuple) -> tuple:
            return tuple(torch.zeros_like(p) if t is None else upcast(t) for t, p in zip(ts, primals))

        class Backward(Function):
            generate_vmap_rule = True

            @staticmethod
            def forward(g: Tensor, y: Tensor, *a: Any) -> tuple[Tensor, ...]:
                w, args = a[:k], a[k:]
                return _cast_all(decl.vjp(*_up((g, y)), *_up(w), **kw(args)), (y, *w))

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
                ctx.save_for_backward(*inputs[: 2 + k])
                ctx.save_for_forward(*inputs[: 2 + k])
                ctx.args = tuple(inputs[2 + k :])

            @staticmethod
            def backward(ctx: Any, *ggs: Tensor) -> tuple:
                g, y, *w = ctx.saved_tensors
                res = decl.vjp2(tangents(ggs, (y, *w)), *_up((g, y)), *_up(tuple(w)), **kw(ctx.args))
                return (*_cast_all(res, (g, y, *w)), *([None] * len(ctx.args)))

            @staticmethod
            def jvp(ctx: Any, tg: Tensor | None, *ts: Tensor | None) -> tuple[Tensor, ...]:
                g, y, *w = ctx.saved_tensors
                tg = torch.zeros_like(g) if tg is None else upcast(tg)
                res = decl.vjp_jvp(tg, tangents(ts[: 1 + k], (y, *w)), *_up((g, y)), *_up(tuple(w)), **kw(ctx.args))
                return _cast_all(res, (y, *w))

        class Value(Function):
            generate_vmap_rule = True

            @staticmethod
            def forward(x: Tensor, *a: Any) -> Tensor:
                w, args = a[:k], a[k:]
                y = decl.forward(upcast(x), *_up(w), **kw(args))
                return y.to(x.dtype) if y.dtype != x.dtype else y

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
                ctx.save_for_backward(output, *inputs[1 : 1 + k])
                ctx.save_for_forward(output, *inputs[1 : 1 + k])
                ctx.args = tuple(inputs[1 + k :])

            @staticmethod
            def backward(ctx: Any, g: Tensor) -> tuple:
                y, *w = ctx.saved_tensors
                return (*Backward.apply(g, y, *w, *ctx.args), *([None] * len(ctx.args)))

            @staticmethod
            def jvp(ctx: Any, tx: Tensor | None, *ts: Tensor | None) -> Tensor:
                y, *w = ctx.saved_tensors
                tw = tangents(ts[:k], tuple(w))
                tx = torch.zeros_like(y) if tx is None else upcast(tx)
                out = decl.jvp((tx, *tw), upcast(y), *_up(tuple(w)), **kw(ctx.args))
                return out.to(y.dtype) if out.dtype != y.dtype else out

        Value.__name__ = Value.__qualname__ = f"{decl.name}Function"
        Backward.__name__ = Backward.__qualname__ = f"{decl.name}Backward"
        Value.__doc__ = (decl.__doc__ or "").strip()
        Backward.__doc__ = f"Gradients of {decl.name}; their derivatives are the hand-derived vjp2 and vjp_jvp."
        return Value, Backward
