"""The sparse maps' row kernels (csrc/sparse.cpp: Sparsemax, Entmax15) against their declarations:
forward, backward and double backward along every dim, rows of 1 to 1100 entries and spreads from
1e-3 to 1e4, ties, -inf entries, +inf and NaN rows, large values, top-k's k, layouts, half
precision rounded once, threads."""

from __future__ import annotations

import pytest
import torch
from special_rows import LIMITS, PLAIN, check_limits
from ulps import needs_kernels

import actlab

pytestmark = needs_kernels

OPS = torch.ops.actlab
NAMES = ["Sparsemax", "Entmax15"]


def _ops(name: str) -> tuple:
    fn = actlab.declaration(name).function
    return getattr(OPS, fn), getattr(OPS, f"{fn}_backward"), getattr(OPS, f"{fn}_double_backward")


def _rows(shape: tuple[int, ...], scale: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=torch.float64) * scale


def _close(k: torch.Tensor, d: torch.Tensor, ulps: float, scale: torch.Tensor | float = 1.0) -> None:
    """|k - d| <= ulps eps(k) scale: y and tau are O(1) (y <= 1, -1 <= tau < 0), so the error of
    either side is absolute, in eps of the kernel's dtype; NaN where the declaration has NaN."""
    assert torch.equal(k.isnan(), d.isnan())
    err = (k.double() - d.double()).abs().nan_to_num(0.0)
    bound = ulps * torch.finfo(k.dtype).eps * torch.as_tensor(scale, dtype=torch.float64)
    assert bool((err <= bound).all()), float((err - bound).max())


SHAPES = [
    ((7,), 0),
    ((300, 1024), -1),  # the benchmark's rows
    ((97, 64), -1),
    ((3, 1100), 0),  # dim not last: copied into rows and back
    ((2, 5, 33), 1),
    ((2, 8, 5, 9), -3),
    ((4, 1), -1),  # rows of one entry: 1
    ((), 0),
]


@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0, 1e4])
@pytest.mark.parametrize("shape, dim", SHAPES, ids=[f"{s}-dim{d}" for s, d in SHAPES])
@pytest.mark.parametrize("name", NAMES)
def test_the_kernels_match_the_declaration(name: str, shape: tuple, dim: int, scale: float) -> None:
    """float64 against the declaration in float64; float32 against it too, within the declaration's
    own float32 error (or a few ulps): the same z = x - max, tau summed in another order."""
    decl = actlab.declaration(name)
    f, b, d2 = _ops(name)
    x = _rows(shape, scale)
    y = decl.forward(x, dim)
    _close(f(x, dim, None), y, 8)
    own = (decl.forward(x.float(), dim).double() - y).abs().max()
    _close(f(x.float(), dim, None), y, 8, max(1.0, float(own) / torch.finfo(torch.float32).eps))
    g, gg = _rows(shape, 1.0, 1), _rows(shape, 1.0, 2)
    scale_g = g.abs().amax() if g.dim() else g.abs()
    _close(b(g, y, dim, None), decl.vjp(g, y, dim), 16, scale_g)
    for k, dd in zip(d2(gg, g, y, dim, None), decl.vjp2(gg, g, y, dim)):
        # entmax15's d/dy divides by 2 sqrt(y): relative to its own size
        _close(k, dd, 64, scale_g * (1 + dd.abs()))


