"""The GLU family's Triton kernels (src/actlab/gpu/split_gates.py) under the interpreter: a gate(b),
its backward and double backward against the declarations (their float64 values within the gate
kernels' ulps), along the last, a middle and the first dim, in any layout; bfloat16 as the float32
kernel rounded once; the declarations' errors for scalars and odd sizes."""

from __future__ import annotations

import pytest
import torch
from triton_cases import interpreted

import actlab
from actlab.analysis import accuracy as A
from actlab.errors import ShapeError

pytestmark = interpreted
OPS = torch.ops.actlab
GATES = [("GLU", ()), ("SwiGLU", ()), ("ReGLU", ()), ("GeGLU", ("none",)), ("GeGLU", ("tanh",))]
IDS = [f"{n}{p}" for n, p in GATES]


def halves(t: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    return t.chunk(2, dim)


@pytest.mark.parametrize("dim", [-1, 1, 0])
@pytest.mark.parametrize("name,params", GATES, ids=IDS)
def test_the_gate_kernels_composed_bit_for_bit(name: str, params: tuple, dim: int) -> None:
    """a gate(b), [g gate(b), (g a) gate'(b)] and the double backward are the products of the
    gate's elementwise Triton kernels (tested against the references in test_gpu_elementwise.py),
    rounded in the declaration's order: the same bits."""
    decl = actlab.declaration(name)
    gate = decl.gate.function
    f = lambda t: getattr(OPS, gate)(t, *params)  # noqa: E731
    df = lambda t: getattr(OPS, f"{gate}_backward")(torch.ones_like(t), t, *params)  # noqa: E731
    d2f = lambda t: getattr(OPS, f"{gate}_double_backward_x")(torch.ones_like(t), torch.ones_like(t), t, *params)  # noqa: E731
    fn = decl.function
    gen = torch.Generator().manual_seed(abs(dim) + len(params))
    x = torch.randn(6, 8, 10, generator=gen) * 4
    a, b = halves(x, dim)
    g, gg = torch.randn(a.shape, generator=gen), torch.randn(x.shape, generator=gen)
    gga, ggb = halves(gg, dim)
    y = getattr(OPS, fn)(x, dim, *params)
    assert y.is_contiguous() and torch.equal(y, a * f(b))
    back = getattr(OPS, f"{fn}_backward")(g, x, dim, *params)
    assert torch.equal(back, torch.cat([g * f(b), (g * a) * df(b)], dim))
    dg, dx = getattr(OPS, f"{fn}_double_backward")(gg, g, x, dim, *params)
    assert torch.equal(dg, gga * f(b) + (ggb * a) * df(b))
    ggb_g = ggb * g
    assert torch.equal(dx, torch.cat([ggb_g * df(b), (gga * g) * df(b) + (ggb_g * a) * d2f(b)], dim))


@pytest.mark.parametrize("name,params", GATES, ids=IDS)
def test_the_declarations_values(name: str, params: tuple) -> None:
    """Against the float64 declaration: within 8 ulps where the gate is (away from zeros of f')."""
    decl = actlab.declaration(name)
    x = torch.randn(5, 12, generator=torch.Generator().manual_seed(9)) * 4
    y = getattr(OPS, decl.function)(x, -1, *params)
    ref = decl.forward(x.double(), -1, **dict(zip(list(decl.op_params())[1:], params)))
    assert A.ulp_error(y.double().numpy(), ref.numpy()).max() <= 8


@pytest.mark.parametrize("name,params", GATES, ids=IDS)
def test_half_precision_and_layouts(name: str, params: tuple) -> None:
    fn = actlab.declaration(name).function
    x = torch.randn(4, 6, 10, generator=torch.Generator().manual_seed(7)) * 3
    g = torch.randn(4, 6, 5, generator=torch.Generator().manual_seed(8))
    for dtype in (torch.bfloat16, torch.float16):
        xh, gh = x.to(dtype), g.to(dtype)
        assert torch.equal(getattr(OPS, fn)(xh, -1, *params), getattr(OPS, fn)(xh.float(), -1, *params).to(dtype))
        b = getattr(OPS, f"{fn}_backward")(gh, xh, -1, *params)
        assert torch.equal(b, getattr(OPS, f"{fn}_backward")(gh.float(), xh.float(), -1, *params).to(dtype))
    xt = x.transpose(0, 2)  # (10, 6, 4), split along dim 0
    y = getattr(OPS, fn)(xt, 0, *params)
    assert torch.equal(y, getattr(OPS, fn)(xt.contiguous(), 0, *params))
    b = getattr(OPS, f"{fn}_backward")(torch.ones_like(y), xt, 0, *params)
    assert b.stride() == xt.stride() and torch.equal(
        b, getattr(OPS, f"{fn}_backward")(torch.ones_like(y), xt.contiguous(), 0, *params)
    )


def test_scalars_and_odd_sizes_raise_the_declarations_errors() -> None:
    with pytest.raises(ShapeError, match="Halving dimension must be even"):
        OPS.glu(torch.randn(3, 5), -1)
    with pytest.raises(ShapeError, match="does not support scalars"):
        OPS.swiglu(torch.tensor(1.0), 0)
    assert OPS.reglu(torch.empty(0, 4), -1).shape == (0, 2)
