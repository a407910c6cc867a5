"""The sigmoidal family's catalog members (activations/sigmoidal.py: dSiLU, ISRU, SQNL, Elliott,
ArcTan, LeCunTanh, PenalizedTanh, SoftClipping, CLogLog): gradients in every mode, extremal inputs,
kink conventions, the rewrites that keep the tails (Elliott, SoftClipping, CLogLog), and agreement
with torch-activation 1.0.0 (with its defects) and the papers' definitions."""

from __future__ import annotations

import math
import random

import pytest
import torch

from actlab import functional as F
from catalog_checks import (
    F64,
    catalog,
    check_extremes,
    check_gradients,
    derivatives_at,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)
from gradcases import sample_params

DECLS = catalog("sigmoidal")
INF = math.inf


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == [
        "DSiLU",
        "ISRU",
        "SQNL",
        "Elliott",
        "ArcTan",
        "LeCunTanh",
        "PenalizedTanh",
        "SoftClipping",
        "CLogLog",
    ]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)
    if decl.params:
        check_extremes(decl, sample_params(decl, random.Random(11)))


KINKS = [
    ("sqnl", {}, -2.0, 0.0, 0.5),
    ("sqnl", {}, 0.0, 1.0, -0.5),
    ("sqnl", {}, 2.0, 0.0, -0.5),
    ("elliott", {}, 0.0, 0.5, 0.0),
    ("penalized_tanh", {"a": 0.25}, 0.0, 0.25, 0.0),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINKS, ids=[f"{k[0]}@{k[2]:g}" for k in KINKS])
def test_kink_conventions_in_reverse_and_forward_mode(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    assert derivatives_at(lambda t: getattr(F, fn)(t, **p), x) == (d1, d2, d1, d2)


def test_soft_clipping_is_point_symmetric_and_clips() -> None:
    x = grid(-30.0, 30.0)
    for a in (0.5, 3.0, 50.0):
        torch.testing.assert_close(
            F.soft_clipping(x, a) + F.soft_clipping(1.0 - x, a), torch.ones_like(x), rtol=0, atol=2e-16
        )
    assert F.soft_clipping(torch.tensor([-1e30, 0.5, 1e30]), 50.0).tolist() == [0.0, 0.5, 1.0]
    inside = torch.tensor([0.2, 0.7], dtype=F64)
    torch.testing.assert_close(F.soft_clipping(inside, 200.0), inside, rtol=1e-12, atol=0)  # alpha -> inf: clip


def test_definitions() -> None:
    x = grid(-6.0, 6.0, kinks=(0.0,))
    defs = [
        (
            lambda t: F.soft_clipping(t, 2.0),
            lambda t: torch.log((1 + torch.exp(2 * t)) / (1 + torch.exp(2 * (t - 1)))) / 2,
        ),
        (F.cloglog, lambda t: 1 - torch.exp(-torch.exp(t))),
        (F.lecun_tanh, lambda t: 1.7159 * torch.tanh(2 * t / 3)),
        (lambda t: F.penalized_tanh(t, 0.25), lambda t: torch.where(t > 0, torch.tanh(t), 0.25 * torch.tanh(t))),
    ]
    for ours, ref in defs:
        for u, v in zip(value_and_grad(ours, x), value_and_grad(ref, x)):
            torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-14)


TA = torch_activation()
SQ, SG, SW = TA.classical.squared, TA.classical.sigmoid, TA.classical.sigmoid_weighted


def _exact(module, **values: float):
    """torch-activation keeps constants as float32 Parameters: set them to the float64 values."""
    module = module.double()
    for k, v in values.items():
        getattr(module, k).data.fill_(v)
    return module


SAME = [  # ours, theirs: the same function
    (lambda t: F.isru(t, 0.5), lambda: SQ.ISRU(a=0.5), 1e-12),
    (F.dsilu, lambda: SW.dSiLU(), 1e-12),
    (F.sqnl, lambda: SQ.SQNL(), 1e-12),
    (F.elliott, lambda: SG.Elliott(), 1e-12),
    (F.arctan, lambda: SG.Arctan(), 1e-12),
    (F.lecun_tanh, lambda: _exact(SG.STanh(), a=1.7159, b=2 / 3), 1e-12),
    (lambda t: F.penalized_tanh(t, 0.25), lambda: SG.PTanh(a=4.0), 1e-12),  # theirs: tanh(x)/a below 0
    (lambda t: F.cloglog(-t), lambda: SG.cLogLog(), 1e-12),  # theirs: 1 - exp(-e^{-x}), the mirror image
]


@pytest.mark.parametrize(
    "ours, theirs, rtol",
    SAME,
    ids=["isru", "dsilu", "sqnl", "elliott", "arctan", "lecun_tanh", "penalized_tanh", "cloglog"],
)
def test_agrees_with_torch_activation(ours, theirs, rtol: float) -> None:
    x = grid(-6.0, 6.0, kinks=(-2.0, 0.0, 2.0))
    module = theirs().double()
    for u, v in zip(value_and_grad(ours, x), value_and_grad(module, x)):
        torch.testing.assert_close(u, v, rtol=rtol, atol=1e-13)


def test_torch_activation_defects_in_this_family() -> None:
    """ISRU is NaN at +-inf (inf/inf); Elliott's x/(2(1 + |x|)) + 1/2 cancels in the left tail
    (float32: 0 instead of 5e-9 at -1e8); its cLogLog is decreasing (the mirror of the
    complementary log-log)."""
    inf = torch.tensor([-INF, INF])
    assert SQ.ISRU()(inf).isnan().all() and F.isru(inf).tolist() == [-1.0, 1.0]
    far = torch.tensor([-1e8])
    assert SG.Elliott()(far).item() == 0.0 and F.elliott(far).item() == pytest.approx(5e-9, rel=1e-6)
    x = torch.tensor([-1.0, 1.0], dtype=F64)
    assert SG.cLogLog()(x)[0] > SG.cLogLog()(x)[1] and F.cloglog(x)[0] < F.cloglog(x)[1]