@pytest.mark.parametrize("name", NAMES)
def test_special_rows(name: str) -> None:
    """NaN anywhere or all -inf: NaN; +inf entries: uniform over them (the declaration's limit);
    -inf entries: 0; ties; values near float32's range; exact float32 results equal the declaration's."""
    f = _ops(name)[0]
    decl = actlab.declaration(name)
    x = torch.tensor(LIMITS + [[1e30, -1e30, 0.0, 1e30], [3e38, -3e38, 1.0, -1.0]] + PLAIN)
    y, yd = f(x, -1, None), decl.forward(x, -1)
    check_limits(y)
    _close(y, yd, 4)
    torch.testing.assert_close(f(x.t(), 0, None), y.t(), rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
def test_hard_rows(name: str) -> None:
    """Rows that need many rounds of the sort-free threshold: geometric and arithmetic spacings,
    one entry far above a cluster, a cluster within the candidates, many ties at the boundary."""
    f = _ops(name)[0]
    decl = actlab.declaration(name)
    n = 1000
    i = torch.arange(n, dtype=torch.float64)
    rows = [
        -(0.5 ** (i / 20)),  # entries crowding below the top
        -i / n,
        -i / (10 * n),
        torch.where(i == 0, 0.0, -0.999) + 1e-6 * i / n,
        torch.where(i < 500, 0.0, -1e-3),
        torch.linspace(-2.0, 0.0, n, dtype=torch.float64).flip(0),
        torch.cat([torch.zeros(1, dtype=torch.float64), torch.full((n - 1,), -2.0 + 1e-12)]),
    ]
    x = torch.stack(rows)
    for dtype in (torch.float64, torch.float32):
        _close(f(x.to(dtype), -1, None), decl.forward(x, -1), 16)


@pytest.mark.parametrize("name", NAMES)
def test_the_result_does_not_depend_on_k(name: str) -> None:
    """top-k's k: the same bits as a full sort (the declaration's documented contract), and the
    declaration with k agrees."""
    f = _ops(name)[0]
    decl = actlab.declaration(name)
    x = _rows((64, 200), 3.0).float()
    full = f(x, -1, None)
    for k in (1, 2, 5, 200, 1000):
        assert torch.equal(f(x, -1, k), full)
    _close(full, decl.forward(x.double(), -1, 2), 8)
    with pytest.raises(RuntimeError, match="k must be"):
        f(x, -1, 0)


HALF_SHAPES = [((4, 50), -1), ((2, 8, 5, 9), -3), ((3, 700), 0)]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("shape, dim", HALF_SHAPES, ids=[f"{s}-dim{d}" for s, d in HALF_SHAPES])
@pytest.mark.parametrize("name", NAMES)
def test_half_precision_is_float32_rounded_once(name: str, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    """bfloat16/half rows are computed in float32 and rounded once: the float32 kernel's results
    rounded, bit for bit (forward, backward, double backward)."""
    f, b, d2 = _ops(name)
    x = _rows(shape, 2.0).to(dtype)
    y = f(x, dim, None)
    assert y.dtype == dtype and torch.equal(y, f(x.float(), dim, None).to(dtype))
    g, gg = _rows(shape, 1.0, 1).to(dtype), _rows(shape, 1.0, 2).to(dtype)
    assert torch.equal(b(g, y, dim, None), b(g.float(), y.float(), dim, None).to(dtype))
    for h, s in zip(d2(gg, g, y, dim, None), d2(gg.float(), g.float(), y.float(), dim, None)):
        assert h.dtype == dtype and torch.equal(h, s.to(dtype))


@pytest.mark.parametrize("name", NAMES)
def test_layouts_threads_and_empty_inputs(name: str) -> None:
    """Non-contiguous inputs give the contiguous input's values in the input's layout; 1 and 2
    threads the same bits (rows are independent); empty inputs pass."""
    f, b, d2 = _ops(name)
    x = _rows((6, 40, 30), 2.0).float()
    t = x.transpose(0, 2)
    y = f(t, 1, None)
    assert torch.equal(y, f(t.contiguous(), 1, None)) and y.stride() == torch.empty_like(t).stride()
    s = x[:, ::2, 1::3]  # strided, not dense
    assert torch.equal(f(s, -1, None), f(s.contiguous(), -1, None))
    cl = _rows((2, 3, 4, 5), 2.0).float().contiguous(memory_format=torch.channels_last)
    assert torch.equal(f(cl, 1, None), f(cl.contiguous(), 1, None))
    g = _rows(y.shape, 1.0, 1).float()
    assert torch.equal(b(g.expand_as(y), y, 1, None), b(g.contiguous(), y.contiguous(), 1, None))
    big = _rows((512, 1024), 1.0).float()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = f(big, -1, None), b(big, f(big, -1, None), -1, None)
        torch.set_num_threads(2)
        two = f(big, -1, None), b(big, f(big, -1, None), -1, None)
    finally:
        torch.set_num_threads(threads)
    assert all(torch.equal(p, q) for p, q in zip(one, two))
    for e in (torch.empty(0, 5), torch.empty(3, 0)):
        assert f(e, -1, None).shape == e.shape and b(e, e, 0, None).shape == e.shape
        assert all(t.shape == e.shape for t in d2(e, e, e, -1, None))
    with pytest.raises(IndexError, match="Dimension out of range"):
        f(torch.randn(3, 4), 2, None)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_through_the_kernels(name: str) -> None:
    """gradcheck and gradgradcheck of the module's path (the native forward, backward and double
    backward) in float64, inside supports."""
    fn = getattr(actlab.functional, actlab.declaration(name).function)
    x = _rows((3, 9), 0.7).requires_grad_()
    assert torch.autograd.gradcheck(lambda v: fn(v, dim=-1), (x,))
    assert torch.autograd.gradgradcheck(lambda v: fn(v, dim=-1), (x,))
