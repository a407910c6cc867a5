r"""The softmax family as row kernels (``native/csrc/normalizers.cpp``): Softmax, Softmin,
LogSoftmax and Softmax2d along any dim, forward, backward and double backward.

A tensor is seen in memory order as (outer, n, inner) around ``dim``. A program holds a tile of
[BLOCK_N entries along the row, BLOCK_L rows]: rows of consecutive outer indices when inner == 1
(ROWS), else consecutive inner positions of one outer index (program o * blocks + b); rows longer
than BLOCK_N are walked in chunks (a max pass, a sum pass, a value pass). The math is the CPU's:

* m = the row max, x - m = hi + lo exactly (TwoSum: the rounding of x - m would move e^(x - m) by
  up to 64 ulps), e = e^hi (1 + lo) rounded once, softmax = e / sum e (``div_rn``), the sum as
  1 + rest (below);
* log-softmax = (hi - log1p(rest)) + lo, rest = the sum without one maximal entry (its e^0 = 1):
  the entries below the max plus the ties beyond the first;
* a row with one +inf is one-hot (log-softmax 0 and -inf); a NaN, several +inf or all -inf: NaN;
* backward y (g - <g, y>) (negated for softmin); log-softmax g - e^y G, as (g - G) - G expm1(y)
  where e^y > 1/2; double backward Softmax.vjp2 and kin.

The forward's sums are exact but for the terms' last 12 bits (:func:`sum_stats`); the backward's
dots are plain float32 sums, in Triton's reduction order, which differs from the CPU's and from
the interpreter's (numpy): those rows agree within a few ulps, not bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import triton
import triton.language as tl
from torch import Tensor

from .elementwise import dense, device_of, in_layout, served
from .prelude import EXPM1_SMALL, div, exp_inline, horner, log1p_nonneg, mul_exp_nonpos, two_sum
from .storage import code, load, raw, store

SOFTMAX = tl.constexpr(0)
SOFTMIN = tl.constexpr(1)
LOG_SOFTMAX = tl.constexpr(2)
KINDS = {"softmax": 0, "softmin": 1, "log_softmax": 2, "softmax2d": 0}
FORWARD = tl.constexpr(0)
BACKWARD = tl.constexpr(1)
DOUBLE = tl.constexpr(2)
TILE = 4096  # entries per program
MAX_BLOCK_N = 4096  # longer rows are walked in chunks


# ---- tiles ----------------------------------------------------------------------------------------
@triton.jit
def tile_base(outer, inner, ROWS: tl.constexpr, BLOCK_L: tl.constexpr):
    """The rows of this program: the offset of each row's first entry, its stride and its mask."""
    if ROWS:
        lane = tl.program_id(0) * BLOCK_L + tl.arange(0, BLOCK_L)
        return lane.to(tl.int64), lane < outer
    else:
        i = (tl.program_id(0) % tl.cdiv(inner, BLOCK_L)) * BLOCK_L + tl.arange(0, BLOCK_L)
        return i.to(tl.int64), i < inner


@triton.jit
def tile_offsets(lane, lane_ok, start, n, inner, ROWS: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_L: tl.constexpr):
    """Offsets and mask of entries [start, start + BLOCK_N) of the tile's rows."""
    j = start + tl.arange(0, BLOCK_N)
    if ROWS:
        offs = lane[None, :] * n + j[:, None]
    else:
        o = tl.program_id(0) // tl.cdiv(inner, BLOCK_L)
        offs = o.to(tl.int64) * n * inner + lane[None, :] + j[:, None].to(tl.int64) * inner
    return offs, (j[:, None] < n) & lane_ok[None, :]


@triton.jit
def load_row(ptr, offs, mask, IO: tl.constexpr, KIND: tl.constexpr):
    """The entries (negated for softmin), -inf where masked off."""
    v = load(ptr, offs, mask, IO)
    if KIND == SOFTMIN:
        v = -v
    return tl.where(mask, v, float("-inf"))


