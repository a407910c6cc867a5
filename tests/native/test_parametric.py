"""The learnable kernels (csrc/parametric_impl.h, the structs of csrc/parametric_list.h) against their
declarations: f and df/dx over the reduced accuracy sweep (kinks and their neighbours, +-0, +-inf,
NaN, subnormals) at every setting the accuracy sweep takes, in ulps (ulps.py's tolerance), and
within the issue's budget of the float64 declarations in float32 (4 ulps f, 16 ulps f' away from
its zeros); the parameter gradients (one value, one per channel of NCHW or of (N, C), a shape only
the direct op takes) against the declaration's vjp within a summation-order tolerance; the same bits
with 1 and 2 threads; half precision computed in float32; any stride; empty tensors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from ulps import assert_within, needs_kernels, on_threads, ulp_error

import actlab
from actlab import native
from actlab.analysis import accuracy as A

pytestmark = needs_kernels

OPS = torch.ops.actlab
LIST_H = Path(native.__file__).parent / "csrc" / "parametric_list.h"
LISTED = re.findall(r"^\s+X\((\w+),\s*(\w+),\s*(\d+)\)", LIST_H.read_text(), flags=re.M)
NAMES = [struct for _, struct, _ in LISTED]
CASES = [c for c in A.cases(NAMES)]
IDS = [c.label for c in CASES]


def _weights(case: A.LearnableCase, dtype: torch.dtype) -> list[torch.Tensor]:
    return [torch.tensor(case.params[t], dtype=dtype) for t in case.decl.tensor_params]


def kernel(case: A.LearnableCase, kind: str, x: torch.Tensor) -> torch.Tensor:
    """f, or df/dx (the backward's first output with g = 1), by the native ops."""
    fn, w = case.decl.function, _weights(case, x.dtype)
    if kind == "f":
        return getattr(OPS, fn)(x, *w)
    return getattr(OPS, f"{fn}_backward")(torch.ones_like(x), x, *w)[0]


def declaration(case: A.LearnableCase, kind: str):
    """The declaration's f or df/dx (its vjp with g = 1) at the case's tensors, in x's dtype."""
    decl = case.decl

    def fn(x: torch.Tensor) -> torch.Tensor:
        w = _weights(case, x.dtype)
        if kind == "f":
            return decl.forward(x, *w)
        return decl.vjp(torch.ones_like(x), x, *w)[0]

    return fn


def test_the_list_is_the_registrys() -> None:
    for op, struct, k in LISTED:
        decl = actlab.declaration(struct)
        assert decl.function == op and decl.name == struct and len(decl.tensor_params) == int(k)
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{op}", "CPU")
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{op}_backward", "CPU")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["f", "df"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_kernel_matches_declaration_in_ulps(case: A.LearnableCase, kind: str, dtype: torch.dtype) -> None:
    # float32: the issue's budget (4 ulps f, 16 ulps f') + the float32 formula's own error: the
    # declarations compute float32 in float64, the kernels in float32; float64: 2 + 2 own
    slack = (2.0, 2.0) if dtype == torch.float64 else (4.0, 1.0) if kind == "f" else (16.0, 1.0)
    xs = A.sweep_inputs(case, A.REDUCED)
    run = lambda x: kernel(case, kind, x)  # noqa: E731
    assert_within(f"{case.label} {kind} {dtype}", run, declaration(case, kind), xs, dtype, slack)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_kernels_keep_the_float64_declarations_accuracy(case: A.LearnableCase) -> None:
    """float32 in float32 arithmetic, against the declaration in float64 (near the truth): 4 ulps
    for f, 16 for f' away from the zeros of f' (the accuracy sweep's windows)."""
    xs = A.sweep_inputs(case, A.REDUCED)
    x = torch.from_numpy(xs)
    away = np.ones(len(xs), bool)
    for z in case.ref.df_zeros(**A._zero_params(case)):
        away &= np.abs(xs - z) > A.DF_ZERO_WINDOW
    for kind, budget, mask in (("f", 4.0, np.ones(len(xs), bool)), ("df", 16.0, away)):
        ref = declaration(case, kind)(x.double()).numpy()
        with np.errstate(over="ignore"):
            ref32 = ref.astype(np.float32)
        ref = np.where(np.isinf(ref32) & np.isfinite(ref), ref32, ref)  # beyond FLT_MAX: inf is right
        err = ulp_error(kernel(case, kind, x).numpy(), ref, np.float32)[mask]
        assert err.max() <= budget, f"{case.label} {kind}: {err.max():.1f} ulp at x={xs[mask][np.argmax(err)]!r}"


# (x's shape, the tensors' shape): one value, per channel of NCHW and of (N, C) (the functional
# layer's shapes), and one only a direct op call makes (per-element values, summed by sum_to_size)
LAYOUTS = [((3000,), ()), ((3000,), (1,)), ((4, 6, 9, 11), (1, 6, 1, 1)), ((70, 37), (37,)), ((5, 6, 7), (5, 1, 7))]


def _inputs(case: A.LearnableCase, shape: tuple, wshape: tuple, dtype: torch.dtype, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.randn(shape, generator=gen, dtype=torch.float64) * 3).to(dtype)
    g = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype)
    ws = []
    for t in case.decl.tensor_params:
        base = torch.tensor(case.params[t], dtype=torch.float64)
        shape = (*wshape, 1) if t in case.decl.coefficients else wshape  # a coefficient row per value
        ws.append((base * (1 + 0.2 * torch.rand(shape, generator=gen, dtype=torch.float64))).to(dtype))
    return g, x, ws


