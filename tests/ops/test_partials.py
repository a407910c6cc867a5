"""The double backward computes only the gradients autograd asks for (``Rule.partials`` in
ops/base.py, the elementwise rules in ops/elementwise.py, ``RuleFunction::backward`` in
csrc/autograd.cpp): of ``fn_backward(g, x) = g f'(x)``, with g a constant only
``fn_double_backward_x`` (gg g f''(x)) runs, with x a constant only ``fn_backward(gg, x)``, with
both ``fn_double_backward``. The values are those of the full double backward and of torch;
piecewise-linear declarations give zeros for gg g f''(x) whatever gg, g and x hold (torch's
zeros_like); gradcheck/gradgradcheck pass through the partials; make_fx and torch.export record
the partial op (torch.compile itself refuses double backward: "aot_autograd does not currently
support double backward").

Every check runs with the native library (in this process, when it is loaded) and on the Python
fallback (``ACTLAB_NATIVE=0`` in a subprocess: :func:`check_all`)."""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.fx.experimental.proxy_tensor import make_fx
from torch.utils._python_dispatch import TorchDispatchMode

import actlab
from actlab import functional as F
from actlab import native
from actlab.kinds import Activation, Elementwise
from actlab.ops.elementwise import Names
from gradcases import builtin_declarations, elementwise_input, sample_params

DECLS = [d for d in builtin_declarations() if issubclass(d, Elementwise)]
F64 = torch.float64


class OpLog(TorchDispatchMode):
    """The actlab ops that run inside the block, by name (``relu_backward_y``, ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        if func.namespace == "actlab":
            self.names.append(func._schema.name.split("::")[1])
        return func(*args, **(kwargs or {}))


def logged(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    with OpLog() as log:
        out = fn()
    return out, log.names


def setup(decl: type[Activation], seed: int = 0) -> tuple[dict[str, Any], Tensor, Tensor, Tensor]:
    """Parameters and (x, g, gg) in float64, x away from the kinks."""
    p = sample_params(decl, random.Random(seed))
    gen = torch.Generator().manual_seed(seed)
    x = elementwise_input(decl, p, (4, 5), gen)
    g, gg = (torch.randn(4, 5, generator=gen, dtype=F64) for _ in range(2))
    return p, x, g, gg


def names(decl: type[Activation]) -> tuple[str, str, str]:
    """(backward, double, double_x) op names of the rule the out-of-place op's backward has."""
    n = Names(decl.function)
    if decl.save_output and decl.df_y is not None:
        return n.backward_y, n.double_y, n.double_x_y
    return n.backward, n.double, n.double_x


def first(decl: type[Activation], p: dict[str, Any], x: Tensor, g: Tensor) -> Tensor:
    """g f'(x) with a graph (x and g as the caller made them)."""
    (g1,) = torch.autograd.grad(getattr(F, decl.function)(x, **p), x, g, create_graph=True)
    return g1


def expected(decl: type[Activation], p: dict[str, Any], x: Tensor, g: Tensor, gg: Tensor) -> tuple[Tensor, Tensor]:
    """(d/dg, d/dx) of <gg, g f'(x)>: gg f'(x) and gg g f''(x) from the declaration."""
    return gg * decl.df(x, **p), gg * g * decl.d2f(x, **p)


def check_x_only(decl: type[Activation]) -> None:
    """g a constant (the gradient penalty, the bench's double pass): only the partial d/dx op."""
    p, x, g, gg = setup(decl)
    x.requires_grad_()
    g1 = first(decl, p, x, g)
    (dx,), ran = logged(lambda: torch.autograd.grad(g1, x, gg))
    backward, double, double_x = names(decl)
    assert double_x in ran and double not in ran, (decl.name, ran)
    torch.testing.assert_close(dx, expected(decl, p, x.detach(), g, gg)[1], rtol=1e-9, atol=1e-12)


def op_args(decl: type[Activation], p: dict[str, Any]) -> tuple:
    """The op's parameter arguments, in schema order."""
    return tuple(p.get(k, v.default) for k, v in decl.op_params().items())


def check_g_only(decl: type[Activation]) -> None:
    """x (or y) a constant: only ``fn_backward(gg, x)``."""
    p, x, g, gg = setup(decl)
    backward, double, double_x = names(decl)
    s = decl.f(x, **p) if backward.endswith("_y") else x
    g.requires_grad_()
    g1 = getattr(torch.ops.actlab, backward)(g, s, *op_args(decl, p))
    (dg,), ran = logged(lambda: torch.autograd.grad(g1, g, gg))
    assert ran == [backward], (decl.name, ran)
    torch.testing.assert_close(dg, expected(decl, p, x, g.detach(), gg)[0], rtol=1e-12, atol=0)


