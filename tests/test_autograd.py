"""The hand-derived autograd Functions: gradcheck, gradgradcheck, agreement with autograd of
``decl.f`` and with torch, third derivatives, kink conventions, and +-inf / NaN inputs.

Every registered declaration is covered through :mod:`tests.gradcases` (new declarations are
picked up by iterating the registry)."""

from __future__ import annotations

import math
import random

import mpmath
import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.kinds import Activation
from gradcases import Case, all_cases, builtin_declarations, cases, elementwise_declarations, sample_params

CASES = all_cases()
ELEMENTWISE = elementwise_declarations()
WITH_TORCH = [d for d in ELEMENTWISE if d.in_torch]
INF = float("inf")
# torch's float64 kernels that use a float32 constant (1/6 in hardsigmoid's backward, 1/alpha in
# celu's): they agree with the exact value only to float32 precision.
TORCH_RTOL = {"hardsigmoid": 1e-7, "celu": 1e-7}


def torch_rtol(decl: type[Activation], rtol: float) -> float:
    return max(rtol, TORCH_RTOL.get(decl.function, 0.0))


def grads(fn, x: Tensor, order: int = 2) -> list[Tensor]:
    """[f'(x), f''(x), ...] of an elementwise ``fn`` (as ``grad(sum)``), zeros where the graph ends."""
    out, y = [], fn(x)
    for _ in range(order):
        if not y.requires_grad:
            out.append(torch.zeros_like(x))
            y = out[-1]
            continue
        (y,) = torch.autograd.grad(y.sum(), x, create_graph=True)
        out.append(y)
    return [t.detach() for t in out]


def test_every_builtin_declaration_has_cases() -> None:
    for decl in builtin_declarations():
        assert cases(decl), decl.name


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradcheck_and_gradgradcheck(case: Case) -> None:
    assert torch.autograd.gradcheck(case.call, case.inputs)
    assert torch.autograd.gradgradcheck(case.call, case.inputs)


@pytest.mark.parametrize("case", [c for c in CASES if c.torch_call], ids=[c.id for c in CASES if c.torch_call])
def test_first_and_second_order_gradients_match_torch(case: Case) -> None:
    """Same random inputs, same random upstream gradient: ours and torch's VJPs and the
    gradients of <VJP, v> agree in float64 (torch's hardsigmoid has no double backward)."""
    results = []
    for call in (case.call, case.torch_call):
        gen = torch.Generator().manual_seed(0)
        inputs = tuple(t.detach().clone().requires_grad_() for t in case.inputs)
        y = call(*inputs)
        g = torch.randn(y.shape, generator=gen, dtype=y.dtype)
        first = torch.autograd.grad(y, inputs, g, create_graph=True)
        vs = [torch.randn(t.shape, generator=gen, dtype=t.dtype) for t in first]
        total = sum((f * v).sum() for f, v in zip(first, vs))
        second = None
        if total.requires_grad and case.decl.name != "Hardsigmoid":
            second = torch.autograd.grad(total, inputs, allow_unused=True, materialize_grads=True)
        results.append((y.detach(), [t.detach() for t in first], second))
    (y, first, second), (ty, tfirst, tsecond) = results
    torch.testing.assert_close(y, ty, rtol=torch_rtol(case.decl, 1e-12), atol=1e-14)
    for a, b in zip(first, tfirst):
        torch.testing.assert_close(a, b, rtol=torch_rtol(case.decl, 1e-10), atol=1e-13)
    if second is not None and tsecond is not None:
        for a, b in zip(second, tsecond):
            torch.testing.assert_close(a, b, rtol=torch_rtol(case.decl, 1e-9), atol=1e-12)


def test_torch_hardsigmoid_fails_gradgradcheck_ours_passes() -> None:
    x = torch.tensor([-2.0, -0.5, 1.0, 2.5], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="hardsigmoid_backward is not implemented"):
        torch.autograd.gradgradcheck(torch.nn.functional.hardsigmoid, (x,))
    assert torch.autograd.gradgradcheck(F.hardsigmoid, (x,))


