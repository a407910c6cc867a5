"""The gated family's catalog members (activations/gated.py): the self-gated Swish,
SmoothHardswish, QuickGELU, HardMish, SERF, ClippedGELU, ELiSH, HardELiSH, LiSHT, TanhExp (and TeLU),
Smish, Logish, Phish, GoLU, ESwish, ErfAct, FlattenTSwish and the learnable SinLU; the split gates
SwiGLU, GeGLU, ReGLU and GatedMLP. Gradients through the operator in every mode, extremal inputs
against the 128-bit reference, kink conventions, the TeLU alias, and agreement with the published
code written out literally (timm, Liger-Kernel, the papers) and with torch-activation 1.0.0
(including its defects); the split gates' errors and limits."""

from __future__ import annotations

import math
import random

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.errors import ParameterError, ShapeError
from actlab.kinds import Elementwise, SplitGate
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

DECLS = catalog("gated")
ELEMENTWISE = [d for d in DECLS if issubclass(d, Elementwise)]
GATES = [d for d in DECLS if issubclass(d, SplitGate)]
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == [
        "Swish", "SmoothHardswish", "QuickGELU", "HardMish", "SERF", "ClippedGELU", "SwiGLU", "GeGLU", "ReGLU",
        "ELiSH", "HardELiSH", "LiSHT", "TanhExp", "TeLU", "Smish", "Logish", "Phish", "GoLU", "ESwish", "ErfAct",
        "FlattenTSwish", "SinLU",
    ]  # fmt: skip


@pytest.mark.parametrize("decl", [d for d in DECLS if d not in GATES], ids=ids([d for d in DECLS if d not in GATES]))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=ids(ELEMENTWISE))
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
    ("hard_mish", {}, -2.0, -1.0, 1.0),  # timm's inner branch on the closed [-2, 0]
    ("hard_mish", {}, 0.0, 1.0, 1.0),
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
    assert isinstance(actlab.get("TeLU"), actlab.nn.TeLU) and actlab.declaration("telu").name == "TeLU"
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


# ---- the published code, written literally -------------------------------------------------------
def timm_quick_gelu(x: Tensor) -> Tensor:
    return x * torch.sigmoid(1.702 * x)


def timm_hard_mish(x: Tensor) -> Tensor:
    return 0.5 * x * (x + 2).clamp(min=0, max=2)


def nag_serf(x: Tensor) -> Tensor:
    return x * torch.erf(torch.log(1 + torch.exp(x)))


def timm_glu_mlp_gate(x: Tensor, act) -> Tensor:  # noqa: ANN001  timm GluMlp, gate_last=True
    x1, x2 = x.chunk(2, dim=-1)
    return x1 * act(x2)


def liger_swiglu(a: Tensor, b: Tensor) -> Tensor:  # LigerSiLUMulFunction: a = gate_proj(x), b = up_proj(x)
    return TF.silu(a) * b


LITERAL = {"QuickGELU": timm_quick_gelu, "HardMish": timm_hard_mish, "SERF": nag_serf}


def _x(*shape: int, scale: float = 2.0, seed: int = 0) -> Tensor:
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("name", LITERAL)
def test_matches_the_reference_code_and_its_autograd(name: str) -> None:
    decl = actlab.declaration(name)
    x = torch.linspace(-7, 7, 1401, dtype=F64) + 1e-4
    for k in decl.kinks(**decl.defaults()):
        x = torch.where((x - k).abs() < 1e-3, x + 3e-3, x)
    ours = x.clone().requires_grad_()
    ref = x.clone().requires_grad_()
    y, yr = getattr(F, decl.function)(ours), LITERAL[name](ref)
    torch.testing.assert_close(y, yr, rtol=1e-13, atol=1e-15)
    (g,) = torch.autograd.grad(y.sum(), ours, create_graph=True)
    (gr,) = torch.autograd.grad(yr.sum(), ref, create_graph=True)
    torch.testing.assert_close(g, gr, rtol=1e-11, atol=1e-13)
    (h,) = torch.autograd.grad(g.sum(), ours)
    (hr,) = torch.autograd.grad(gr.sum(), ref)
    torch.testing.assert_close(h, hr, rtol=1e-9, atol=1e-12)


