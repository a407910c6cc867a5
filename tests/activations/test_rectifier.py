"""The rectifier family's catalog members (activations/rectifier.py): SquaredReLU and StarReLU,
SMU, SmeLU, NLReLU, ISRLU, RePU, ReLUN, BentIdentity, TLU and FReLU. Gradients in every mode,
extremal inputs against the 128-bit reference, kink conventions (ReLUN(6) is ReLU6 to the bit,
TLU's and FReLU's ties as torch.maximum), agreement with the reference code written out literally
(timm, the papers, SmeLU's, megvii's FReLU) and with torch-activation 1.0.0, including its defects."""

from __future__ import annotations

import math
import random

import pytest
import torch
from torch import Tensor, nn

import actlab
from actlab import functional as F
from actlab.errors import ParameterError, ShapeError
from actlab.kinds import Elementwise
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

DECLS = catalog("rectifier")
ELEMENTWISE = [d for d in DECLS if issubclass(d, Elementwise)]
GRADIENTS = [d for d in DECLS if not getattr(d, "like_input", ())]  # FReLU: its own tests below
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == [
        "SquaredReLU", "StarReLU", "SMU", "SmeLU", "NLReLU", "ISRLU", "RePU", "ReLUN", "BentIdentity", "TLU", "FReLU",
    ]  # fmt: skip


@pytest.mark.parametrize("decl", GRADIENTS, ids=ids(GRADIENTS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=ids(ELEMENTWISE))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)
    if decl.params:
        check_extremes(decl, sample_params(decl, random.Random(2)))


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_repu_extremes_for_other_powers(p: float) -> None:
    check_extremes(actlab.declaration("RePU"), {"p": p})


KINKS = [  # function, params, x, f'(x), f''(x): the documented conventions
    ("squared_relu", {}, 0.0, 0.0, 0.0),  # relu(x)**2: f'(0) = f''(0) = 0
    ("smelu", {"beta": 1.5}, -1.5, 0.0, 1 / 3),
    ("smelu", {"beta": 1.5}, 1.5, 1.0, 1 / 3),
    ("nlrelu", {"beta": 2.0}, 0.0, 0.0, 0.0),
    ("repu", {"p": 2.0}, 0.0, 0.0, 0.0),
    ("repu", {"p": 1.0}, 0.0, 0.0, 0.0),
    ("relun", {"n": 2.5}, 0.0, 0.0, 0.0),
    ("relun", {"n": 2.5}, 2.5, 0.0, 0.0),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINKS, ids=[f"{k[0]}{k[1]}@{k[2]:g}" for k in KINKS])
def test_kink_conventions_in_reverse_and_forward_mode(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    r1, r2, f1, f2 = derivatives_at(lambda t: getattr(F, fn)(t, **p), x)
    assert (r1, f1) == (d1, d1) and r2 == pytest.approx(d2, rel=1e-15) and f2 == r2


def _grads(fn, x: Tensor, *ws: Tensor) -> list[Tensor]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *ws)]
    y = fn(*leaves)
    return [y.detach(), *torch.autograd.grad(y.sum(), leaves)]


# ---- the published code, written literally ------------------------------------------------------------
def timm_squared_relu(x: Tensor) -> Tensor:
    return torch.square(torch.relu(x))