# ---- f', f'' against autograd of the forward --------------------------------------------------
def _grid(decl: type[Activation], p: dict, n: int = 4001, margin: float = 1e-6) -> Tensor:
    """Dense float64 grid over the plot range (widened by 2), shifted off 0, minus the kinks."""
    lo, hi = decl.x_range
    x = torch.linspace(lo - 2.0, hi + 2.0, n, dtype=torch.float64) + 1e-3 * math.pi
    for k in decl.kinks(**p):
        x = x[(x - k).abs() > margin]
    return x


POINTWISE = [*ELEMENTWISE, actlab.declaration("RReLU")]  # RReLU's f, df, d2f are its evaluation mode


@pytest.mark.parametrize("decl", POINTWISE, ids=[d.name for d in POINTWISE])
def test_df_and_d2f_match_autograd_of_f(decl: type[Activation]) -> None:
    """atol 1e-13: autograd of expm1 (grad = result + 1) and of the tanh quotient loses relative
    accuracy where f' is tiny; the hand-derived forms are the accurate ones there."""
    for seed in range(2):
        p = sample_params(decl, random.Random(seed))
        x = _grid(decl, p).requires_grad_()
        d1, d2 = grads(lambda t, p=p: decl.f(t, **p), x)
        torch.testing.assert_close(decl.df(x.detach(), **p), d1, rtol=1e-10, atol=1e-13)
        torch.testing.assert_close(decl.d2f(x.detach(), **p), d2, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("decl", POINTWISE, ids=[d.name for d in POINTWISE])
def test_third_derivative_through_autograd_matches_finite_differences(decl: type[Activation]) -> None:
    p = sample_params(decl, random.Random(7))
    lo, hi = decl.x_range
    x = torch.linspace(lo, hi, 97, dtype=torch.float64) + 1e-2 * math.e
    for k in decl.kinks(**p):
        x = x[(x - k).abs() > 1e-2]
    fn = getattr(F, decl.function)
    d1, d2, d3 = grads(lambda t: fn(t, **p), x.clone().requires_grad_(), order=3)
    h = 1e-5
    fd = (decl.d2f(x + h, **p) - decl.d2f(x - h, **p)) / (2 * h)
    torch.testing.assert_close(d3, fd, rtol=1e-5, atol=1e-6)
    assert_conditioned(d1, decl.df(x, **p), x * d2 / d1)
    assert_conditioned(d2, decl.d2f(x, **p), x * d3 / d2)


def assert_conditioned(value: Tensor, expected: Tensor, cond: Tensor, rtol: float = 1e-14) -> None:
    """|value - expected| <= rtol x max(1, |cond|) x |expected|: cond = x g'/g, how much a relative
    rounding of x (or of e^x, computed from x) moves g. Where g is a double exponential (GoLU's
    e^{-e^{-x}} at 1e-59) the native kernel and the declaration both round e^{-x} and differ by
    1e-14 x 660, by CPU (torch's exp on an Intel Xeon differs from its exp on an AMD EPYC)."""
    bound = rtol * cond.abs().nan_to_num(nan=1.0, posinf=1.0).clamp(min=1.0) * expected.abs()
    bad = ((value - expected).abs() > bound) & ~(value == expected)
    assert not bad.any(), (value[bad], expected[bad], cond[bad])


# ---- kinks ---------------------------------------------------------------------------------------
def _kink_params(decl: type[Activation]) -> list[dict]:
    defaults = {k: v.default for k, v in decl.params.items() if v.default is not None}
    if decl.name == "Threshold":
        defaults = {"threshold": 1.0, "value": 0.0}
    return [defaults, sample_params(decl, random.Random(3))]


@pytest.mark.parametrize("decl", WITH_TORCH, ids=[d.name for d in WITH_TORCH])
def test_derivatives_at_kinks_match_torch(decl: type[Activation]) -> None:
    """f' at every kink as torch; f'' too where torch has a double backward."""
    for p in _kink_params(decl):
        kinks = decl.kinks(**p)
        if not kinks:
            continue
        x = torch.tensor(kinks, dtype=torch.float64)
        ours = grads(lambda t, p=p: getattr(F, decl.function)(t, **p), x.clone().requires_grad_())
        if decl.name == "Hardsigmoid":  # torch: no double backward
            theirs = grads(lambda t: torch.nn.functional.hardsigmoid(t), x.clone().requires_grad_(), order=1)
            theirs.append(torch.zeros_like(x))
        else:
            theirs = grads(
                lambda t, p=p: getattr(torch.nn.functional, decl.function)(t, **p), x.clone().requires_grad_()
            )
        rtol = torch_rtol(decl, 1e-14)
        torch.testing.assert_close(ours[0], theirs[0], rtol=rtol, atol=0, msg=f"{decl.name} f' at {kinks} {p}")
        torch.testing.assert_close(ours[1], theirs[1], rtol=rtol, atol=0, msg=f"{decl.name} f'' at {kinks} {p}")


ALPHA, SLOPE, LAMBDA = 0.7, 0.2, 0.4
KINK_VALUES = [  # (function, params, x, f'(x), f''(x)): the conventions the declarations document
    ("relu", {}, 0.0, 0.0, 0.0),
    ("relu6", {}, 0.0, 0.0, 0.0),
    ("relu6", {}, 6.0, 0.0, 0.0),
    ("leaky_relu", {"negative_slope": SLOPE}, 0.0, SLOPE, 0.0),
    ("hardsigmoid", {}, -3.0, 0.0, 0.0),
    ("hardsigmoid", {}, 3.0, 0.0, 0.0),
    ("hardswish", {}, -3.0, 0.0, 0.0),
    ("hardswish", {}, 3.0, 1.0, 0.0),
    ("elu", {"alpha": ALPHA}, 0.0, ALPHA, 0.0),
    ("celu", {"alpha": ALPHA}, 0.0, 1.0, 0.0),
    ("selu", {}, 0.0, 1.0507009873554805 * 1.6732632423543772, 0.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 1.5}, -2.0, 0.0, 0.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 1.5}, 1.5, 0.0, 0.0),
    ("hardshrink", {"lambd": LAMBDA}, -LAMBDA, 0.0, 0.0),
    ("hardshrink", {"lambd": LAMBDA}, LAMBDA, 0.0, 0.0),
    ("softshrink", {"lambd": LAMBDA}, -LAMBDA, 0.0, 0.0),
    ("softshrink", {"lambd": LAMBDA}, LAMBDA, 0.0, 0.0),
    ("threshold", {"threshold": 0.5, "value": -1.0}, 0.5, 0.0, 0.0),
    ("softplus", {"beta": 2.0, "threshold": 10.0}, 5.0, 1 / (1 + math.exp(-10.0)), 0.0),  # f'' = 0 here (torch)
    ("softplus", {"beta": 2.0, "threshold": 10.0}, 5.0 + 1e-9, 1.0, 0.0),
    ("softsign", {}, 0.0, 1.0, 0.0),
    ("smooth_hardswish", {}, -3.0, 0.0, 0.0),
    ("smooth_hardswish", {}, 3.0, 1.0, 0.0),
    ("rrelu", {"lower": 0.1, "upper": 0.3}, 0.0, 0.2, 0.0),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINK_VALUES, ids=[f"{r[0]}@{r[2]:g}" for r in KINK_VALUES])
