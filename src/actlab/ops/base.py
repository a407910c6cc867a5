"""What every kind of operator shares: the ``actlab`` op library, the autograd rules that tie an
op to its backward op, half-precision handling, and the test of whether anything can observe
derivatives beyond reverse mode.

Each declaration becomes a family of ``torch.ops.actlab`` operators (the tables of
:mod:`actlab.ops.elementwise`, :mod:`actlab.ops.vector`, :mod:`actlab.ops.parametric` and
:mod:`actlab.ops.random`): one node per activation in ``torch.compile``/``torch.export``/``torch.fx``
graphs, with a fake kernel for shape propagation. Their kernels are the declaration's Python math (every device; the
readable specification and the fallback) unless :mod:`actlab.native` registers C++ kernels for
the CPU. An op's derivative is a *rule*: which inputs/outputs to save and which backward op to
call on them; the rule is run by the native C++ autograd kernel when it is loaded, else by
``torch.library.register_autograd``. The backward ops have rules of their own, down to a
composite (pure torch ops) third-order op, so every order of reverse mode is hand-derived math.

Forward-mode AD and ``torch.func`` transforms see a tower of ``autograd.Function`` classes with
``jvp`` and ``setup_context`` instead, built from the same math (:func:`actlab.ops.operator.tower`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.autograd import forward_ad

from .. import native
from ..kinds import Param

LIB = torch.library.Library("actlab", "DEF")
HALF = (torch.float16, torch.bfloat16)
_SCHEMA_TYPE = {float: "float", int: "int", str: "str", bool: "bool"}


def upcast(t: Tensor) -> Tensor:
    """bfloat16/float16 are computed in float32 and rounded once at the end, as torch does."""
    return t.float() if t.dtype in HALF else t


def like(y: Tensor, x: Tensor) -> Tensor:
    """``y`` in ``x``'s dtype and memory layout (what the fake kernel promises)."""
    if y.dtype != x.dtype:
        y = y.to(x.dtype)
    if y.stride() != x.stride() and y.shape == x.shape:
        out = torch.empty_like(x)
        if out.stride() != y.stride():
            return out.copy_(y)
    return y


def op(name: str) -> torch._ops.OpOverload:
    """``torch.ops.actlab.<name>.default``."""
    return getattr(torch.ops.actlab, name).default


def direct(overload: torch._ops.OpOverload) -> Callable[..., Any]:
    """The dispatcher entry of ``overload`` (what ``OpOverload.__call__`` forwards to): the same
    dispatch (autograd, modes, subclasses) without a Python frame, for the eager hot path."""
    return getattr(overload, "_op", overload)


def param_schema(params: dict[str, Param]) -> str:
    """``float alpha, str approximate`` for the operator's non-tensor arguments; an int whose
    default is None (top-k's ``k``) is optional: ``int? k``."""
    return "".join(f", {_SCHEMA_TYPE[p.type]}{'?' if p.optional else ''} {k}" for k, p in params.items())


def define(
    name: str,
    tensors: Sequence[str],
    params: dict[str, Param],
    returns: int,
    impl: Callable[..., Any],
    fake: Callable[..., Any] | None = None,
    *,
    composite: bool = False,
    mutates: bool = False,
) -> None:
    """Define ``actlab::<name>(Tensor t1, ..., <params>) -> Tensor[s]`` with ``impl`` as its kernel
    for every device (native CPU kernels take precedence) and ``fake`` for shape propagation.
    ``composite`` ops are plain compositions of torch ops (autograd differentiates through them);
    ``mutates`` ops write their result into the first tensor and return it."""
    args = ", ".join(f"Tensor{'(a!)' if mutates and i == 0 else ''} {t}" for i, t in enumerate(tensors))
    ret = "Tensor(a!)" if mutates else "Tensor" if returns == 1 else "(" + ", ".join(["Tensor"] * returns) + ")"
    LIB.define(f"{name}({args}{param_schema(params)}) -> {ret}")
    LIB.impl(name, impl, "CompositeImplicitAutograd" if composite else "CompositeExplicitAutograd")
    if fake is not None and not composite:
        # a Meta kernel, which fake tensors (torch.compile, export) run as they run ATen's: the same
        # shape propagation as torch.library.register_fake at a tenth of its cost at import
        LIB.impl(name, fake, "Meta")


