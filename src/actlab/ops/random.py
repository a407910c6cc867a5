r"""The operator of a :class:`~actlab.spec.Random` declaration (RReLU): elementwise in
evaluation (see :mod:`actlab.ops.elementwise`); in training y = x * noise, with the noise drawn
by an op (random, so never differentiated) and the product left to torch's own ``mul``, whose
backward saves only the noise.

Two noise streams:

* ``fn_noise(x, p)`` (default): torch's generator stream, one float64 uniform per x <= 0 in
  row-major order, so a seed gives torch's very slopes (``decl.noise``);
* ``fn_noise_counter(x, p, seed)`` (opt-in, :func:`counter_noise`): a counter-based hash of
  (element index + seed), the seed drawn from torch's default generator — reproducible under
  ``torch.manual_seed``, parallel and vectorisable, but a different stream from torch's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

from ..spec import Param, Random
from . import base
from .base import op
from .elementwise import ElementwiseOperator

_M32 = 0xFFFFFFFF
_COUNTER = {"on": False}


def hash_noise(x: Tensor, lower: float, upper: float, seed: int) -> Tensor:
    r"""U(lower, upper) where x <= 0, else 1, from a counter-based hash of (element index + seed)
    (Wellons' "lowbias32" structure, odd 31-bit multipliers so int64 products never overflow;
    the top 24 bits give u in [0, 1))."""
    h = (torch.arange(x.numel(), device=x.device, dtype=torch.int64).reshape(x.shape) + seed) & _M32
    h = h ^ (h >> 16)
    h = (h * 0x7FEB352D) & _M32
    h = h ^ (h >> 15)
    h = (h * 0x2C1B3C6D) & _M32
    h = h ^ (h >> 16)
    dtype = torch.promote_types(x.dtype, torch.float32)
    u = (h >> 8).to(dtype) * (1.0 / 16777216.0)
    return torch.where(x <= 0.0, lower + (upper - lower) * u, 1.0)


@contextlib.contextmanager
def counter_noise(on: bool = True) -> Iterator[None]:
    """Scoped switch to the counter-based noise stream (``with actlab.ops.counter_noise(): ...``)."""
    old = _COUNTER["on"]
    _COUNTER["on"] = on
    try:
        yield
    finally:
        _COUNTER["on"] = old


class RandomOperator(ElementwiseOperator):
    """An elementwise operator plus the training noise."""

    def __init__(self, decl: type[Random]):
        super().__init__(decl)
        name = f"{decl.function}_noise"
        params = dict(decl.op_params())

        def noise(x: Tensor, *a: Any) -> Tensor:
            return decl.noise(x, **self.kw(a))

        def counter(x: Tensor, *a: Any) -> Tensor:
            *p, seed = a
            return hash_noise(x, *p, seed)

        def fake(x: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(x, dtype=torch.promote_types(x.dtype, torch.float32))

        base.define(name, ["x"], params, 1, noise, fake)
        base.define(f"{name}_counter", ["x"], {**params, "seed": Param(0, type=int)}, 1, counter, fake)
        self.noise = op(name)
        self.noise_counter = op(f"{name}_counter")

    def train(self, x: Tensor, args: tuple = (), inplace: bool = False) -> Tensor:
        """x * noise with fresh noise (x <= 0: a slope per entry; else 1)."""
        if _COUNTER["on"]:
            seed = int(torch.randint(0, 2**31 - 1, ()).item())
            noise = self.noise_counter(x.detach(), *args, seed)
        else:
            noise = self.noise(x.detach(), *args)
        if noise.dtype == x.dtype:
            return x.mul_(noise) if inplace else x * noise
        y = (x.to(noise.dtype) * noise).to(x.dtype)  # half precision: one rounding, as torch
        return x.copy_(y) if inplace else y