def test_documented_kink_values(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    """The values the ``kink_convention`` texts state; the same values in torch where it has the op
    (torch's elu''(0) = 0 although elu'(0) = alpha; hardsigmoid has no double backward)."""
    t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    ours = grads(lambda u: getattr(F, fn)(u, **p), t)
    assert ours[0].item() == pytest.approx(d1, rel=1e-15, abs=0)
    assert ours[1].item() == pytest.approx(d2, rel=1e-7, abs=0)
    tfn = getattr(torch.nn.functional, fn, None)
    if tfn is not None:
        theirs = grads(
            lambda u: tfn(u, **p), t.detach().clone().requires_grad_(), order=1 if fn == "hardsigmoid" else 2
        )
        assert theirs[0].item() == pytest.approx(d1, rel=TORCH_RTOL.get(fn, 1e-15), abs=0)
        if fn != "hardsigmoid":
            assert theirs[1].item() == pytest.approx(d2, rel=1e-7, abs=0)


def test_every_declaration_with_kinks_documents_its_convention() -> None:
    for decl in ELEMENTWISE:
        p = _kink_params(decl)[0]
        if decl.kinks(**p):
            assert decl.kink_convention, decl.name


# ---- non-finite inputs ---------------------------------------------------------------------------
def _settled(v: Tensor) -> Tensor:
    """A value at +-1e200 as the limit it stands for: beyond 1e100 the derivative grows without
    bound (SquaredReLU's 2x: inf), below 1e-100 it decays like a power (Symlog's 1/(1 + |x|): 0)."""
    return torch.where(v.abs() > 1e100, v * INF, torch.where(v.abs() < 1e-100, v * 0.0, v))


def _oscillates(decl: type[Activation]) -> Tensor:
    """Per side (-inf, +inf): whether f' has no limit there (GCU, Sine: the 128-bit reference is NaN)."""
    from actlab.analysis.reference import REFERENCES

    ref = REFERENCES.get(decl.name)
    if ref is None:
        return torch.zeros(2, dtype=torch.bool)
    p = _kink_params(decl)[0]
    return torch.tensor([math.isnan(float(ref.df(mpmath.mpf(s) * mpmath.inf, **p))) for s in (-1, 1)])


@pytest.mark.parametrize("decl", POINTWISE, ids=[d.name for d in POINTWISE])
def test_gradients_at_infinity_are_the_limits(decl: type[Activation]) -> None:
    """f'(+-inf), f''(+-inf) through the Functions equal the values at +-1e200, where every f'
    and f'' has settled in float64 (:func:`_settled`: a power-law decay or growth counts as its
    limit 0 or inf), and NaN where f' has no limit (periodic functions). torch is NaN for silu,
    gelu, mish, softsign."""
    p = _kink_params(decl)[0]
    x = torch.tensor([-INF, INF], dtype=torch.float64, requires_grad=True)
    d1, d2 = grads(lambda t: getattr(F, decl.function)(t, **p), x)
    far = torch.tensor([-1e200, 1e200], dtype=torch.float64)
    none = _oscillates(decl)
    lim1 = torch.where(none, math.nan, _settled(decl.df(far, **p)))
    lim2 = torch.where(none, math.nan, _settled(decl.d2f(far, **p)))
    torch.testing.assert_close(d1, lim1, rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(d2, lim2, rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("decl", WITH_TORCH, ids=[d.name for d in WITH_TORCH])
def test_gradient_at_nan_as_torch(decl: type[Activation]) -> None:
    """Smooth functions give NaN; piecewise ones take the branch their comparison selects, as torch
    (relu'(NaN) = 1, hardtanh'(NaN) = 1, hardsigmoid'(NaN) = 0)."""
    p = _kink_params(decl)[0]
    x = torch.tensor([math.nan], dtype=torch.float64, requires_grad=True)
    (ours,) = grads(lambda t: getattr(F, decl.function)(t, **p), x, order=1)
    (theirs,) = grads(
        lambda t: getattr(torch.nn.functional, decl.function)(t, **p), x.detach().clone().requires_grad_(), order=1
    )
    torch.testing.assert_close(ours, theirs, equal_nan=True, rtol=0, atol=0)


def test_normalizers_and_glu_with_infinite_inputs() -> None:
    """softmax of [-inf, 0, 1] has a zero weight at -inf and a finite gradient everywhere."""
    x = torch.tensor([-INF, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    g = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    for fn, tfn in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
        (ours,) = torch.autograd.grad(fn(x, dim=0), x, g)
        (theirs,) = torch.autograd.grad(tfn(x, 0), x, g)
        assert torch.isfinite(ours).all()
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=0)
    xg = torch.tensor([2.0, -INF], dtype=torch.float64, requires_grad=True)  # a sigma(b), b = -inf
    (gg,) = torch.autograd.grad(F.glu(xg, 0).sum(), xg)
    assert gg.tolist() == [0.0, 0.0]