@triton.jit
def shift(v, m):
    """v - m = hi + lo exactly for a finite m (-inf entries as -FLT_MAX: e^hi = 0 all the same)."""
    vf = tl.where(v < -3.4028234663852886e38, -3.4028234663852886e38, v)
    hi = vf - m
    mv = hi - vf
    return hi, (vf - (hi - mv)) + (-m - mv)


@triton.jit
def exp_shifted(v, m, mask):
    """e^(v - m) rounded once, 0 where masked off."""
    hi, lo = shift(v, m)
    return tl.where(mask, mul_exp_nonpos(1.0, hi, lo), 0.0)


@triton.jit
def row_value(v, m, total, KIND: tl.constexpr):
    """softmax e / total, or log-softmax (hi - total) + lo with total = log1p(rest)."""
    hi, lo = shift(v, m)
    if KIND == LOG_SOFTMAX:
        return tl.where(v == float("-inf"), float("-inf"), (hi - total) + lo)
    else:
        return div(mul_exp_nonpos(1.0, hi, lo), total)


@triton.jit
def limits(value, v, nans, m, infs, KIND: tl.constexpr):
    """The rows whose max is not finite: one +inf gives the one-hot limit, else NaN."""
    one_hot = (m == float("inf")) & (infs == 1)
    bad = (nans > 0) | (m == float("-inf")) | ((m == float("inf")) & (infs != 1))
    if KIND == LOG_SOFTMAX:
        special = tl.where(v == float("inf"), 0.0, float("-inf"))
    else:
        special = tl.where(v == float("inf"), 1.0, 0.0)
    return tl.where(bad[None, :], float("nan"), tl.where(one_hot[None, :], special, value))


@triton.jit
def max_stats(v):
    """Per row: the max over non-NaN entries, the NaN count and the +inf count."""
    isnan = v != v
    m = tl.max(tl.where(isnan, float("-inf"), v), 0)
    return m, tl.sum(isnan.to(tl.int32), 0), tl.sum((v == float("inf")).to(tl.int32), 0)


@triton.jit
def sum_stats(v, m, mask):
    """Per row: the sum of e^(v - m) below the max as (hi, lo), and the count of maxima (each
    e^0 = 1 exactly). Each e in [0, 1] is split into hi, a multiple of 2^-12 (e + 3072 - 3072), and
    lo = e - hi, |lo| <= 2^-13: sums of up to 4096 hi parts are exact (in any order), so only the
    small lo parts round."""
    e = tl.where(mask & (v == m[None, :]), 0.0, exp_shifted(v, m, mask))
    hi = (e + 3072.0) - 3072.0
    return tl.sum(hi, 0), tl.sum(e - hi, 0), tl.sum((mask & (v == m[None, :])).to(tl.float32), 0)


@triton.jit
def row_total(hi, lo, ties, KIND: tl.constexpr):
    """log1p(rest) for log-softmax, else the sum 1 + rest, rest = (hi + lo) + (ties - 1): the terms
    below the max summed apart (and their larger parts exactly), so that the sum rounds about once."""
    rest = (hi + lo) + (ties - 1.0)
    if KIND == LOG_SOFTMAX:
        return log1p_nonneg(rest)
    else:
        return 1.0 + rest


