"""Registering the Triton launchers as the kernels of the existing ``actlab::*`` ops for one
dispatch key ("CUDA"; the tests register "CPU" under ``TRITON_INTERPRET=1``).

Only the kernels change: the schemas, the composite kernels, the fake kernels and the autograd
rules stay, so compile/export graphs keep one node per activation. An op whose operands the
kernels do not take (float64, mixed dtypes or shapes, parameters outside the kernels' range)
runs its composite kernel, the declaration's math as torch ops, through the dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

from .activations import ACTIVATIONS
from .elementwise import ElementwiseOps
from .noise import noise_ops
from .prelu import prelu_ops
from .rows import row_ops
from .split_gates import split_gate_ops

# An empty key set reaches the dispatch table's Undefined entry, which holds the op's
# CompositeExplicitAutograd kernel (the declaration's Python math) on every device.
COMPOSITE = torch._C.DispatchKeySet(torch._C.DispatchKey.CompositeExplicitAutograd)
_LIBRARIES: dict[str, torch.library.Library] = {}  # one per dispatch key, kept alive
_REGISTERED: dict[str, list[str]] = {}


def elementwise_ops() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(op name, kernel) of every elementwise op family with Triton kernels."""
    for fn, act in ACTIVATIONS.items():
        ops = ElementwiseOps(act)
        yield fn, ops.f
        yield f"{fn}_", ops.f_
        yield f"{fn}_backward", ops.grad(lambda k: k.df)
        yield f"{fn}_double_backward", ops.double(lambda k: k.df, lambda k: k.d2f)
        yield f"{fn}_double_backward_x", ops.second(lambda k: k.d2f)
        if act.kernels.df_y is not None:
            yield f"{fn}_backward_y", ops.grad(lambda k: k.df_y)
            yield f"{fn}_double_backward_y", ops.double(lambda k: k.df_y, lambda k: k.d2f_y)
            yield f"{fn}_double_backward_x_y", ops.second(lambda k: k.d2f_y)


def kernels() -> Iterator[tuple[str, Callable[..., Any]]]:
    """(op name, Triton kernel or None for the composite) of every op served."""
    yield from elementwise_ops()
    yield from row_ops()
    yield from split_gate_ops()
    yield from prelu_ops()
    yield from noise_ops()


def defined(name: str) -> bool:
    """Whether op actlab::name is defined."""
    return hasattr(torch.ops.actlab, name)


def with_fallback(name: str, kernel: Callable[..., Any]) -> Callable[..., Any]:
    """kernel, or the op's composite kernel where kernel returns None."""
    overload = getattr(torch.ops.actlab, name).default

    def impl(*args: Any) -> Any:
        out = kernel(*args)
        return overload.redispatch(COMPOSITE, *args) if out is None else out

    impl.__name__ = f"triton_{name}"
    return impl


def register(key: str = "CUDA") -> tuple[str, ...]:
    """Register the Triton kernels for dispatch key ``key`` on every defined op they serve that has
    none yet (ops defined later get theirs at the next call); returns every op name served."""
    lib = _LIBRARIES.setdefault(key, torch.library.Library("actlab", "IMPL"))
    done = _REGISTERED.setdefault(key, [])
    for name, kernel in kernels():
        if name not in done and defined(name):
            lib.impl(name, with_fallback(name, kernel), key)
            done.append(name)
    return tuple(done)
