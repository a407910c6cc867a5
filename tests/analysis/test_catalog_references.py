"""The 128-bit references of the catalog activations (analysis/reference/self_gated.py, periodic.py,
radial.py, squashing.py, symmetric_log.py, smooth_rectifiers.py, rectifier_variants.py, zeros.py):
the zeros of f' they list are zeros, the cut-offs that stand in for doubly exponential limits
join continuously, and the forms rewritten against cancellation equal the literal formulas
evaluated at 600 bits."""

from __future__ import annotations

import pytest
from mpmath import mp, mpf

import actlab
from actlab.analysis import accuracy as A
from actlab.analysis import reference as R
from actlab.analysis.reference import zeros
from actlab.spec import Elementwise

CATALOG_MODULES = (
    "self_gated", "smooth_rectifiers", "periodic", "radial", "squashing", "symmetric_log", "rectifier_variants",
)  # fmt: skip
CATALOG = [
    d
    for d in actlab.declarations()
    if issubclass(d, Elementwise) and d.__module__.rsplit(".", 1)[-1] in CATALOG_MODULES
]
CASES = A.cases([d.name for d in CATALOG])


def test_every_catalog_declaration_has_a_reference() -> None:
    assert len(CATALOG) >= 35 and {c.decl.name for c in CASES} == {d.name for d in CATALOG}


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_listed_zeros_of_df_are_zeros(case: A.Case) -> None:
    zs = case.ref.df_zeros(**A._zero_params(case))
    with mp.workprec(R.PRECISION):
        for z in zs:
            h = mpf(1e-7) * max(1, abs(z))
            left, right = (case.ref.df(mpf(z) + s * h, **case.params) for s in (-1, 1))
            assert left * right <= 0, (case.label, z)  # f' changes sign across the listed zero


def test_zero_scan_finds_every_sign_change() -> None:
    got = zeros.zeros_in(lambda x: mp.sin(x), -10.0, 10.0, 500)
    assert [round(z / float(mp.pi), 12) for z in got] == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


CUTOFFS = [  # name, params, x: where a reference switches to the limit it stands for
    ("TanhExp", {}, 50.0),
    ("LiSHT", {}, 200.0),
    ("Phish", {}, -45.0),
    ("Phish", {}, 100.0),
    ("GoLU", {"alpha": 1.0, "beta": 1.0, "gamma": 1.0}, -float(mp.log(10**5))),
    ("ErfAct", {"a": 0.75, "b": 0.75}, float((mp.log(1000) - mp.log(0.75)) / 0.75)),
    ("CLogLog", {}, 10.0),
]


@pytest.mark.parametrize("name, p, x", CUTOFFS, ids=[f"{c[0]}@{c[2]:.4g}" for c in CUTOFFS])
def test_cutoffs_join_continuously(name: str, p: dict, x: float) -> None:
    ref = R.reference(name)
    with mp.workprec(R.PRECISION):
        for fn in (ref.f, ref.df):
            lo, hi = fn(mpf(x) * (1 - mpf(2) ** -100), **p), fn(mpf(x) * (1 + mpf(2) ** -100), **p)
            assert abs(hi - lo) <= mpf(2) ** -90 * max(abs(lo), abs(hi), mpf(2) ** -1000), (name, fn, lo, hi)


LITERAL = [  # name, params, the paper's formula (which cancels), points
    ("ShiftedSoftplus", {}, lambda x: mp.log(1 + mp.exp(x)) - mp.log(2), (1e-20, -3e-8, 0.7, -40.0, 300.0)),
    ("Elliott", {}, lambda x: x / (2 * (1 + abs(x))) + mpf(1) / 2, (-1e30, -1e4, -2.5, 3.0)),
    ("BentIdentity", {}, lambda x: x + (mp.sqrt(x * x + 1) - 1) / 2, (1e-25, -1e-10, 2.0, -1e20)),
    (
        "SoftClipping",
        {"alpha": 0.5},
        lambda x: mp.log((1 + mp.exp(x / 2)) / (1 + mp.exp((x - 1) / 2))) * 2,
        (-300.0, 0.3, 40.0, 160.0),
    ),
    ("Sinc", {}, lambda x: mp.sin(x) / x, (1e-30, 0.4, 7.7, -1e6)),
]


@pytest.mark.parametrize("name, p, literal, xs", LITERAL, ids=[c[0] for c in LITERAL])
def test_rewritten_references_equal_the_literal_formula(name: str, p: dict, literal, xs: tuple[float, ...]) -> None:
    ref = R.reference(name)
    for x in xs:
        with mp.workprec(R.PRECISION):
            got, dgot = ref.f(mpf(x), **p), ref.df(mpf(x), **p)
        with mp.workprec(4000):
            want, dwant = literal(mpf(x)), mp.diff(literal, mpf(x))
        assert abs(got - want) <= mpf(2) ** -120 * abs(want), (name, x)
        assert abs(dgot - dwant) <= mpf(2) ** -100 * abs(dwant), (name, x)