@triton.jit
def forward_rows(x_ptr, y_ptr, lane, ok, n, inner, KIND, IO, ROWS, SINGLE, BLOCK_N, BLOCK_L):
    """y = softmax / softmin / log-softmax of each row."""
    if SINGLE:
        offs, mask = tile_offsets(lane, ok, 0, n, inner, ROWS, BLOCK_N, BLOCK_L)
        v = load_row(x_ptr, offs, mask, IO, KIND)
        m, nans, infs = max_stats(v)
        hi, lo, ties = sum_stats(v, m, mask)
        value = row_value(v, m, row_total(hi, lo, ties, KIND)[None, :], KIND)
        store(y_ptr, offs, limits(value, v, nans, m, infs, KIND), mask, IO)
    else:
        m = tl.full((BLOCK_L,), float("-inf"), tl.float32)
        nans = tl.zeros((BLOCK_L,), tl.int32)
        infs = tl.zeros((BLOCK_L,), tl.int32)
        for start in range(0, n, BLOCK_N):
            offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
            cm, cn, ci = max_stats(load_row(x_ptr, offs, mask, IO, KIND))
            m = tl.maximum(m, cm)
            nans += cn
            infs += ci
        hi = tl.zeros((BLOCK_L,), tl.float32)
        lo = tl.zeros((BLOCK_L,), tl.float32)
        ties = tl.zeros((BLOCK_L,), tl.float32)
        for start in range(0, n, BLOCK_N):
            offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
            ch, cl, ct = sum_stats(load_row(x_ptr, offs, mask, IO, KIND), m, mask)
            hi, err = two_sum(hi, ch)  # the chunks' exact sums, added with their error kept
            lo += cl + err
            ties += ct
        total = row_total(hi, lo, ties, KIND)[None, :]
        for start in range(0, n, BLOCK_N):
            offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
            v = load_row(x_ptr, offs, mask, IO, KIND)
            store(y_ptr, offs, limits(row_value(v, m, total, KIND), v, nans, m, infs, KIND), mask, IO)


# ---- backward and double backward ---------------------------------------------------------------------
@triton.jit
def expm1_logp(y):
    """expm1 y for a log-probability y in (-ln 2, 0] (x + x^2 P(x)); e^y - 1 for other y."""
    small = y + (y * y) * horner(y, EXPM1_SMALL, 6)
    return tl.where(y > 0.0, exp_inline(y) - 1.0, small)


@triton.jit
def backward_dot(g, y, KIND: tl.constexpr):
    """Per row: <g, y> (softmax, softmin) or sum g (log-softmax)."""
    if KIND == LOG_SOFTMAX:
        return tl.sum(g, 0)
    else:
        return tl.sum(g * y, 0)


@triton.jit
def backward_value(g, y, dot, KIND: tl.constexpr):
    if KIND == LOG_SOFTMAX:
        big = y > -0.6931471805599453
        rest = g - exp_inline(y) * dot
        return tl.where(big, (g - dot) - dot * expm1_logp(tl.where(big, y, 0.0)), rest)
    elif KIND == SOFTMIN:
        return -(y * (g - dot))
    else:
        return y * (g - dot)


@triton.jit
def backward_rows(g_ptr, y_ptr, out_ptr, lane, ok, n, inner, KIND, IO, ROWS, SINGLE, BLOCK_N, BLOCK_L):
    """J^T g of each row, written with the output y."""
    if SINGLE:
        offs, mask = tile_offsets(lane, ok, 0, n, inner, ROWS, BLOCK_N, BLOCK_L)
        g = load(g_ptr, offs, mask, IO)
        y = load(y_ptr, offs, mask, IO)
        dot = backward_dot(g, y, KIND)[None, :]
        store(out_ptr, offs, backward_value(g, y, dot, KIND), mask, IO)
    else:
        acc = tl.zeros((BLOCK_L,), tl.float32)
        for start in range(0, n, BLOCK_N):
            offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
            acc += backward_dot(load(g_ptr, offs, mask, IO), load(y_ptr, offs, mask, IO), KIND)
        dot = acc[None, :]
        for start in range(0, n, BLOCK_N):
            offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
            value = backward_value(load(g_ptr, offs, mask, IO), load(y_ptr, offs, mask, IO), dot, KIND)
            store(out_ptr, offs, value, mask, IO)