def check_single_equals_together(decl: type[Activation]) -> None:
    """Both gradients at once run the full op once; one at a time gives the same bits."""
    p, x, g, gg = setup(decl)
    x.requires_grad_()
    g.requires_grad_()
    g1 = first(decl, p, x, g)
    (dx, dg), ran = logged(lambda: torch.autograd.grad(g1, (x, g), gg, retain_graph=True))
    backward, double, double_x = names(decl)
    assert double in ran and double_x not in ran, (decl.name, ran)
    (dx1,) = torch.autograd.grad(g1, x, gg, retain_graph=True)
    (dg1,) = torch.autograd.grad(g1, g, gg)
    assert torch.equal(dx, dx1) and torch.equal(dg, dg1), decl.name


def check_piecewise_linear_zeros(decl: type[Activation]) -> None:
    """gg g f''(x) is zeros for a piecewise-linear declaration (NaN and inf in gg, g, x included:
    torch's zeros_like), and NaN * f'' for the others."""
    p, x, g, gg = setup(decl)
    args = op_args(decl, p)
    x[0, :3] = torch.tensor([math.nan, math.inf, -math.inf])
    gg[1, 0], g[1, 1] = math.nan, math.inf
    ops = torch.ops.actlab
    n = Names(decl.function)
    pairs = [(n.double, n.double_x, x)]
    if decl.df_y is not None:
        pairs.append((n.double_y, n.double_x_y, decl.f(x, **p)))
    for double, double_x, s in pairs:
        alone = getattr(ops, double_x)(gg, g, s, *args)
        both = getattr(ops, double)(gg, g, s, *args)[1]
        assert alone.shape == s.shape and alone.dtype == s.dtype
        assert torch.equal(alone.nan_to_num(), both.nan_to_num()) and torch.equal(alone.isnan(), both.isnan())
        if decl.piecewise_linear:
            assert torch.equal(alone, torch.zeros_like(s)), (decl.name, double_x, alone)
        else:
            assert alone[1, 0].isnan(), (decl.name, double_x)  # gg = NaN


def check_gradgradcheck_through_the_partials(decl: type[Activation]) -> None:
    """h(x) = g f'(x) with g constant: gradcheck of h runs ``fn_double_backward_x``, gradgradcheck
    its rule (the composite ``fn_triple_backward_x``)."""
    p, x, g, _ = setup(decl, seed=1)
    x = x[:2, :3].clone().requires_grad_()
    g = g[:2, :3]
    assert torch.autograd.gradcheck(lambda t: first(decl, p, t, g), (x,))
    assert torch.autograd.gradgradcheck(lambda t: first(decl, p, t, g), (x,))


CHECKS = (
    check_x_only,
    check_g_only,
    check_single_equals_together,
    check_piecewise_linear_zeros,
    check_gradgradcheck_through_the_partials,
)


def check_all() -> None:
    """Every check on every elementwise declaration (the ACTLAB_NATIVE=0 subprocess)."""
    for decl in DECLS:
        for check in CHECKS:
            check(decl)


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("decl", DECLS, ids=[d.name for d in DECLS])
def test_partials(decl: type[Activation], check: Callable[[type[Activation]], None]) -> None:
    check(decl)


def test_the_python_fallback_passes_the_same_checks() -> None:
    """The rules run by ``torch.library.register_autograd`` (no native library)."""
    tests, src = Path(__file__).parents[1], Path(actlab.__file__).parents[1]
    code = (
        f"import sys; sys.path[:0] = [{str(tests)!r}, {str(Path(__file__).parent)!r}]\n"
        "from actlab import native; assert not native.loaded(), native.status()\n"
        "import test_partials; test_partials.check_all(); print('ok')"
    )
    env = {**os.environ, "ACTLAB_NATIVE": "0", "PYTHONPATH": str(src)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]