@dataclass(frozen=True)
class Partial:
    """One gradient of a rule's backward alone: op ``op`` called on the backward op's tensor
    arguments numbered ``args`` (indices into ``(*grads_of_outputs, *saved)``), then the
    parameters. E.g. the g-gradient of ``fn_backward(g, x) = g f'(x)`` is
    ``fn_backward(gg, x)``: ``Partial("fn_backward", (0, 2))``."""

    op: str
    args: tuple[int, ...]


@dataclass(frozen=True)
class Rule:
    """The derivative of op ``op``: save the inputs numbered ``inputs`` and the outputs numbered
    ``outputs``; backward calls ``backward(*grads_of_outputs, *saved, *params)``, which returns one
    gradient per tensor input. With ``inplace`` the op wrote into its first input (saved outputs are
    then that input).

    ``partials`` (empty, or one entry per tensor input, None where there is none) compute single
    gradients: when autograd needs only some gradients and each of those has a partial, backward
    calls just those ops (see :meth:`uses_partials`); a gradient not needed is never returned."""

    op: str
    backward: str
    tensors: int  # tensor inputs
    outputs_count: int = 1
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()
    inplace: bool = False
    partials: tuple[Partial | None, ...] = ()

    def __post_init__(self) -> None:
        if self.partials and len(self.partials) != self.tensors:
            raise ValueError(f"{self.op}: one partial (or None) per tensor input, got {len(self.partials)}")

    def uses_partials(self, needed: Sequence[bool]) -> bool:
        """Whether the partials replace ``backward`` for the gradients ``needed`` (one flag per
        tensor input): some gradient is not needed and every needed one has a partial. (The C++
        rule, csrc/autograd.cpp, decides the same way.)"""
        covered = all(p is not None for p, n in zip(self.partials, needed) if n)
        return bool(self.partials) and not all(needed) and covered


def register(rule: Rule) -> bool:
    """Attach ``rule`` to its op: in C++ when the native library runs rules (True), else in Python
    (False; in-place rules are then left to the caller's InplaceFunction)."""
    if native.register_rule(rule):
        return True
    if rule.inplace:  # torch.library cannot attach autograd to mutating ops: see InplaceFunction
        return False
    torch.library.register_autograd(
        f"actlab::{rule.op}", python_backward(rule), setup_context=python_setup_context(rule), lib=LIB
    )
    return False


def python_setup_context(rule: Rule) -> Callable[[Any, tuple, Any], None]:
    """``setup_context`` of ``rule`` for ``torch.library.register_autograd``: saves what it says."""

    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        outs = output if isinstance(output, tuple) else (output,)
        ctx.save_for_backward(*(inputs[i] for i in rule.inputs), *(outs[j] for j in rule.outputs))
        ctx.params = inputs[rule.tensors :]

    return setup_context


def python_backward(rule: Rule) -> Callable[..., tuple]:
    """The backward of ``rule`` for ``torch.library.register_autograd`` (the library's C++ rule
    when it is not loaded): only the gradients ``ctx.needs_input_grad`` asks for, by the
    partials when they cover them, else by the backward op; None for the others."""
    backward = op(rule.backward)
    partials = [None if p is None else (op(p.op), p.args) for p in rule.partials]

    def backward_fn(ctx: Any, *grads: Tensor) -> tuple:  # torch.library materialises None grads as zeros
        tensors, params = (*grads, *ctx.saved_tensors), ctx.params
        needed = ctx.needs_input_grad[: rule.tensors]
        if rule.uses_partials(needed):
            res = tuple(
                p[0](*(tensors[i] for i in p[1]), *params) if n and p is not None else None
                for p, n in zip(partials, needed)
            )
        else:
            out = backward(*tensors, *params)
            res = tuple(d if n else None for d, n in zip(out if isinstance(out, tuple) else (out,), needed))
        return (*res, *([None] * len(params)))

    return backward_fn


