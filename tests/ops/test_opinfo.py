"""PyTorch's own OpInfo entries (``torch.testing._internal.common_methods_invocations.op_db``),
run with actlab's function in place of torch's, for every activation torch has an entry for.

Per entry: forward values on the sample and reference inputs in float64 / float32 / bfloat16 /
float16 (against torch; where they differ, ours must be at least as close to the float64 result,
rounded to the dtype, as torch's — actlab rounds once from float32, and returns limits where
torch gives NaN), float64 ``gradcheck`` (backward, forward AD, batched grad and batched forward
grad), ``gradgradcheck`` (double backward, forward over reverse, batched), the in-place variant,
and ``error_inputs`` (the same exception type). Every check runs the operator layer: ops under
reverse mode, the Function tower under forward AD and vmap.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import Tensor

import actlab
import actlab.functional as AF
from actlab.analysis import reference as R
from actlab.kinds import Elementwise

pytest.importorskip("expecttest")  # torch.testing._internal needs it
from torch.testing._internal.common_methods_invocations import (
    op_db,  # noqa: E402
    wrapper_set_seed,  # noqa: E402
)

pytestmark = pytest.mark.usefixtures("single_thread")

DTYPES = (torch.float64, torch.float32, torch.bfloat16, torch.float16)
# ulps by which ours may exceed torch's error: float32 within the accuracy sweep's 4-ulp bound (both
# are a few ulps mid-range; actlab's gain is in the tails); half dtypes round once from float32
BOUND_ULPS = {torch.float32: 4.0, torch.bfloat16: 1.0, torch.float16: 1.0}
# OpInfo name -> actlab.functional name (torch.sigmoid/tanh/softmax/log_softmax are functional in ours)
NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "log_softmax": "log_softmax"}


def _ours_name(opname: str) -> str | None:
    name = NAMES.get(opname) or (opname.removeprefix("nn.functional.") if opname.startswith("nn.functional.") else None)
    return name if name is not None and hasattr(AF, name) else None


ENTRIES = [op for op in op_db if _ours_name(op.name) is not None and op.variant_test_name != "complex"]
IDS = [
    op.name.removeprefix("nn.functional.") + (f".{op.variant_test_name}" if op.variant_test_name else "")
    for op in ENTRIES
]


def ours(op: Any) -> Callable[..., Tensor]:
    fn = getattr(AF, _ours_name(op.name))
    if op.name == "nn.functional.rrelu":  # random: both libraries reseeded before every call
        return lambda x, *a, **k: wrapper_set_seed(fn, x, *a, **k)
    return fn


def _float_dtypes(op: Any) -> list[torch.dtype]:
    return [d for d in DTYPES if d in op.supported_dtypes("cpu")]


def _ulp(dtype: torch.dtype, ref: Tensor) -> Tensor:
    """One unit in the last place of ``dtype`` at |ref| (ref in float64)."""
    info = torch.finfo(dtype)
    mag = ref.abs().clamp(min=info.tiny)
    return torch.exp2(torch.floor(torch.log2(mag)) - (info.nmant if hasattr(info, "nmant") else _mant(dtype)))


def _mant(dtype: torch.dtype) -> int:
    return {torch.float64: 52, torch.float32: 23, torch.bfloat16: 7, torch.float16: 10}[dtype]


def _close_or_better(got: Tensor, theirs: Tensor, exact: Tensor, dtype: torch.dtype) -> None:
    """``got`` equals torch's result, or is at least as close to the exact value (float64) as
    torch's, within one ulp of the dtype; NaN only where the exact value is NaN."""
    got, theirs, exact = got.double(), theirs.double(), exact.double()
    same = (got == theirs) | (got.isnan() & theirs.isnan())
    ulp = _ulp(dtype, exact) if dtype != torch.float64 else exact.abs() * 2.0**-45 + 1e-300
    err = (got - exact).abs()
    err = torch.where(got == exact, 0.0, err)  # inf == inf
    their_err = torch.where(theirs == exact, 0.0, (theirs - exact).abs())
    their_err = torch.where(their_err.isnan(), math.inf, their_err)
    ok = same | (err <= their_err + BOUND_ULPS[dtype] * ulp)
    assert bool(ok.all()), (got[~ok][:5], theirs[~ok][:5], exact[~ok][:5])


def _limits(op: Any, x: Tensor, y: Tensor, kwargs: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Where torch's float64 ``y`` is NaN for a non-NaN input of an elementwise op (inf * 0,
    inf / inf at +-inf, overflow of x^3), the 128-bit mpmath value (the limit) instead, and the mask."""
    decl = actlab.declaration(_ours_name(op.name))
    elementwise = issubclass(decl, Elementwise) and x.shape == y.shape
    wrong = y.isnan() & ~x.isnan() if elementwise else torch.zeros_like(y, dtype=torch.bool)
    if not wrong.any():
        return y, wrong
    params = {k: v for k, v in kwargs.items() if not isinstance(v, Tensor) and k not in ("inplace", "training")}
    ref = R.evaluate(R.REFERENCES[decl.name].f, x[wrong].double().tolist(), params)
    y = y.double().clone()
    y[wrong] = torch.tensor(ref, dtype=torch.float64)
    return y, wrong


def _equal_or_the_limit(op: Any, got: Tensor, theirs: Tensor, x: Tensor, kwargs: dict[str, Any]) -> None:
    """float64: torch's values, except where torch is NaN but the function has a limit."""
    exact, wrong = _limits(op, x, theirs, kwargs)
    torch.testing.assert_close(got, exact.to(got.dtype), rtol=1e-7, atol=1e-12, equal_nan=True)
    assert not got[wrong].isnan().any()


