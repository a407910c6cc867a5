"""Shared helpers for the torch parity tests (tests/test_functional.py, tests/nn/test_activation.py).

Everything is derived from the registry: a declaration added later is picked up without edits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import torch

import actlab
from actlab import native
from actlab.kinds import Activation


@pytest.fixture(scope="session", autouse=True)
def native_kernels() -> None:
    """Where actlab has a native variant for torch's CPU capability, the installed kernels must
    load: fail loudly otherwise (not built, out of date, built for another torch). With
    ACTLAB_NATIVE=0, or on a CPU without a variant, the Python kernels are what is tested."""
    if native.mode() == "off" or native.selected_isa()[0] is None:
        return
    if not native.loaded():
        pytest.fail(
            f"actlab: the native kernels did not load: {native.status()} "
            "(after editing csrc/: python -m actlab.native build)",
            pytrace=False,
        )


def torch_declarations() -> list[type[Activation]]:
    """Every registered activation that has a torch.nn counterpart."""
    return [d for d in actlab.declarations() if d.in_torch]


def rng_for(*key: object) -> random.Random:
    """A generator seeded from ``key`` (stable across runs and test orderings)."""
    return random.Random("/".join(map(str, key)))


def draw_params(decl: type[Activation], rng: random.Random, *, grid: float | None = None) -> dict[str, Any]:
    """Random constructor/functional arguments inside each ``Param.sample`` range.

    With ``grid`` the floats are rounded to multiples of it, so that kinks built from them are
    exactly representable in every dtype (bfloat16 included)."""
    params: dict[str, Any] = {}
    for name, spec in decl.params.items():
        if spec.sample is None:
            continue
        if isinstance(spec.sample[0], str):
            params[name] = rng.choice(spec.sample)
        else:
            lo, hi = spec.sample
            v = rng.uniform(lo, hi)
            params[name] = min(max(round(v / grid) * grid, lo), hi) if grid else v
    return params


def tolerance(dtype: torch.dtype) -> dict[str, float]:
    """assert_close tolerances: float64 to float32 precision of torch's own float constants
    (hardsigmoid's 1/6 and celu's 1/alpha are float32 in torch's float64 kernels)."""
    return {
        torch.float64: {"rtol": 1e-7, "atol": 1e-10},
        torch.float32: {"rtol": 1.3e-6, "atol": 1e-5},
        torch.bfloat16: {"rtol": 1.6e-2, "atol": 1e-5},
    }[dtype]


@pytest.fixture(scope="module")
def single_thread() -> Iterator[None]:
    """Tiny tensors: intra-op threads only add overhead (3x on a loaded 2-core machine)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def _arena_one_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Arena tests train tiny networks: one intra-op thread is fastest and leaves the other core free."""
    if "arena" not in request.node.path.parts:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
