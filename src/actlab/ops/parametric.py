r"""The operator of a :class:`~actlab.spec.Parametric` declaration ``fn`` with learnable tensors
w1, ..., wk (shaped by the functional layer to broadcast against x).

==========================================  ==================================  =======================
op                                          computes                            derivative rule
==========================================  ==================================  =======================
``fn(x, w1, ..., wk)``                      ``decl.forward``                    saves x, w:
                                                                                ``fn_backward``
``fn_backward(g, x, w...) -> (gx, gw...)``  ``decl.vjp`` (gw summed to w)       ``fn_double_backward``
``fn_double_backward(ggx, ggw..., g, x, w...)``  ``decl.vjp2``                 ``fn_triple_backward``
``fn_triple_backward(...)``                 composite: autograd of ``decl.vjp2``  (autograd of torch ops)
==========================================  ==================================  =======================
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

from ..spec import Parametric
from . import base
from .base import Rule, like, op, upcast


def _cast_all(ts: tuple[Tensor, ...], likes: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return tuple(t.to(ref.dtype) if t.dtype != ref.dtype else t for t, ref in zip(ts, likes))


class ParametricOperator:
    """Ops, rules and Function tower of a declaration with learnable tensor inputs."""

    def __init__(self, decl: type[Parametric]):
        self.decl = decl
        fn, k = decl.function, len(decl.tensor_params)
        self.names = (fn, f"{fn}_backward", f"{fn}_double_backward", f"{fn}_triple_backward")
        self.define_ops()
        base.register(Rule(fn, self.names[1], 1 + k, inputs=tuple(range(1 + k))))
        base.register(Rule(self.names[1], self.names[2], 2 + k, outputs_count=1 + k, inputs=tuple(range(2 + k))))
        n2 = 3 + 2 * k  # the double backward's tensors: 1 + k ggs, g, x, k ws
        base.register(Rule(self.names[2], self.names[3], n2, outputs_count=n2 - 1 - k, inputs=tuple(range(n2))))
        self.op = op(fn)
        self.eager = base.direct(self.op)
        self.function, self.backward_function = self.tower()

    def define_ops(self) -> None:
        decl = self.decl
        f, backward, double, triple = self.names
        ws = list(decl.tensor_params)
        k = len(ws)

        def forward(x: Tensor, *w: Tensor) -> Tensor:
            return like(decl.forward(upcast(x), *(upcast(t) for t in w)), x)

        def vjp(g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
            grads = decl.vjp(upcast(g), upcast(x), *(upcast(t) for t in w))
            return _cast_all(grads, (x, *w))

        def vjp2(*args: Tensor) -> tuple[Tensor, ...]:
            ggs, (g, x, *w) = args[: 1 + k], args[1 + k :]
            res = decl.vjp2(tuple(upcast(t) for t in ggs), upcast(g), upcast(x), *(upcast(t) for t in w))
            return _cast_all(res, (g, x, *w))

        base.define(f, ["x", *ws], {}, 1, forward, lambda x, *w: torch.empty_like(x))
        base.define(
            backward,
            ["grad", "x", *ws],
            {},
            1 + k,
            vjp,
            lambda g, x, *w: (torch.empty_like(x), *(torch.empty_like(t) for t in w)),
        )

        def triple_backward(*args: Tensor) -> tuple[Tensor, ...]:
            n_out = 2 + k  # cotangents of (d/dg, d/dx, d/dw...), then the double backward's inputs
            return base.autograd_vjp(vjp2, args[n_out:], args[:n_out])

        double_args = ["grad_x", *(f"grad_{n}" for n in ws), "grad", "x", *ws]
        fake2 = lambda *a: tuple(torch.empty_like(t) for t in a[1 + k :])  # noqa: E731
        base.define(double, double_args, {}, 2 + k, vjp2, fake2)
        triple_args = [f"c_{n}" for n in double_args[k + 1 :]] + double_args
        base.define(triple, triple_args, {}, 3 + 2 * k, triple_backward, composite=True)

    def __call__(self, x: Tensor, *weights: Tensor) -> Tensor:
        if type(x) is Tensor and x.is_floating_point() and base.plain_eager():
            return self.eager(x, *weights)  # the common case first: the checks below in one
        base.check_input(self.decl.function, x)
        if base.compiling():
            return self.function.forward(x, *weights) if base.onnx_exporting() else self.op(x, *weights)
        if base.derivatives_observable():
            return self.function.apply(x, *weights)
        return self.op(x, *weights)

    def tower(self) -> tuple[type[Function], type[Function]]:
        """``<Name>Function`` and ``<Name>Backward`` for torch.func and forward-mode AD."""
        decl = self.decl

        def up(ts: tuple) -> tuple:
            return tuple(upcast(t) for t in ts)

        def tangents(ts: tuple, primals: tuple) -> tuple:
            return tuple(torch.zeros_like(p) if t is None else upcast(t) for t, p in zip(ts, primals))

        class Backward(Function):
            generate_vmap_rule = True

            @staticmethod
            def forward(g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
                return _cast_all(decl.vjp(*up((g, x, *w))), (x, *w))

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
                ctx.save_for_backward(*inputs)
                ctx.save_for_forward(*inputs)

            @staticmethod
            def backward(ctx: Any, *ggs: Tensor) -> tuple:
                g, x, *w = ctx.saved_tensors
                res = decl.vjp2(tangents(ggs, (x, *w)), *up((g, x, *w)))
                return _cast_all(res, (g, x, *w))

            @staticmethod
            def jvp(ctx: Any, tg: Tensor | None, *ts: Tensor | None) -> tuple[Tensor, ...]:
                g, x, *w = ctx.saved_tensors
                tg = torch.zeros_like(g) if tg is None else upcast(tg)
                res = decl.vjp_jvp(tg, tangents(ts, (x, *w)), *up((g, x, *w)))
                return _cast_all(res, (x, *w))

        class Value(Function):
            generate_vmap_rule = True

            @staticmethod
            def forward(x: Tensor, *w: Tensor) -> Tensor:
                y = decl.forward(*up((x, *w)))
                return y.to(x.dtype) if y.dtype != x.dtype else y

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
                ctx.save_for_backward(*inputs)
                ctx.save_for_forward(*inputs)

            @staticmethod
            def backward(ctx: Any, g: Tensor) -> tuple:
                return Backward.apply(g, *ctx.saved_tensors)

            @staticmethod
            def jvp(ctx: Any, *ts: Tensor | None) -> Tensor:
                x, *w = ctx.saved_tensors
                y = decl.jvp(tangents(ts, (x, *w)), *up((x, *w)))
                return y.to(x.dtype) if y.dtype != x.dtype else y

        Value.__name__ = Value.__qualname__ = f"{decl.name}Function"
        Backward.__name__ = Backward.__qualname__ = f"{decl.name}Backward"
        Value.__doc__ = (decl.__doc__ or "").strip()
        Backward.__doc__ = f"Gradients of {decl.name}; their derivatives are the hand-derived vjp2 and vjp_jvp."
        return Value, Backward
