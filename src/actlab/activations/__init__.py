"""All built-in declarations, one module per family; importing this package registers them.

A declaration's family is the name of the module that declares it (``activations/<family>.py``),
and the same name is used everywhere else: the 128-bit reference (``analysis/reference/<family>.py``;
the normalizers' rows), the native kernels (``native/csrc/<family>.cpp``, one struct per declaration
named as its class, e.g. ``struct ELU``) and the tests of the declarations torch.nn lacks
(``tests/activations/test_<family>.py``; torch.nn's are tested against torch):

============  ================  ================  ====================
family        reference         kernels           tests
============  ================  ================  ====================
sigmoidal     sigmoidal.py      sigmoidal.cpp     test_sigmoidal.py
rectifier     rectifier.py      rectifier.cpp     test_rectifier.py
exponential   exponential.py    exponential.cpp   test_exponential.py
gated         gated.py          gated.cpp         test_gated.py
shrinkage     shrinkage.py      shrinkage.cpp     —
normalizer    normalizer.py     normalizer.cpp    test_normalizer.py
periodic      periodic.py       periodic.cpp      test_periodic.py
radial        radial.py         radial.cpp        test_radial.py
logarithmic   logarithmic.py    logarithmic.cpp   test_logarithmic.py
learnable     learnable.py      learnable.cpp     test_learnable.py
grouped       —                 —                 test_grouped.py
scaled        scaled.py         scaled.cpp        test_scaled.py
============  ================  ================  ====================

``native/csrc/list.h`` is the one list of the elementwise declarations that have kernels (the 28
torch.nn activations and the catalog's non-learnable elementwise ones), ``native/csrc/parametric_list.h``
that of the learnable ones; a new kernel goes into its family's .cpp. ``pointwise.py`` and ``partials.py`` are the learnable kinds' shared machinery, not families;
tests/activations/test_families.py checks all of the above against the registry.
"""

from . import (  # noqa: F401, I001  (import registers, in this order)
    sigmoidal,
    rectifier,
    exponential,
    gated,
    shrinkage,
    normalizer,
    periodic,
    radial,
    logarithmic,
    learnable,
    grouped,
    scaled,
)
