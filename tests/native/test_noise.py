"""The RReLU training noise (csrc/rectifier.cpp): torch's generator stream bit for bit (and as
many draws), row-major order for any layout; the counter-based hash bit for bit."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab
from actlab.ops.random import hash_noise

pytestmark = needs_kernels

OPS = torch.ops.actlab


def test_rrelu_noise_is_torchs_stream_bit_for_bit() -> None:
    decl = actlab.declaration("RReLU")
    for dtype in (torch.float32, torch.float64, torch.bfloat16):
        x = torch.randn(3, 257).to(dtype)
        torch.manual_seed(7)
        noise = OPS.rrelu_noise(x, 0.1, 0.3)
        after = torch.rand(1)
        torch.manual_seed(7)
        expected = decl.noise(x, 0.1, 0.3)
        assert torch.equal(noise, expected) and noise.dtype == expected.dtype
        assert torch.equal(after, torch.rand(1))  # the generator advanced by as many draws
    x = torch.randn(1000)
    torch.manual_seed(3)
    ours = x * OPS.rrelu_noise(x, 1 / 8, 1 / 3)
    torch.manual_seed(3)
    assert torch.equal(ours, torch.nn.functional.rrelu(x, 1 / 8, 1 / 3, training=True))


def test_rrelu_noise_follows_row_major_order_for_any_layout() -> None:
    x = torch.randn(40, 30)
    torch.manual_seed(1)
    a = OPS.rrelu_noise(x.t(), 0.1, 0.3)
    torch.manual_seed(1)
    b = OPS.rrelu_noise(x.t().contiguous(), 0.1, 0.3)
    assert torch.equal(a, b) and a.stride() == torch.empty_like(x.t()).stride()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
def test_counter_noise_is_the_hash_bit_for_bit(dtype: torch.dtype) -> None:
    x = torch.randn(5, 1001).to(dtype)
    for seed in (0, 12345, 2**31 - 2):
        assert torch.equal(OPS.rrelu_noise_counter(x, 0.1, 0.3, seed), hash_noise(x, 0.1, 0.3, seed))