def autograd_vjp(fn: Callable[..., tuple], primals: Sequence[Tensor], cotangents: Sequence[Tensor]) -> tuple:
    """Derivatives of sum_i <cotangents[i], fn(*primals)[i]> in each primal, by autograd of ``fn``'s
    torch ops (the third-order ops of kinds whose double backward is an op of its own); with a
    graph when an input requires grad, so every higher order stays the hand-derived math."""
    create = torch.is_grad_enabled() and any(t.requires_grad for t in (*primals, *cotangents))
    with torch.enable_grad():
        # differentiate at fresh nodes (a view keeps the graph to the caller's tensors): differentiating
        # at a caller's tensor would also follow its history into the other primals
        ps = [p.view_as(p) if create and p.requires_grad else p.detach().requires_grad_() for p in primals]
        pairs = [(o, c) for o, c in zip(fn(*ps), cotangents) if o.requires_grad]
        grads: Sequence[Tensor | None] = [None] * len(ps)
        if pairs:
            outs, cots = [o for o, _ in pairs], [c for _, c in pairs]
            grads = torch.autograd.grad(outs, ps, cots, create_graph=create, allow_unused=True)
    return tuple(torch.zeros_like(p) if d is None else d for d, p in zip(grads, primals))


def _define_keep() -> Callable[[Tensor], Tensor]:
    """``actlab::keep(x)``: a copy of x that graph passes keep, with the identity's gradient."""
    LIB.define("keep(Tensor x) -> Tensor")
    LIB.impl("keep", lambda x: x.clone(), "CompositeExplicitAutograd")
    LIB.impl("keep", torch.empty_like, "Meta")  # the fake kernel, as define() registers it
    torch.library.register_autograd("actlab::keep", lambda ctx, g: g, lib=LIB)
    return op("keep")


keep = _define_keep()
"""The input an op saves when, under torch.compile, its result is written back into that input
(an in-place call: functionalised as the op and ``x.copy_``). An ``x.clone()`` would not do:
inductor's graph passes drop clones as no-ops, the op would then save the graph's input itself,
and the write into it, applied after the graph, would change what backward reads (autograd's
version check refuses that)."""


def compiling() -> bool:
    """Inside torch.compile (dynamo) or torch.export tracing: the graph records the op itself."""
    return torch.compiler.is_compiling()


def onnx_exporting() -> bool:
    """Inside ``torch.onnx.export``: ONNX has no actlab ops, so the graph gets the declaration's
    math as torch ops (inference only)."""
    return torch.compiler.is_exporting() and torch.onnx.is_in_onnx_export()


def plain_eager() -> bool:
    """Neither torch.compile/export tracing nor forward-mode AD nor a torch.func transform: the ops
    run as they are (the eager hot path's one check; is_compiling first, which dynamo folds)."""
    return not torch.compiler.is_compiling() and forward_ad._current_level < 0 and not _transforms_active()


# whether a torch.func transform is active (dynamo reads it right while tracing; it models
# torch._C._functorch.peek_interpreter_stack() as never None)
_transforms_active = torch._C._are_functorch_transforms_active


def derivatives_observable() -> bool:
    """Whether forward-mode AD or a torch.func transform is active: then only the Function tower
    (which has ``jvp`` and ``setup_context``) may run, never an op without a forward-AD rule."""
    return forward_ad._current_level >= 0 or _transforms_active()


@contextlib.contextmanager
def preserved_version(t: Tensor) -> Iterator[None]:
    """Write into ``t`` without bumping its version counter (``mark_dirty`` bumps it once, as torch's
    in-place ops do)."""
    with torch.autograd._unsafe_preserve_version_counter(t):
        yield
