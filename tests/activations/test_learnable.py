"""The learnable family (activations/learnable.py): the entrywise SoftExponential, PELU, MPELU,
SReLU, APL, AReLU and ACON-C (values, first and second derivatives in x and every parameter against
autograd through the papers' formulas written in plain torch, limits at +-inf and NaN, kink
conventions, torch-activation's implementations, constructor errors) and the rational PAU (safe,
5/4) and Rational (3/2) (the reference implementations' formulas and initial fits, derivatives in x
and the coefficients, no poles, limits at +-inf)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.activations.learnable import PAU_INIT, RATIONAL_INIT
from actlab.errors import ParameterError
from torch_activation_stub import install

install()
from torch_activation.adaptive import relu as ta_relu  # noqa: E402
from torch_activation.adaptive import s_shaped, sigmoid_weighted  # noqa: E402
from torch_activation.classical import learnable as ta_learnable  # noqa: E402

F64 = torch.float64
INF, NAN = float("inf"), float("nan")


def _relu(t: Tensor) -> Tensor:
    return torch.clamp(t, min=0.0)


def _softexp(x: Tensor, a: Tensor) -> Tensor:  # Godfrey & Gashler, per sign of alpha
    if a.item() > 0:
        return (torch.exp(a * x) - 1) / a + a
    if a.item() < 0:
        return -torch.log(1 - a * (x + a)) / a
    return x + 0 * a


REFERENCES: dict[str, tuple[Callable[..., Tensor], tuple[float, ...]]] = {
    "soft_exponential": (_softexp, (0.4,)),
    "pelu": (lambda x, a, b: torch.where(x >= 0, a / b * x, a * (torch.exp(x / b) - 1)), (1.3, 0.7)),
    "mpelu": (lambda x, al, be: torch.where(x > 0, x, al * (torch.exp(be * x) - 1)), (0.8, 1.6)),
    "srelu": (
        lambda x, tl, al, tr, ar: torch.where(x >= tr, tr + ar * (x - tr), torch.where(x <= tl, tl + al * (x - tl), x)),
        (-0.6, 0.3, 0.9, 0.4),
    ),
    "arelu": (
        lambda x, al, be: _relu(x) * (1 + torch.sigmoid(be)) - _relu(-x) * torch.clamp(al, 0.01, 0.99),
        (0.3, -0.7),
    ),
    "acon": (
        lambda x, p1, p2, be: (p1 * x - p2 * x) * torch.sigmoid(be * (p1 * x - p2 * x)) + p2 * x,  # the official AconC
        (1.2, 0.3, 1.7),
    ),
}


def _points(kinks: tuple[float, ...] = ()) -> Tensor:
    x = torch.linspace(-3.7, 3.3, 29, dtype=F64)
    for k in kinks:
        x = torch.where((x - k).abs() < 0.05, x + 0.11, x)
    return x


def _derivatives(fn: Callable[..., Tensor], inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Value, gradient in every input, and the Hessian-vector product along a fixed direction."""
    leaves = [t.detach().clone().requires_grad_() for t in inputs]
    y = fn(*leaves)
    w = torch.linspace(-1.0, 2.0, y.numel(), dtype=F64).reshape(y.shape)
    grads = torch.autograd.grad((y * w).sum(), leaves, create_graph=True)
    v = [torch.cos(torch.arange(t.numel(), dtype=F64)).reshape(t.shape) for t in leaves]
    hvp = torch.autograd.grad(sum((g * u).sum() for g, u in zip(grads, v)), leaves)
    return (y.detach(), *(g.detach() for g in grads), *hvp)


