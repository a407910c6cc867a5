r"""The operator of a :class:`~actlab.spec.Random` declaration (RReLU): elementwise in
evaluation (see :mod:`actlab.ops.elementwise`); in training y = x * noise, with the noise drawn by
the op ``fn_noise(x, p)`` (torch's generator stream; random, so never differentiated) and the
product left to torch's own ``mul``, whose backward saves only the noise.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..spec import Random
from . import base
from .base import op
from .elementwise import ElementwiseOperator


class RandomOperator(ElementwiseOperator):
    """An elementwise operator plus the training noise."""

    def __init__(self, decl: type[Random]):
        super().__init__(decl)
        name = f"{decl.function}_noise"
        params = dict(decl.op_params())

        def noise(x: Tensor, *a: Any) -> Tensor:
            return decl.noise(x, **self.kw(a))

        def fake(x: Tensor, *a: Any) -> Tensor:
            return torch.empty_like(x, dtype=torch.promote_types(x.dtype, torch.float32))

        base.define(name, ["x"], params, 1, noise, fake)
        self.noise = op(name)

    def train(self, x: Tensor, args: tuple = (), inplace: bool = False) -> Tensor:
        """x * noise with fresh noise (x <= 0: a slope per entry; else 1)."""
        noise = self.noise(x.detach(), *args)
        if noise.dtype == x.dtype:
            return x.mul_(noise) if inplace else x * noise
        y = (x.to(noise.dtype) * noise).to(x.dtype)  # half precision: one rounding, as torch
        return x.copy_(y) if inplace else y
