"""The float32 math prelude of the Triton kernels (src/actlab/gpu/prelude.py, storage.py) under the
interpreter: each accurate function within its stated ulps of 128-bit mpmath over a dense sweep,
Dekker's product exact, the integer rounding and 2^n scaling of the exp reduction exact, and 16-bit
stores rounded to nearest even at the ties."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from triton_cases import INTERPRETED, interpreted

pytestmark = interpreted

if INTERPRETED:
    import triton
    import triton.language as tl

    from actlab.gpu import gated, prelude, storage

    @triton.jit
    def apply(x_ptr, y_ptr, n, F: tl.constexpr, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        tl.store(y_ptr + offs, F(tl.load(x_ptr + offs, mask=mask)), mask=mask)

    @triton.jit
    def product_error(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        x = tl.load(x_ptr + offs, mask=mask)
        _, e = prelude.two_prod(x, x * 1.3333333)
        tl.store(y_ptr + offs, e, mask=mask)

    @triton.jit
    def round_trip(x_ptr, y_ptr, n, IO: tl.constexpr, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        storage.store(y_ptr, offs, tl.load(x_ptr + offs, mask=mask), mask, IO)

    FUNCTIONS = {
        "exp_inline": (prelude.exp_inline, mpmath.exp, (-104.0, 88.7), 0.65),
        "expm1_neg": (prelude.expm1_neg, mpmath.expm1, (-90.0, 0.0), 1.0),
        "log1p_exp": (prelude.log1p_exp, lambda v: mpmath.log1p(mpmath.exp(v)), (-100.0, 0.0), 1.5),
        "tanh_accurate": (prelude.tanh_accurate, mpmath.tanh, (-12.0, 12.0), 0.6),
        "log_positive": (prelude.log_positive, mpmath.log, (1e-30, 1e30), 1.0),
        "erf_nonneg": (gated.erf_nonneg, mpmath.erf, (0.0, 6.0), 1.5),
        # 1 / (1 + e): 1 + e rounds by up to 2 ulps of a result just below 1/2 (the CPU's formula too)
        "sigmoid": (prelude.sigmoid, lambda v: 1 / (1 + mpmath.exp(-v)), (-100.0, 40.0), 2.0),
        "softplus": (prelude.softplus, lambda v: mpmath.log1p(mpmath.exp(v)), (-100.0, 60.0), 2.0),
    }
else:
    FUNCTIONS = {}


def run(kernel, x: torch.Tensor, out_dtype: torch.dtype = torch.float32, **meta) -> torch.Tensor:
    y = torch.empty(x.shape, dtype=out_dtype)
    kernel[(triton.cdiv(x.numel(), 1024),)](x, y, x.numel(), **meta, BLOCK=1024)
    return y


def sweep(lo: float, hi: float) -> np.ndarray:
    """A dense grid, log-spaced magnitudes and subnormals within [lo, hi]."""
    mags = np.logspace(-38, math.log10(max(abs(lo), abs(hi))), 1500)
    pts = np.concatenate([np.linspace(lo, hi, 4001), mags, -mags, [0.0, 1e-40, -1e-40, lo, hi]])
    return np.unique(pts[(pts >= lo) & (pts <= hi)].astype(np.float32))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_accurate_functions_within_their_stated_ulps(name: str) -> None:
    from ulps import ulp_error

    fn, ref, (lo, hi), bound = FUNCTIONS[name]
    xs = sweep(lo, hi)
    got = run(apply, torch.from_numpy(xs), F=fn).numpy()
    with mpmath.workprec(128):
        want = np.array([float(ref(mpmath.mpf(float(v)))) for v in xs])
    err = ulp_error(got, want, np.float32)
    assert err.max() <= bound, f"{name}: {err.max():.2f} ulp at {xs[np.argmax(err)]!r}"


def test_special_values_propagate() -> None:
    x = torch.tensor([float("nan"), float("inf"), -float("inf")])
    assert run(apply, x, F=prelude.exp_inline).tolist()[1:] == [float("inf"), 0.0]
    assert run(apply, x, F=prelude.tanh_accurate).tolist()[1:] == [1.0, -1.0]
    for name in FUNCTIONS:
        assert math.isnan(run(apply, x[:1], F=FUNCTIONS[name][0]).item()), name


def test_dekkers_product_is_exact() -> None:
    xs = sweep(-1e15, 1e15)
    x = torch.from_numpy(xs[np.abs(xs) > 1e-15])  # products of normal floats
    err = run(product_error, x).double()
    exact = x.double() * (x * 1.3333333).double() - (x * (x * 1.3333333)).double()
    assert torch.equal(err, exact)


def test_16_bit_stores_round_to_nearest_even_at_the_ties() -> None:
    """1 + 2^-8 (bfloat16) and 1 + 2^-11 (float16) are ties: down to even; 3 halves: up; NaN and
    inf stay; overflow gives inf. The interpreter's own bfloat16 cast would truncate."""
    cases = [1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8 + 2**-20, -(1 + 3 * 2**-8),
             3.4e38, float("inf"), float("nan"), 1e-39, 65520.0, 6e-8]  # fmt: skip
    x = torch.tensor(cases)
    for dtype, io in ((torch.bfloat16, 1), (torch.float16, 2)):
        y = run(round_trip, x, out_dtype=dtype, IO=io)
        want = x.to(dtype)
        assert torch.equal(y.isnan(), want.isnan()) and torch.equal(y.nan_to_num(), want.nan_to_num()), (dtype, y, want)
