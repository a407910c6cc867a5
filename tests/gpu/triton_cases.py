"""What the tests of tests/gpu share. The Triton kernels are tested on this CPU by Triton's
interpreter: ``test_gpu_interpreter.py`` runs the modules marked ``interpreted`` again in a fresh
pytest with ``TRITON_INTERPRET=1``, ``ACTLAB_NATIVE=0`` and ``ACTLAB_TESTING_TRITON=1``, where
this module registers the kernels for the CPU key (the main process keeps its native kernels).
The comparison in ulps is the native kernels' (``tests/native/ulps.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import actlab.functional  # noqa: F401  (defines every op)
from actlab.analysis import accuracy as A

sys.path.append(str(Path(__file__).parents[1] / "native"))  # ulps.py and the native tests: reused here

INSIDE = "ACTLAB_TESTING_TRITON"
INTERPRETED = os.environ.get(INSIDE) == "1"
interpreted = pytest.mark.skipif(
    not INTERPRETED, reason="runs in the nested TRITON_INTERPRET=1 process of test_gpu_interpreter.py"
)

if INTERPRETED:
    import actlab.gpu

    REGISTERED = actlab.gpu.register("CPU")
    from actlab.gpu.activations import ACTIVATIONS

    SERVED = set(ACTIVATIONS)
else:
    REGISTERED, SERVED = (), set()


def args_of(case: A.Case) -> tuple:
    """The op's parameter values of a case, in schema order."""
    return tuple(case.params[k] for k in case.decl.op_params())