@triton.jit
def double_dots(gg, g, y, KIND: tl.constexpr):
    """Per row: s = <g, y>, t = <gg, y> (log-softmax: s = sum g, t = <gg, e^y>)."""
    if KIND == LOG_SOFTMAX:
        return tl.sum(g, 0), tl.sum(gg * exp_inline(y), 0)
    else:
        return tl.sum(g * y, 0), tl.sum(gg * y, 0)


@triton.jit
def double_values(gg, g, y, s, t, KIND: tl.constexpr):
    """(d/dg, d/dy): softmax y (gg - t), gg (g - s) - g t (softmin: both negated); log-softmax
    gg - t, (-gg e^y) s."""
    if KIND == LOG_SOFTMAX:
        return gg - t, ((-gg) * exp_inline(y)) * s
    elif KIND == SOFTMIN:
        return -(y * (gg - t)), -(gg * (g - s) - g * t)
    else:
        return y * (gg - t), gg * (g - s) - g * t


@triton.jit
def double_rows(gg_ptr, g_ptr, y_ptr, dg_ptr, dy_ptr, lane, ok, n, inner, KIND, IO, ROWS, BLOCK_N, BLOCK_L):
    """The derivatives of <gg, J^T g> in g and y."""
    s = tl.zeros((BLOCK_L,), tl.float32)
    t = tl.zeros((BLOCK_L,), tl.float32)
    for start in range(0, n, BLOCK_N):
        offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
        gg = load(gg_ptr, offs, mask, IO)
        cs, ct = double_dots(gg, load(g_ptr, offs, mask, IO), load(y_ptr, offs, mask, IO), KIND)
        s += cs
        t += ct
    for start in range(0, n, BLOCK_N):
        offs, mask = tile_offsets(lane, ok, start, n, inner, ROWS, BLOCK_N, BLOCK_L)
        gg = load(gg_ptr, offs, mask, IO)
        dg, dy = double_values(
            gg, load(g_ptr, offs, mask, IO), load(y_ptr, offs, mask, IO), s[None, :], t[None, :], KIND
        )
        store(dg_ptr, offs, dg, mask, IO)
        store(dy_ptr, offs, dy, mask, IO)


@triton.jit
def row_kernel(
    a_ptr,
    b_ptr,
    c_ptr,
    out_ptr,
    out2_ptr,
    outer,
    n,
    inner,
    PASS: tl.constexpr,
    KIND: tl.constexpr,
    IO: tl.constexpr,
    ROWS: tl.constexpr,
    SINGLE: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_L: tl.constexpr,
):
    """One pass over a tile of rows: the forward (a = x -> out), the backward (a = g, b = y -> out)
    or the double backward (a = gg, b = g, c = y -> out = d/dg, out2 = d/dy); unused pointers are
    any of the others."""
    lane, ok = tile_base(outer, inner, ROWS, BLOCK_L)
    if PASS == FORWARD:
        forward_rows(a_ptr, out_ptr, lane, ok, n, inner, KIND, IO, ROWS, SINGLE, BLOCK_N, BLOCK_L)
    elif PASS == BACKWARD:
        backward_rows(a_ptr, b_ptr, out_ptr, lane, ok, n, inner, KIND, IO, ROWS, SINGLE, BLOCK_N, BLOCK_L)
    else:
        double_rows(a_ptr, b_ptr, c_ptr, out_ptr, out2_ptr, lane, ok, n, inner, KIND, IO, ROWS, BLOCK_N, BLOCK_L)


# ---- launching ----------------------------------------------------------------------------------------
def memory_order(t: Tensor, dim: int) -> tuple[Tensor, int] | None:
    """t as a contiguous view in memory order (a permutation of its dims) and dim's place in it,
    or None when t is not dense."""
    if not dense(t):
        return None
    perm = sorted(range(t.dim()), key=lambda d: -t.stride(d))
    view = t.permute(perm)
    return (view, perm.index(dim)) if view.is_contiguous() else None


