"""The softmax family's Triton row kernels (src/actlab/gpu/rows.py) under the interpreter: against
the 128-bit references on the accuracy sweep's rows (spreads up to 100), against the declarations
along every dim, for rows held in one tile and rows walked in chunks, in any dense layout; the
limits of rows with infinities and NaN; bfloat16 as the float32 kernel rounded once; backward and
double backward against the declarations' vjp and vjp2."""

from __future__ import annotations

import pytest
import torch
from triton_cases import interpreted

import actlab
from actlab.analysis import accuracy as A
from actlab.analysis import reference as R

pytestmark = interpreted
OPS = torch.ops.actlab
NAMES = ["Softmax", "Softmin", "LogSoftmax"]
FAMILY = {"Softmax": "softmax", "Softmin": "softmin", "LogSoftmax": "log_softmax", "Softmax2d": "softmax2d"}


def ulps(k: torch.Tensor, ref: torch.Tensor) -> float:
    return float(A.ulp_error(k.double().numpy(), ref.double().numpy()).max())


@pytest.mark.parametrize("name", NAMES)
def test_within_8_ulps_of_the_128_bit_references(name: str) -> None:
    """The forward within 8 ulps (the CPU kernels' bound); the gradient of entry 0 within a few
    roundings of its terms (computed from the float32 y, as the CPU kernels)."""
    rows = A.Sweep(A.REDUCED).rows()
    fwd, _ = R.normalizer_rows(name, rows.tolist())
    x = torch.from_numpy(rows)
    y = getattr(OPS, FAMILY[name])(x, -1)
    assert ulps(y, torch.tensor(fwd)) <= 8
    g = torch.zeros_like(x)
    g[:, 0] = 1.0
    b64 = actlab.declaration(name).vjp(g.double(), y.double(), -1)
    close(getattr(OPS, f"{FAMILY[name]}_backward")(g, y, -1), b64, magnitude(name, "backward", g, g, y, -1), 16)


def magnitude(name: str, which: str, gg: torch.Tensor, g: torch.Tensor, y: torch.Tensor, dim: int) -> torch.Tensor:
    """What the rounding errors of ``which`` (backward, dg, dy) scale with: its formula on absolute
    values (sums along a row cancel, so their error is the terms' scale, not the result's)."""
    gg_, g_, y_ = (t.double().abs() for t in (gg, g, y))
    total = lambda t: t.sum(dim, keepdim=True)  # noqa: E731
    if name == "LogSoftmax":
        p = y.double().exp()
        return {"backward": g_ + p * total(g_), "dg": gg_ + total(gg_ * p), "dy": gg_ * p * total(g_)}[which]
    dot_g, dot_gg = total(g_ * y_), total(gg_ * y_)
    return {"backward": y_ * (g_ + dot_g), "dg": y_ * (gg_ + dot_gg), "dy": gg_ * (g_ + dot_g) + g_ * dot_gg}[which]


def close(k: torch.Tensor, exact: torch.Tensor, size: torch.Tensor, n: int) -> None:
    """|k - exact| within (8 + sqrt(n)) float32 roundings of the terms' scale ``size``."""
    tol = (8 + n**0.5) * 2**-24 * size + 2.0**-140
    bad = (k.double() - exact).abs() > tol
    assert not bad.any(), f"{int(bad.sum())} entries, e.g. {k[bad][:3].tolist()} vs {exact[bad][:3].tolist()}"


SHAPES = [((7, 33), -1), ((7, 33), 0), ((3, 5, 4, 6), 1), ((2, 6000), -1), ((5000, 3), 0), ((4, 3, 2), 2)]


def declaration(name: str):
    return actlab.declaration(name)


