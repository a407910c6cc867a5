r"""The operator of a :class:`~actlab.kinds.Random` declaration (RReLU): elementwise in
evaluation (see :mod:`actlab.ops.elementwise`); in training y = x * noise, with the noise drawn
by an op (random, so never differentiated) and the product left to torch's own ``mul``, whose
backward saves only the noise.

Two noise streams:

* ``fn_noise(x, p)`` (default): torch's generator stream, one float64 uniform per x <= 0 in
  row-major order, so a seed gives torch's very slopes (``decl.noise``);
* ``fn_noise_counter(x, p, seed)`` (opt-in, :func:`counter_noise`): a counter-based hash of
  (element index + seed), the seed drawn from torch's default generator — reproducible under
  ``torch.manual_seed``, parallel and vectorisable, but a different stream from torch's.

The counter stream can be recomputed from (x, seed), so its eager training step is one op:

==========================================  ==================================  ============================
op                                          computes                            derivative rule
==========================================  ==================================  ============================
``fn_counter(x, p, seed)``                  x * noise                           saves x: ``fn_counter_backward``
``fn_counter_backward(g, x, p, seed)``      g * noise                           ``fn_counter_double_backward``;
                                                                                partial ``fn_counter_backward``
``fn_counter_double_backward(gg, x, ...)``  composite: (gg * noise, 0)          (autograd of the ops)
==========================================  ==================================  ============================

It saves x alone (torch's ``rrelu_with_noise`` keeps x and the noise) and gives the values of
``x * fn_noise_counter(x, p, seed)`` bit for bit. Forward-mode AD, torch.func, torch.compile and
in-place calls take the two-op form (noise op, then ``mul``), which every transform understands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

from .. import native
from ..kinds import Param, Random
from . import base
from .base import Partial, Rule, op
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


def hash_scaled(v: Tensor, x: Tensor, lower: float, upper: float, seed: int) -> Tensor:
    """``v * hash_noise(x, ...)`` computed in the noise dtype and rounded once to v's dtype."""
    noise = hash_noise(x, lower, upper, seed)
    return (v.to(noise.dtype) * noise).to(v.dtype)


def draw_seed() -> int:
    """The counter stream's seed: ``torch.randint(0, 2**31 - 1, ())`` from torch's default generator
    (the native op draws the same number without building a tensor)."""
    return int(torch.randint(0, 2**31 - 1, ()).item())


@contextlib.contextmanager
def unbatched() -> Iterator[None]:
    """Draw as the native noise kernel does, straight from the generator: outside every vmap
    (torch.func's and the legacy one of gradcheck's batched checks), which refuse random ops. The
    op's kernel already runs below the transforms (its input is a plain tensor); only the torch
    calls it makes would meet them again."""
    level = torch._C._vmapmode_increment_nesting() - 1  # the legacy vmap's depth
    torch._C._vmapmode_decrement_nesting()
    for _ in range(level):
        torch._C._vmapmode_decrement_nesting()
    try:
        with torch._C._DisableFuncTorch():
            yield
    finally:
        for _ in range(level):
            torch._C._vmapmode_increment_nesting()


class counter_noise:  # lower case: used as a function, like contextlib.suppress
    """Scoped switch to the counter-based noise stream (``with actlab.ops.counter_noise(): ...``;
    ``counter_noise(False)`` switches it off inside). A class, not a generator: entering and
    leaving cost about 1 µs instead of 2.6 µs, for loops that switch per call."""

    __slots__ = ("old", "on")

    def __init__(self, on: bool = True) -> None:
        self.on = on

    def __enter__(self) -> None:
        self.old = _COUNTER["on"]
        _COUNTER["on"] = self.on

    def __exit__(self, *exc: object) -> None:
        _COUNTER["on"] = self.old


class RandomOperator(ElementwiseOperator):
    """An elementwise operator plus the training noise."""

    def __init__(self, decl: type[Random]):
        super().__init__(decl)
        name = f"{decl.function}_noise"
        params = dict(decl.op_params())

        def noise(x: Tensor, *a: Any) -> Tensor:
            with unbatched():
                return decl.noise(x, **self.kw(a))

        def counter(x: Tensor, *a: Any) -> Tensor:
            *p, seed = a
            return hash_noise(x, *p, seed)

        def fake(x: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(x, dtype=torch.promote_types(x.dtype, torch.float32))

        seeded = {**params, "seed": Param(0, type=int)}
        base.define(name, ["x"], params, 1, noise, fake)
        base.define(f"{name}_counter", ["x"], seeded, 1, counter, fake)
        self.noise = op(name)
        self.noise_counter = op(f"{name}_counter")
        self.counter = self.define_counter_step(decl.function, seeded)
        self.draw_seed = base.direct(torch.ops.actlab_native.rrelu_seed.default) if native.loaded() else draw_seed

    @staticmethod
    def define_counter_step(fn: str, params: dict[str, Param]) -> Any:
        """The fused counter-noise training ops and rules (see the module docstring); returns the
        forward's dispatcher entry."""
        step, backward, double = f"{fn}_counter", f"{fn}_counter_backward", f"{fn}_counter_double_backward"

        def forward(x: Tensor, *a: Any) -> Tensor:
            return hash_scaled(x, x, *a)

        def backward_fn(g: Tensor, x: Tensor, *a: Any) -> Tensor:
            return hash_scaled(g, x, *a)

        def double_fn(gg: Tensor, x: Tensor, *a: Any) -> tuple[Tensor, Tensor]:
            return op(backward)(gg, x, *a), torch.zeros_like(x)  # the noise is constant in x

        base.define(step, ["x"], params, 1, forward, torch.empty_like)

        def backward_fake(g: Tensor, x: Tensor, *a: Any) -> Tensor:  # the native kernel's: x's layout
            return torch.empty_like(x, dtype=g.dtype)

        base.define(backward, ["grad", "x"], params, 1, backward_fn, backward_fake)
        base.define(double, ["gg", "x"], params, 2, double_fn, composite=True)
        base.register(Rule(step, backward, 1, inputs=(0,)))
        base.register(Rule(backward, double, 2, inputs=(1,), partials=(Partial(backward, (0, 1)), None)))
        return base.direct(op(step))

    def train(self, x: Tensor, args: tuple = (), inplace: bool = False) -> Tensor:
        """x * noise with fresh noise (x <= 0: a slope per entry; else 1)."""
        if _COUNTER["on"]:
            if not inplace and base.plain_eager():
                return self.counter(x, *args, self.draw_seed())
            # torch.randint (the same number): vmap's randomness modes see it
            noise = self.noise_counter(x.detach(), *args, draw_seed())
        else:
            noise = self.noise(x.detach(), *args)
        if noise.dtype == x.dtype:
            return x.mul_(noise) if inplace else x * noise
        y = (x.to(noise.dtype) * noise).to(x.dtype)  # half precision: one rounding, as torch
        return x.copy_(y) if inplace else y
