"""Which ops the library serves: a CPU kernel for every op that has a Python kernel except the
composites (triple backward, double backward of the vector kinds) and the learnable extras the
kernels do not cover yet (StarReLU, Snake, the sparse maps); nothing registered for an op that
does not exist; the kernels are what the operators run."""

from __future__ import annotations

import torch
from ulps import needs_kernels

import actlab
from actlab import native

pytestmark = needs_kernels

PYTHON_ONLY = ("star_relu", "snake", "sparsemax", "entmax15")  # kinds/extras without kernels


def _ops() -> list[str]:
    return sorted(n.split("::")[1] for n in torch._C._dispatch_get_all_op_names() if n.startswith("actlab::"))


def _has_cpu(name: str) -> bool:
    return torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{name}", "CPU")


def test_every_non_composite_op_has_a_cpu_kernel() -> None:
    composite = ("_triple_backward", "_triple_backward_y")
    vector_double = [
        f"{d.function}_double_backward" for d in actlab.declarations() if d.kind in ("normalizer", "gated")
    ]
    missing = [
        n
        for n in _ops()
        if not n.endswith(composite)
        and n not in vector_double
        and not n.startswith(PYTHON_ONLY)
        and n != "prelu_double_backward"
        and not _has_cpu(n)
    ]
    assert not missing, missing


def test_no_kernel_for_an_op_that_does_not_exist() -> None:
    assert torch._C._dispatch_find_dangling_impls() == []


def test_the_operators_run_the_kernels() -> None:
    """A kernel result differs from the Python kernel's in the last bits somewhere (another exp):
    GELU's float32 path cannot be the Python one, which computes in float64."""
    assert native.loaded() and "loaded" in native.status()
    x = torch.linspace(-10, 10, 10001)
    assert not torch.equal(torch.ops.actlab.gelu(x, "none"), actlab.spec("GELU").f(x, "none"))