@pytest.mark.parametrize("shape,dim", SHAPES, ids=[f"{s}-{d}" for s, d in SHAPES])
@pytest.mark.parametrize("name", [*NAMES, "Softmax2d"])
def test_every_dim_and_long_rows_match_the_declaration(name: str, shape: tuple, dim: int) -> None:
    """float32 against the float64 declaration: forward within 8 ulps; backward and double backward
    within a few roundings of their terms (close)."""
    decl, fn = declaration(name), FAMILY[name]
    gen = torch.Generator().manual_seed(len(shape) * 7 + dim)
    x = torch.randn(shape, generator=gen) * 6
    g, gg = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    y = getattr(OPS, fn)(x, dim)
    assert ulps(y, decl.forward(x.double(), dim)) <= 8
    base = "LogSoftmax" if name == "LogSoftmax" else "Softmax"
    n = x.shape[dim]
    b64 = decl.vjp(g.double(), y.double(), dim)
    close(getattr(OPS, f"{fn}_backward")(g, y, dim), b64, magnitude(base, "backward", gg, g, y, dim), n)
    dg, dy = getattr(OPS, f"{fn}_double_backward")(gg, g, y, dim)
    dg64, dy64 = decl.vjp2(gg.double(), g.double(), y.double(), dim)
    close(dg, dg64, magnitude(base, "dg", gg, g, y, dim), n)
    close(dy, dy64, magnitude(base, "dy", gg, g, y, dim), n)


@pytest.mark.parametrize("name", NAMES)
def test_any_dense_layout_gives_the_contiguous_values_in_the_inputs_layout(name: str) -> None:
    fn = FAMILY[name]
    x = torch.randn(2, 5, 4, 3, generator=torch.Generator().manual_seed(3)) * 4
    for layout in (x.contiguous(memory_format=torch.channels_last), x.transpose(0, 2), x[:, ::2]):
        for dim in (1, -1):
            y = getattr(OPS, fn)(layout, dim)
            assert y.stride() == torch.empty_like(layout).stride()
            assert ulps(y, getattr(OPS, fn)(layout.contiguous(), dim)) <= 2
            b = getattr(OPS, f"{fn}_backward")(layout, y, dim)
            assert b.stride() == y.stride()


@pytest.mark.parametrize("name", NAMES)
def test_rows_with_infinities_and_nan_give_the_declarations_limits(name: str) -> None:
    """One +inf: the one-hot limit (log-softmax 0 and -inf); -inf entries: 0 (log: -inf); several
    +inf, all -inf, or a NaN: NaN rows. Long rows (chunked) too."""
    inf, nan = float("inf"), float("nan")
    rows = [[0.0, inf, 1.0, -2.0], [inf, inf, 0.0, 1.0], [-inf] * 4, [1.0, nan, 0.0, 2.0], [-inf, 0.0, 3.0, -inf]]
    fn, decl = FAMILY[name], declaration(name)
    for n in (4, 5000):
        x = torch.tensor([r + [-inf] * (n - 4) for r in rows])
        if name == "Softmin":
            x = -x
        got, want = getattr(OPS, fn)(x, -1), decl.forward(x.double(), -1).float()
        assert torch.equal(got.isnan(), want.isnan()), (got, want)
        assert ulps(got.nan_to_num(), want.nan_to_num()) <= 8


@pytest.mark.parametrize("name", NAMES)
def test_bfloat16_and_float16_rows_are_the_float32_kernel_rounded_once(name: str) -> None:
    fn = FAMILY[name]
    x = torch.randn(6, 300, generator=torch.Generator().manual_seed(5)) * 5
    g = torch.randn(6, 300, generator=torch.Generator().manual_seed(6))
    for dtype in (torch.bfloat16, torch.float16):
        xh, gh = x.to(dtype), g.to(dtype)
        for dim in (-1, 0):
            assert torch.equal(getattr(OPS, fn)(xh, dim), getattr(OPS, fn)(xh.float(), dim).to(dtype))
            yh = getattr(OPS, fn)(xh, dim)
            b = getattr(OPS, f"{fn}_backward")(gh, yh, dim)
            assert torch.equal(b, getattr(OPS, f"{fn}_backward")(gh.float(), yh.float(), dim).to(dtype))


def test_empty_zero_dim_and_float64_tensors_take_the_composite_or_return_empty() -> None:
    for fn in ("softmax", "log_softmax"):
        assert getattr(OPS, fn)(torch.empty(3, 0), -1).shape == (3, 0)
        assert torch.equal(
            getattr(OPS, fn)(torch.tensor(2.0), 0), torch.nn.functional.__dict__[fn](torch.tensor(2.0), 0)
        )
        x = torch.randn(4, 5, dtype=torch.float64)
        assert torch.equal(getattr(OPS, fn)(x, 1), actlab.declaration(fn).forward(x, 1))
        with pytest.raises(IndexError):
            getattr(OPS, fn)(torch.randn(3, 4), 2)