def _per_element(case: A.LearnableCase, name: str, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """w expanded to x's shape (a coefficient tensor: x's shape and its coefficients)."""
    shape = (*x.shape, w.shape[-1]) if name in case.decl.coefficients else x.shape
    return w.expand(shape).contiguous()


def _terms(case: A.LearnableCase, g: torch.Tensor, x: torch.Tensor, ws: list[torch.Tensor]) -> tuple:
    """The declaration's vjp in float64 and the sums of |each term| (the tensors expanded to x:
    the per-element products)."""
    g64, x64, w64 = g.double(), x.double(), [w.double() for w in ws]
    ref = case.decl.vjp(g64, x64, *w64)
    full = case.decl.vjp(g64, x64, *(_per_element(case, t, w, x64) for t, w in zip(case.decl.tensor_params, w64)))
    scale = [f.abs().sum_to_size(w.shape) for f, w in zip(full[1:], ws)]
    return ref, scale


@pytest.mark.parametrize("layout", LAYOUTS, ids=[f"{s}-{w}" for s, w in LAYOUTS])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_parameter_gradients_agree_with_the_declarations_vjp(case, dtype: torch.dtype, layout: tuple) -> None:
    shape, wshape = layout
    g, x, ws = _inputs(case, shape, wshape, dtype)
    out = getattr(OPS, f"{case.decl.function}_backward")(g, x, *ws)
    ref, scale = _terms(case, g, x, ws)
    eps = torch.finfo(dtype).eps
    assert out[0].shape == x.shape and out[0].dtype == dtype
    for got, want, s, w in zip(out[1:], ref[1:], scale, ws):
        assert got.shape == w.shape and got.dtype == dtype
        bound = 64 * eps * s + 1e-30
        both_nan = got.isnan() & want.isnan()  # x outside the domain (SoftExponential's log branch)
        assert (((got.double() - want).abs() <= bound) | both_nan).all(), (case.label, got, want)
    y = getattr(OPS, case.decl.function)(x, *ws)
    assert y.shape == x.shape and y.dtype == dtype


@pytest.mark.parametrize("layout", LAYOUTS[:4], ids=[f"{s}-{w}" for s, w in LAYOUTS[:4]])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_same_bits_with_one_and_two_threads(case, layout: tuple) -> None:
    """Every output, the parameter gradients included, on 300K elements (several tasks and units)."""
    shape, wshape = layout
    shape = (shape[0] * 100, *shape[1:])
    g, x, ws = _inputs(case, shape, wshape, torch.float32, seed=1)
    fn = case.decl.function
    results = on_threads(lambda: (getattr(OPS, fn)(x, *ws), *getattr(OPS, f"{fn}_backward")(g, x, *ws)))
    for a, b in zip(*results):
        assert torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num())


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """The same values, NaN where the other has NaN (x outside SoftExponential's log domain)."""
    return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bfloat16", "float16"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_half_precision_is_float32_rounded_once(case, dtype: torch.dtype) -> None:
    g, x, ws = _inputs(case, (4, 6, 9, 11), (1, 6, 1, 1), dtype)
    fn = case.decl.function
    up = [t.float() for t in (g, x, *ws)]
    assert _same(getattr(OPS, fn)(x, *ws), getattr(OPS, fn)(up[1], *up[2:]).to(dtype))
    half, single = getattr(OPS, f"{fn}_backward")(g, x, *ws), getattr(OPS, f"{fn}_backward")(*up)
    assert _same(half[0], single[0].to(dtype))
    for h, s in zip(half[1:], single[1:]):  # the sums rounded once from double: within an ulp of float32's
        assert h.dtype == dtype
        torch.testing.assert_close(h.float(), s, rtol=torch.finfo(dtype).eps, atol=0, equal_nan=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_stride_gives_the_contiguous_result(case) -> None:
    g, x, ws = _inputs(case, (6, 5, 8, 7), (1, 5, 1, 1), torch.float32)
    fn = case.decl.function
    for view in (
        lambda t: t.transpose(2, 3),
        lambda t: t[:, :, ::2],
        lambda t: t.contiguous(memory_format=torch.channels_last),
    ):
        xv, gv = view(x), view(g)
        y = getattr(OPS, fn)(xv, *ws)
        assert y.stride() == torch.empty_like(xv).stride()
        assert _same(y, getattr(OPS, fn)(xv.contiguous(), *ws))
        got, want = (
            getattr(OPS, f"{fn}_backward")(gv, xv, *ws),
            getattr(OPS, f"{fn}_backward")(gv.contiguous(), xv.contiguous(), *ws),
        )
        assert all(_same(a, b) for a, b in zip(got, want))


@pytest.mark.parametrize("case", CASES[:1] + CASES[-1:], ids=IDS[:1] + IDS[-1:])
def test_empty_and_zero_dimensional_inputs(case) -> None:
    fn = case.decl.function
    for shape in ((0,), (0, 3), ()):
        x = torch.randn(shape)
        ws = _weights(case, torch.float32)
        y = getattr(OPS, fn)(x, *ws)
        assert y.shape == x.shape
        out = getattr(OPS, f"{fn}_backward")(torch.ones_like(x), x, *ws)
        ref = case.decl.vjp(torch.ones_like(x).double(), x.double(), *(w.double() for w in ws))
        for a, b in zip(out, ref):
            assert a.shape == b.shape
            torch.testing.assert_close(a.double(), b, rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("hinges", [1, 3, 7])
def test_apl_takes_any_number_of_hinges(hinges: int) -> None:
    """APL's K = 2S is known at run time: f within an ulp of the float64 declaration, df/dx the
    float32 declaration's bits, the parameter gradients per channel within the summation tolerance."""
    gen = torch.Generator().manual_seed(hinges)
    x = torch.randn(64, 5, 33, generator=gen) * 2
    g = torch.randn(64, 5, 33, generator=gen)
    a = torch.randn(5, hinges, generator=gen).reshape(1, 5, 1, hinges)
    b = torch.randn(5, hinges, generator=gen).reshape(1, 5, 1, hinges)
    decl = actlab.declaration("APL")
    y = OPS.apl(x, a, b)
    want = decl.forward(x.double(), a.double(), b.double()).numpy()
    assert ulp_error(y.numpy(), want, np.float32).max() <= 1.0
    out = OPS.apl_backward(g, x, a, b)
    ref = decl.vjp(g, x, a, b)
    assert torch.equal(out[0], ref[0])
    ref64 = decl.vjp(g.double(), x.double(), a.double(), b.double())
    for got, w in zip(out[1:], ref64[1:]):
        assert got.shape == a.shape
        torch.testing.assert_close(got.double(), w, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("fn", ["pau", "rational", "apl"])
def test_other_coefficient_counts_are_refused_with_the_counts_named(fn: str) -> None:
    x = torch.randn(10)
    with pytest.raises(RuntimeError, match="coefficients|hinges"):
        getattr(OPS, fn)(x, torch.ones(3), torch.ones(2))
