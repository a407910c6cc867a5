"""Comparing the native kernels with the declarations in units in the last place.

The declarations are the test oracle. A kernel computes the same quantity in another order of
roundings (and, in float32, without the declaration's float64 internals), so it may differ from
the declaration by what either side's roundings produce. The tolerance at a point is therefore

    2 ulps + the error the declaration's own formula makes in float32 near that point

(f and f'; for f'', which the issue sets no accuracy target for and whose float32 forms cancel
more, 4 ulps + twice that), or a float32 kernel value within 2 ulps of the float64 declaration, or
within the issue's budget of it where the caller passes one (test_elementwise: 4 ulps for f, 16 for
f'; the float64 declaration is within about 1 ulp of the 128-bit truth there, so that is the
issue's accuracy target: a faster float32 kernel may spend it, e.g. SERF's f' at 4 ulps)

(``own_error``: the declaration evaluated in float32, float64 internals switched off, against the
declaration in float64, the worst of x and its two neighbours either side). Where the formula is
well conditioned that is a few ulps; where it cancels (near a zero of f' or f'') it grows as the
cancellation does. Within the +-0.25 windows around sign changes the relative error of anything is
unbounded, so there the check is absolute: 2 ulps of the largest |value| within +-1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
from mpmath import mp, mpf
from torch import Tensor

import actlab
from actlab import _math, native

NP = {torch.float32: np.float32, torch.float64: np.float64}

# Every test module of tests/native: skip without kernels (no compiler: nothing of theirs to test;
# tests/conftest.py fails the run when a compiler exists but the build fails).
needs_kernels = pytest.mark.skipif(not native.loaded(), reason=f"native kernels not loaded: {native.status()}")
for _decl in actlab.declarations():  # the ops are defined on first use
    actlab.ops.operator(_decl)


def ulp(ref: np.ndarray, dtype: type) -> np.ndarray:
    """The ulp of ref rounded to dtype (the smallest subnormal for 0 and subnormals)."""
    fi = np.finfo(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.abs(np.asarray(ref, np.float64).astype(dtype).astype(np.float64))
    finite = np.isfinite(r)
    _, e = np.frexp(np.where(finite, r, 1.0))
    u = np.ldexp(1.0, (e - (fi.nmant + 1)).astype(np.int64))
    return np.maximum(np.where(finite, u, np.inf), float(fi.smallest_subnormal))


def ulp_error(k: np.ndarray, d: np.ndarray, dtype: type) -> np.ndarray:
    """|k - d| / ulp(d): 0 where equal (inf == inf, NaN == NaN), inf for a wrong NaN or inf."""
    k, d = np.asarray(k, np.float64), np.asarray(d, np.float64)
    with np.errstate(all="ignore"):
        e = np.abs(k - d) / ulp(d, dtype)
    same = (k == d) | (np.isnan(k) & np.isnan(d))
    return np.where(same, 0.0, np.where(np.isnan(e), np.inf, e))


@contextlib.contextmanager
def float32_formulas() -> Iterator[None]:
    """The declarations' float32 formulas: ``in_float64`` (float32 via float64) switched off."""
    old = _math.in_float64
    _math.in_float64 = lambda x: x
    try:
        yield
    finally:
        _math.in_float64 = old


def on_threads(run: Callable[[], tuple], counts: tuple[int, ...] = (1, 2)) -> list[tuple]:
    """run()'s results with torch's intra-op threads set to each count (restored after)."""
    old = torch.get_num_threads()
    try:
        results = []
        for n in counts:
            torch.set_num_threads(n)
            results.append(run())
        return results
    finally:
        torch.set_num_threads(old)


def own_error(fn: Callable[[Tensor], Tensor], xs: np.ndarray) -> np.ndarray:
    """Ulps (float32) by which the declaration's float32 formula misses its float64 value, the worst
    of x and x's two float32 neighbours either side (a local estimate of the formula's rounding)."""
    worst = np.zeros(len(xs))
    for step in (-2, -1, 0, 1, 2):
        xn = xs.astype(np.float32)
        for _ in range(abs(step)):
            xn = np.nextafter(xn, np.float32(np.inf if step > 0 else -np.inf))
        t = torch.from_numpy(xn)
        ref = fn(t.double()).numpy().astype(np.float32)
        with float32_formulas():
            e = ulp_error(fn(t).numpy(), ref, np.float32)
        worst = np.maximum(worst, e)
    return worst


def sign_change_windows(xs: np.ndarray, values: np.ndarray, half_width: float = 0.25) -> np.ndarray:
    """Mask of the points within half_width of a sign change of values (xs sorted)."""
    s = np.sign(values)
    ok = np.isfinite(values[:-1]) & np.isfinite(values[1:])
    zeros = xs[:-1][(s[:-1] * s[1:] < 0) & ok]
    zeros = np.concatenate([zeros, xs[(values == 0) & (np.abs(xs) > 0)]])
    mask = np.zeros(len(xs), bool)
    for z in zeros:
        mask |= np.abs(xs - z) <= half_width
    return mask


