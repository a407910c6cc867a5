"""Turns a declaration into callable autograd Functions and applies them to inputs.

This is the one place that decides *what is saved for backward*:

* elementwise, out of place: the input ``x`` (accurate derivatives need x, not y), or the
  output where the declaration says ``save = "output"`` and f' is exact in y (ReLU, ReLU6);
* elementwise, in place: the output ``y`` when the declaration can write f' in terms of y
  (``df_y``), exactly as torch's in-place kernels do; otherwise the original input is cloned
  first (torch does the same for non-invertible in-place ops);
* normalisers: the output; GLU and PReLU: the input (and weight); RReLU: the noise only.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

from . import autograd as ag
from . import fast
from .errors import InputTypeError
from .spec import Activation


def check_input(x: Any, name: str) -> None:
    """Clear errors for non-tensors and non-floating dtypes."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor as input, got {type(x).__name__}")
    if not x.is_floating_point():
        raise InputTypeError(
            f"{name}: expected a floating-point tensor (float16/bfloat16/float32/float64), got {x.dtype}"
        )


def _elementwise_pair(decl: type[Activation], use_output: bool) -> tuple[Any, Any, Any]:
    df = decl.df_y if use_output else decl.df
    d2f = decl.d2f_y if use_output else decl.d2f

    def forward(x: Tensor, **p: Any) -> tuple[Tensor, tuple[Tensor, ...]]:
        y = fast.forward(decl, x, p)  # decl.f, fused into one kernel when actlab.fast is on
        return y, ((y,) if use_output else (x,))

    def vjp(g: Tensor, s: Tensor, **p: Any) -> tuple[Tensor]:
        return (fast.vjp(decl, g, s, p, use_output),)  # g * df(s), fused likewise

    def vjp2(ggs: tuple[Tensor], g: Tensor, s: Tensor, needs: tuple[bool, ...], **p: Any):
        (gg,) = ggs
        return (gg * df(s, **p) if needs[0] else None, gg * g * d2f(s, **p) if needs[1] else None)

    return forward, vjp, vjp2


def _noise_scale() -> tuple[Any, Any, Any]:
    """y = x * noise, saving only the noise (RReLU training)."""

    def forward(x: Tensor, noise: Tensor) -> tuple[Tensor, tuple[Tensor, ...]]:
        return x * noise, (noise,)

    def vjp(g: Tensor, noise: Tensor) -> tuple[Tensor]:
        return (g * noise,)

    def vjp2(ggs: tuple[Tensor], g: Tensor, noise: Tensor, needs: tuple[bool, ...]):
        return (ggs[0] * noise if needs[0] else None, None)

    return forward, vjp, vjp2


class Functions:
    """The autograd Functions generated for one declaration."""

    def __init__(self, decl: type[Activation]):
        self.decl = decl
        names: tuple[str, ...] = tuple(decl.params)
        defaults: tuple = tuple(p.default for p in decl.params.values())
        if decl.kind == "normalizer":  # dim is always resolved by the functional layer
            names, defaults = ("dim",), (-1,)
        elif decl.kind == "parametric":  # the weight is a tensor input, not a parameter
            names, defaults = (), ()
        doc = (decl.__doc__ or "").strip()
        if decl.kind in ("elementwise", "random"):
            # out of place the input is saved (accurate f'), unless the declaration asks for the
            # output and f' is exact in y (ReLU, ReLU6): then y is shared with the next layer's save
            out = decl.save == "output" and decl.df_y is not None
            fw, vjp, vjp2 = _elementwise_pair(decl, use_output=out)
            self.default = ag.build(decl.name, 1, names, defaults, fw, vjp, vjp2, doc=doc)
            self.inplace = None
            if decl.df_y is not None:
                fw, vjp, vjp2 = _elementwise_pair(decl, use_output=True)
                self.inplace = ag.build(decl.name, 1, names, defaults, fw, vjp, vjp2, inplace=True, doc=doc)
        else:
            n = 1 + len(decl.tensor_params)
            fw, vjp = fast.normalizer(decl) if decl.kind == "normalizer" else (decl.forward, decl.vjp)
            self.default = ag.build(decl.name, n, names, defaults, fw, vjp, decl.vjp2, doc=doc)
            self.inplace = None
        if decl.kind == "random":
            fw, vjp, vjp2 = _noise_scale()
            self.noise = ag.build(f"{decl.name}Noise", 2, (), (), fw, vjp, vjp2)
            self.noise_inplace = ag.build(f"{decl.name}Noise", 2, (), (), fw, vjp, vjp2, inplace=True)
        decl.function_class = self.default


_CACHE: dict[type[Activation], Functions] = {}


def functions(decl: type[Activation]) -> Functions:
    fns = _CACHE.get(decl)
    if fns is None:
        fns = _CACHE[decl] = Functions(decl)
    return fns


def _needs_graph(x: Tensor) -> bool:
    return torch.is_grad_enabled() and x.requires_grad


def apply_inplace_fallback(fn: type[Function], x: Tensor, args: tuple) -> Tensor:
    """In place without an output-only derivative: run on a clone, write back (as torch)."""
    y = fn.apply(x.clone(), *args)
    return x.copy_(y)


def apply(decl: type[Activation], x: Tensor, args: tuple, inplace: bool = False) -> Tensor:
    """Apply an elementwise declaration with positional parameter values ``args``."""
    check_input(x, decl.function)
    fns = functions(decl)
    if not inplace:
        if _needs_graph(x) or decl.kind != "elementwise":
            return fns.default.apply(x, *args)
        # no graph to record (inference, no_grad): the forward math alone, without Function overhead
        y = fast.forward(decl, ag.upcast(x), dict(zip(decl.params, args)))
        return y if y.dtype == x.dtype else y.to(x.dtype)
    if not _needs_graph(x):
        with torch.no_grad():
            y = decl.f(ag.upcast(x), **dict(zip(decl.params, args)))
            return x.copy_(y)
    output_ok = getattr(decl, "output_ok", None)
    if fns.inplace is not None and (output_ok is None or output_ok(**dict(zip(decl.params, args)), dtype=x.dtype)):
        return fns.inplace.apply(x, *args)
    return apply_inplace_fallback(fns.default, x, args)