def test_hard_mish_backward_as_timm_memory_efficient_version() -> None:
    """timm's hard_mish_bwd: 1 for x > 0, x + 1 on [-2, 0], 0 below."""
    x = torch.tensor([-3.0, -2.0, -1.5, -1.0, 0.0, 0.5], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(F.hard_mish(x).sum(), x)
    m = torch.ones_like(x) * (x >= -2.0)
    m = torch.where((x >= -2.0) & (x <= 0.0), x + 1.0, m)
    assert g.tolist() == m.tolist()


def test_quick_gelu_tail_and_large_inputs() -> None:
    x = torch.tensor([-40.0, -50.0, 1e30], dtype=torch.float32)  # x e^{1.702 x} still normal in float32
    truth = x.double() * torch.sigmoid(1.702 * x.double())
    torch.testing.assert_close(F.quick_gelu(x).double(), truth, rtol=1e-6, atol=0)


# ---- the split gates ------------------------------------------------------------------------------------
GATED_SETTINGS = [("SwiGLU", {}), ("GeGLU", {"approximate": "none"}), ("GeGLU", {"approximate": "tanh"}), ("ReGLU", {})]


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name, kw", GATED_SETTINGS, ids=[f"{n}{''.join(k.values())}" for n, k in GATED_SETTINGS])
def test_gated_gradcheck_and_gradgradcheck(name: str, kw: dict, dim: int) -> None:
    x = _x(4, 6, 2)
    x = torch.where(x.abs() < 1e-3, x + 3e-3, x).requires_grad_()  # off ReGLU's kink
    fn = getattr(F, actlab.declaration(name).function)
    assert torch.autograd.gradcheck(lambda t: fn(t, dim, **kw), (x,))
    assert torch.autograd.gradgradcheck(lambda t: fn(t, dim, **kw), (x,))


TORCH_GATES = {"SwiGLU": TF.silu, "GeGLU": TF.gelu, "ReGLU": TF.relu}


@pytest.mark.parametrize("name, kw", GATED_SETTINGS, ids=[f"{n}{''.join(k.values())}" for n, k in GATED_SETTINGS])
def test_glu_variants_gate_the_second_half_as_timm_glu_mlp(name: str, kw: dict) -> None:
    act = TORCH_GATES[name]
    x = _x(3, 8)
    xs, xr = x.clone().requires_grad_(), x.clone().requires_grad_()
    y = getattr(F, actlab.declaration(name).function)(xs, **kw)
    yr = timm_glu_mlp_gate(xr, lambda t: act(t, **kw))
    torch.testing.assert_close(y, yr, rtol=1e-13, atol=1e-15)
    g = _x(3, 4, seed=5)
    (gs,), (gr,) = torch.autograd.grad(y, xs, g), torch.autograd.grad(yr, xr, g)
    torch.testing.assert_close(gs, gr, rtol=1e-12, atol=1e-14)


def test_swiglu_is_liger_swiglu_with_up_first_gate_second() -> None:
    a, b = _x(4, 5, seed=1), _x(4, 5, seed=2)  # a = gate_proj(x), b = up_proj(x)
    torch.testing.assert_close(F.swiglu(torch.cat([b, a], -1)), liger_swiglu(a, b), rtol=1e-14, atol=0)


@pytest.mark.parametrize("activation, act", [("silu", TF.silu), ("gelu", TF.gelu), ("relu", TF.relu)])
def test_gated_mlp_is_the_llama_liger_block(activation: str, act) -> None:  # noqa: ANN001
    """down(act(gate(x)) * up(x)) = (Swish(xW) * xV) W2 (Shazeer), with weights loaded LLaMA-style."""
    d, h = 6, 10
    gate, up, down = _x(h, d, seed=1), _x(h, d, seed=2), _x(d, h, seed=3)
    mlp = actlab.nn.GatedMLP(d, h, activation=activation, dtype=F64).load_projections(gate, up, down)
    x = _x(2, 3, d, seed=4)
    ref = (act(x @ gate.T) * (x @ up.T)) @ down.T
    torch.testing.assert_close(mlp(x), ref, rtol=1e-12, atol=1e-12)
    assert mlp.fc1.bias is None and mlp.fc2.bias is None
    mlp(x).sum().backward()
    assert mlp.fc1.weight.grad.shape == (2 * h, d)


def test_gated_mlp_options_and_errors() -> None:
    m = actlab.nn.GatedMLP(4, 8, 3, activation="gelu_tanh", bias=True)
    assert m(torch.randn(5, 4)).shape == (5, 3) and m.fc1.bias is not None
    with pytest.raises(ValueError, match="activation must be one of"):
        actlab.nn.GatedMLP(4, 8, activation="tanh")
    with pytest.raises(ValueError, match="hidden_features"):
        actlab.nn.GatedMLP(4, 0)
    with pytest.raises(ValueError, match="expected gate/up"):
        actlab.nn.GatedMLP(4, 8).load_projections(torch.zeros(8, 4), torch.zeros(8, 4), torch.zeros(8, 4))


@pytest.mark.parametrize("name", ids(GATES))
def test_gated_split_errors_and_empty(name: str) -> None:
    fn = getattr(F, actlab.declaration(name).function)
    with pytest.raises(ShapeError, match="must be even"):
        fn(torch.randn(3, 5))
    with pytest.raises(ShapeError, match="does not support scalars"):
        fn(torch.tensor(1.0))
    with pytest.raises(TypeError, match="dim"):
        fn(torch.randn(2, 4), 1.5)
    assert fn(torch.empty(0, 4)).shape == (0, 2)
    assert fn(torch.empty(3, 0)).shape == (3, 0)
    assert fn(torch.randn(2, 4), 0).shape == (1, 4)


def test_gated_with_infinite_gate() -> None:
    """a * act(b) with b = -inf: act = 0 and the gradient is finite (the gate's limits)."""
    x = torch.tensor([2.0, -INF], dtype=F64, requires_grad=True)
    for fn in (F.swiglu, F.geglu, F.reglu):
        y = fn(x, 0)
        assert y.item() == 0.0
        (g,) = torch.autograd.grad(y.sum(), x)
        assert g.abs().tolist() == [0.0, 0.0]
        assert fn(torch.tensor([2.0, INF], dtype=F64), 0).item() == INF


def test_geglu_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="approximate"):
        F.geglu(torch.randn(2, 4), approximate="fast")


