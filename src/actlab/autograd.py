"""Generic autograd Functions built from declarations.

For every activation two Functions are generated, following the double-backward pattern of
the PyTorch tutorial:

* ``<Name>Function`` — forward computes ``f`` and saves only what backward needs (the input;
  or the output when the op runs in place; or the noise for RReLU). Its backward calls
* ``<Name>Function.Backward`` — whose forward is the vector-Jacobian product written from the
  hand-derived ``f'`` and whose backward is the hand-derived second derivative (``vjp2``),
  written with torch ops on the saved tensors, so third and higher derivatives still work.

bfloat16 and float16 are computed in float32 and rounded once at the end, as torch does.
Call them seed-style: ``actlab.autograd.ELUFunction.apply(x, 0.5)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

_HALF = (torch.float16, torch.bfloat16)

ForwardFn = Callable[..., tuple[Tensor, tuple[Tensor, ...]]]
VjpFn = Callable[..., tuple[Tensor, ...]]
Vjp2Fn = Callable[..., tuple[Tensor | None, ...]]


def upcast(t: Tensor) -> Tensor:
    """Half-precision tensors are computed in float32."""
    return t.float() if isinstance(t, Tensor) and t.dtype in _HALF else t


def _cast(t: Tensor | None, dtype: torch.dtype) -> Tensor | None:
    return t if t is None or t.dtype == dtype else t.to(dtype)


def build(
    name: str,
    n_tensors: int,
    param_names: Sequence[str],
    defaults: Sequence[Any],
    forward: ForwardFn,
    vjp: VjpFn,
    vjp2: Vjp2Fn,
    *,
    inplace: bool = False,
    doc: str = "",
) -> type[Function]:
    """Make ``<name>Function`` from three plain functions.

    * ``forward(*tensors, **p) -> (y, saved)`` — ``saved`` may hold the inputs, ``y`` itself,
      or non-differentiable tensors (noise).
    * ``vjp(g, *saved, **p) -> grads`` — one gradient per tensor input.
    * ``vjp2(ggs, g, *saved, needs=..., **p) -> (grad_g, *grad_saved)`` — the derivative of
      ``sum(ggs * vjp(g, *saved))`` with respect to ``g`` and each saved tensor; entries whose
      ``needs`` flag is False may be None.

    Tensor arguments come first, then the parameters in declaration order (defaults fill the
    missing ones). With ``inplace`` the result is written into the first tensor.
    """
    names = tuple(param_names)
    default_values = tuple(defaults)

    def vjp_cast(g: Tensor, saved: Sequence[Tensor], p: dict[str, Any]) -> tuple[Tensor, ...]:
        grads = vjp(upcast(g), *(upcast(s) for s in saved), **p)
        return tuple(_cast(gr, g.dtype) for gr in grads)

    def backward_forward(ctx: Any, g: Tensor, *rest: Any) -> Any:
        *saved, p = rest
        ctx.p = p
        ctx.save_for_backward(g, *saved)
        out = vjp_cast(g, saved, p)
        return out if len(out) > 1 else out[0]

    def backward_backward(ctx: Any, *ggs: Tensor) -> Any:
        g, *saved = ctx.saved_tensors
        res = vjp2(
            tuple(upcast(t) for t in ggs),
            upcast(g),
            *(upcast(s) for s in saved),
            needs=ctx.needs_input_grad[: 1 + len(saved)],
            **ctx.p,
        )
        dtypes = (g.dtype, *(s.dtype for s in saved))
        return (*(_cast(r, d) for r, d in zip(res, dtypes)), None)

    def forward_forward(ctx: Any, *args: Any) -> Tensor:
        tensors, given = args[:n_tensors], args[n_tensors:]
        if len(given) > len(names):
            raise TypeError(f"{name}Function takes at most {len(names)} parameters")
        p = dict(zip(names, (*given, *default_values[len(given) :])))
        x = tensors[0]
        ups = tuple(upcast(t) for t in tensors)
        y0, saved = forward(*ups, **p)
        y = y0.to(x.dtype) if y0.dtype != x.dtype else y0
        originals = {id(u): t for u, t in zip(ups, tensors)}  # save inputs, not fp32 copies
        originals[id(y0)] = y
        saved = tuple(originals.get(id(s), s) for s in saved)
        if inplace:
            is_y = [s is y for s in saved]
            x.copy_(y)
            ctx.mark_dirty(x)
            y = x
            saved = tuple(x if flag else s for s, flag in zip(saved, is_y))
        ctx.save_for_backward(*saved)
        ctx.p = p
        ctx.n_args = len(args)
        return y

    def forward_backward(ctx: Any, g: Tensor) -> Any:
        if torch.compiler.is_compiling():  # dynamo cannot trace a Function applied in backward (no double backward)
            grads = vjp_cast(g, ctx.saved_tensors, ctx.p)
        else:
            grads = Backward.apply(g, *ctx.saved_tensors, ctx.p)
        grads = grads if isinstance(grads, tuple) else (grads,)
        grads = tuple(gr if need else None for gr, need in zip(grads, ctx.needs_input_grad))
        return (*grads, *([None] * (ctx.n_args - len(grads))))

    suffix = "InplaceFunction" if inplace else "Function"
    Backward = type(
        f"{name}Derivative",
        (Function,),
        {
            "forward": staticmethod(backward_forward),
            "backward": staticmethod(backward_backward),
            "__doc__": f"Vector-Jacobian product of {name} (forward) and its derivative (backward).",
        },
    )
    Forward = type(
        f"{name}{suffix}",
        (Function,),
        {
            "forward": staticmethod(forward_forward),
            "backward": staticmethod(forward_backward),
            "__doc__": doc or f"{name} with hand-derived first and second derivatives.",
            "Backward": Backward,
        },
    )
    return Forward


def __getattr__(attr: str) -> type[Function]:
    """``actlab.autograd.<Name>Function``: the generated Function of a declaration."""
    if attr.endswith("Function") and not attr.startswith("_"):
        from . import engine
        from .registry import spec

        try:
            decl = spec(attr[: -len("Function")])
        except KeyError:
            raise AttributeError(attr) from None
        return engine.functions(decl).default
    raise AttributeError(attr)