@pytest.mark.parametrize("name", list(REFERENCES))
def test_values_and_two_orders_of_derivatives_match_the_papers_formulas(name: str) -> None:
    ref, values = REFERENCES[name]
    decl = actlab.declaration(name)
    x = _points(decl.kinks(**{}) if name != "srelu" else (values[0], values[2]))
    params = tuple(torch.tensor([v], dtype=F64) for v in values)
    ours = _derivatives(getattr(F, name), (x, *params))
    theirs = _derivatives(ref, (x, *params))
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_apl_against_its_formula_with_per_channel_hinges() -> None:
    x = _points().reshape(1, 29, 1).expand(2, 29, 3).contiguous()
    a = torch.tensor([[0.2, -0.4], [0.5, 0.1], [-0.3, 0.7]], dtype=F64)
    b = torch.tensor([[-1.1, 0.6], [0.3, 1.4], [-0.8, -0.2]], dtype=F64)
    xt = x.transpose(1, 2)  # channels in dim 1

    def ref(t: Tensor, a: Tensor, b: Tensor) -> Tensor:
        out = _relu(t)
        for s in range(2):
            out = out + a[:, s].view(1, 3, 1) * _relu(-t + b[:, s].view(1, 3, 1))
        return out

    for u, v in zip(_derivatives(F.apl, (xt, a, b)), _derivatives(ref, (xt, a, b))):
        torch.testing.assert_close(u, v, rtol=1e-10, atol=1e-12)


def test_soft_exponential_is_exact_through_alpha_zero() -> None:
    """f, df/dalpha and d2f/dx dalpha are continuous at alpha = 0; d2f/dalpha2 is not (the stated
    convention takes the alpha >= 0 side, x^3/3)."""
    x = torch.tensor([-1.5, -0.3, 0.0, 0.7, 2.0], dtype=F64)
    decl = actlab.declaration("SoftExponential")
    for a in (0.0, 1e-9, -1e-9, 1e-5, -1e-5):
        at = torch.full((1,), a, dtype=F64)
        d, h = decl.partials(x, at, second=True)
        torch.testing.assert_close(d[1], 1 + x * x / 2, rtol=0, atol=40 * abs(a))  # + O(alpha x^3)
        torch.testing.assert_close(h[(0, 1)], x, rtol=0, atol=40 * abs(a))
    d, h = decl.partials(x, torch.zeros(1, dtype=F64), second=True)
    assert torch.equal(d[0], torch.ones_like(x)) and torch.equal(h[(0, 0)], torch.zeros_like(x))
    torch.testing.assert_close(h[(1, 1)], x**3 / 3, rtol=1e-15, atol=0)
    _, hm = decl.partials(x, torch.full((1,), -1e-7, dtype=F64), second=True)
    torch.testing.assert_close(hm[(1, 1)], 2 * x + 2 * x**3 / 3, rtol=1e-5, atol=1e-6)
    # the log branch's domain: x > -alpha - 1/|alpha|; -inf at its edge, NaN beyond
    y = F.soft_exponential(torch.tensor([-1.5, -1.6, 0.0], dtype=F64), torch.tensor([-0.5], dtype=F64))
    assert y[0] == -INF and torch.isnan(y[1])
    assert y[2].item() == pytest.approx(2.0 * torch.log(torch.tensor(0.75, dtype=F64)).item(), rel=1e-15)


def _grad_at(name: str, x: list[float], params: tuple[float, ...]) -> tuple[Tensor, Tensor]:
    t = torch.tensor(x, dtype=F64, requires_grad=True)
    ps = tuple(torch.tensor([v], dtype=F64) for v in params)
    y = getattr(F, name)(t, *ps)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach(), g


LIMITS = [  # name, params, f(-inf), f(+inf), f'(-inf), f'(+inf)
    ("soft_exponential", (0.5,), -1.5, INF, 0.0, INF),
    ("soft_exponential", (-0.5,), NAN, INF, NAN, 0.0),
    ("pelu", (1.3, 0.7), -1.3, INF, 0.0, 1.3 / 0.7),
    ("mpelu", (0.8, 1.6), -0.8, INF, 0.0, 1.0),
    ("srelu", (-0.6, 0.0, 0.9, 0.4), -0.6, INF, 0.0, 0.4),
    ("arelu", (0.3, -0.7), -INF, INF, 0.3, 1.0 + 1.0 / (1.0 + 2.0137527074704766)),
    ("acon", (1.2, 0.3, 1.7), -INF, INF, 0.3, 1.2),
    ("acon", (1.2, 0.0, 1.7), 0.0, INF, 0.0, 1.2),
]


