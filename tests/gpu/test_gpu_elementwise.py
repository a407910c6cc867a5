"""The Triton elementwise kernels (src/actlab/gpu/elementwise.py), run by Triton's interpreter on
CPU tensors: against the 128-bit references (forward <= 4 ulps, f' <= 16 ulps away from zeros of
f', the CPU kernels' bounds), and through every op-level test of the native kernels
(tests/native/test_elementwise.py: the declarations in ulps with their tolerance, kinks, signed
zeros, bfloat16/float16 rounded once, layouts, empty tensors, in place, the double backward's two
ops, the forms written with y), which call the same ops and so run these kernels here; autograd
through actlab.functional runs them too; float64 takes the composite kernel."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from triton_cases import SERVED, args_of, interpreted

from actlab.analysis import accuracy as A

native = importlib.import_module("test_elementwise")  # tests/native's (triton_cases puts it on the path)
pytestmark = interpreted
OPS = torch.ops.actlab
CASES = [c for c in native.CASES if c.decl.function in SERVED]
DEFAULTS = [c for c in CASES if "{" not in c.label and c.decl.name in A.R.REFERENCES]


def native_checks() -> list[tuple[str, tuple]]:
    """(native test, its arguments) for every served case."""
    by_label = {c.label: c for c in CASES}
    served = lambda cases: [c for c in cases if c.label in by_label]  # noqa: E731
    f32, half = torch.float32, (torch.bfloat16, torch.float16)
    checks = [("test_kernel_matches_declaration_in_ulps", (c, k, f32)) for c in CASES for k in ("f", "df", "d2f")]
    float64_inside = native.FLOAT64_INSIDE
    checks += [("test_float32_kernels_keep_the_float64_declarations_accuracy", (label,)) for label in float64_inside]
    checks += [
        ("test_kinks_and_their_neighbours_follow_the_declarations_convention", (c,)) for c in served(native.KINKED)
    ]
    checks += [("test_signed_zeros_give_the_declarations_sign", (c,)) for c in CASES]
    checks += [("test_half_precision_is_float32_rounded_once", (c, d)) for c in CASES for d in half]
    checks += [
        ("test_double_backward_x_is_the_second_output_of_the_double_backward", (c, d))
        for c in CASES
        for d in (f32, torch.bfloat16)
    ]
    checks += [
        ("test_any_layout_gives_the_contiguous_values_in_the_inputs_layout", (name, layout))
        for name in ("GELU", "ELU", "Sigmoid", "Hardtanh", "Mish")
        for layout in native.LAYOUTS
    ]
    checks += [("test_empty_and_zero_dim_tensors", (c,)) for c in CASES[:6]]
    inplace = served(native.INPLACE)
    checks += [("test_inplace_ops_write_f_into_their_input", (c, d)) for c in inplace for d in (f32, torch.bfloat16)]
    forms = served(native.OUTPUT_FORMS)
    checks += [("test_derivatives_written_with_the_output_match_the_declaration", (c,)) for c in forms]
    return checks


CHECKS = native_checks()


def check_id(check: tuple[str, tuple]) -> str:
    return check[0].removeprefix("test_") + "[" + "-".join(getattr(a, "label", str(a)) for a in check[1]) + "]"


@pytest.mark.parametrize("check", CHECKS, ids=[check_id(c) for c in CHECKS])
def test_the_native_kernels_op_level_tests_pass_on_the_triton_kernels(check: tuple[str, tuple]) -> None:
    name, args = check
    getattr(native, name)(*args)


def kernel(case: A.Case, kind: str, x: torch.Tensor) -> torch.Tensor:
    return native.kernel(case, kind, x)


@pytest.mark.parametrize("case", DEFAULTS, ids=[c.label for c in DEFAULTS])
def test_within_the_cpu_kernels_bounds_of_the_128_bit_references(case: A.Case) -> None:
    """f <= 4 ulps everywhere, f' <= 16 ulps beyond +-0.05 of a zero of f' (accuracy.py's sweep)."""
    xs = A.sweep_inputs(case, A.REDUCED)
    sweep = A.Sweep(A.REDUCED)
    x = torch.from_numpy(xs)
    away = np.ones(len(xs), bool)
    for z in case.ref.df_zeros(**A._zero_params(case)):
        away &= np.abs(xs.astype(np.float64) - z) > A.DF_ZERO_WINDOW
    for kind, ref_kind, budget, mask in (("f", "forward", 4.0, slice(None)), ("df", "derivative", 16.0, away)):
        err = A.ulp_error(kernel(case, kind, x).numpy(), sweep.reference(case, ref_kind, xs))[mask]
        worst = int(np.argmax(err))
        assert err[worst] <= budget, f"{case.label} {kind}: {err[worst]:.2f} ulp at x={xs[mask][worst]!r}"


AUTOGRAD = [c for c in DEFAULTS if c.decl.name in ("GELU", "SiLU", "ELU", "Tanh", "ReLU")]


@pytest.mark.parametrize("case", AUTOGRAD, ids=[c.label for c in AUTOGRAD])
def test_autograd_through_the_functional_runs_these_kernels(case: A.Case) -> None:
    """Reverse mode through actlab.functional (the ops' autograd rules) gives the kernels' g f'(x)
    and, differentiated again, their gg g f''(x), bit for bit: the rules call the Triton kernels."""
    import actlab.functional as AF

    fn, args = case.decl.function, args_of(case)
    x = (torch.randn(300, generator=torch.Generator().manual_seed(4)) * 5).requires_grad_()
    g = torch.randn(300, generator=torch.Generator().manual_seed(5))
    (dx,) = torch.autograd.grad(getattr(AF, fn)(x, *args), x, g, create_graph=True)
    assert torch.equal(dx.detach(), getattr(OPS, f"{fn}_backward")(g, x.detach(), *args))
    (d2x,) = torch.autograd.grad(dx, x, g)
    assert torch.equal(d2x, getattr(OPS, f"{fn}_double_backward_x")(g, g, x.detach(), *args))


SMOOTH = [c for c in DEFAULTS if not c.decl.piecewise_linear][:12]


@pytest.mark.parametrize("case", SMOOTH, ids=[c.label for c in SMOOTH])
def test_float64_runs_the_declarations_composite_kernel_and_passes_gradcheck(case: A.Case) -> None:
    """float64 is not a Triton dtype: the op's composite kernel (the declaration's math) runs, so
    values are the declaration's exactly and gradcheck/gradgradcheck pass through the rules."""
    import actlab.functional as AF

    fn, args = case.decl.function, args_of(case)
    x = torch.linspace(-4, 4, 13, dtype=torch.float64)
    assert torch.equal(getattr(OPS, fn)(x, *args), case.decl.f(x, **case.params))
    xr = (x + 0.01).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: getattr(AF, fn)(t, *args), (xr,))
    assert torch.autograd.gradgradcheck(lambda t: getattr(AF, fn)(t, *args), (xr,))
