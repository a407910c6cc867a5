"""Which ops the library serves: a CPU kernel for every op of the torch.nn activations and of the
elementwise extras listed in csrc/list.h, except the composites (triple backward); the catalog's
other activations run their declarations' Python math (see docs/performance.md); nothing registered
for an op that does not exist; the kernels are what the operators run."""

from __future__ import annotations

import re
from pathlib import Path

import torch
from ulps import needs_kernels

import actlab
from actlab import native

pytestmark = needs_kernels

LIST_H = Path(native.__file__).parent / "csrc" / "list.h"
# row kernels of the vector maps
ROW_HEADERS = ("sparse.h", "entmax_bisect.h", "sorted_groups.h", "selections.h", "softmax_maps.h")

PARAMETRIC_LIST_H = Path(native.__file__).parent / "csrc" / "parametric_list.h"
# the learnable ones' fn and fn_backward are kernels; their double backward stays the Python kernel
LEARNABLE = set(re.findall(r"^\s+X\((\w+),", PARAMETRIC_LIST_H.read_text(), flags=re.M))


def _served() -> set[str]:
    """Function names whose ops must all have kernels: torch.nn's, list.h's elementwise extras and
    the row kernels of ROW_HEADERS."""
    listed = set(re.findall(r"^\s+X\((\w+),", LIST_H.read_text(), flags=re.M))
    rows = {
        name
        for h in ROW_HEADERS
        for name in re.findall(r"^at::Tensor (\w+)\(const at::Tensor& x,", (LIST_H.parent / h).read_text(), flags=re.M)
    }
    return {d.function for d in actlab.declarations() if d.in_torch} | listed | rows


def test_the_learnable_kernels_are_fn_backward_and_double_backward() -> None:
    """fn_triple_backward stays the composite autograd of the declaration's vjp2."""
    assert {"star_relu", "snake", "sinlu", "xielu"} <= LEARNABLE
    for fn in LEARNABLE:
        assert _has_cpu(fn) and _has_cpu(f"{fn}_backward") and _has_cpu(f"{fn}_double_backward"), fn
        assert not _has_cpu(f"{fn}_triple_backward") and _is_composite(f"{fn}_triple_backward"), fn


def _function_of(op: str, functions: set[str]) -> str | None:
    """The declaration function an op belongs to (the longest name it is or extends with _...)."""
    owners = [f for f in functions if op == f or op.startswith(f + "_")]
    return max(owners, key=len, default=None)


def _ops() -> list[str]:
    return sorted(n.split("::")[1] for n in torch._C._dispatch_get_all_op_names() if n.startswith("actlab::"))


def _has_cpu(name: str) -> bool:
    return torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{name}", "CPU")


def _is_composite(name: str) -> bool:
    return torch._C._dispatch_has_kernel_for_dispatch_key(f"actlab::{name}", "CompositeImplicitAutograd")


def test_every_non_composite_op_has_a_cpu_kernel() -> None:
    functions = {d.function for d in actlab.declarations()}
    served = _served()
    assert {
        "relu",
        "gelu",
        "silu",
        "softmax",
        "log_softmax",
        "glu",
        "prelu",
        "quick_gelu",
        "serf",
        "sparsemax",
        "entmax15",
        "solu",
        "radix_softmax",
        "entmax_bisect",
    } <= served
    composite = [n for n in _ops() if _is_composite(n)]  # compositions of ops (third order, RReLU's second)
    assert any(n.endswith("_triple_backward") for n in composite) and "rrelu_counter_double_backward" in composite
    missing = [n for n in _ops() if _function_of(n, functions) in served and n not in composite and not _has_cpu(n)]
    assert not missing, missing


def test_no_kernel_for_an_op_that_does_not_exist() -> None:
    assert torch._C._dispatch_find_dangling_impls() == []


def test_the_operators_run_the_kernels() -> None:
    """A kernel result differs from the Python kernel's in the last bits somewhere (another exp):
    GELU's float32 path cannot be the Python one, which computes in float64."""
    assert native.loaded() and "loaded" in native.status()
    x = torch.linspace(-10, 10, 10001)
    assert not torch.equal(torch.ops.actlab.gelu(x, "none"), actlab.declaration("GELU").f(x, "none"))