@pytest.mark.parametrize("name, params, f_lo, f_hi, d_lo, d_hi", LIMITS, ids=[f"{r[0]}{r[1]}" for r in LIMITS])
def test_limits_at_infinity_and_nan(name: str, params, f_lo: float, f_hi: float, d_lo: float, d_hi: float) -> None:
    y, g = _grad_at(name, [-INF, INF, NAN, 1e300, -0.0], params)
    want_y = torch.tensor([f_lo, f_hi], dtype=F64)
    want_g = torch.tensor([d_lo, d_hi], dtype=F64)
    torch.testing.assert_close(y[:2], want_y, equal_nan=True, rtol=1e-12, atol=0)
    torch.testing.assert_close(g[:2], want_g, equal_nan=True, rtol=1e-12, atol=0)
    assert torch.isnan(y[2]) and not torch.isnan(y[3]) and not torch.isnan(g[3])  # NaN stays; huge x has a value


KINKS = [  # name, params, x, f'(x) (the documented convention)
    ("pelu", (1.3, 0.7), 0.0, 1.3 / 0.7),
    ("mpelu", (0.8, 1.6), 0.0, 0.8 * 1.6),
    ("srelu", (-0.6, 0.3, 0.9, 0.4), -0.6, 0.3),
    ("srelu", (-0.6, 0.3, 0.9, 0.4), 0.9, 0.4),
    ("arelu", (0.3, -0.7), 0.0, 0.0),
]


@pytest.mark.parametrize("name, params, x, d1", KINKS, ids=[f"{r[0]}@{r[2]}" for r in KINKS])
def test_kink_conventions(name: str, params, x: float, d1: float) -> None:
    _, g = _grad_at(name, [x], params)
    assert g.item() == pytest.approx(d1, rel=1e-15)


def test_torch_activation_agrees_where_the_definitions_agree() -> None:
    """torch-activation 1.0.0's PELU, MPELU, SReLU (adaptive), APLU, ACONC, AReLU and
    SoftExponential against ours at the same parameters (inside SoftExponential's domain; AReLU
    with alpha in [0.01, 0.99], where its missing clamp does not matter)."""
    x = torch.linspace(-4.0, 4.0, 161, dtype=torch.float32)
    one = lambda v: torch.tensor([v])  # noqa: E731
    cases = [
        (ta_relu.PELU(a=1.3, b=0.7), F.pelu(x, one(1.3), one(0.7))),
        (ta_relu.MPELU(a=0.8, b=1.6), F.mpelu(x, one(0.8), one(1.6))),
        (
            s_shaped.SReLU(init_tr=0.9, init_tl=-0.6, init_ar=0.4, init_al=0.3),
            F.srelu(x, one(-0.6), one(0.3), one(0.9), one(0.4)),
        ),
        (sigmoid_weighted.ACONC(a=1.7, b=0.3, c=1.2), F.acon(x, one(1.2), one(0.3), one(1.7))),
        (ta_relu.AReLU(a=0.3, b=-0.7), F.arelu(x, one(0.3), one(-0.7))),
        (ta_relu.SoftExponential(a=0.4), F.soft_exponential(x, one(0.4))),
        (ta_relu.SoftExponential(a=-0.2), F.soft_exponential(x, one(-0.2))),
    ]
    aplu = ta_learnable.APLU(n_hinges=3)
    with torch.no_grad():
        aplu.a.copy_(torch.tensor([0.2, -0.5, 0.3]))
    cases.append((aplu, F.apl(x, aplu.a.detach(), aplu.b.detach())))
    for module, ours in cases:
        with torch.no_grad():
            torch.testing.assert_close(ours, module(x), rtol=2e-6, atol=2e-6, msg=type(module).__name__)


