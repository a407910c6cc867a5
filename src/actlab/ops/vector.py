r"""Operators of declarations that act along a dimension: :class:`~actlab.kinds.Normalizer`
(softmax family, sparse maps; derivatives written with the output y),
:class:`~actlab.kinds.SplitGate` (GLU variants; derivatives written with the input x) and
:class:`~actlab.kinds.VectorMap` (SoLU, Maxout, CReLU, ...: written with x, the output's size
along ``dim`` from ``decl.out_size``).

Ops (``s`` is y for normalisers, x for split gates; ``p`` = ``dim`` and the gate's parameters):

==================================  ====================================  ===========================
op                                  computes                              derivative rule
==================================  ====================================  ===========================
``fn(x, p)``                        ``decl.forward``                      saves s: ``fn_backward``
``fn_backward(g, s, p)``            ``decl.vjp``: J^T g                   ``fn_double_backward``
``fn_double_backward(gg, g, s, p)`` composite: ``decl.vjp2``              (autograd of torch ops)
==================================  ====================================  ===========================

Normalisers and split gates (native kernels for all three on the CPU) make the double backward an
op of its own, (d/dg, d/ds), whose rule calls the composite ``fn_triple_backward(ga, gb, gg, g, s, p)``:
autograd of ``decl.vjp2``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from ..kinds import Activation
from . import base
from .base import Rule, like, op, upcast
from .operator import Math, Operator


class VectorOperator(Operator):
    """Ops, rules and Function tower of a declaration with one tensor input acting along ``dim``."""

    saves_output: bool  # normalisers save y, split gates x
    double_op: bool = False  # the double backward an op with a rule (else composite)

    def __init__(self, decl: type[Activation]):
        super().__init__(decl)
        fn = decl.function
        self.names = (fn, f"{fn}_backward", f"{fn}_double_backward", f"{fn}_triple_backward")
        self.define_ops()
        saved = {"outputs": (0,)} if self.saves_output else {"inputs": (0,)}
        base.register(Rule(fn, self.names[1], 1, **saved))
        base.register(Rule(self.names[1], self.names[2], 2, inputs=(0, 1)))
        if self.double_op:
            base.register(Rule(self.names[2], self.names[3], 3, outputs_count=2, inputs=(0, 1, 2)))
        self.set_op(op(fn))
        self.math = VectorMath(decl, self.saves_output)

    def define_ops(self) -> None:
        decl, kw, params = self.decl, self.kw, dict(self.decl.op_params())
        f, backward, double, triple = self.names

        def forward(x: Tensor, *a: Any) -> Tensor:
            return self.finish(decl.forward(upcast(x), **kw(a)), x)

        def vjp(g: Tensor, s: Tensor, *a: Any) -> Tensor:
            return like(decl.vjp(upcast(g), upcast(s), **kw(a)), s)

        def vjp2(gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> tuple[Tensor, Tensor]:
            grad_g, grad_s = decl.vjp2(upcast(gg), upcast(g), upcast(s), **kw(a))
            return grad_g.to(g.dtype), grad_s.to(s.dtype)

        base.define(f, ["x"], params, 1, forward, self.fake_forward)
        base.define(backward, ["grad", "saved"], params, 1, vjp, lambda g, s, *a: torch.empty_like(s))
        if not self.double_op:
            base.define(double, ["grad_grad", "grad", "saved"], params, 2, vjp2, composite=True)
            return

        def triple_backward(ga: Tensor, gb: Tensor, gg: Tensor, g: Tensor, s: Tensor, *a: Any) -> tuple:
            return base.autograd_vjp(lambda *t: vjp2(*t, *a), (gg, g, s), (ga, gb))

        fake2 = lambda gg, g, s, *a: (torch.empty_like(g), torch.empty_like(s))  # noqa: E731
        base.define(double, ["grad_grad", "grad", "saved"], params, 2, vjp2, fake2)
        base.define(triple, ["ga", "gb", "grad_grad", "grad", "saved"], params, 3, triple_backward, composite=True)


class VectorMath(Math):
    """J t from ``decl.jvp``, J^T g from ``decl.vjp``, their derivatives from ``vjp2`` and
    ``vjp_jvp``, all written with s: the output y (normalisers) or the input x."""

    def __init__(self, decl: type[Activation], saves_output: bool):
        super().__init__(decl)
        self.saves_output = saves_output

    def forward(self, x: Tensor, rest: tuple) -> Tensor:
        return self.decl.forward(upcast(x), **self.kw(rest))

    def saved(self, inputs: tuple, y: Tensor) -> tuple[Tensor, ...]:
        return (y if self.saves_output else inputs[0],)

    def jvp(self, tangents: Sequence[Tensor | None], saved: tuple, params: tuple, backward: Callable) -> Tensor:
        return self.decl.jvp(upcast(tangents[0]), upcast(saved[0]), **self.kw(params))

    def vjp(self, g: Tensor, saved: tuple, params: tuple) -> Tensor:
        return self.decl.vjp(upcast(g), upcast(saved[0]), **self.kw(params))

    def vjp2(self, ggs: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple, needs: Sequence[bool],
             backward: Callable) -> tuple:  # fmt: skip
        return self.decl.vjp2(upcast(ggs[0]), upcast(g), upcast(saved[0]), **self.kw(params))

    def vjp_jvp(self, tg: Tensor | None, tsaved: Sequence[Tensor | None], g: Tensor, saved: tuple, params: tuple,
                backward: Callable) -> Tensor:  # fmt: skip
        (s,), (ts,) = saved, tsaved
        tg = torch.zeros_like(g) if tg is None else tg
        ts = torch.zeros_like(s) if ts is None else ts
        return self.decl.vjp_jvp(upcast(tg), upcast(ts), upcast(g), upcast(s), **self.kw(params))


class NormalizerOperator(VectorOperator):
    """Softmax family and sparse maps: everything is written with the output y."""

    saves_output = True
    double_op = True

    @staticmethod
    def fake_forward(x: Tensor, *a: Any) -> Tensor:
        return torch.empty_like(x)

    @staticmethod
    def finish(y: Tensor, x: Tensor) -> Tensor:
        return like(y, x)


class SplitGateOperator(VectorOperator):
    """GLU variants: everything is written with the input x = [a, b]."""

    saves_output = False
    double_op = True

    def fake_forward(self, x: Tensor, dim: int, *a: Any) -> Tensor:
        a_half, _ = self.decl.split(x, dim)
        return torch.empty_like(a_half, memory_format=torch.contiguous_format)

    @staticmethod
    def finish(y: Tensor, x: Tensor) -> Tensor:
        """Half of x along dim: a new contiguous tensor in x's dtype (as the fake kernel)."""
        return y.to(x.dtype).contiguous()


class VectorMapOperator(VectorOperator):
    """SoLU, Maxout, CReLU, GroupSort ...: everything is written with the input x; the output has
    ``decl.out_size(n)`` entries along ``dim`` (the fake kernel asks the declaration)."""

    saves_output = False

    def fake_forward(self, x: Tensor, dim: int, *a: Any) -> Tensor:
        if x.dim() == 0:
            return torch.empty_like(x)
        shape = list(x.shape)
        shape[dim] = self.decl.out_size(shape[dim], **dict(zip(self.param_names[1:], a)))
        return torch.empty_like(x) if shape == list(x.shape) else x.new_empty(shape)

    @staticmethod
    def finish(y: Tensor, x: Tensor) -> Tensor:
        """A new contiguous tensor in x's dtype (as the fake kernel), or x's layout when the shape is kept."""
        return like(y, x) if y.shape == x.shape else y.to(x.dtype).contiguous()
