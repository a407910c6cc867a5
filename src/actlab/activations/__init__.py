"""All built-in declarations, grouped by family. Importing this package registers them."""

from . import (  # noqa: F401, I001  (import registers, in this order)
    sigmoidal,
    rectifiers,
    exponential,
    gated,
    shrinkage,
    normalizers,
    modern,
    glu_variants,
    sparse,
    entmax,
    learnable,
    rational,
    grouped,
    softmax_units,
    funnel,
    scaled,
)
