"""The operator layer: every declaration as ``torch.ops.actlab`` operators whose every
derivative path (backward, double backward, forward AD, forward over reverse, vmap, and what
torch.compile/export/fx record) is the declaration's hand-derived math.

``operator(decl)`` returns the operator object of a declaration, built once; it is callable
(``op(x, args)``) and holds the ops and the torch.func Function tower. One operator class per
kind of declaration, chosen by the declaration's class (see :data:`OPERATORS`).
"""

from __future__ import annotations

from typing import Any

from ..spec import (
    Activation,
    Elementwise,
    Normalizer,
    Parametric,
    ParametricNormalizer,
    Random,
    SplitGate,
    VectorMap,
)
from .elementwise import ElementwiseOperator
from .normalizing import ParametricNormalizerOperator
from .parametric import ParametricOperator
from .random import RandomOperator, counter_noise
from .vector import NormalizerOperator, SplitGateOperator, VectorMapOperator

# most specific kind first: Random is an Elementwise, ParametricNormalizer a Normalizer
OPERATORS: tuple[tuple[type[Activation], type], ...] = (
    (Random, RandomOperator),
    (Elementwise, ElementwiseOperator),
    (ParametricNormalizer, ParametricNormalizerOperator),
    (Normalizer, NormalizerOperator),
    (VectorMap, VectorMapOperator),
    (SplitGate, SplitGateOperator),
    (Parametric, ParametricOperator),
)
_BUILT: dict[type[Activation], Any] = {}


def operator(decl: type[Activation]) -> Any:
    """The operator of ``decl`` (its ops are defined on first use)."""
    built = _BUILT.get(decl)
    if built is None:
        if decl.user_defined:
            raise TypeError(f"{decl.name} is a user class: it runs its own module or Function, not an actlab operator")
        for kind, cls in OPERATORS:
            if issubclass(decl, kind):
                built = _BUILT[decl] = cls(decl)
                break
        else:
            raise TypeError(f"{decl.name}: {type(decl).__name__} is not a kind with an operator")
    return built


__all__ = ["OPERATORS", "counter_noise", "operator"]