def timm_star_relu(x: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    return scale * torch.relu(x) ** 2 + bias


def smu_reference(x: Tensor, mu: Tensor, alpha: float = 0.25) -> Tensor:
    """Biswas et al.'s SMU (the official code)."""
    return ((1 + alpha) * x + (1 - alpha) * x * torch.erf(mu * (1 - alpha) * x)) / 2


def smelu_reference(x: Tensor, beta: float) -> Tensor:
    """Shamir et al.'s SmeLU as the published PyTorch code writes it."""
    out = torch.where(x >= beta, x, torch.zeros_like(x))
    return torch.where(torch.abs(x) <= beta, ((x + beta) ** 2) / (4.0 * beta), out)


def timm_tlu(x: Tensor, tau: Tensor) -> Tensor:
    """timm's FilterResponseNormTlu2d activation: torch.maximum with tau per channel."""
    return torch.maximum(x, tau.reshape(1, -1, 1, 1))


class OfficialFReLU(nn.Module):
    """megvii-model/FunnelAct's FReLU (from its source)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv_frelu = nn.Conv2d(in_channels, in_channels, 3, 1, 1, groups=in_channels)
        self.bn_frelu = nn.BatchNorm2d(in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.max(x, self.bn_frelu(self.conv_frelu(x)))


def test_squared_relu_matches_timm_and_its_autograd() -> None:
    x = torch.linspace(-7, 7, 1401, dtype=F64) + 1e-4
    for u, v in zip(value_and_grad(F.squared_relu, x), value_and_grad(timm_squared_relu, x)):
        torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)
    t = torch.tensor([0.0], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(F.squared_relu(t).sum(), t, create_graph=True)
    assert g.item() == 0.0 and torch.autograd.grad(g.sum(), t)[0].item() == 0.0


@pytest.mark.parametrize("n", [1, 3])
def test_star_relu_matches_timm(n: int) -> None:
    gen = torch.Generator().manual_seed(n)
    x, s, b = (2 * torch.randn(*shape, generator=gen, dtype=F64) for shape in ((2, 3, 4), (n,), (n,)))
    shape = (1, n, 1) if n > 1 else (1,)
    leaves = [t.clone().requires_grad_() for t in (x, s, b)]
    ref_leaves = [t.clone().requires_grad_() for t in (x, s, b)]
    y = F.star_relu(*leaves)
    yr = timm_star_relu(ref_leaves[0], ref_leaves[1].reshape(shape), ref_leaves[2].reshape(shape))
    torch.testing.assert_close(y, yr, rtol=1e-14, atol=1e-15)
    g = torch.randn(y.shape, generator=gen, dtype=F64)
    for a, r in zip(torch.autograd.grad(y, leaves, g), torch.autograd.grad(yr, ref_leaves, g)):
        torch.testing.assert_close(a, r, rtol=1e-13, atol=1e-14)


def test_star_relu_module_defaults_are_metaformers() -> None:
    m = actlab.nn.StarReLU()
    assert m.scale.item() == pytest.approx(0.8944) and m.bias.item() == pytest.approx(-0.4472)
    assert set(m.state_dict()) == {"scale", "bias"}  # timm's keys
    x = torch.randn(100, dtype=F64)
    torch.testing.assert_close(m(x), timm_star_relu(x, m.scale, m.bias))
    frozen = actlab.nn.StarReLU(1.0, 0.0, scale_learnable=False)
    assert not frozen.scale.requires_grad and frozen.bias.requires_grad
    with pytest.raises(ShapeError, match="0-D or 1-D"):
        F.star_relu(torch.randn(2, 3), torch.ones(1, 1), torch.zeros(1))


@pytest.mark.parametrize("mu", [0.7, 3.0, 1e6])
def test_smu_matches_the_official_code(mu: float) -> None:
    x = grid(-5.0, 5.0)
    w = torch.tensor(mu, dtype=F64)
    for u, v in zip(_grads(F.smu, x, w), _grads(smu_reference, x, w)):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-12)


def test_smu_module_limits_at_infinity_and_nan() -> None:
    smu = actlab.nn.SMU()
    assert smu.mu.item() == 1e6 and list(smu.state_dict()) == ["mu"]
    x = torch.tensor([-INF, INF, NAN], dtype=F64)
    w = torch.tensor(0.7, dtype=F64)
    y, gx, gmu = _grads(F.smu, x, w)
    assert y[:2].tolist() == [-INF, INF] and gx[:2].tolist() == [0.25, 1.0] and y[2].isnan()
    assert gmu.isnan()  # the NaN entry reaches the summed parameter gradient
    y, gx, gmu = _grads(F.smu, x[:2], w)
    assert gmu.item() == 0.0


def test_smelu_matches_its_reference_code() -> None:
    for beta in (0.5, 2.0):
        x = grid(-5.0, 5.0, kinks=(-beta, beta))
        for u, v in zip(
            value_and_grad(lambda t, b=beta: F.smelu(t, b), x),
            value_and_grad(lambda t, b=beta: smelu_reference(t, b), x),
        ):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)


def test_relun_6_is_relu6_to_the_bit() -> None:
    x = torch.tensor([-INF, -1.0, 0.0, 3.0, 6.0, 7.0, 1e30, INF, NAN])
    for dtype in (torch.float32, torch.float64, torch.bfloat16):
        xs = x.to(dtype)
        ours, theirs = value_and_grad(lambda t: F.relun(t, 6.0), xs), value_and_grad(F.relu6, xs)
        for u, v in zip(ours, theirs):
            torch.testing.assert_close(u, v, rtol=0, atol=0, equal_nan=True)


def test_repu_matches_the_definition() -> None:
    x = grid(-3.0, 3.0, kinks=(0.0,))
    for p in (1.5, 2.0, 3.0):
        ours, ref = value_and_grad(lambda t, p=p: F.repu(t, p), x), value_and_grad(lambda t, p=p: torch.relu(t) ** p, x)
        for u, v in zip(ours, ref):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-300)


def test_tlu_ties_split_the_gradient_as_torch_maximum() -> None:
    x = torch.tensor([[-1.0, 0.5, 2.0]], dtype=F64, requires_grad=True)
    tau = torch.tensor([0.5], dtype=F64, requires_grad=True)
    gx, gt = torch.autograd.grad(F.tlu(x, tau).sum(), (x, tau))
    assert gx.tolist() == [[0.0, 0.5, 1.0]] and gt.tolist() == [1.5]
    m = actlab.nn.TLU(num_features=3)
    assert list(m.state_dict()) == ["tau"] and torch.equal(m.tau.detach(), torch.zeros(3))


def test_tlu_agrees_with_timm() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 4, generator=gen, dtype=F64)
    tau = torch.tensor([-0.3, 0.0, 0.4], dtype=F64)
    x[0, 1, 0, 0] = 0.0  # a tie
    out = []
    for fn in (F.tlu, timm_tlu):
        xr, tr = x.clone().requires_grad_(), tau.clone().requires_grad_()
        y = fn(xr, tr)
        out.append((y.detach(), *torch.autograd.grad((y * y).sum(), (xr, tr))))
    for u, v in zip(*out):
        torch.testing.assert_close(u, v, rtol=1e-14, atol=0)


@pytest.mark.parametrize("train", [True, False])
def test_frelu_matches_the_official_module_with_its_weights(train: bool) -> None:
    torch.manual_seed(0)
    ours, theirs = actlab.get("FReLU", in_channels=3).double(), OfficialFReLU(3).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    ours.train(train), theirs.train(train)
    x = torch.randn(2, 3, 5, 4, dtype=F64)
    xs = [x.clone().requires_grad_() for _ in range(2)]
    ys = [m(t) for m, t in zip((ours, theirs), xs)]
    torch.testing.assert_close(ys[0], ys[1], rtol=1e-13, atol=1e-14)
    grads = [torch.autograd.grad((y * y).sum(), [t, *m.parameters()]) for y, t, m in zip(ys, xs, (ours, theirs))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-11, atol=1e-12)


def test_frelu_ties_split_the_gradient_as_torch_maximum() -> None:
    x = torch.tensor([1.0, 2.0, -1.0], dtype=F64, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 3.0], dtype=F64, requires_grad=True)
    gx, gt = torch.autograd.grad(F.frelu(x, t).sum(), (x, t))
    assert gx.tolist() == [0.5, 1.0, 0.0] and gt.tolist() == [0.5, 0.0, 1.0]
    tx, tt = (u.detach().clone().requires_grad_() for u in (x, t))
    assert [g.tolist() for g in torch.autograd.grad(torch.maximum(tx, tt).sum(), (tx, tt))] == [
        gx.tolist(),
        gt.tolist(),
    ]
    assert torch.autograd.gradgradcheck(F.frelu, (x + 0.1, t), check_fwd_over_rev=True)
    y = F.frelu(torch.tensor([float("nan"), float("-inf")], dtype=F64), torch.tensor([0.0, float("-inf")], dtype=F64))
    assert torch.isnan(y[0]) and y[1] == float("-inf")


def test_frelu_errors() -> None:
    with pytest.raises(TypeError, match="in_channels"):
        actlab.get("FReLU")
    with pytest.raises(ParameterError, match="kernel_size"):
        actlab.get("FReLU", in_channels=2, kernel_size=2)
    with pytest.raises(ShapeError, match="broadcast"):
        F.frelu(torch.randn(2, 3), torch.randn(3, 3))


# ---- torch-activation 1.0.0 ------------------------------------------------------------------------------
TA = torch_activation()


@pytest.mark.parametrize("fn, p, theirs", [
    ("isrlu", {"alpha": 2.0}, lambda: TA.classical.squared.ISRLU(a=2.0)),
    ("nlrelu", {"beta": 1.0}, lambda: TA.classical.relu.NLReLU(a=1.0)),
    ("nlrelu", {"beta": 2.5}, lambda: TA.classical.relu.NLReLU(a=2.5)),
    ("relun", {"n": 1.0}, lambda: TA.classical.relu.ReLUN(n=1.0)),
    ("relun", {"n": 6.0}, lambda: TA.classical.relu.ReLUN(n=6.0)),
    ("bent_identity", {}, lambda: TA.classical.other.BentIdentity()),
])  # fmt: skip
def test_agrees_with_torch_activation(fn: str, p: dict, theirs) -> None:
    x = grid(-8.0, 8.0, kinks=(0.0, p.get("n", 0.0)))
    module = theirs().double()
    for u, v in zip(value_and_grad(lambda t: getattr(F, fn)(t, **p), x), value_and_grad(module, x)):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-13)


def test_smu_agrees_with_torch_activation() -> None:
    theirs = TA.adaptive.relu.SMU(a=0.25, b=2.5, learnable=True).double()
    x = grid(-5.0, 5.0)
    ours = _grads(F.smu, x, torch.tensor(2.5, dtype=F64))
    xr = x.clone().requires_grad_()
    y = theirs(xr)
    ref = [y.detach(), *torch.autograd.grad(y.sum(), [xr, theirs.b])]
    for u, v in zip(ours, ref):
        torch.testing.assert_close(u, v.reshape(u.shape), rtol=1e-12, atol=1e-12)


def test_torch_activation_defects_in_this_family() -> None:
    """ReLUN as relu(x) - relu(x - n) loses the cap for large x (the issue's ReLUN(6)(1e30) = 0);
    BentIdentity's sqrt(x^2 + 1) overflows to inf at 1e20 in float32 and cancels near 0."""
    x = torch.tensor([1e30])
    assert TA.classical.relu.ReLUN(n=6.0)(x).item() == 0.0 and F.relun(x, 6.0).item() == 6.0
    big = torch.tensor([-1e20])
    assert TA.classical.other.BentIdentity()(big).item() == math.inf and F.bent_identity(big).item() == pytest.approx(
        -5e19
    )