def local_scale(xs: np.ndarray, values: np.ndarray, half_width: float = 1.0) -> np.ndarray:
    """The largest finite |value| within half_width of each point (xs sorted)."""
    v = np.where(np.isfinite(values), np.abs(values), 0.0)
    lo = np.searchsorted(xs, xs - half_width, "left")
    hi = np.searchsorted(xs, xs + half_width, "right")
    return np.array([v[a:b].max() if b > a else 0.0 for a, b in zip(lo, hi)])


def violations(
    kernel: np.ndarray,
    decl: np.ndarray,
    decl64: np.ndarray,
    own: np.ndarray,
    xs: np.ndarray,
    dtype: type,
    slack: tuple[float, float] = (2.0, 1.0),
    near64: float = 2.0,
) -> np.ndarray:
    """Indices where the kernel misses the declaration by more than ``a + b * own`` ulps
    (slack = (a, b); module docstring), unless it is within ``near64`` ulps (float32) of the float64
    declaration rounded to float32 (more accurate than the float32 declaration), or, within the windows
    around sign changes, within the absolute bound."""
    a, b = slack
    rel = ulp_error(kernel, decl, dtype)
    bad = rel > a + b * own
    if dtype is np.float32:
        bad &= ulp_error(kernel, decl64.astype(np.float32), dtype) > near64
    windows = sign_change_windows(xs, decl64)
    with np.errstate(all="ignore"):
        absolute = np.abs(kernel.astype(np.float64) - decl.astype(np.float64)) <= (
            2 * ulp(local_scale(xs, decl64), dtype) + b * own * ulp(decl, dtype)
        )
    bad &= ~(windows & absolute)
    return np.nonzero(bad)[0]


def conditioning(decl: Callable[[Tensor], Tensor], x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """|x g'(x) / g(x)| of the float64 declaration g at the points x (central differences at x(1 +- 2^-20)):
    how many ulps of g one ulp of x, or of a quantity computed from x (e^x, u^2), moves it."""
    h = 2.0**-20
    with np.errstate(all="ignore"):
        up, down = (decl(torch.from_numpy(x * (1.0 + s))).numpy() for s in (h, -h))
        return np.abs((up - down) / (2.0 * h) / d)


def true_value(fn: Callable[[mpf], mpf], x: float) -> float:
    """``fn(x)``, an mpmath reference, at 160 bits."""
    with mp.workprec(160):
        return float(fn(mpf(x)))


def arbitrate(bad: np.ndarray, k: np.ndarray, d: np.ndarray, xs: np.ndarray, decl: Callable[[Tensor], Tensor],
              truth: Callable[[mpf], mpf] | None, a: float, budget: float) -> np.ndarray:  # fmt: skip
    """The float64 points of ``bad`` where the kernel is worse than the declaration. The float64
    tolerance's own error is estimated from float32, which says nothing where float32 under- or
    overflows: near the ends of CLogLog's and GoLU's double exponentials, or ErfAct's e^{-u^2} with
    u = a e^{bx}, both sides miss the truth by hundreds of ulps, by different amounts on different
    CPUs (torch's exp included). A point passes when the kernel is within ``a`` + 2 x the conditioning
    of the declaration (:func:`conditioning`), or, with ``truth`` (the 128-bit reference), when its error
    against the truth is within the declaration's + ``a`` ulps or within ``budget`` ulps."""
    x = xs[bad].astype(np.float64)
    ok = ulp_error(k[bad], d[bad], np.float64) <= a + 2.0 * conditioning(decl, x, d[bad])
    if truth is not None:
        t = np.array([true_value(truth, v) for v in x])
        kernel_error, decl_error = ulp_error(k[bad], t, np.float64), ulp_error(d[bad], t, np.float64)
        ok |= kernel_error <= np.maximum(decl_error + a, budget)
    return bad[~ok]


def assert_within(label: str, kernel: Callable[[Tensor], Tensor], decl: Callable[[Tensor], Tensor], xs: np.ndarray,
                  dtype: torch.dtype, slack: tuple[float, float], truth: Callable[[mpf], mpf] | None = None,
                  budget: float = 0.0) -> None:  # fmt: skip
    """The kernel and the declaration on the float32 points ``xs`` in ``dtype``: no :func:`violations`
    (the message names the first few points beyond the tolerance); in float64 a violation where the
    kernel is as accurate as the declaration (:func:`arbitrate`; ``truth``: the mpmath reference) is none.
    In float32 a point within ``budget`` (the issue's: 4 ulps f, 16 f'; 0: none) of the float64 declaration
    passes too (:func:`violations`' ``near64``, at least 2)."""
    x = torch.from_numpy(xs).to(dtype)
    k, d, d64, own = kernel(x).numpy(), decl(x).numpy(), decl(x.double()).numpy(), own_error(decl, xs)
    bad = violations(k, d, d64, own, xs.astype(np.float64), NP[dtype], slack, max(2.0, budget))
    if dtype == torch.float64 and bad.size:
        bad = arbitrate(bad, k, d, xs, decl, truth, slack[0], budget)
    assert bad.size == 0, (
        f"{label}: {bad.size} points beyond {slack[0]:g} ulps + {slack[1]:g} x the declaration's own error, e.g. "
        + ", ".join(
            f"x={xs[i]!r}: kernel {k[i]!r} decl {d[i]!r} ({ulp_error(k[i], d[i], NP[dtype]):.1f} ulp)" for i in bad[:4]
        )
    )
