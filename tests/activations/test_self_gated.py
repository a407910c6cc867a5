"""The self-gated catalog activations (src/actlab/activations/self_gated.py): gradients through
the operator in every mode, extremal inputs against the 128-bit reference, kink conventions, the
TeLU alias, and agreement with the published code written out literally and with torch-activation
1.0.0 (including its defects)."""

from __future__ import annotations

import math
import random

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.activations import self_gated
from catalog_checks import (
    F64,
    check_extremes,
    check_gradients,
    declarations_in,
    derivatives_at,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)
from gradcases import sample_params

DECLS = declarations_in(self_gated)


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == [
        "ELiSH", "HardELiSH", "LiSHT", "TanhExp", "TeLU", "Smish", "Logish", "Phish",
        "GoLU", "ESwish", "ErfAct", "DSiLU", "FlattenTSwish",
    ]  # fmt: skip


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)
    if decl.params:
        check_extremes(decl, sample_params(decl, random.Random(5)))


E1 = math.exp(-1.0)
KINKS = [  # function, params, x, f'(x), f''(x): the documented conventions
    ("elish", {}, 0.0, 0.5, 0.5),
    ("hard_elish", {}, -1.0, (E1 - 1.0) / 2, E1),
    ("hard_elish", {}, 0.0, 0.5, 1.0),
    ("hard_elish", {}, 1.0, 1.5, 1.0),
    ("flatten_t_swish", {"T": -0.2}, 0.0, 0.5, 0.5),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINKS, ids=[f"{k[0]}@{k[2]:g}" for k in KINKS])
def test_kink_conventions_in_reverse_and_forward_mode(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    r1, r2, f1, f2 = derivatives_at(lambda t: getattr(F, fn)(t, **p), x)
    assert r1 == pytest.approx(d1, rel=1e-15) and f1 == pytest.approx(d1, rel=1e-15)
    assert r2 == pytest.approx(d2, rel=1e-15) and f2 == pytest.approx(d2, rel=1e-15)


def paper_hard_elish(x: Tensor) -> Tensor:
    """Basirat & Roth's definition with torch's clamp (whose gradient includes the bounds)."""
    h = torch.clamp((x + 1) / 2, 0, 1)
    return torch.where(x >= 0, x * h, (torch.exp(x) - 1) * h)


def test_hard_elish_convention_is_autograd_of_the_paper_formula() -> None:
    for x in (-1.0, 1.0):
        ours = derivatives_at(F.hard_elish, x)[0]
        assert ours == pytest.approx(derivatives_at(paper_hard_elish, x)[0], rel=1e-15)


def test_telu_is_tanh_exp() -> None:
    x = grid(-20.0, 20.0, 1001)
    torch.testing.assert_close(F.telu(x), F.tanh_exp(x), rtol=0, atol=0)
    assert isinstance(actlab.get("TeLU"), actlab.nn.TeLU) and actlab.spec("telu").name == "TeLU"
    torch.testing.assert_close(actlab.nn.TeLU()(x), x * torch.tanh(torch.exp(x)), rtol=1e-14, atol=1e-300)


# ---- the published code, written literally -------------------------------------------------------
def golu_reference(x: Tensor, a: float = 1.0, b: float = 1.0, c: float = 1.0) -> Tensor:  # automl/GoLU
    return x * a * torch.exp(-b * torch.exp(-c * x))


@pytest.mark.parametrize("abc", [(1.0, 1.0, 1.0), (0.7, 1.8, 0.6)])
def test_golu_matches_the_official_formula(abc: tuple[float, float, float]) -> None:
    a, b, c = abc
    x = grid(-6.0, 6.0)
    ours = value_and_grad(lambda t: F.golu(t, a, b, c), x)
    theirs = value_and_grad(lambda t: golu_reference(t, a, b, c), x)
    for u, v in zip(ours, theirs):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-14)
    assert F.golu(torch.tensor([-1e4, -math.inf])).tolist() == [0.0, 0.0]  # the literal form: -inf * 0 = NaN


# ---- torch-activation 1.0.0 ------------------------------------------------------------------------
TA = torch_activation()
SW = TA.classical.sigmoid_weighted
ASW = TA.adaptive.sigmoid_weighted
SAME = [  # ours, theirs, range: the same function
    ("elish", {}, lambda: TA.classical.maxsig.ExponentialLinearSigmoidSquashing(), (-8.0, 8.0)),
    ("lisht", {}, lambda: SW.LiSHT(), (-8.0, 8.0)),
    ("tanh_exp", {}, lambda: SW.TanhExp(), (-8.0, 4.0)),
    ("smish", {"alpha": 1.0, "beta": 1.0}, lambda: SW.Smish(), (-8.0, 8.0)),
    ("smish", {"alpha": 1.5, "beta": 0.5}, lambda: SW.Smish(a=1.5, b=0.5), (-8.0, 8.0)),
    ("logish", {}, lambda: SW.Logish(), (-8.0, 8.0)),
    ("phish", {}, lambda: SW.Phish(), (-6.0, 6.0)),
    ("eswish", {"beta": 1.375}, lambda: ASW.ESwish(a=1.375), (-8.0, 8.0)),
    ("erf_act", {"a": 0.75, "b": 0.75}, lambda: ASW.ErfAct(a=0.75, b=0.75), (-8.0, 8.0)),
    ("dsilu", {}, lambda: SW.dSiLU(), (-8.0, 8.0)),
    ("flatten_t_swish", {"T": -0.2}, lambda: TA.classical.relu.FlattedTSwish(), (-4.0, 4.0)),
]


@pytest.mark.parametrize("fn, p, theirs, span", SAME, ids=[f"{s[0]}-{i}" for i, s in enumerate(SAME)])
def test_agrees_with_torch_activation(fn: str, p: dict, theirs, span: tuple[float, float]) -> None:
    x = grid(*span, kinks=(0.0,))
    module = theirs().double()
    ours = value_and_grad(lambda t: getattr(F, fn)(t, **p), x)
    ref = value_and_grad(lambda t: module(t).to(F64), x)
    for u, v in zip(ours, ref):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-13)


def test_torch_activation_defects_in_this_family() -> None:
    """HardELiSH gates (1 + e^-x) instead of e^x - 1 below 0; its TeLU is x tanh(ELU(x)) (another
    function); its classical ESwish is e^-x sigma(x); its exp overflows give NaN for x -> -inf."""
    x = torch.tensor([-0.5, 0.5], dtype=F64)
    theirs = TA.classical.maxsig.HardExponentialLinearSigmoidSquashing()(x)
    assert theirs[1] == F.hard_elish(x)[1] and not torch.isclose(theirs[0], F.hard_elish(x)[0])
    torch.testing.assert_close(F.hard_elish(x), paper_hard_elish(x), rtol=1e-15, atol=0)
    xs = torch.tensor([-2.0, 1.0], dtype=F64)
    torch.testing.assert_close(TA.adaptive.relu.TeLU()(xs).double(), xs * torch.tanh(TF.elu(xs)))
    assert not torch.allclose(TA.adaptive.relu.TeLU()(xs).double(), F.telu(xs))
    torch.testing.assert_close(SW.ESwish()(xs), torch.exp(-xs) * torch.sigmoid(xs))
    far = torch.tensor([-math.inf, math.inf], dtype=F64)
    assert SW.TanhExp()(far).isnan()[0] and F.tanh_exp(far).tolist() == [0.0, math.inf]
    assert SW.Smish()(far).isnan()[0] and F.smish(far).tolist() == [0.0, math.inf]
