"""GammaAct's kernels (csrc/scaled.cpp: the ops of Scaled<A> for act_type, picked once per call): for
every timm name of activations/scaled.py's ACTS, f, f' and f'' are gamma times the named activation's
kernel, bit for bit, over the reduced sweep in float32 and float64; half precision
computed in float32 and rounded once (by table where the named activation's kernel tabulates), in place,
and an unknown name refused."""

from __future__ import annotations

import pytest
import torch
from test_elementwise import LISTED
from ulps import needs_kernels

import actlab
from actlab.activations.scaled import ACTS, NFNET_GAMMA, resolve
from actlab.analysis import accuracy as A

pytestmark = needs_kernels

OPS = torch.ops.actlab
DECL = actlab.declaration("GammaAct")


def _kernel(kind: str, x: torch.Tensor, act_type: str, gamma: float) -> torch.Tensor:
    one = torch.ones_like(x)
    if kind == "f":
        return OPS.gamma_act(x, act_type, gamma)
    if kind == "df":
        return OPS.gamma_act_backward(one, x, act_type, gamma)
    return OPS.gamma_act_double_backward(one, one, x, act_type, gamma)[1]


def _inner(kind: str, x: torch.Tensor, act: str) -> torch.Tensor:
    """f, f', f'' of the activation ``act`` names by its own native op (the identity: x, 1, 0)."""
    decl, params = resolve(act)
    if decl.name == "_Identity":
        return getattr(decl, kind)(x).to(x.dtype).clone()
    fn, args, one = decl.function, tuple(params[k] for k in decl.op_params()), torch.ones_like(x)
    assert fn in LISTED or decl.in_torch  # a kernel of its own
    if kind == "f":
        return getattr(OPS, fn)(x, *args)
    if kind == "df":
        return getattr(OPS, f"{fn}_backward")(one, x, *args)
    return getattr(OPS, f"{fn}_double_backward")(one, one, x, *args)[1]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("act", list(ACTS))
def test_every_name_is_gamma_times_that_activations_kernel(act: str, dtype: torch.dtype) -> None:
    """Bit for bit gamma (rounded to the dtype) times the named activation's kernel, which
    test_elementwise.py checks against its declaration (and GammaAct's kernel against GammaAct's
    declaration at its defaults and one draw)."""
    params = {"act_type": act, "gamma": NFNET_GAMMA.get(act, 1.3)}
    x = torch.from_numpy(A.sweep_inputs(A.Case(f"GammaAct({act})", DECL, params), A.REDUCED)).to(dtype)
    for kind in ("f", "df", "d2f"):
        k, want = _kernel(kind, x, **params), params["gamma"] * _inner(kind, x, act)
        assert torch.equal(k.isnan(), want.isnan()) and torch.equal(k.nan_to_num(), want.nan_to_num()), (act, kind)


@pytest.mark.parametrize("act", list(ACTS))
def test_half_precision_is_float32_rounded_once_and_in_place_writes_f(act: str) -> None:
    gamma = NFNET_GAMMA.get(act, 1.3)
    x = torch.arange(65536, dtype=torch.int32).to(torch.int16).view(torch.bfloat16)  # the table path
    for t in (x, x[:4096]):  # large (tables where the activation tabulates) and small (computed)
        y = OPS.gamma_act(t, act, gamma)
        want = OPS.gamma_act(t.float(), act, gamma).to(torch.bfloat16)
        assert torch.equal(y.isnan(), want.isnan()) and torch.equal(y.nan_to_num(), want.nan_to_num())
        b = OPS.gamma_act_backward(torch.ones_like(t), t, act, gamma)
        bw = OPS.gamma_act_backward(torch.ones_like(t.float()), t.float(), act, gamma).to(torch.bfloat16)
        assert torch.equal(b.nan_to_num(), bw.nan_to_num())
    z = torch.randn(7, 9).t()
    want = OPS.gamma_act(z, act, gamma)
    assert OPS.gamma_act_(z, act, gamma) is z and torch.equal(z, want)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(RuntimeError, match="unknown act_type"):
        OPS.gamma_act(torch.ones(3), "swiglu", 1.0)