def layout(shape: torch.Size, dim: int) -> dict[str, Any]:
    """The launch of rows along ``dim`` of a contiguous tensor of ``shape``: grid and constexprs."""
    outer = int(torch.Size(shape[:dim]).numel())
    n, inner = int(shape[dim]), int(torch.Size(shape[dim + 1 :]).numel())
    block_n = min(triton.next_power_of_2(n), MAX_BLOCK_N)
    lanes = outer if inner == 1 else inner
    block_l = max(1, min(TILE // block_n, triton.next_power_of_2(lanes)))
    grid = (triton.cdiv(outer, block_l),) if inner == 1 else (outer * triton.cdiv(inner, block_l),)
    return {
        "grid": grid,
        "sizes": (outer, n, inner),
        "ROWS": inner == 1,
        "SINGLE": n <= block_n,
        "BLOCK_N": block_n,
        "BLOCK_L": block_l,
        "num_warps": 8 if block_n * block_l >= 2048 else 4,
    }


def wrap(dim: int, ndim: int) -> int | None:
    """dim in [0, ndim), None when out of range (the composite kernel raises torch's error)."""
    return dim % ndim if -ndim <= dim < ndim else None


def launch_rows(step: tl.constexpr, kind: str, dim: int, outs: tuple[Tensor, ...], ins: tuple[Tensor, ...]) -> bool:
    """row_kernel's pass ``step`` (FORWARD, BACKWARD, DOUBLE) over the rows along dim; all operands
    share one dense layout. False when they cannot (the caller falls back)."""
    ref = outs[0]
    d = wrap(dim, ref.dim()) if ref.dim() > 0 else None
    if d is None:
        return False
    if ref.numel() == 0:
        return True
    ordered = [memory_order(t, d) for t in (*ins, *outs)]
    if any(o is None for o in ordered):
        return False
    views = [o[0] for o in ordered]
    a, b, c = (views[: len(ins)] * 3)[:3]  # unused pointers repeat the used ones
    out, out2 = (views[len(ins) :] * 2)[:2]
    meta = layout(views[0].shape, ordered[0][1])
    grid, sizes = meta.pop("grid"), meta.pop("sizes")
    with device_of(ref):
        row_kernel[grid](*(raw(v) for v in (a, b, c, out, out2)), *sizes, PASS=step.value, KIND=KINDS[kind],
                         IO=code(ref.dtype), **meta, enable_fp_fusion=False)  # fmt: skip
    return True


class RowOps:
    """The Triton kernels of one softmax-family op family (``kind``: its function name)."""

    def __init__(self, kind: str):
        self.kind = kind

    def forward(self, x: Tensor, dim: int) -> Tensor | None:
        if not served(x):
            return None
        y = torch.empty_like(x)
        return y if launch_rows(FORWARD, self.kind, dim, (y,), (in_layout(x, y),)) else None

    def backward(self, g: Tensor, y: Tensor, dim: int) -> Tensor | None:
        if not served(g, y):
            return None
        out = torch.empty_like(y)
        ok = launch_rows(BACKWARD, self.kind, dim, (out,), (in_layout(g, out), in_layout(y, out)))
        return out if ok else None

    def double(self, gg: Tensor, g: Tensor, y: Tensor, dim: int) -> tuple[Tensor, Tensor] | None:
        if not served(gg, g, y):
            return None
        dg, dy = torch.empty_like(y), torch.empty_like(y)
        ins = (in_layout(gg, dy), in_layout(g, dy), in_layout(y, dy))
        if not launch_rows(DOUBLE, self.kind, dim, (dg, dy), ins):
            return None
        return (dg, dy) if dg.stride() == g.stride() else (in_layout(dg, torch.empty_like(g)), dy)


def row_ops() -> Iterator[tuple[str, Any]]:
    """(op name, kernel) of the softmax family."""
    for kind in KINDS:
        ops = RowOps(kind)
        yield kind, ops.forward
        yield f"{kind}_backward", ops.backward
        yield f"{kind}_double_backward", ops.double
