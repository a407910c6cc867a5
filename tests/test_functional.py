"""actlab.functional against torch.nn.functional, for every registered activation that has a
torch counterpart (the registry is iterated: a new declaration is tested without edits here).

* random valid parameters (``Param.sample``), shapes 0-d / empty / 1-d / transposed / strided /
  (N, C, H, W), float64 / float32 / bfloat16: values (NaN == NaN) and gradients; float64 second
  derivatives;
* extremal inputs (+-0, +-inf, NaN, +-1e30, +-max, subnormals, every kink and its two
  neighbours) one element at a time, forward and gradient, except the documented points where
  torch is mathematically wrong: there our value must be the limit (``TORCH_WRONG``);
* in-place forms, signatures, argument errors side by side with torch, non-tensor and integer
  inputs.  See docs/parity.md.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor, nn

import actlab.functional as AF
from actlab.kinds import Activation, Elementwise, Normalizer, Parametric, SplitGate
from conftest import draw_params, rng_for, tolerance, torch_declarations

pytestmark = pytest.mark.usefixtures("single_thread")
DECLS = torch_declarations()
POINTWISE = [d for d in DECLS if issubclass(d, Elementwise)]  # RReLU (Random): in evaluation mode
INPLACE = [d for d in POINTWISE if d.inplace]
DTYPES = (torch.float64, torch.float32, torch.bfloat16)
SHAPES = {"0-d": (), "empty": (0, 4), "1-d": (9,), "transposed": (6, 4), "strided": (6, 9), "NCHW": (2, 4, 3, 3)}
INF, NAN = math.inf, math.nan

# Points where torch 2.13 is mathematically wrong (NaN from inf * 0 or inf / inf, or an
# intermediate overflow) and we return the limit / the exact value instead:
# (function, point) -> (f, f'), "x" standing for the input itself; the same for every parameter
# value (gelu: both approximations) and dtype. Everywhere else the test asserts torch's value.
TORCH_WRONG: dict[tuple[str, str], tuple[float | str, float]] = {
    ("softsign", "inf"): (1.0, 0.0),  # torch: f = inf / inf, f' = 1 / inf^2 ... NaN
    ("softsign", "-inf"): (-1.0, 0.0),
    ("silu", "inf"): ("x", 1.0),  # torch: f' = sigma + x sigma (1 - sigma) = 1 + inf * 0
    ("silu", "-inf"): (0.0, 0.0),  # torch: f = -inf * sigma(-inf) = -inf * 0
    ("mish", "inf"): ("x", 1.0),
    ("mish", "-inf"): (0.0, 0.0),
    ("gelu", "inf"): ("x", 1.0),  # torch: f' = Phi + x phi = 1 + inf * 0
    ("gelu", "-inf"): (0.0, 0.0),  # torch: f = -inf * Phi(-inf)
    ("gelu", "1e30"): ("x", 1.0),  # tanh approximation: x^3 overflows, f' = 1 + inf * 0
    ("gelu", "-1e30"): (0.0, 0.0),
    ("gelu", "max"): ("x", 1.0),
    ("gelu", "-max"): (0.0, 0.0),
    ("hardswish", "-inf"): (0.0, 0.0),  # torch: -inf * relu6(-inf + 3) / 6 = -inf * 0
    ("hardswish", "max"): ("x", 1.0),  # torch: x * 6 / 6 overflows to inf
}


# ---- calling a declaration's functional form (ours and torch's) ---------------------------------
def call_args(decl: type[Activation], x: Tensor, rng: random.Random) -> dict[str, Any]:
    """Keyword arguments for ``decl``'s functional form on ``x``: drawn parameters plus what
    the kind needs from the input (a dim, PReLU's weight of 1 or C slopes)."""
    n = max(x.dim(), 1)
    if issubclass(decl, Elementwise):
        return draw_params(decl, rng)
    if issubclass(decl, Normalizer):
        return {"dim": rng.randrange(-n, n)} if "dim" in decl.params else {}
    if issubclass(decl, SplitGate):
        even = [d for d in range(x.dim()) if x.size(d) % 2 == 0]
        return {"dim": rng.choice(even) if even else rng.randrange(-n, n)}
    if issubclass(decl, Parametric):
        lo, hi = decl.params["init"].sample
        c = x.size(1) if x.dim() >= 2 and rng.random() < 0.7 else 1
        weight = torch.tensor([rng.uniform(lo, hi) for _ in range(c)], dtype=x.dtype)
        return {name: weight.clone().requires_grad_() for name in decl.tensor_params}
    raise AssertionError(f"no argument builder for kind {decl.kind_label!r} ({decl.name}): add one here")


def ours(decl: type[Activation], kwargs: dict[str, Any]) -> Callable[[Tensor], Tensor]:
    fn = getattr(AF, decl.function)
    return lambda x: fn(x, **kwargs)


def theirs(decl: type[Activation], kwargs: dict[str, Any]) -> Callable[[Tensor], Tensor]:
    fn = getattr(TF, decl.function, None)
    if fn is None:  # torch has only the module (Softmax2d)
        return getattr(nn, decl.name)(**kwargs)
    return lambda x: fn(x, **kwargs)


def upstream(y: Tensor) -> Tensor:
    """The same random upstream gradient for both libraries (bfloat16 values: exact in every dtype)."""
    gen = torch.Generator().manual_seed(7)
    return torch.randn(y.shape, generator=gen, dtype=torch.float64).to(torch.bfloat16).to(y.dtype)


def run(fn: Callable[[Tensor], Tensor], x: Tensor, kwargs: dict[str, Any]) -> tuple[Tensor, ...]:
    """``fn(x)`` and the gradients of <fn(x), v> for x and every tensor argument."""
    leaves = [x, *(t for t in kwargs.values() if isinstance(t, Tensor) and t.requires_grad)]
    y = fn(x)
    return (y.detach(), *torch.autograd.grad(y, leaves, upstream(y)))


def in_float64(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.detach().double().requires_grad_() if isinstance(v, Tensor) else v for k, v in kwargs.items()}


def make_input(shape: str, dtype: torch.dtype, seed: int) -> Tensor:
    """A leaf of the named layout (transposed and strided are non-contiguous), values N(0, 9)."""
    gen = torch.Generator().manual_seed(seed)
    x = (3 * torch.randn(SHAPES[shape], generator=gen, dtype=torch.float64)).to(dtype)
    if shape == "transposed":
        x = x.t()
    elif shape == "strided":
        x = x[::2, 1::3]
    return x.detach().requires_grad_()


# ---- random parameters, shapes and dtypes -------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_values_and_gradients_match_torch(decl: type[Activation], shape: str, dtype: torch.dtype) -> None:
    """Same values and gradients as torch; where torch rejects the input, the same exception.

    bfloat16: each element must match torch's bfloat16 result or torch's float64 result at the
    same inputs rounded once. Some torch bfloat16 kernels compute in bfloat16 (log_softmax,
    tanhshrink: up to 256 ulp off) or differentiate through the rounded output (tanh'(3): 20%
    off); ours compute in float32 and round once. Gradients that sum over a dim (softmax family,
    GLU, PReLU's weight) cancel: there the absolute tolerance is one bfloat16 ulp of the largest
    gradient."""
    rng = rng_for(decl.name, shape, dtype)
    x = make_input(shape, dtype, rng.randrange(2**31))
    kwargs = call_args(decl, x, rng)
    try:
        expected = run(theirs(decl, kwargs), x, kwargs)
    except Exception as err:  # e.g. Softmax2d on 2-D input, GLU on an odd dim
        with pytest.raises(type(err)):
            run(ours(decl, kwargs), x, kwargs)
        return
    got = run(ours(decl, kwargs), x, kwargs)
    tol = tolerance(dtype)
    if dtype != torch.bfloat16:
        for g, e in zip(got, expected, strict=True):
            torch.testing.assert_close(g, e, equal_nan=True, **tol)
        return
    k64 = in_float64(kwargs)
    exact = run(theirs(decl, k64), x.detach().double().requires_grad_(), k64)
    for i, (g, e, e64) in enumerate(zip(got, expected, exact, strict=True)):
        assert g.dtype == e.dtype and g.shape == e.shape
        if i and not issubclass(decl, Elementwise) and g.numel():  # a sum over a dim: one ulp of its scale
            tol = {"rtol": tol["rtol"], "atol": 2**-8 * e64.abs().max().item()}
        close = torch.isclose(g, e, equal_nan=True, **tol) | torch.isclose(g, e64.to(g.dtype), equal_nan=True, **tol)
        assert close.all(), f"{g[~close]} vs torch {e[~close]} / exact {e64[~close]}"


@pytest.mark.parametrize("shape", ["1-d", "NCHW"])
@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_second_derivatives_match_torch(decl: type[Activation], shape: str) -> None:
    """float64: the derivative of <grad, w> (double backward) equals torch's."""
    rng = rng_for("gradgrad", decl.name, shape)
    x = make_input(shape, torch.float64, rng.randrange(2**31))
    kwargs = call_args(decl, x, rng)

    def second(fn: Callable[[Tensor], Tensor]) -> tuple[Tensor, ...]:
        leaves = [x, *(t for t in kwargs.values() if isinstance(t, Tensor))]
        y = fn(x)
        grads = torch.autograd.grad(y, leaves, upstream(y), create_graph=True)
        w = [upstream(g) * 0.5 + 0.25 for g in grads]
        total = sum((g * wi).sum() for g, wi in zip(grads, w))
        return torch.autograd.grad(total, leaves, allow_unused=True, materialize_grads=True)

    try:
        expected = second(theirs(decl, kwargs))
    except RuntimeError as err:
        if "not implemented" not in str(err):
            with pytest.raises(type(err)):
                second(ours(decl, kwargs))
            return
        # torch has no double backward here (hardsigmoid): check ours numerically instead
        leaves = (x, *(t for t in kwargs.values() if isinstance(t, Tensor)))
        kw = {k: v for k, v in kwargs.items() if not isinstance(v, Tensor)}
        assert torch.autograd.gradgradcheck(lambda *t: getattr(AF, decl.function)(*t, **kw), leaves)
        return
    except Exception as err:
        with pytest.raises(type(err)):
            second(ours(decl, kwargs))
        return
    for g, e in zip(second(ours(decl, kwargs)), expected, strict=True):
        torch.testing.assert_close(g, e, **tolerance(torch.float64))


# ---- extremal inputs ----------------------------------------------------------------------------
def param_sets(decl: type[Activation]) -> list[dict[str, Any]]:
    """The defaults (when torch has them) and two draws on a 1/64 grid (exact kinks in bf16)."""
    sets = [] if any(p.default is None for p in decl.params.values()) else [decl.defaults()]
    rng = rng_for("extremal", decl.name)
    return sets + [draw_params(decl, rng, grid=1 / 64) for _ in range(2)]


def extremal_values(decl: type[Activation], params: dict[str, Any], dtype: torch.dtype) -> dict[str, Tensor]:
    """Named 0-d inputs: signed zeros, infinities, NaN, huge, subnormal, each kink and its neighbours."""
    fi = torch.finfo(dtype)
    named = {"0": 0.0, "-0": -0.0, "inf": INF, "-inf": -INF, "nan": NAN, "1": 1.0, "-1": -1.0}
    named |= {"1e30": 1e30, "-1e30": -1e30, "max": fi.max, "-max": -fi.max}
    named |= {"subnormal": fi.tiny / 4, "-subnormal": -fi.tiny / 4}
    values = {k: torch.tensor(v, dtype=dtype) for k, v in named.items()}
    for k in decl.kinks(**params):
        t = torch.tensor(k, dtype=dtype)
        values |= {f"kink {k}": t, f"kink {k}+": torch.nextafter(t, values["inf"])}
        values[f"kink {k}-"] = torch.nextafter(t, values["-inf"])
    return values


def pointwise(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Tensor]:
    x = x.detach().clone().requires_grad_()
    y = fn(x)
    (g,) = torch.autograd.grad(y, x, torch.ones_like(y))
    return y.detach(), g


def second_derivative(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor | None:
    """f''(x) by double backward; None where torch has no double backward (hardsigmoid)."""
    x = x.detach().clone().requires_grad_()
    y = fn(x)
    (g,) = torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)
    if not g.requires_grad:  # f' constant: autograd drops the graph
        return torch.zeros_like(x)
    try:
        return torch.autograd.grad(g, x, torch.ones_like(g))[0]
    except RuntimeError as err:
        if "not implemented" in str(err):
            return None
        raise


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("decl", POINTWISE, ids=lambda d: d.name)
def test_extremal_inputs(decl: type[Activation], dtype: torch.dtype) -> None:
    """f and f' at the extremes and the kinks equal torch's, one element at a time (torch's
    vectorised kernels disagree with its scalar ones at NaN, see docs/parity.md), except at the
    ``TORCH_WRONG`` points, where they must equal the mathematical limit."""
    tol = tolerance(dtype)
    failures = []
    for params in param_sets(decl):
        values = extremal_values(decl, params, dtype)
        y, g = pointwise(ours(decl, params), torch.stack(list(values.values())))
        for i, (label, x) in enumerate(values.items()):
            if (decl.function, label) in TORCH_WRONG:
                want = tuple(x if w == "x" else torch.tensor(w, dtype=dtype) for w in TORCH_WRONG[decl.function, label])
            else:
                want = tuple(t.reshape(()) for t in pointwise(theirs(decl, params), x.reshape(1)))
            for what, got, exp in (("f", y[i], want[0]), ("f'", g[i], want[1])):
                try:
                    torch.testing.assert_close(got, exp, equal_nan=True, **tol)
                except AssertionError:
                    failures.append(f"{what}({label}={x.item()!r}) {params}: ours {got.item()!r}, want {exp.item()!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("decl", POINTWISE, ids=lambda d: d.name)
def test_second_derivative_at_kinks(decl: type[Activation]) -> None:
    """float64 f'' at each kink and its neighbours equals torch's double backward (e.g. the
    asymmetric ELU convention f'(0) = alpha, f''(0) = 0)."""
    for params in param_sets(decl):
        values = {k: v for k, v in extremal_values(decl, params, torch.float64).items() if k.startswith("kink")}
        for label, x in values.items():
            want = second_derivative(theirs(decl, params), x.reshape(1))
            if want is None:  # torch cannot tell; f'' of a piecewise-linear op is 0 off the kink
                continue
            got = second_derivative(ours(decl, params), x.reshape(1))
            torch.testing.assert_close(got, want, msg=f"f''({label}) {params}", **tolerance(torch.float64))


def test_torch_wrong_table_names_real_functions() -> None:
    """Every entry of the table is a registered function (a rename cannot orphan it)."""
    functions = {d.function for d in POINTWISE}
    assert {f for f, _ in TORCH_WRONG} <= functions


# ---- in place -----------------------------------------------------------------------------------
@pytest.mark.parametrize("decl", INPLACE, ids=lambda d: d.name)
def test_inplace_forms(decl: type[Activation]) -> None:
    """inplace=True (and ``fn_`` where torch has it) writes into the input and returns it, with
    torch's values and, through a non-leaf, torch's gradient; a leaf requiring grad raises."""
    rng = rng_for("inplace", decl.name)
    params = draw_params(decl, rng)
    x0 = make_input("1-d", torch.float64, 3).detach()
    kinks = decl.kinks(**params)[:4]
    x0[: len(kinks)] = torch.tensor(kinks, dtype=x0.dtype)
    expected = theirs(decl, params)(x0.clone())
    x = x0.clone()
    assert getattr(AF, decl.function)(x, **params, inplace=True) is x
    torch.testing.assert_close(x, expected, **tolerance(torch.float64))
    if hasattr(TF, decl.function + "_"):
        x = x0.clone()
        assert getattr(AF, decl.function + "_")(x, **params) is x
        torch.testing.assert_close(x, expected, **tolerance(torch.float64))

    def grad_through_inplace(lib: Any) -> Tensor:
        leaf = x0.clone().requires_grad_()
        h = leaf * 1.0
        getattr(lib, decl.function)(h, **params, inplace=True)
        (h * upstream(h)).sum().backward()
        return leaf.grad

    torch.testing.assert_close(grad_through_inplace(AF), grad_through_inplace(TF), **tolerance(torch.float64))
    for lib in (TF, AF):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            getattr(lib, decl.function)(x0.clone().requires_grad_(), **params, inplace=True)


# ---- API surface --------------------------------------------------------------------------------
def _signature(fn: Callable[..., Any]) -> list[tuple[str, Any, Any]] | None:
    try:
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]
    except ValueError:  # a C builtin (torch's softplus, gelu, hardshrink ...): no Python signature
        return None


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_names_and_signatures(decl: type[Activation]) -> None:
    """torch's functional name (and its in-place ``name_``) exist with the same parameters,
    kinds and defaults (annotations aside). Builtins without a Python signature are covered by
    the keyword calls of the value tests."""
    assert callable(getattr(AF, decl.function))
    for name in (decl.function, decl.function + "_"):
        if not hasattr(TF, name):
            continue
        ref = _signature(getattr(TF, name))
        assert hasattr(AF, name), name
        if ref is not None:
            assert _signature(getattr(AF, name)) == ref


def test_softmax_family_dtype_argument() -> None:
    """``dtype=`` casts before normalising, integer inputs included, as torch."""
    x = torch.arange(6).reshape(2, 3)
    for name in ("softmax", "softmin", "log_softmax"):
        got = getattr(AF, name)(x, 1, dtype=torch.float64)
        assert got.dtype == torch.float64
        torch.testing.assert_close(got, getattr(TF, name)(x, 1, dtype=torch.float64), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_non_tensor_and_integer_inputs_as_torch(decl: type[Activation]) -> None:
    """A list is a TypeError. Integer tensors, side by side with torch: where torch computes them
    (relu, relu6, hardtanh, threshold in integers; sigmoid, tanh, softsign, tanhshrink in the
    default float dtype) the same values and dtype, in place too; where torch raises, the same
    exception type (NotImplementedError from its kernels, RuntimeError for prelu's weight)."""
    x = torch.zeros(2, 4, 2, 2)
    kwargs = call_args(decl, x, rng_for("types", decl.name))
    with pytest.raises(TypeError, match="Tensor"):
        ours(decl, kwargs)([[1.0, 2.0]])
    ints = torch.arange(-16, 16).reshape(2, 4, 2, 2)
    try:
        expected = theirs(decl, kwargs)(ints.clone())
    except Exception as err:  # noqa: BLE001  (the type is what we compare)
        with pytest.raises(type(err)):
            ours(decl, kwargs)(ints.clone())
        return
    got = ours(decl, kwargs)(ints.clone())
    assert got.dtype == expected.dtype
    torch.testing.assert_close(got, expected)
    if decl.inplace:
        x_ours, x_theirs = ints.clone(), ints.clone()
        assert getattr(AF, decl.function)(x_ours, **kwargs, inplace=True) is x_ours
        getattr(TF, decl.function)(x_theirs, **kwargs, inplace=True)
        assert torch.equal(x_ours, x_theirs)


X = torch.randn(4, 3)
BAD_CALLS: dict[str, Callable[[Any], Any]] = {
    "hardtanh min_val > max_val": lambda F: F.hardtanh(X, 2.0, 1.0),
    "softshrink negative lambd": lambda F: F.softshrink(X, -1.0),
    "celu alpha = 0": lambda F: F.celu(X, 0.0),
    "gelu approximate='foo'": lambda F: F.gelu(X, approximate="foo"),
    "rrelu lower > upper (eval)": lambda F: F.rrelu(X, 0.5, 0.1),
    "rrelu lower > upper (train)": lambda F: F.rrelu(X, 0.5, 0.1, training=True),
    "glu odd dim": lambda F: F.glu(X, -1),
    "glu 0-d": lambda F: F.glu(torch.tensor(1.0)),
    "glu dim out of range": lambda F: F.glu(X, 2),
    "prelu channel mismatch": lambda F: F.prelu(X, torch.ones(5)),
    "prelu 2-D weight": lambda F: F.prelu(X, torch.ones(3, 1)),
    "prelu 0-d input, 3 slopes": lambda F: F.prelu(torch.tensor(1.0), torch.ones(3)),
    "softmax dim out of range": lambda F: F.softmax(X, 2),
    "softmax dim -3 on 2-D": lambda F: F.softmax(X, -3),
    "log_softmax dim out of range": lambda F: F.log_softmax(X, 5),
    "softmin float dim": lambda F: F.softmin(X, 0.5),
    "glu str dim": lambda F: F.glu(X, "a"),
    "relu list input": lambda F: F.relu([1.0]),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_bad_arguments_raise_torchs_exception_type(case: str) -> None:
    """Side by side: torch raises some type T; ours raises T (or a subclass of T)."""
    with pytest.raises(Exception) as theirs_err:
        BAD_CALLS[case](TF)
    with pytest.raises(theirs_err.type):
        BAD_CALLS[case](AF)
