"""Loading and storing the kernels' tensors as float32, whatever their storage dtype.

The kernels compute in float32; bfloat16 and float16 tensors are widened exactly as they are
loaded and rounded once, to nearest even, as they are stored. bfloat16 travels as its int16
bits and is rounded by bit operations: Triton's interpreter truncates a float32 -> bfloat16
cast where the GPU rounds, and the bits make both the same. float16 uses the cast, which rounds
to nearest even in both (``cvt.rn.f16.f32``; numpy's ``astype``).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

FLOAT32 = tl.constexpr(0)
BFLOAT16 = tl.constexpr(1)
FLOAT16 = tl.constexpr(2)
CODES = {torch.float32: 0, torch.bfloat16: 1, torch.float16: 2}  # the dtypes the kernels serve


def code(dtype: torch.dtype) -> int:
    """The kernels' storage code of ``dtype`` (KeyError for the others)."""
    return CODES[dtype]


def raw(t: Tensor) -> Tensor:
    """What a kernel is handed for ``t``: bfloat16 as its int16 bits, the others as they are."""
    return t.view(torch.int16) if t.dtype == torch.bfloat16 else t


@triton.jit
def load(ptr, offs, mask, IO: tl.constexpr):
    """float32 values of the elements ``offs`` (0 where ``mask`` is off)."""
    if IO == BFLOAT16:
        bits = tl.load(ptr + offs, mask=mask, other=0).to(tl.int32) << 16
        return bits.to(tl.float32, bitcast=True)
    else:
        return tl.load(ptr + offs, mask=mask, other=0.0).to(tl.float32)


@triton.jit
def round_bfloat16(v):
    """The bits of v rounded to bfloat16, to nearest even (NaN stays a quiet NaN), as uint32."""
    u = v.to(tl.uint32, bitcast=True)
    rounded = (u + (0x7FFF + ((u >> 16) & 1))) >> 16
    return tl.where(v != v, (u >> 16) | 0x40, rounded)


@triton.jit
def store(ptr, offs, v, mask, IO: tl.constexpr):
    """Store float32 values ``v``, rounded once to the storage dtype."""
    if IO == BFLOAT16:
        tl.store(ptr + offs, round_bfloat16(v).to(tl.int16), mask=mask)
    elif IO == FLOAT16:
        tl.store(ptr + offs, v.to(tl.float16), mask=mask)
    else:
        tl.store(ptr + offs, v, mask=mask)
