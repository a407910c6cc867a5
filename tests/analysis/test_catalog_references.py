"""The 128-bit references of the catalog's elementwise activations, those torch.nn lacks
(analysis/reference/<family>.py, zeros.py): the zeros of f' they list are zeros, the cut-offs that
stand in for doubly exponential limits join continuously, and the forms rewritten against
cancellation equal the literal formulas evaluated at 600 bits."""

from __future__ import annotations

import pytest
from mpmath import mp, mpf

import actlab
from actlab.analysis import accuracy as A
from actlab.analysis import reference as R
from actlab.analysis.reference import zeros
from actlab.kinds import Elementwise, Parametric

CATALOG = [d for d in actlab.declarations() if issubclass(d, Elementwise) and not d.in_torch and not d.user_defined]
CASES = A.cases([d.name for d in CATALOG])


def test_every_catalog_declaration_has_a_reference() -> None:
    assert len(CATALOG) >= 44 and {c.decl.name for c in CASES} == {d.name for d in CATALOG}


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


# ---- the learnable pointwise ops (analysis/reference/learnable.py), at fixed tensor values ---------------
LEARNABLE_CASES = [c for c in A.cases() if isinstance(c, A.LearnableCase)]


def test_every_learnable_pointwise_declaration_has_a_reference() -> None:
    pointwise = {d.name for d in actlab.declarations() if issubclass(d, Parametric) and not d.like_input}
    assert len(pointwise) == 16 and {c.decl.name for c in LEARNABLE_CASES} == pointwise
    assert len(LEARNABLE_CASES) >= 2 * len(pointwise)  # the initial values and at least one other setting mostly


@pytest.mark.parametrize("case", LEARNABLE_CASES, ids=[c.label for c in LEARNABLE_CASES])
def test_learnable_listed_zeros_of_df_are_zeros(case: A.Case) -> None:
    test_listed_zeros_of_df_are_zeros(case)


def _away_from_kinks(case: A.Case, xs: tuple[float, ...], gap: float = 1e-3) -> list[float]:
    return [x for x in xs if all(abs(x - k) > gap for k in case.kinks())]


@pytest.mark.parametrize("case", LEARNABLE_CASES, ids=[c.label for c in LEARNABLE_CASES])
def test_learnable_df_is_the_derivative_of_f(case: A.Case) -> None:
    """f' against numerical differentiation of f at 128 bits, away from kinks (and, for
    SoftExponential with alpha < 0, inside the domain)."""
    xs = _away_from_kinks(case, (-23.7, -7.3, -2.3, -0.61, -1e-3, 2e-4, 0.37, 1.9, 5.3, 28.1))
    for x in xs:
        with mp.workprec(R.PRECISION):
            fx = case.ref.f(mpf(x), **case.params)
            if not mp.isfinite(fx):
                continue
            num = mp.diff(lambda t: case.ref.f(t, **case.params), mpf(x))
            got = case.ref.df(mpf(x), **case.params)
            assert abs(got - num) <= mpf(10) ** -25 * max(1, abs(num)), (case.label, x, got, num)


def _softplus(r):
    return mp.log(1 + mp.exp(mpf(r)))


def _poly(c, x):
    return sum(mpf(ci) * x**i for i, ci in enumerate(c))


PAU_W = A.LearnableCase.at(actlab.declaration("PAU"), {"approx_func": "gelu"}).params
RATIONAL_W = A.LearnableCase.at(actlab.declaration("Rational"), {}).params
LEARNABLE_LITERAL = [  # name, tensors, the paper's formula as written (no rewriting), points off the kinks
    (
        "SinLU",
        {"alpha": 0.5, "beta": 2.0},
        lambda x: (x + mpf(0.5) * mp.sin(2 * x)) / (1 + mp.exp(-x)),
        (-40.0, -1.3, 0.2, 9.0),
    ),
    ("SMU", {"mu": 4.0}, lambda x: (mpf(1.25) * x + mpf(0.75) * x * mp.erf(3 * x)) / 2, (-2.0, -0.1, 1e-9, 0.6)),
    (
        "xIELU",
        {"alpha_p": 0.3, "alpha_n": -0.4},
        lambda x: (
            _softplus(0.3) * x * x + x / 2 if x > 0 else (mp.exp(x) - 1 - x) * (mpf(0.5) + _softplus(-0.4)) + x / 2
        ),
        (-30.0, -2.2, -0.01, 0.4, 7.0),
    ),
    ("SoftExponential", {"alpha": 0.5}, lambda x: (mp.exp(x / 2) - 1) / mpf(0.5) + mpf(0.5), (-50.0, -0.6, 1e-8, 3.0)),
    ("SoftExponential", {"alpha": -0.25}, lambda x: -mp.log(1 + (x - mpf(0.25)) / 4) / mpf(-0.25), (-3.7, 1e-9, 20.0)),
    (
        "PELU",
        {"a": 1.5, "b": 0.75},
        lambda x: x * 2 if x >= 0 else mpf(1.5) * (mp.exp(x / mpf(0.75)) - 1),
        (-9.0, -1e-6, 2.5),
    ),
    ("MPELU", {"alpha": 0.25, "beta": 3.0}, lambda x: x if x > 0 else (mp.exp(3 * x) - 1) / 4, (-9.0, -1e-6, 2.5)),
    (
        "ACON",
        {"p1": 1.0, "p2": 0.25, "beta": 5.0},
        lambda x: mpf(0.75) * x / (1 + mp.exp(-mpf(3.75) * x)) + x / 4,
        (-30.0, -0.3, 2e-7, 4.0),
    ),
    ("StarReLU", {"scale": 0.875, "bias": -0.4375}, lambda x: mpf(0.875) * x * x - mpf(0.4375), (0.7, 0.71, 3.0)),
    ("Snake", {"alpha": 2.0}, lambda x: x + mp.sin(2 * x) ** 2 / 2, (-1.2, 2.3562, 1e-12, 40.0)),
    (
        "PAU",
        PAU_W,
        lambda x: _poly(PAU_W["numerator"], x) / (1 + abs(x * _poly(PAU_W["denominator"], x))),
        (-17.0, -0.9, 0.4, 3.3),
    ),
    (
        "Rational",
        RATIONAL_W,
        lambda x: _poly(RATIONAL_W["numerator"], x) / _poly(RATIONAL_W["denominator"], x),
        (-5.0, -0.2, 0.9, 1e3),
    ),
]


