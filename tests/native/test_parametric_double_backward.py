"""The learnables' double-backward kernels (each struct's vjp2, csrc/parametric_impl.h) against
their declarations' vjp2: d/dg and d/dx over the reduced accuracy sweep (kinks, +-0, +-inf, NaN,
subnormals) at every setting the sweep takes, for a tangent in x alone, in the tensors alone and in
both, in ulps (ulps.py's tolerance for f''); the parameter gradients on every layout the backward
takes against the float64 declaration within a summation-order tolerance; the same bits with 1
and 2 threads; half precision computed in float32; any stride; and autograd's second derivatives
through the module's functional form, which now run these kernels."""

from __future__ import annotations

import pytest
import torch
from test_parametric import CASES, IDS, LAYOUTS, LISTED, _inputs, _per_element, _same, _weights
from ulps import assert_within, needs_kernels, on_threads

from actlab.analysis import accuracy as A

pytestmark = needs_kernels

OPS = torch.ops.actlab

# (ggx, ggw) scales of the tangent: in x alone, in the tensors alone, in both
TANGENTS = {"x": (1.0, 0.0), "w": (0.0, 1.0), "xw": (0.75, -0.5)}


def double(case: A.LearnableCase, ggx, ggws, g, x, ws) -> tuple[torch.Tensor, ...]:
    return getattr(OPS, f"{case.decl.function}_double_backward")(ggx, *ggws, g, x, *ws)


def _tangent_weights(case: A.LearnableCase, ws: list[torch.Tensor], scale: float) -> list[torch.Tensor]:
    """ggw: each tensor's values alternating in sign, times scale (one per coefficient too)."""
    out = []
    for i, w in enumerate(ws):
        signs = torch.ones_like(w)
        if w.dim():
            signs.view(-1)[1::2] = -1.0
        out.append(scale * (0.5 + 0.25 * i) * signs)
    return out


def test_every_learnable_has_a_native_double_backward() -> None:
    for op, _, _ in LISTED:
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{op}_double_backward", "CPU"), op


