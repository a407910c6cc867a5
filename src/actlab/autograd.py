"""Seed-style autograd Functions: ``actlab.autograd.<Name>Function.apply(x, *params)``.

Each is the operator's Function (see :mod:`actlab.ops`): its backward is the hand-derived f'
(a second Function, ``<Name>Backward``, whose backward and jvp are the hand-derived f''), its
``jvp`` is f'(x) t, and it supports ``torch.func`` (``setup_context``, vmap). Parameters follow
the input in the declaration's order and must all be given (``ELUFunction.apply(x, 0.5)``);
PReLU, StarReLU and Snake take their weight tensors shaped to broadcast against x.
"""

from __future__ import annotations

from torch.autograd import Function

from . import ops
from .registry import declaration


def __getattr__(attr: str) -> type[Function]:
    """``<Name>Function``: the Function of declaration ``<Name>``."""
    if attr.endswith("Function") and not attr.startswith("_"):
        try:
            decl = declaration(attr[: -len("Function")])
        except KeyError:
            raise AttributeError(attr) from None
        return ops.operator(decl).function
    raise AttributeError(attr)
