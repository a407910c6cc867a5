r"""The operators of declarations with learnable tensors w1, ..., wk after x.

:class:`~actlab.kinds.Parametric` (PReLU, StarReLU, Snake, ...: the tensors shaped by the
functional layer to broadcast against x):

==========================================  ==================================  =======================
op                                          computes                            derivative rule
==========================================  ==================================  =======================
``fn(x, w1, ..., wk)``                      ``decl.forward``                    saves x, w:
                                                                                ``fn_backward``
``fn_backward(g, x, w...) -> (gx, gw...)``  ``decl.vjp`` (gw summed to w)       ``fn_double_backward``
``fn_double_backward(ggx, ggw..., g, x, w...)``  ``decl.vjp2``                 ``fn_triple_backward``
``fn_triple_backward(...)``                 composite: autograd of ``decl.vjp2``  (autograd of torch ops)
==========================================  ==================================  =======================

:class:`~actlab.kinds.ParametricNormalizer` (EntmaxBisect's alpha): a normaliser along ``dim``
whose tensors broadcast against x with size 1 along ``dim``. Like the other normalisers it saves
its output y (and the tensors); every derivative is the declaration's math in y and w.

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

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from ..kinds import Parametric, ParametricNormalizer
from . import base
from .base import Rule, like, op, upcast
from .operator import Math, Operator


def _cast_all(ts: tuple[Tensor, ...], likes: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return tuple(t.to(ref.dtype) if t.dtype != ref.dtype else t for t, ref in zip(ts, likes))


def _up(ts: Sequence[Tensor]) -> tuple[Tensor, ...]:
    return tuple(upcast(t) for t in ts)


def _tangents(ts: Sequence[Tensor | None], primals: Sequence[Tensor]) -> tuple[Tensor, ...]:
    """Tangents in float32 for half dtypes, zeros for None."""
    return tuple(torch.zeros_like(p) if t is None else upcast(t) for t, p in zip(ts, primals))


class ParametricOperator(Operator):
    """Ops, rules and Function tower of a declaration with learnable tensor inputs."""

    def __init__(self, decl: type[Parametric]):
        super().__init__(decl)
        fn, k = decl.function, len(decl.tensor_params)
        self.names = (fn, f"{fn}_backward", f"{fn}_double_backward", f"{fn}_triple_backward")
        self.define_ops()
        base.register(Rule(fn, self.names[1], 1 + k, inputs=tuple(range(1 + k))))
        base.register(Rule(self.names[1], self.names[2], 2 + k, outputs_count=1 + k, inputs=tuple(range(2 + k))))
        n2 = 3 + 2 * k  # the double backward's tensors: 1 + k ggs, g, x, k ws
        base.register(Rule(self.names[2], self.names[3], n2, outputs_count=n2 - 1 - k, inputs=tuple(range(n2))))
        self.set_op(op(fn))
        self.math = ParametricMath(decl)

    def define_ops(self) -> None:
        decl = self.decl
        f, backward, double, triple = self.names
        ws = list(decl.tensor_params)
        k = len(ws)

        def forward(x: Tensor, *w: Tensor) -> Tensor:
            return like(decl.forward(upcast(x), *_up(w)), x)

        def vjp(g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
            return _cast_all(decl.vjp(upcast(g), upcast(x), *_up(w)), (x, *w))

        def vjp2(*args: Tensor) -> tuple[Tensor, ...]:
            ggs, (g, x, *w) = args[: 1 + k], args[1 + k :]
            return _cast_all(decl.vjp2(_up(ggs), upcast(g), upcast(x), *_up(w)), (g, x, *w))

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


class ParametricMath(Math):
    """The value saves x and the tensors; the declaration's vjp, vjp2, jvp and vjp_jvp take them
    positionally (tangents and cotangents as tuples)."""

    def __init__(self, decl: type[Parametric]):
        super().__init__(decl)
        self.tensors = 1 + len(decl.tensor_params)

    def forward(self, x: Tensor, rest: tuple) -> Tensor:
        return self.decl.forward(upcast(x), *_up(rest))

    def saved(self, inputs: tuple, y: Tensor) -> tuple[Tensor, ...]:
        return tuple(inputs)

    def jvp(self, tangents: Sequence[Tensor | None], saved: tuple, params: tuple, backward: Callable) -> Tensor:
        return self.decl.jvp(_tangents(tangents, saved), *_up(saved))

    def vjp(self, g: Tensor, saved: tuple, params: tuple) -> tuple[Tensor, ...]:
        return self.decl.vjp(upcast(g), *_up(saved))

    def vjp2(self, ggs: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple, needs: Sequence[bool],
             backward: Callable) -> tuple:  # fmt: skip
        return self.decl.vjp2(_tangents(ggs, saved), upcast(g), *_up(saved))

    def vjp_jvp(self, tg: Tensor | None, tsaved: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple,
                backward: Callable) -> tuple[Tensor, ...]:  # fmt: skip
        tg = torch.zeros_like(g) if tg is None else upcast(tg)
        return self.decl.vjp_jvp(tg, _tangents(tsaved, saved), upcast(g), *_up(saved))


class ParametricNormalizerOperator(Operator):
    """Ops, rules and Function tower of a normaliser with learnable tensor inputs: saves y and the
    tensors (see the module docstring)."""

    def __init__(self, decl: type[ParametricNormalizer]):
        super().__init__(decl)
        fn, k = decl.function, len(decl.tensor_params)
        self.k = k
        self.names = (fn, f"{fn}_backward", f"{fn}_double_backward")
        self.define_ops()
        base.register(Rule(fn, self.names[1], 1 + k, inputs=tuple(range(1, 1 + k)), outputs=(0,)))
        base.register(Rule(self.names[1], self.names[2], 2 + k, outputs_count=1 + k, inputs=tuple(range(2 + k))))
        self.set_op(op(fn))
        self.math = ParametricNormalizerMath(decl)

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


class ParametricNormalizerMath(Math):
    """The value saves y and the tensors; the declaration's math takes them with the op's keyword
    parameters (``dim`` and the rest)."""

    def __init__(self, decl: type[ParametricNormalizer]):
        super().__init__(decl)
        self.k = len(decl.tensor_params)
        self.tensors = 1 + self.k

    def forward(self, x: Tensor, rest: tuple) -> Tensor:
        w, params = rest[: self.k], rest[self.k :]
        return self.decl.forward(upcast(x), *_up(w), **self.kw(params))

    def saved(self, inputs: tuple, y: Tensor) -> tuple[Tensor, ...]:
        return (y, *inputs[1 : 1 + self.k])

    def jvp(self, tangents: Sequence[Tensor | None], saved: tuple, params: tuple, backward: Callable) -> Tensor:
        (y, *w), (tx, *tw) = saved, tangents[: 1 + self.k]
        tx = torch.zeros_like(y) if tx is None else upcast(tx)
        return self.decl.jvp((tx, *_tangents(tw, w)), upcast(y), *_up(w), **self.kw(params))

    def vjp(self, g: Tensor, saved: tuple, params: tuple) -> tuple[Tensor, ...]:
        y, *w = saved
        return self.decl.vjp(upcast(g), upcast(y), *_up(w), **self.kw(params))

    def vjp2(self, ggs: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple, needs: Sequence[bool],
             backward: Callable) -> tuple:  # fmt: skip
        y, *w = saved
        return self.decl.vjp2(_tangents(ggs, saved), upcast(g), upcast(y), *_up(w), **self.kw(params))

    def vjp_jvp(self, tg: Tensor | None, tsaved: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple,
                backward: Callable) -> tuple[Tensor, ...]:  # fmt: skip
        y, *w = saved
        tg = torch.zeros_like(g) if tg is None else upcast(tg)
        return self.decl.vjp_jvp(tg, _tangents(tsaved, saved), upcast(g), upcast(y), *_up(w), **self.kw(params))