@pytest.mark.parametrize("tangent", list(TANGENTS))
@pytest.mark.parametrize("out", ["dg", "dx"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_kernel_matches_declaration_in_ulps(case: A.LearnableCase, dtype: torch.dtype, out: str, tangent: str) -> None:
    tx, tw = TANGENTS[tangent]
    i = 0 if out == "dg" else 1

    def kernel(x: torch.Tensor) -> torch.Tensor:
        ws = _weights(case, x.dtype)
        one = torch.ones_like(x)
        return double(case, tx * one, _tangent_weights(case, ws, tw), one, x, ws)[i]

    def declaration(x: torch.Tensor) -> torch.Tensor:
        ws = _weights(case, x.dtype)
        one = torch.ones_like(x)
        return case.decl.vjp2((tx * one, *_tangent_weights(case, ws, tw)), one, x, *ws)[i]

    xs = A.sweep_inputs(case, A.REDUCED)
    assert_within(f"{case.label} {out} ({tangent}) {dtype}", kernel, declaration, xs, dtype, (4.0, 2.0))


def _tangents(case: A.LearnableCase, g: torch.Tensor, ws: list[torch.Tensor], seed: int):
    gen = torch.Generator().manual_seed(seed)
    ggx = torch.randn(g.shape, generator=gen, dtype=torch.float64).to(g.dtype)
    ggws = [torch.randn(w.shape, generator=gen, dtype=torch.float64).to(w.dtype) for w in ws]
    return ggx, ggws


def _components(case: A.LearnableCase, ggx: torch.Tensor, ggws: list[torch.Tensor]):
    """The tangent split into its components: ggx alone, then each tensor (each coefficient of a
    coefficient tensor) alone."""
    zeros = [torch.zeros_like(t) for t in ggws]
    yield ggx, zeros
    for i, (name, t) in enumerate(zip(case.decl.tensor_params, ggws)):
        for j in range(t.shape[-1]) if name in case.decl.coefficients else [None]:
            part = torch.zeros_like(t)
            if j is None:
                part.copy_(t)
            else:
                part[..., j] = t[..., j]
            yield torch.zeros_like(ggx), [*zeros[:i], part, *zeros[i + 1 :]]


@pytest.mark.parametrize("layout", LAYOUTS, ids=[f"{s}-{w}" for s, w in LAYOUTS])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_output_agrees_with_the_float64_declaration(case, dtype: torch.dtype, layout: tuple) -> None:
    """Each output within 256 eps of the sum of |its terms| (one per tangent component; the
    parameter gradients' per-element terms, the tensors expanded to x, summed to their shapes): a
    check of the layouts and sums (a wrong channel's value misses by O(1)); a term's own
    cancellation (Snake's h = 2 sinc 2t - sinc^2 t, 20 ulps of float64 at |t| = 8) is the sweep's."""
    shape, wshape = layout
    g, x, ws = _inputs(case, shape, wshape, dtype)
    ggx, ggws = _tangents(case, g, ws, 1)
    got = double(case, ggx, ggws, g, x, ws)
    up = lambda ts: [t.double() for t in ts]  # noqa: E731
    want = case.decl.vjp2((ggx.double(), *up(ggws)), g.double(), x.double(), *up(ws))
    names = case.decl.tensor_params
    full = lambda ts: [_per_element(case, n, t, x) for n, t in zip(names, up(ts))]  # noqa: E731
    scale = [torch.zeros_like(t, dtype=torch.float64) for t in want]
    for tx, tws in _components(case, ggx, ggws):
        terms = case.decl.vjp2((tx.double(), *full(tws)), g.double(), x.double(), *full(ws))
        scale = [s + t.abs().sum_to_size(s.shape) for s, t in zip(scale, terms)]
    eps = torch.finfo(dtype).eps
    assert [t.shape for t in got] == [t.shape for t in (g, x, *ws)]
    assert all(t.dtype == dtype for t in got)
    for k, (a, b, s) in enumerate(zip(got, want, scale)):
        ok = ((a.double() - b).abs() <= 256 * eps * s + 1e-30) | (a.isnan() & b.isnan())
        assert ok.all(), (case.label, k, a[~ok][:4], b[~ok][:4])


@pytest.mark.parametrize("layout", LAYOUTS[:4], ids=[f"{s}-{w}" for s, w in LAYOUTS[:4]])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_same_bits_with_one_and_two_threads(case, layout: tuple) -> None:
    shape, wshape = layout
    shape = (shape[0] * 100, *shape[1:])
    g, x, ws = _inputs(case, shape, wshape, torch.float32, seed=1)
    ggx, ggws = _tangents(case, g, ws, 2)
    results = on_threads(lambda: double(case, ggx, ggws, g, x, ws))
    assert all(_same(a, b) for a, b in zip(*results))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bfloat16", "float16"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_half_precision_is_float32_rounded_once(case, dtype: torch.dtype) -> None:
    g, x, ws = _inputs(case, (4, 6, 9, 11), (1, 6, 1, 1), dtype)
    ggx, ggws = _tangents(case, g, ws, 3)
    half = double(case, ggx, ggws, g, x, ws)
    single = double(case, ggx.float(), [t.float() for t in ggws], g.float(), x.float(), [w.float() for w in ws])
    assert all(h.dtype == dtype for h in half)
    assert _same(half[0], single[0].to(dtype)) and _same(half[1], single[1].to(dtype))
    for h, s in zip(half[2:], single[2:]):  # the sums rounded once from double: within an ulp of float32's
        # (in float32's value rounded to dtype: inf beyond float16's 65504, as PAU's sums here)
        torch.testing.assert_close(h.float(), s.to(dtype).float(), rtol=torch.finfo(dtype).eps, atol=0, equal_nan=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_stride_gives_the_contiguous_result(case) -> None:
    g, x, ws = _inputs(case, (6, 5, 8, 7), (1, 5, 1, 1), torch.float32)
    ggx, ggws = _tangents(case, g, ws, 4)
    for view in (
        lambda t: t.transpose(2, 3),
        lambda t: t[:, :, ::2],
        lambda t: t.contiguous(memory_format=torch.channels_last),
    ):
        xv, gv, ggv = view(x), view(g), view(ggx)
        got = double(case, ggv, ggws, gv, xv, ws)
        want = double(case, ggv.contiguous(), ggws, gv.contiguous(), xv.contiguous(), ws)
        assert got[1].stride() == torch.empty_like(xv).stride()
        assert all(_same(a, b) for a, b in zip(got, want))


@pytest.mark.parametrize("case", CASES[:1] + CASES[-1:], ids=IDS[:1] + IDS[-1:])
def test_empty_inputs_and_mismatched_gradients(case) -> None:
    ws = _weights(case, torch.float32)
    for shape in ((0,), (0, 3)):
        x = torch.randn(shape)
        out = double(case, x, [torch.zeros_like(w) for w in ws], x, x, ws)
        assert [t.shape for t in out] == [x.shape, x.shape, *(w.shape for w in ws)]
        assert all((t == 0).all() for t in out[2:])
    x = torch.randn(5)
    with pytest.raises(RuntimeError, match="shape"):
        double(case, torch.ones(4), [torch.zeros_like(w) for w in ws], torch.ones(5), x, ws)
    with pytest.raises(RuntimeError, match="shape"):
        double(case, torch.ones(5), [torch.zeros(7) for _ in ws], torch.ones(5), x, ws)
    i = torch.arange(5)
    with pytest.raises(RuntimeError, match="floating-point"):
        double(case, i, [torch.zeros_like(w) for w in ws], i, i, ws)


@pytest.mark.parametrize("fn", ["pau", "rational", "apl"])
def test_other_coefficient_counts_are_refused_with_the_counts_named(fn: str) -> None:
    x, w = torch.randn(10), [torch.ones(3), torch.ones(2)]
    with pytest.raises(RuntimeError, match="coefficients|hinges"):
        getattr(OPS, f"{fn}_double_backward")(x, *w, x, x, *w)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_autograd_second_derivatives_are_the_declarations(case) -> None:
    """torch.autograd.grad twice through the op (what a Hessian-vector product or a gradient
    penalty runs; the kernel serves it: test_every_learnable_has_a_native_double_backward): the
    declaration's vjp2 in float64."""
    g, x, ws = _inputs(case, (4, 6, 9, 11), (1, 6, 1, 1), torch.float64)
    ggx, ggws = _tangents(case, g, ws, 5)
    x.requires_grad_()
    ws = [w.requires_grad_() for w in ws]
    y = getattr(OPS, case.decl.function)(x, *ws)
    first = torch.autograd.grad(y, (x, *ws), g, create_graph=True)
    second = torch.autograd.grad(first, (x, *ws), (ggx, *ggws), allow_unused=True)
    want = case.decl.vjp2((ggx, *ggws), g, x.detach(), *(w.detach() for w in ws))
    for a, b in zip(second, want[1:]):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, equal_nan=True)