@pytest.mark.parametrize(
    "name, w, literal, xs", LEARNABLE_LITERAL, ids=[f"{c[0]}-{i}" for i, c in enumerate(LEARNABLE_LITERAL)]
)
def test_learnable_references_equal_the_literal_formula(name: str, w: dict, literal, xs: tuple[float, ...]) -> None:
    test_rewritten_references_equal_the_literal_formula(name, w, literal, xs)


@pytest.mark.parametrize("case", LEARNABLE_CASES, ids=[c.label for c in LEARNABLE_CASES])
def test_learnable_limits_at_infinity_are_the_far_values(case: A.Case) -> None:
    """f(+-inf), f'(+-inf) as stated agree with f, f' at +-1e60: a finite limit to 1e-10, an
    infinite one in sign and growth (from +-1e30); NaN where the far values are NaN (outside a domain) or where
    f' oscillates (SinLU at +inf, Snake)."""
    with mp.workprec(R.PRECISION):
        for s in (1, -1):
            for fn in (case.ref.f, case.ref.df):
                lim, far = fn(s * mp.inf, **case.params), fn(mpf(s) * mpf(10) ** 60, **case.params)
                if mp.isnan(lim):
                    assert mp.isnan(far) or fn is case.ref.df, (case.label, s)
                elif mp.isinf(lim):  # growing towards it (SoftExponential's log branch: like log x)
                    nearer = fn(mpf(s) * mpf(10) ** 30, **case.params)
                    assert mp.sign(far) == mp.sign(lim) and abs(far) > abs(nearer) + 10, (case.label, s, fn)
                else:
                    assert abs(far - lim) <= mpf(10) ** -10 * max(1, abs(lim)), (case.label, s, fn, far, lim)


def test_learnable_kink_conventions() -> None:
    """f' at the kinks as the declarations state them."""
    ref = R.reference
    with mp.workprec(R.PRECISION):
        assert ref("PELU").df(mpf(0), a=1.5, b=0.75) == 2  # the x >= 0 piece
        assert ref("MPELU").df(mpf(0), alpha=0.25, beta=3.0) == mpf(0.75)  # the x <= 0 piece
        srelu = {"t_left": -1.0, "a_left": 0.25, "t_right": 1.0, "a_right": 0.5}
        assert [ref("SReLU").df(mpf(x), **srelu) for x in (-1, 1, mp.nan)] == [0.25, 0.5, 1]
        assert ref("TLU").df(mpf(-0.5), tau=-0.5) == mpf(0.5)
        assert [ref("APL").df(mpf(x), a=(0.5, 0.5), b=(-1.0, 1.0)) for x in (-1, 0, 1)] == [-0.5, -0.5, 1]
        assert ref("AReLU").df(mpf(0), alpha=0.9, beta=2.0) == 0 and ref("PReLU").df(mpf(0), weight=0.25) == 0.25
        assert ref("StarReLU").df(mpf(0), scale=0.875, bias=-0.5) == 0
        xielu = {"alpha_p": 0.3, "alpha_n": -0.4}
        an = mpf(0.5) + _softplus(-0.4)
        eps = mpf(-1e-6)
        assert ref("xIELU").df(eps, **xielu) == an * mp.expm1(eps) + mpf(0.5)  # the exponential piece
        assert ref("xIELU").df(mpf(0), **xielu) == mpf(0.5) - an  # the x <= 0 piece, flat expm1 on (eps, 0]
        pau = ref("PAU")
        assert pau.df(mpf(0), **PAU_W) == mpf(PAU_W["numerator"][1])  # |B|'(0) = 0
        assert mp.isnan(ref("SoftExponential").df(mpf(-3.75), alpha=-0.25))  # the edge of the domain
        assert ref("SoftExponential").f(mpf(-3.75), alpha=-0.25) == -mp.inf
