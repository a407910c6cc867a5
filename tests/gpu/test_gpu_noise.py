"""RReLU's counter noise as Triton kernels (src/actlab/gpu/noise.py) under the interpreter: the same
slopes, bit for bit, as the composite's hash (ops/random.py: hash_noise), in row-major order for
any layout; x * noise and g * noise rounded once to the operand's dtype."""

from __future__ import annotations

import pytest
import torch
from triton_cases import interpreted

from actlab.ops.random import hash_noise, hash_scaled

pytestmark = interpreted
OPS = torch.ops.actlab


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16], ids=str)
def test_counter_stream_equals_the_composites_bit_for_bit(dtype: torch.dtype) -> None:
    base = torch.randn(6, 50, generator=torch.Generator().manual_seed(0))
    for x in (base.to(dtype), base.to(dtype).t(), base.to(dtype)[:, ::3]):
        for lower, upper, seed in ((0.125, 1 / 3, 12345), (0.05, 0.5, 2**31 - 2)):
            noise = OPS.rrelu_noise_counter(x, lower, upper, seed)
            assert noise.dtype == torch.float32 and torch.equal(noise, hash_noise(x, lower, upper, seed))
            assert noise.stride() == torch.empty_like(x, dtype=torch.float32).stride()
            assert torch.equal(OPS.rrelu_counter(x, lower, upper, seed), hash_scaled(x, x, lower, upper, seed))
            g = torch.randn(x.shape).to(dtype)
            assert torch.equal(
                OPS.rrelu_counter_backward(g, x, lower, upper, seed), hash_scaled(g, x, lower, upper, seed)
            )
