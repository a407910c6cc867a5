"""Shared checks of the catalog declarations (tests/activations/test_<family>.py): float64
gradcheck and gradgradcheck with forward AD and forward-over-reverse through the operator layer,
extremal inputs against the 128-bit reference in every mode, documented kink values, and the
torch-activation package (its plotting helper needs plotly, which it never uses here: stubbed)."""

from __future__ import annotations

import math
import random
import sys
import types
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.func import jacfwd

import actlab
from actlab import functional as F
from actlab.analysis import accuracy as A
from actlab.analysis import reference as R
from actlab.kinds import Activation, Elementwise, Parametric
from gradcases import away_from_kinks, elementwise_input, sample_params

F64 = torch.float64
INF, NAN = math.inf, math.nan
FORWARD_ULP, DERIVATIVE_ULP = 4.0, 16.0
SUB64 = 64 * 2.0**-1074  # float64 subnormal results: absolute accuracy (as tests/analysis/test_accuracy.py)


def catalog(family: str) -> list[type[Activation]]:
    """The family's declarations that torch.nn lacks, in registration order (torch.nn's are tested
    against torch: tests/test_functional.py, tests/nn, tests/ops)."""
    return [d for d in actlab.declarations() if d.family == family and not d.in_torch and not d.user_defined]


def ids(decls: list[type[Activation]]) -> list[str]:
    return [d.name for d in decls]


# ---- gradients through the operator ---------------------------------------------------------------
def _parametric_inputs(decl: type[Parametric], n: int, gen: torch.Generator) -> tuple[Tensor, ...]:
    x = away_from_kinks(2.5 * torch.randn(3, 4, 2, generator=gen, dtype=F64), decl.kinks())
    ws = tuple(0.3 + torch.rand(n, generator=gen, dtype=F64) for _ in decl.tensor_params)
    return (x, *ws)


def gradient_cases(decl: type[Activation]) -> list[tuple[Callable[..., Tensor], tuple[Tensor, ...]]]:
    """(call, float64 inputs) pairs: two random parameter settings (elementwise), or one shared
    and one per-channel value of each tensor (parametric), away from the kinks."""
    gen = torch.Generator().manual_seed(sum(map(ord, decl.name)))
    fn = getattr(F, decl.function)
    if issubclass(decl, Parametric):
        return [(fn, tuple(t.requires_grad_() for t in _parametric_inputs(decl, n, gen))) for n in (1, 4)]
    out = []
    for seed in (1, 2):
        p = sample_params(decl, random.Random(seed))
        x = elementwise_input(decl, p, (3, 5), gen).requires_grad_()
        out.append((lambda t, p=p: fn(t, **p), (x,)))
    return out


def check_gradients(decl: type[Activation]) -> None:
    """gradcheck with forward AD and gradgradcheck with forward-over-reverse (float64)."""
    for call, inputs in gradient_cases(decl):
        assert torch.autograd.gradcheck(call, inputs, check_forward_ad=True)
        assert torch.autograd.gradgradcheck(call, inputs, check_fwd_over_rev=True)


# ---- extremal inputs -------------------------------------------------------------------------------
def extremal_points(decl: type[Elementwise], p: dict[str, Any]) -> np.ndarray:
    """+-0, +-inf, NaN, huge, subnormal and normal-range extremes, each kink and 2 float32 ulps
    either side of it."""
    f32 = np.finfo(np.float32)
    base = [0.0, -0.0, INF, -INF, NAN, float(f32.max), -float(f32.max), 1e30, -1e30, 1e4, -1e4]
    base += [2.0**-149, -(2.0**-149), 1e-40, -1e-40, float(f32.tiny), -float(f32.tiny)]
    near: list[float] = []
    for k in decl.kinks(**p):
        v = np.float32(k)
        near += [float(v), float(np.nextafter(v, np.float32(INF))), float(np.nextafter(v, np.float32(-INF)))]
        near += [float(np.nextafter(np.nextafter(v, np.float32(INF)), np.float32(INF)))]
    return np.asarray(base + near, dtype=np.float32)