@pytest.mark.skipif(not native.loaded(), reason="needs the native library (needs_input_grad of the C++ rule)")
def test_native_rule_computes_only_the_requested_gradient_when_both_require_grad() -> None:
    """C++ rules ask the engine (task_should_compute_output): grad(g1, g) with x requiring grad
    too runs only ``fn_backward`` (the Python fallback knows only which inputs require grad)."""
    for decl in (actlab.declaration("GELU"), actlab.declaration("ReLU6")):
        p, x, g, gg = setup(decl)
        x.requires_grad_()
        g.requires_grad_()
        g1 = first(decl, p, x, g)
        (dg,), ran = logged(lambda g1=g1, g=g, gg=gg: torch.autograd.grad(g1, g, gg))
        assert ran == [names(decl)[0]], ran
        torch.testing.assert_close(dg, expected(decl, p, x.detach(), g.detach(), gg)[0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["ReLU", "ReLU6", "Hardtanh", "Threshold", "LeakyReLU", "Hardshrink", "Softshrink"])
def test_x_only_double_backward_equals_torch(name: str) -> None:
    """Piecewise linear, float32 and float64: torch's values (zeros for the x-gradient), NaN in gg
    included."""
    decl = actlab.declaration(name)
    for dtype in (torch.float32, F64):
        p, x, g, gg = setup(decl)
        x, g, gg = x.to(dtype), g.to(dtype), gg.to(dtype)
        gg[0, 0] = math.nan
        out = []
        for fn in (getattr(F, decl.function), getattr(torch.nn.functional, decl.function)):
            xr = x.clone().requires_grad_()
            (g1,) = torch.autograd.grad(fn(xr, **p), xr, g, create_graph=True)
            out.append(torch.autograd.grad(g1, xr, gg)[0] if g1.requires_grad else torch.zeros_like(x))
        assert torch.equal(out[0], out[1]), (name, dtype, out)


@pytest.mark.parametrize("name", ["Sigmoid", "GELU", "ELU", "Softplus", "Mish"])
def test_x_only_double_backward_matches_torch_for_smooth_activations(name: str) -> None:
    decl = actlab.declaration(name)
    p, x, g, gg = setup(decl)
    ours, theirs = (x.clone().requires_grad_() for _ in range(2))
    (a,) = torch.autograd.grad(first(decl, p, ours, g), ours, gg)
    (t1,) = torch.autograd.grad(getattr(torch.nn.functional, decl.function)(theirs, **p), theirs, g, create_graph=True)
    (b,) = torch.autograd.grad(t1, theirs, gg)
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


def _double(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    def double(x: Tensor, g: Tensor, gg: Tensor) -> Tensor:
        x = x.detach().requires_grad_()
        (g1,) = torch.autograd.grad(fn(x), x, g, create_graph=True)
        return torch.autograd.grad(g1, x, gg)[0]

    return double


@pytest.mark.parametrize("name", ["GELU", "LeakyReLU", "ReLU6"])
def test_make_fx_records_the_partial_op(name: str) -> None:
    """Fake-tensor tracing of the double backward records ``fn_double_backward_x`` (its fake
    kernel), never the two-output op."""
    decl = actlab.declaration(name)
    x, g, gg = (torch.randn(3, 4, generator=torch.Generator().manual_seed(i)) * 4 for i in range(3))
    gm = make_fx(_double(getattr(F, decl.function)), tracing_mode="fake")(x, g, gg)
    _, double, double_x = (f"actlab.{n}.default" for n in names(decl))
    traced = [str(n.target) for n in gm.graph.nodes if n.op == "call_function"]
    assert double_x in traced and double not in traced, traced


# not ReLU/ReLU6: exporting a double backward through an op that saves its output fails for
# torch's own relu too ("fake tensor in the exported program constant's list")
@pytest.mark.parametrize("name", ["GELU", "LeakyReLU"])
def test_export_records_the_partial_op_and_computes_eagers_values(name: str) -> None:
    decl = actlab.declaration(name)
    fn = _double(getattr(F, decl.function))
    x, g, gg = (torch.randn(3, 4, generator=torch.Generator().manual_seed(i)) * 4 for i in range(3))

    class Double(torch.nn.Module):
        def forward(self, x: Tensor, g: Tensor, gg: Tensor) -> Tensor:
            return fn(x, g, gg)

    ep = torch.export.export(Double(), (x, g, gg))
    _, double, double_x = (f"actlab.{n}.default" for n in names(decl))
    exported = [str(n.target) for n in ep.graph.nodes if n.op == "call_function"]
    assert double_x in exported and double not in exported, exported
    assert torch.equal(ep.module()(x, g, gg), fn(x, g, gg))


def test_piecewise_linear_declarations_are_exactly_those_with_a_vanishing_f2() -> None:
    """``piecewise_linear`` is declared, not guessed: every declaration that states it has f'' = 0
    on a dense grid at two parameter draws, and every other one has f'' != 0 somewhere there
    (GammaAct excepted: linear only for some ``act_type``, it keeps the NaN * 0 of its f'')."""
    x = torch.linspace(-20, 20, 40001, dtype=F64)
    for decl in DECLS:
        if decl.name == "GammaAct":
            continue
        zero = all(bool((decl.d2f(x, **sample_params(decl, random.Random(s))) == 0).all()) for s in range(2))
        assert zero == decl.piecewise_linear, decl.name


@pytest.mark.skipif(not native.loaded(), reason="needs the native library")
def test_native_piecewise_kernels_are_the_declarations_piecewise_linear_ones() -> None:
    """The C++ ``Piecewise`` activations (a memset for gg g f''(x)) are exactly the declarations
    stating ``piecewise_linear``: a NaN gg gives 0 there and NaN elsewhere."""
    served = 0
    for decl in DECLS:
        name = f"{decl.function}_double_backward_x"
        if not torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{name}", "CPU"):
            continue
        served += 1
        x = torch.linspace(-3, 3, 16)
        args = op_args(decl, sample_params(decl, random.Random(0)))
        out = getattr(torch.ops.actlab, name)(torch.full_like(x, math.nan), x, x, *args)
        assert bool((out == 0).all()) == decl.piecewise_linear, (decl.name, out)
        assert bool(out.isnan().all()) != decl.piecewise_linear, (decl.name, out)
    assert served >= 28
