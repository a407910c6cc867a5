"""The operators' autograd rules: what is saved for backward (checked with
``saved_tensors_hooks``), in-place behaviour as torch's (output saved, one version bump,
version-counter checks, leaf errors, double backward) and half-precision round trips."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab import ops
from actlab.kinds import Normalizer, Parametric, ParametricNormalizer
from gradcases import Case, all_cases, elementwise_declarations, elementwise_input, sample_params

CASES = all_cases()
INPLACE = [d for d in elementwise_declarations() if d.inplace]
OUTPUT_SAVING = [d for d in INPLACE if d.df_y is not None]


@contextmanager
def recording() -> Iterator[list[Tensor]]:
    """Every tensor autograd saves for backward inside the block (Functions' saves included)."""
    saved: list[Tensor] = []

    def pack(t: Tensor) -> Tensor:
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield saved


def same_storage(a: Tensor, b: Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def _params(decl) -> dict:
    return sample_params(decl, random.Random(0))


def _nonleaf(decl, p: dict, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    leaf = elementwise_input(decl, p, (4, 6), torch.Generator().manual_seed(0)).to(dtype).requires_grad_()
    return leaf, leaf * 1.0


# ---- what is saved, for every declaration -------------------------------------------------------
def expected_saves(case: Case, out: Tensor) -> list[Tensor | tuple[int, ...]]:
    """What backward needs: the output (normalisers; ReLU, whose f' is exact in y), the
    inputs (parametric kinds: x and their tensors), the learnable tensors and the output
    (EntmaxBisect), else x alone; a shape where the saved tensor is new (RReLU's noise)."""
    x = case.inputs[0]
    if issubclass(case.decl, ParametricNormalizer):
        return [*case.inputs[1:], out]
    if issubclass(case.decl, Normalizer):
        return [out]
    if issubclass(case.decl, Parametric):
        return list(case.inputs)
    if case.params.get("training"):
        return [tuple(x.shape)]  # RReLU training: the noise only
    if getattr(case.decl, "save_output", False) and case.decl.df_y is not None:
        return [out]  # ReLU: f' is exact in y, which the next layer saves anyway
    return [x]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_saves_only_what_backward_needs(case: Case) -> None:
    with recording() as saved:
        out = case.call(*case.inputs)
    want = expected_saves(case, out)
    assert len(saved) == len(want), [tuple(s.shape) for s in saved]
    for s, w in zip(saved, want):
        if isinstance(w, tuple):
            assert tuple(s.shape) == w and not any(same_storage(s, t) for t in (*case.inputs, out))
        else:
            assert same_storage(s, w) and s.numel() == w.numel() and s.dtype == w.dtype  # PReLU: w as a view
    # the Derivative Function of the first backward (create_graph) saves g and the same tensors,
    # or nothing when no saved tensor depends on the inputs (RReLU's noise: f'' = 0)
    g = torch.ones_like(out)
    with recording() as saved2:
        torch.autograd.grad(out, case.inputs, g, create_graph=True)
    if not any(s.requires_grad for s in saved):
        assert saved2 == []
        return
    assert len(saved2) == 1 + len(saved)
    assert same_storage(saved2[0], g)
    for s, t in zip(saved2[1:], saved):
        assert same_storage(s, t)


def test_every_case_id_is_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


# ---- in place ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("decl", INPLACE, ids=[d.name for d in INPLACE])
def test_inplace_matches_torch_and_saves_the_output_or_a_clone(decl) -> None:
    p = _params(decl)
    fn = getattr(F, decl.function)
    leaf, h = _nonleaf(decl, p)
    version = h._version
    with recording() as saved:
        y = fn(h, **p, inplace=True)
    assert y is h and h._version == version + 1  # one bump, as torch's in-place ops
    assert len(saved) == 1 and saved[0].shape == h.shape
    if decl.df_y is not None and decl.output_ok(h.dtype, **p):
        assert same_storage(saved[0], y)  # f' written with y, as torch's in-place kernels
    else:
        assert not same_storage(saved[0], y)  # the input, cloned before it is overwritten
    (g,) = torch.autograd.grad(y.sum(), leaf)
    if decl.in_torch:
        tleaf = leaf.detach().clone().requires_grad_()
        ty = getattr(torch.nn.functional, decl.function)(tleaf * 1.0, **p, inplace=True)
        (tg,) = torch.autograd.grad(ty.sum(), tleaf)
        rtol = 1e-7 if decl.function in ("hardsigmoid", "celu") else 1e-12  # torch's float32 constants
        torch.testing.assert_close(y.detach(), ty.detach(), rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(g, tg, rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("decl", OUTPUT_SAVING, ids=[d.name for d in OUTPUT_SAVING])
def test_inplace_double_backward_equals_out_of_place(decl) -> None:
    p = _params(decl)
    fn = getattr(F, decl.function)
    results = []
    for inplace in (False, True):
        leaf, h = _nonleaf(decl, p)
        y = fn(h, **p, inplace=inplace)
        w = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)
        (g1,) = torch.autograd.grad(y, leaf, w, create_graph=True)
        (g2,) = torch.autograd.grad(g1, leaf, w, create_graph=True) if g1.requires_grad else (torch.zeros_like(g1),)
        results.append((g1.detach(), g2.detach()))
    torch.testing.assert_close(results[0][0], results[1][0], rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(results[0][1], results[1][1], rtol=1e-14, atol=1e-15)
    assert torch.autograd.gradgradcheck(lambda t: fn(t * 1.0, **p, inplace=True), (leaf,))


@pytest.mark.parametrize(
    "run",
    [
        lambda h: F.relu(h, inplace=True),
        lambda h: F.elu(h, inplace=True),
        lambda h: F.hardtanh(h, -0.5, 0.5, inplace=True),
    ],
    ids=["relu", "elu", "hardtanh"],
)
def test_modifying_the_saved_output_afterwards_raises(run: Callable[[Tensor], Tensor]) -> None:
    leaf = torch.randn(8, dtype=torch.float64, requires_grad=True)
    y = run(leaf * 1.0)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_the_saved_input_afterwards_raises() -> None:
    leaf = torch.randn(8, dtype=torch.float64, requires_grad=True)
    h = leaf * 1.0
    y = F.gelu(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("decl", INPLACE, ids=[d.name for d in INPLACE])
def test_inplace_on_a_leaf_that_requires_grad_raises(decl) -> None:
    p = _params(decl)
    leaf = torch.randn(5, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, decl.function)(leaf, **p, inplace=True)


def test_inplace_without_grad_writes_the_values_and_records_nothing() -> None:
    x = torch.randn(6)
    want = torch.nn.functional.elu(x, 0.5)
    with recording() as saved:
        y = F.elu(x, 0.5, inplace=True)
    assert y is x and not saved and y.grad_fn is None
    torch.testing.assert_close(y, want)


def test_inplace_fallback_for_negative_alpha_saves_the_input() -> None:
    """ELU with alpha < 0 is not invertible from y, so the input is cloned first (as torch)."""
    leaf = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    h = leaf * 1.0
    with recording() as saved:
        y = F.elu(h, -0.5, inplace=True)
    assert y is h and len(saved) == 1 and not same_storage(saved[0], y)
    (g,) = torch.autograd.grad(y.sum(), leaf)
    torch.testing.assert_close(g, actlab.declaration("ELU").df(leaf.detach(), alpha=-0.5))


# ---- half precision ------------------------------------------------------------------------------
HALF_WITH_TORCH = [d for d in OUTPUT_SAVING if d.in_torch]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("decl", HALF_WITH_TORCH, ids=[d.name for d in HALF_WITH_TORCH])
def test_half_dtypes_round_trip_in_place_and_out(decl, dtype: torch.dtype) -> None:
    """Values, saved tensors and gradients stay in the half dtype; they equal torch's in place
    and out of place (f' from a rounded y, as torch's in-place kernels compute it)."""
    p = _params(decl)
    for inplace in (False, True):
        out = []
        for fn in (getattr(F, decl.function), getattr(torch.nn.functional, decl.function)):
            leaf, h = _nonleaf(decl, p, dtype)
            with recording() as saved:
                y = fn(h, **p, inplace=inplace)
            (g,) = torch.autograd.grad(y.sum(), leaf)
            out.append((y.detach(), g, saved))
        (y, g, saved), (ty, tg, _) = out
        assert y.dtype == g.dtype == dtype and all(s.dtype == dtype for s in saved)
        torch.testing.assert_close(y, ty)
        torch.testing.assert_close(g, tg)


def test_half_inplace_hardtanh_with_bounds_off_the_half_grid() -> None:
    """-0.551 rounds to -0.55078 in float16: y = -0.55078 must still count as clamped."""
    x = torch.tensor([-3.0, -0.25, 2.0], dtype=torch.float16)
    for fn in (F.hardtanh, torch.nn.functional.hardtanh):
        leaf = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(fn(leaf * 1.0, -0.551, 1.7, inplace=True).sum(), leaf)
        assert g.tolist() == [0.0, 1.0, 0.0]


def test_operator_rejects_bool_and_non_tensor_inputs() -> None:
    operator = ops.operator(actlab.declaration("ReLU"))
    with pytest.raises(TypeError, match="floating-point or integer"):
        operator(torch.tensor([True, False]))
    with pytest.raises(TypeError, match="must be Tensor"):
        operator([1.0, 2.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("decl", INPLACE, ids=[d.name for d in INPLACE])
def test_inplace_bumps_the_version_once_without_grad_too(decl) -> None:
    p = _params(decl)
    for ctx in (torch.no_grad, torch.enable_grad):
        x = torch.randn(5, dtype=torch.float64)
        v = x._version
        with ctx():
            getattr(F, decl.function)(x, **p, inplace=True)
        assert x._version == v + 1