def _exact_input(sample: Any) -> tuple[Tensor, tuple, dict]:
    """The sample in float64 (the 'exact' value for low-precision comparisons)."""

    def up(v: Any) -> Any:
        return v.detach().double() if isinstance(v, Tensor) and v.is_floating_point() else v

    kwargs = {k: up(v) for k, v in sample.kwargs.items() if k != "dtype"}
    return up(sample.input), tuple(up(a) for a in sample.args), kwargs


@pytest.mark.parametrize("op", ENTRIES, ids=IDS)
def test_forward_values_every_dtype(op: Any) -> None:
    fn = ours(op)
    for dtype in _float_dtypes(op):
        for sample in [*op.sample_inputs("cpu", dtype), *op.reference_inputs("cpu", dtype)]:
            x, args, kwargs = sample.input, sample.args, sample.kwargs
            theirs = op(x.clone(), *args, **kwargs)
            got = fn(x.clone(), *args, **kwargs)
            assert got.dtype == theirs.dtype and got.shape == theirs.shape
            if dtype == torch.float64:
                _equal_or_the_limit(op, got, theirs, x, kwargs)
            elif "dtype" not in kwargs:
                xe, ae, ke = _exact_input(sample)
                exact, _ = _limits(op, xe, op(xe, *ae, **ke), ke)
                _close_or_better(got, theirs, exact, dtype)


def _grad_samples(op: Any, limit: int | None = None) -> list[Any]:
    """float64 samples with 1 to 256 elements (numerical Jacobians cost one evaluation per
    element), the first ``limit`` of them."""
    samples = op.sample_inputs("cpu", torch.float64, requires_grad=True)
    return [s for s in samples if 0 < s.input.numel() <= 256][:limit]


def _fixed(op: Any, sample: Any) -> tuple[Callable[..., Tensor], tuple[Tensor, ...]]:
    """ours as a function of every tensor that requires grad (input, and PReLU's weight)."""
    fn = ours(op)
    names = [k for k, v in sample.kwargs.items() if isinstance(v, Tensor) and v.requires_grad]

    def call(x: Tensor, *ws: Tensor) -> Tensor:
        return fn(x, *sample.args, **{**sample.kwargs, **dict(zip(names, ws))})

    return call, (sample.input, *(sample.kwargs[k] for k in names))


@pytest.mark.parametrize("op", ENTRIES, ids=IDS)
def test_gradcheck_forward_ad_and_batched(op: Any) -> None:
    """Backward and forward-mode AD on every sample; batched backward (vmap over grad_outputs)
    and batched forward AD (vmap over tangents) on the first two."""
    for i, sample in enumerate(_grad_samples(op)):
        fn, inputs = _fixed(op, sample)
        batched = i < 2
        assert torch.autograd.gradcheck(
            fn,
            inputs,
            check_forward_ad=op.supports_forward_ad,
            check_backward_ad=True,
            check_batched_grad=batched and op.check_batched_grad,
            check_batched_forward_grad=batched and op.check_batched_forward_grad,
        )


@pytest.mark.parametrize("op", ENTRIES, ids=IDS)
def test_gradgradcheck_and_forward_over_reverse(op: Any) -> None:
    """Double backward for every entry (torch's Hardsigmoid has none; ours has), forward over
    reverse (OpInfo's fwgrad_bwgrad) on the first four samples, batched double backward on the first."""
    for i, sample in enumerate(_grad_samples(op, limit=4)):
        fn, inputs = _fixed(op, sample)
        assert torch.autograd.gradgradcheck(
            fn,
            inputs,
            check_fwd_over_rev=True,
            check_rev_over_rev=True,
            check_batched_grad=i == 0 and op.check_batched_gradgrad,
        )


INPLACE = [
    (op, i)
    for op, i in zip(ENTRIES, IDS)
    if op.inplace_variant is not None and "inplace" in inspect.signature(getattr(AF, _ours_name(op.name))).parameters
]


@pytest.mark.parametrize("op", [op for op, _ in INPLACE], ids=[i for _, i in INPLACE])
def test_inplace_variant(op: Any) -> None:
    fn = ours(op)
    for dtype in _float_dtypes(op):
        for sample in op.sample_inputs("cpu", dtype):
            x = sample.input.clone()
            expected = op.inplace_variant(sample.input.clone(), *sample.args, **sample.kwargs)
            got = fn(x, *sample.args, **{**sample.kwargs, "inplace": True})
            assert got is x
            tol = {} if dtype in (torch.float64, torch.float32) else {"rtol": 1.6e-2, "atol": 1e-3}
            torch.testing.assert_close(got, expected, equal_nan=True, **tol)


ERRORS = [(op, i) for op, i in zip(ENTRIES, IDS) if op.error_inputs_func is not None]


@pytest.mark.parametrize("op", [op for op, _ in ERRORS], ids=[i for _, i in ERRORS])
def test_error_inputs(op: Any) -> None:
    """torch's error inputs raise the same exception type (ours may be a subclass)."""
    fn = ours(op)
    for err in op.error_inputs("cpu"):
        s = err.sample_input
        with pytest.raises(err.error_type):
            fn(s.input, *s.args, **s.kwargs)


def test_every_torch_activation_with_an_entry_is_covered() -> None:
    """The entries cover the 28 torch.nn activations that have a functional form in op_db."""
    covered = {_ours_name(op.name) for op in ENTRIES}
    expected = {
        "relu", "gelu", "silu", "mish", "elu", "celu", "selu", "prelu", "rrelu", "glu", "softmax", "softmin",
        "log_softmax", "sigmoid", "tanh", "hardswish", "hardsigmoid", "hardtanh", "relu6", "leaky_relu",
        "logsigmoid", "softplus", "softsign", "tanhshrink", "hardshrink", "softshrink", "threshold",
    }  # fmt: skip
    assert expected <= covered
