"""Computed properties (actlab.analysis.properties) against known closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from actlab.analysis import properties as P


def props(name: str, **p) -> P.Properties:
    return P.compute(actlab.declaration(name), **p)


def test_relu() -> None:
    r = props("ReLU")
    assert (r.range_lo, r.range_hi, r.lo_closed, r.hi_closed) == (0.0, math.inf, True, False)
    assert r.monotonic == "increasing" and r.smoothness == "C0" and r.saturating == "left"
    assert r.bounded_below and not r.bounded_above and r.zero_centred is False
    assert (r.f0, r.df0, r.lipschitz) == (0.0, 0.0, 1.0)  # relu'(0) = 0, torch's convention
    assert r.mean == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-12)
    assert r.variance == pytest.approx(0.5 - 1 / (2 * math.pi), abs=1e-12)


def test_tanh() -> None:
    r = props("Tanh")
    assert (r.range_lo, r.range_hi, r.lo_closed, r.hi_closed) == (-1.0, 1.0, False, False)
    assert r.smoothness == "C2+" and r.saturating == "both" and r.zero_centred
    assert r.df0 == 1.0 and r.lipschitz == pytest.approx(1.0)
    assert r.mean == pytest.approx(0.0, abs=1e-14)
    assert r.variance == pytest.approx(0.394294, abs=1e-6)  # E tanh(z)^2, z ~ N(0, 1)


def test_selu_is_self_normalising() -> None:
    r = props("SELU")
    assert r.mean == pytest.approx(0.0, abs=1e-3) and r.variance == pytest.approx(1.0, abs=1e-3)
    assert r.zero_centred and r.smoothness == "C0"  # f' jumps from lambda * alpha to lambda at 0
    assert r.range_lo == pytest.approx(-1.0507009873554805 * 1.6732632423543772, rel=1e-9)


def test_softplus() -> None:
    r = props("Softplus")
    assert r.f0 == pytest.approx(math.log(2)) and r.df0 == pytest.approx(0.5)
    assert (r.range_lo, r.range_hi, r.lo_closed) == (0.0, math.inf, False)
    assert r.smoothness == "C2+" and r.monotonic == "increasing" and r.lipschitz == pytest.approx(1.0)
    r2 = props("Softplus", beta=2.0)
    assert r2.f0 == pytest.approx(math.log(2) / 2)


def test_smoothness_classes_and_discontinuities() -> None:
    assert props("Hardshrink").smoothness == "discontinuous"
    assert props("Hardshrink").lipschitz == math.inf
    assert props("CELU").smoothness == "C1"  # f' continuous, f'' jumps at 0
    assert props("GELU").smoothness == "C2+"
    assert props("ELU", alpha=0.5).smoothness == "C0"


def test_vector_kinds_use_a_slice() -> None:
    r = props("Softmin")
    assert r.view.startswith("y_0") and r.monotonic == "decreasing" and r.mean is None
    assert r.df0 == pytest.approx(-0.25)
    g = props("GLU")
    assert g.view.startswith("f(a = 1") and g.f0 == pytest.approx(0.5)


def test_gaussian_moments_split_at_kinks() -> None:
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    mean, var = P.gaussian_moments(relu, (0.0,))
    assert mean == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-13)
    mean2, _ = P.gaussian_moments(np.square)
    assert mean2 == pytest.approx(1.0, abs=1e-12)
