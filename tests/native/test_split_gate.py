"""The split-gate kernels (GLU, SwiGLU, GeGLU, ReGLU: csrc/split_gate_impl.h) against the
declarations, half precision rounded once, and the Python kernels' errors."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab
from actlab.errors import ShapeError

pytestmark = needs_kernels

OPS = torch.ops.actlab
GATES = {"GLU": {}, "SwiGLU": {}, "GeGLU": {"approximate": "none"}, "GeGLU(tanh)": {"approximate": "tanh"}, "ReGLU": {}}


def _gate(label: str) -> tuple[type, dict]:
    return actlab.declaration(label.split("(")[0]), GATES[label]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape, dim", [((4, 10), -1), ((6, 3, 5), 0), ((2, 4, 3, 3), 1)])
@pytest.mark.parametrize("label", GATES)
def test_split_gates_match_the_declaration(label: str, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    decl, p = _gate(label)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=dtype) * 3
    y = getattr(OPS, decl.function)(x, dim, *p.values())
    yd = decl.forward(x, dim, **p)
    assert y.shape == yd.shape
    # the gates' own kernels are within a few ulps of their declarations (test_elementwise.py);
    # here: the right halves, gate and product, at 8 ulps of each entry or 16 of the largest
    eps = torch.finfo(dtype).eps
    torch.testing.assert_close(y, yd, rtol=8 * eps, atol=16 * eps * yd.abs().max().item())
    g = torch.randn(yd.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    b, bd = getattr(OPS, f"{decl.function}_backward")(g, x, dim, *p.values()), decl.vjp(g, x, dim, **p)
    torch.testing.assert_close(b, bd, rtol=8 * eps, atol=16 * eps * bd.abs().max().item())


@pytest.mark.parametrize("label", GATES)
def test_split_gates_in_half_precision_round_float32_once(label: str) -> None:
    decl, p = _gate(label)
    x = (torch.randn(5, 12) * 3).bfloat16()
    fn = getattr(OPS, decl.function)
    assert torch.equal(fn(x, -1, *p.values()), fn(x.float(), -1, *p.values()).bfloat16())


def test_split_gate_errors_are_the_python_kernels() -> None:
    with pytest.raises(ShapeError, match="Halving dimension must be even, but dimension 1 is size 5"):
        OPS.glu(torch.randn(3, 5), -1)
    with pytest.raises(ShapeError, match="swiglu does not support scalars"):
        OPS.swiglu(torch.tensor(1.0), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        OPS.reglu(torch.randn(4), 3)