def test_modules_hold_learnable_parameters_per_channel() -> None:
    m = actlab.get("SReLU", num_parameters=3)
    assert [n for n, _ in m.named_parameters()] == ["t_left", "a_left", "t_right", "a_right"]
    assert all(p.shape == (3,) and p.requires_grad for p in m.parameters())
    x = torch.randn(2, 3, 4)
    y = m(x)
    y.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    apl = actlab.get("APL", num_parameters=3, hinges=4, slope=0.1)
    assert apl.a.shape == (3, 4) and apl.b.shape == (3, 4)
    torch.testing.assert_close(apl.b[0], torch.tensor([-1.0, -1 / 3, 1 / 3, 1.0]))
    with torch.no_grad():
        apl.a.zero_()
    apl.reset_parameters()
    assert torch.equal(apl.a, torch.full((3, 4), 0.1))
    with pytest.raises(ValueError, match="channel"):
        F.acon(torch.randn(2, 4), torch.ones(3), torch.ones(3), torch.ones(3))


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("PELU", {"a_init": -1.0}, "a_init"),
        ("PELU", {"b_init": 0.0}, "b_init"),
        ("MPELU", {"beta_init": 0.0}, "beta_init"),
        ("SReLU", {"t_left_init": 1.0, "t_right_init": 0.5}, "t_left_init must be < t_right_init"),
        ("APL", {"hinges": 0}, "hinges"),
        ("SoftExponential", {"alpha_init": float("inf")}, "alpha_init"),
    ],
)
def test_bad_initial_values_are_clear_errors(name: str, kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        actlab.get(name, **kwargs)


# ==== PAU and Rational ====================================================================================


def _pau_version_b(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """ml-research/rational_activations' Rational_PYTORCH_B_F: P(x) / (1 + |b_1 x + ... + b_n x^n|)."""
    xps = torch.stack([x.reshape(-1) ** j for j in range(len(num))], 1)  # torch.vander(x, increasing=True)
    numerator = (xps * num).sum(1)
    denominator = (xps[:, 1 : len(den) + 1] * den).sum(1).abs()
    return (numerator / (1 + denominator)).reshape(x.shape)


def _boulle(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """Boullé et al.'s Rational: polyval of the coefficients (highest degree first in theirs)."""
    p = sum(c * x**j for j, c in enumerate(num))
    q = sum(c * x**k for k, c in enumerate(den))
    return p / q


def _grads(fn, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *w)]
    y = fn(*leaves)
    g = torch.autograd.grad(y.sum(), leaves, create_graph=True)
    hv = torch.autograd.grad(
        sum((gi * torch.linspace(0.5, 1.5, gi.numel(), dtype=F64).reshape(gi.shape)).sum() for gi in g), leaves
    )
    return (y.detach(), *(t.detach() for t in g), *hv)


@pytest.mark.parametrize("approx", list(PAU_INIT))
def test_pau_is_version_b_of_the_reference_with_its_initial_fits(approx: str) -> None:
    m = actlab.get("PAU", approx_func=approx).double()
    x = torch.linspace(-3.0, 3.0, 121, dtype=F64) + 0.013  # off the kink at 0
    num, den = m.numerator.detach(), m.denominator.detach()
    for a, b in zip(_grads(F.pau, x, num, den), _grads(_pau_version_b, x, num, den)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    target = {
        "leaky_relu": torch.nn.functional.leaky_relu(x, 0.01), "relu": torch.relu(x), "tanh": torch.tanh(x),
        "sigmoid": torch.sigmoid(x), "gelu": torch.nn.functional.gelu(x), "swish": torch.nn.functional.silu(x),
    }[approx]  # fmt: skip
    assert (m(x) - target).abs().max() < 0.04  # the published fits on [-3, 3]


def test_rational_is_boulles_with_the_relu_initialisation() -> None:
    m = actlab.get("Rational", dtype=F64)
    assert m.numerator.tolist() == list(RATIONAL_INIT[0]) and m.denominator.tolist() == list(RATIONAL_INIT[1])
    x = torch.linspace(-3.0, 3.0, 121, dtype=F64)
    num, den = m.numerator.detach() * 1.1, m.denominator.detach() * 0.9
    for a, b in zip(_grads(F.rational, x, num, den), _grads(_boulle, x, num, den)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    grid = torch.linspace(-1.0, 1.0, 201, dtype=F64)
    assert (m(grid) - torch.relu(grid)).abs().max() < 0.025


def test_safe_denominator_has_no_poles() -> None:
    """Random coefficients: Q >= 1, finite values and derivatives everywhere on a wide grid."""
    gen = torch.Generator().manual_seed(0)
    num, den = torch.randn(6, dtype=F64, generator=gen), torch.randn(4, dtype=F64, generator=gen)
    x = torch.linspace(-50.0, 50.0, 2001, dtype=F64).requires_grad_()
    y = F.pau(x, num, den)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(y).all() and torch.isfinite(g).all()


def test_limits_at_infinity_and_huge_inputs() -> None:
    """PAU(x) ~ (a_5/|b_4|) x: f(+-inf) = +-inf, f'(+-inf) = a_5/|b_4|; 1e300 has a finite value
    (every power is scaled by max(1, |x|)^4: nothing overflows)."""
    m = actlab.get("PAU").double()
    num, den = m.numerator.detach(), m.denominator.detach()
    slope = (num[5] / den[3].abs()).item()
    x = torch.tensor([float("-inf"), float("inf"), -1e300, 1e300, 1e15, float("nan")], dtype=F64, requires_grad=True)
    y = F.pau(x, num, den)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert y[0] == float("-inf") and y[1] == float("inf") and torch.isnan(y[5])
    assert y[2].item() == pytest.approx(-slope * 1e300, rel=1e-12) and y[4].item() == pytest.approx(
        slope * 1e15, rel=1e-12
    )
    torch.testing.assert_close(g[:4], torch.full((4,), slope, dtype=F64), rtol=1e-12, atol=0)
    r = F.rational(x.detach()[:4], torch.tensor(RATIONAL_INIT[0], dtype=F64), torch.tensor(RATIONAL_INIT[1], dtype=F64))
    assert r[0] == float("-inf") and r[1] == float("inf") and torch.isfinite(r[2:]).all()


def test_kinks_are_the_zeros_of_b_with_the_abs_convention() -> None:
    """x = 0 is a zero of B: there |B|'(0) = 0 (torch.abs's subgradient), so F'(0) = a_1."""
    decl = actlab.declaration("PAU")
    assert 0.0 in decl.kinks(approx_func="leaky_relu")
    num, den = torch.tensor(PAU_INIT["leaky_relu"][0], dtype=F64), torch.tensor(PAU_INIT["leaky_relu"][1], dtype=F64)
    x = torch.zeros(1, dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(F.pau(x, num, den).sum(), x)
    assert g.item() == pytest.approx(num[1].item(), rel=1e-15)


def test_per_channel_coefficients() -> None:
    m = actlab.get("PAU", num_parameters=3)
    assert m.numerator.shape == (3, 6) and m.denominator.shape == (3, 4)
    x = torch.randn(2, 3, 5)
    y = m(x)
    torch.testing.assert_close(y[:, 1], actlab.get("PAU")(x[:, 1]))
    y.sum().backward()
    assert m.numerator.grad.shape == (3, 6)
    with pytest.raises(ValueError, match="channels"):
        F.pau(torch.randn(2, 4), m.numerator, m.denominator)
