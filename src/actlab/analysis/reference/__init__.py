"""128-bit ground truth for the accuracy sweep: every activation and its derivative in mpmath.

Each entry of :data:`REFERENCES` (keyed by declaration name) gives ``f(x, **p)`` and
``df(x, **p)`` on ``mpmath.mpf`` inputs, written from cancellation-free formulas
(``expm1``/``log1p``, :math:`\\sigma(x)\\sigma(-x)`, ``erfc``, a Bernoulli series for
:math:`x - \\tanh x`), plus the zeros of f' (the sweep excludes +-0.05 around them from the
derivative bound: relative accuracy of a value that crosses zero is not defined there).

Conventions at kinks, infinities and NaN follow the declarations (and torch): the reference
is the function the op claims to compute, not a different subgradient.
"""

from . import (  # noqa: F401  (each registers its references)
    learnable,
    modern,
    periodic,
    radial,
    rectifier_variants,
    scaled,
    self_gated,
    smooth_rectifiers,
    squashing,
    symmetric_log,
    torch_nn,
)
from .core import PRECISION, REFERENCES, Reference, evaluate, reference
from .rows import normalizer_rows

__all__ = ["PRECISION", "REFERENCES", "Reference", "evaluate", "normalizer_rows", "reference"]
