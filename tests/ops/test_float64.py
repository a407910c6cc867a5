"""float64 stays float64. Every declaration's math in every derivative mode of the Function tower
(forward AD, backward, double backward, forward over reverse) on float64 inputs: no op sees a
floating tensor of another dtype (a Python float constant that becomes a float32 tensor, e.g.
``torch.where(c, 1 / 6, 0.0)``, would round the result to float32); and the forward-mode f' of
every elementwise declaration equals the 128-bit reference to float64 precision."""

from __future__ import annotations

import random
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.autograd import forward_ad
from torch.func import jacfwd
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

import actlab.functional as F
from actlab.analysis import reference as R
from gradcases import Case, all_cases, elementwise_declarations, elementwise_input, sample_params

pytestmark = pytest.mark.usefixtures("single_thread")
CASES = all_cases()


class OtherFloats(TorchDispatchMode):
    """Records every op that sees (or makes) a floating tensor that is not float64."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves((args, kwargs, out)):
            if isinstance(t, Tensor) and t.is_floating_point() and t.dtype != torch.float64:
                self.seen.append(f"{func}: {t.dtype} {tuple(t.shape)}")
                break
        return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_derivative_mode_computes_float64_in_float64(case: Case) -> None:
    """Inside a forward-AD level every call runs the tower: its jvp; backward through it (with
    tangents: forward over reverse); and backward again (double backward)."""
    inputs = [t.detach().requires_grad_() for t in case.inputs]
    gen = torch.Generator().manual_seed(0)
    tangents = [torch.randn(t.shape, generator=gen, dtype=t.dtype) for t in inputs]
    spy = OtherFloats()
    with spy, forward_ad.dual_level():
        y = case.call(*(forward_ad.make_dual(t, u) for t, u in zip(inputs, tangents)))
        assert forward_ad.unpack_dual(y).tangent is not None
        w = torch.randn(y.shape, generator=gen, dtype=y.dtype)
        grads = torch.autograd.grad((y * w).sum(), inputs, create_graph=True, allow_unused=True)
        first = [g for g in grads if g is not None and g.requires_grad]
        if first:
            torch.autograd.grad(sum((g * g).sum() for g in first), inputs, allow_unused=True)
    assert not spy.seen, spy.seen[:5]


ELEMENTWISE = elementwise_declarations()


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=[d.name for d in ELEMENTWISE])
def test_forward_mode_derivative_equals_the_128_bit_reference_in_float64(decl: Any) -> None:
    """jacfwd of the functional form (f'(x) by the tower's jvp) at points away from the kinks,
    within 1e-12 relative (a float32 constant is 3e-8 off)."""
    p = sample_params(decl, random.Random(decl.name))
    x = elementwise_input(decl, p, (64,), torch.Generator().manual_seed(1))
    fn = getattr(F, decl.function)
    got = torch.vmap(jacfwd(lambda t: fn(t, **p)))(x)
    ref = torch.tensor(R.evaluate(R.reference(decl.name).df, x.tolist(), p), dtype=torch.float64)
    torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-14, equal_nan=True)
