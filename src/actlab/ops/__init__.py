"""The operator layer: every declaration as ``torch.ops.actlab`` operators whose every
derivative path (backward, double backward, forward AD, forward over reverse, vmap, and what
torch.compile/export/fx record) is the declaration's hand-derived math.

``operator(decl)`` returns the operator object of a declaration, built once; it is callable
(``operator(x, *args, inplace=False)``: the one dispatch, :mod:`actlab.ops.operator`) and holds the
ops and the torch.func Function tower. One operator class per kind of declaration, chosen by the
declaration's class (see :data:`OPERATORS`):

=========================  ===============================  =====================================
kind                       operator                         ops and rules
=========================  ===============================  =====================================
Elementwise                ``ElementwiseOperator``          :mod:`actlab.ops.elementwise`
Random (RReLU)             ``RandomOperator``               :mod:`actlab.ops.random`
Normalizer, SplitGate,     ``NormalizerOperator``,          :mod:`actlab.ops.vector`
VectorMap                  ``SplitGateOperator``,
                           ``VectorMapOperator``
Parametric,                ``ParametricOperator``,          :mod:`actlab.ops.parametric`
ParametricNormalizer       ``ParametricNormalizerOperator``
=========================  ===============================  =====================================
"""

from __future__ import annotations

from collections.abc import Iterable

from ..kinds import (
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
from .operator import Operator
from .parametric import ParametricNormalizerOperator, ParametricOperator
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
_BUILT: dict[type[Activation], Operator] = {}


def operator(decl: type[Activation]) -> Operator:
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


def define_all(decls: Iterable[type[Activation]]) -> tuple[str, ...]:
    """Build the operator of every declaration (torch.compile cannot trace op definitions), then
    give the ops their device kernels beyond the native CPU ones: the Triton kernels on CUDA
    (:func:`actlab.gpu.register_default`: Triton installed, CUDA available, ``ACTLAB_GPU`` not 0).
    Returns the op names with CUDA kernels."""
    for decl in decls:
        operator(decl)
    from .. import gpu  # imports neither Triton nor torch.cuda's runtime unless both are there

    return gpu.register_default()


__all__ = ["OPERATORS", "Operator", "counter_noise", "define_all", "operator"]
