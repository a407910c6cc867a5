r"""128-bit ground truth for the accuracy sweep: every activation and its derivative in mpmath,
one module per family (the families of :mod:`actlab.activations`).

Each entry of :data:`REFERENCES` (keyed by declaration name) gives ``f(x, **p)`` and
``df(x, **p)`` on ``mpmath.mpf`` inputs, written from cancellation-free formulas
(``expm1``/``log1p``, :math:`\sigma(x)\sigma(-x)`, ``erfc``, a Bernoulli series for
:math:`x - \tanh x`), plus the zeros of f' (the sweep excludes +-0.05 around them from the
derivative bound: relative accuracy of a value that crosses zero is not defined there).

Conventions at kinks, infinities and NaN follow the declarations (and torch): the reference
is the function the op claims to compute, not a different subgradient. The learnable activations
are referenced at fixed values of their tensors (keyword arguments named as the declaration's
``tensor_params``, each a number or, for a ``coefficients`` tensor, a tuple; f' is the derivative in
x), written from the papers' formulas, not from the torch code, and where the math leaves a choice:

* kinks: PELU takes the x >= 0 piece at 0, MPELU the x <= 0 piece; SReLU x = t_r the right piece,
  x = t_l the left one; TLU's f' at x = tau is 1/2; APL's and AReLU's max(0, .)' is 0 at 0 (and
  at every hinge); PReLU's f'(0) is a, StarReLU's 0; xIELU's exponential piece is x <= eps
  (eps = -1e-6, the float64 value), its f'(0) the x <= 0 piece's; PAU's |B|' is 0 at the zeros of B.
* NaN: f(NaN) = NaN. f'(NaN) is NaN except where a piecewise-linear op's comparisons all fail
  and leave NaN on a piece of constant slope: SReLU's middle piece (1); APL and AReLU (0: no
  piece is selected, as their indicator sums); PReLU's a (the x <= 0 slope, as torch).
* +-inf: the limits; SinLU's f' has none at +inf, Snake's none at +-inf (they oscillate: NaN).
  SoftExponential with alpha < 0 is defined for u = 1 - alpha(x + alpha) > 0 only: f = -inf at
  u = 0, NaN beyond, and f' NaN from u = 0 on (the declaration's partials exclude the edge).

Their zeros of f' are listed on [-30, 30] (the sweep's dense grid) by a sign scan refined at 128
bits; f' that touches 0 without changing sign (SinLU at a b = 1, Snake) lists none there.
"""

from . import (  # noqa: F401  (each registers its references)
    exponential,
    gated,
    learnable,
    logarithmic,
    periodic,
    radial,
    rectifier,
    scaled,
    shrinkage,
    sigmoidal,
)
from .core import PRECISION, REFERENCES, Reference, evaluate, reference
from .normalizer import normalizer_rows

__all__ = ["PRECISION", "REFERENCES", "Reference", "evaluate", "normalizer_rows", "reference"]