def _reference(decl: type[Elementwise], p: dict[str, Any], xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = R.reference(decl.name)
    return np.asarray(R.evaluate(ref.f, xs.tolist(), p)), np.asarray(R.evaluate(ref.df, xs.tolist(), p))


def _modes(decl: type[Elementwise], p: dict[str, Any], x: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
    """f and f' by reverse mode (backward of the op) and by forward mode (jacfwd, elementwise)."""
    fn = getattr(F, decl.function)
    xr = x.clone().requires_grad_()
    y = fn(xr, **p)
    (g,) = torch.autograd.grad(y, xr, torch.ones_like(y))
    fwd = torch.vmap(jacfwd(lambda t: fn(t, **p)))(x)
    return {"reverse": (y.detach(), g), "forward": (fn(x, **p), fwd)}


def check_extremes(decl: type[Elementwise], p: dict[str, Any] | None = None) -> None:
    """f and f' at the extremal points in float32 (<= 4 and 16 ulp of the 128-bit reference) and
    float64 (1e-12 relative), in reverse and forward mode: the limit where there is one, NaN
    exactly where the reference is NaN. Float parameters are rounded to float32 first: the float32
    kernels compare x with the parameter in x's dtype (as torch's hardtanh), so at a kink of a
    parameter float32 cannot hold (ReLUN's n = 5.758) the float32 x and the float64 reference's
    parameter would sit on different sides."""
    p = {
        k: float(np.float32(v)) if isinstance(v, float) else v for k, v in (decl.defaults() if p is None else p).items()
    }
    xs = extremal_points(decl, p)
    ref_f, ref_df = _reference(decl, p, xs)
    for mode, (y, g) in _modes(decl, p, torch.from_numpy(xs.copy())).items():
        for what, got, ref, bound in (("f", y, ref_f, FORWARD_ULP), ("f'", g, ref_df, DERIVATIVE_ULP)):
            err = A.ulp_error(got.numpy(), ref)
            assert (err <= bound).all(), (
                decl.name,
                mode,
                what,
                xs[err > bound],
                got.numpy()[err > bound],
                ref[err > bound],
            )
    for mode, (y, g) in _modes(decl, p, torch.from_numpy(xs.astype(np.float64))).items():
        for what, got, ref in (("f", y, ref_f), ("f'", g, ref_df)):
            got = got.numpy()
            with np.errstate(invalid="ignore"):
                ok = (got == ref) | (np.isnan(got) & np.isnan(ref)) | (np.abs(got - ref) <= 1e-12 * np.abs(ref) + SUB64)
            assert ok.all(), (decl.name, mode, what, xs[~ok], got[~ok], ref[~ok])


# ---- kink values ------------------------------------------------------------------------------------
def derivatives_at(fn: Callable[[Tensor], Tensor], x: float) -> tuple[float, float, float, float]:
    """(f', f'') at x by reverse mode (twice backward) and by forward mode (jacfwd twice)."""
    t = torch.tensor([x], dtype=F64, requires_grad=True)
    (d1,) = torch.autograd.grad(fn(t).sum(), t, create_graph=True)
    d2 = torch.autograd.grad(d1.sum(), t)[0] if d1.requires_grad else torch.zeros_like(t)
    f1 = jacfwd(fn)(t.detach())
    f2 = jacfwd(jacfwd(fn))(t.detach())
    return d1.item(), d2.item(), f1.item(), f2.item()


# ---- torch-activation ------------------------------------------------------------------------------
def torch_activation() -> ModuleType:
    """The torch-activation package; its ``utils`` imports plotly for plotting only, stubbed."""
    names = ("plotly", "plotly.graph_objects", "plotly.io", "plotly.colors")
    stubs = {n: types.ModuleType(n) for n in names if n not in sys.modules}
    sys.modules.update(stubs)
    try:
        import torch_activation

        return torch_activation
    finally:
        for n in stubs:
            sys.modules.pop(n, None)


def grid(lo: float, hi: float, n: int = 401, kinks: tuple[float, ...] = ()) -> Tensor:
    """A float64 grid on [lo, hi] off 0 and 1e-3 away from the kinks."""
    x = torch.linspace(lo, hi, n, dtype=F64) + 1e-3 * math.pi
    return away_from_kinks(x, kinks)


def value_and_grad(fn: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, Tensor]:
    xr = x.clone().requires_grad_()
    y = fn(xr)
    (g,) = torch.autograd.grad(y.sum(), xr)
    return y.detach(), g