# ---- SinLU -----------------------------------------------------------------------------------------------
def _grads(fn, x: Tensor, *ws: Tensor) -> list[Tensor]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *ws)]
    y = fn(*leaves)
    return [y.detach(), *torch.autograd.grad(y.sum(), leaves)]


def test_sinlu_module_holds_learnable_tensors_per_channel() -> None:
    m = actlab.nn.SinLU(num_parameters=3)
    assert list(m.state_dict()) == ["alpha", "beta"] and m.alpha.shape == (3,) and m.alpha.requires_grad
    assert torch.equal(m.alpha.detach(), torch.ones(3)) and torch.equal(m.beta.detach(), torch.ones(3))
    x = torch.randn(2, 3, 4)
    m(x).sum().backward()
    assert m.alpha.grad.shape == (3,) and m.beta.grad.shape == (3,)


def test_sinlu_limits() -> None:
    a, b = torch.tensor(0.6, dtype=F64), torch.tensor(1.3, dtype=F64)
    y, gx, ga, gb = _grads(F.sinlu, torch.tensor([-INF], dtype=F64), a, b)
    assert y.tolist() == [0.0] and gx.tolist() == [0.0] and ga.item() == 0.0 and gb.item() == 0.0
    assert F.sinlu(torch.tensor([INF], dtype=F64), a, b).item() == INF  # f'(+inf) oscillates: no limit


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


def test_sinlu_agrees_with_torch_activation() -> None:
    theirs = TA.classical.sigmoid_weighted.SinLU(a=0.625, b=1.75).double()
    x = grid(-8.0, 8.0)
    ours = _grads(F.sinlu, x, torch.tensor(0.625, dtype=F64), torch.tensor(1.75, dtype=F64))
    xr = x.clone().requires_grad_()
    y = theirs(xr)
    ref = [y.detach(), *torch.autograd.grad(y.sum(), [xr, theirs.alpha, theirs.beta])]  # its Parameters
    for u, v in zip(ours, ref):
        torch.testing.assert_close(u, v.reshape(u.shape), rtol=1e-12, atol=1e-12)
