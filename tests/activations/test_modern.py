"""The modern activations (src/actlab/activations/modern.py, glu_variants.py) and their
functional forms, modules and GatedMLP: gradcheck/gradgradcheck in float64, agreement with
the published reference code written out literally (timm, Liger-Kernel, BigVGAN, the papers),
kink conventions, and edge cases (+-inf, NaN, 0-d, empty, odd split sizes, bad parameters)."""

from __future__ import annotations

import argparse
import math

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.errors import ParameterError, ShapeError

F64 = torch.float64
INF, NAN = float("inf"), float("nan")
ELEMENTWISE = ["QuickGELU", "SquaredReLU", "HardMish", "Squareplus", "SERF"]
GATED = ["SwiGLU", "GeGLU", "ReGLU"]


def _x(*shape: int, scale: float = 2.0, seed: int = 0) -> Tensor:
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _off(x: Tensor, *kinks: float) -> Tensor:
    """Move entries within 1e-3 of a kink away (finite differences must not straddle it)."""
    for k in kinks:
        x = torch.where((x - k).abs() < 1e-3, x + 3e-3, x)
    return x


# ---- the published definitions, written literally -------------------------------------------
def timm_quick_gelu(x: Tensor) -> Tensor:
    return x * torch.sigmoid(1.702 * x)


def timm_squared_relu(x: Tensor) -> Tensor:
    return torch.square(torch.relu(x))


def timm_star_relu(x: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    return scale * torch.relu(x) ** 2 + bias


def timm_hard_mish(x: Tensor) -> Tensor:
    return 0.5 * x * (x + 2).clamp(min=0, max=2)


def barron_squareplus(x: Tensor, b: float) -> Tensor:
    return (x + torch.sqrt(x * x + b)) / 2


def nag_serf(x: Tensor) -> Tensor:
    return x * torch.erf(torch.log(1 + torch.exp(x)))


def bigvgan_snake(x: Tensor, alpha: Tensor) -> Tensor:  # without BigVGAN's "+ 1e-9"
    return x + 1.0 / alpha * torch.pow(torch.sin(x * alpha), 2)


def timm_glu_mlp_gate(x: Tensor, act) -> Tensor:  # noqa: ANN001  timm GluMlp, gate_last=True
    x1, x2 = x.chunk(2, dim=-1)
    return x1 * act(x2)


def liger_swiglu(a: Tensor, b: Tensor) -> Tensor:  # LigerSiLUMulFunction: a = gate_proj(x), b = up_proj(x)
    return TF.silu(a) * b


LITERAL = {
    "QuickGELU": timm_quick_gelu,
    "SquaredReLU": timm_squared_relu,
    "HardMish": timm_hard_mish,
    "Squareplus": lambda x: barron_squareplus(x, 4.0),
    "SERF": nag_serf,
}


# ---- gradcheck and gradgradcheck (float64) ---------------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_gradcheck_and_gradgradcheck(name: str) -> None:
    decl = actlab.spec(name)
    x = _off(_x(3, 5, scale=3.0), *decl.kinks(**decl.defaults())).requires_grad_()
    fn = getattr(F, decl.function)
    assert torch.autograd.gradcheck(fn, (x,))
    assert torch.autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("b", [0.25, 4.0, 50.0])
def test_squareplus_gradcheck_over_b(b: float) -> None:
    x = _x(9, scale=5.0).requires_grad_()
    assert torch.autograd.gradgradcheck(lambda t: F.squareplus(t, b), (x,))


GATED_SETTINGS = [("SwiGLU", {}), ("GeGLU", {"approximate": "none"}), ("GeGLU", {"approximate": "tanh"}), ("ReGLU", {})]


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name, kw", GATED_SETTINGS, ids=[f"{n}{''.join(k.values())}" for n, k in GATED_SETTINGS])
def test_gated_gradcheck_and_gradgradcheck(name: str, kw: dict, dim: int) -> None:
    x = _off(_x(4, 6, 2), 0.0).requires_grad_()
    fn = getattr(F, actlab.spec(name).function)
    assert torch.autograd.gradcheck(lambda t: fn(t, dim, **kw), (x,))
    assert torch.autograd.gradgradcheck(lambda t: fn(t, dim, **kw), (x,))


@pytest.mark.parametrize("n", [1, 3])
def test_star_relu_gradcheck_and_gradgradcheck(n: int) -> None:
    x = _off(_x(2, 3, 4), 0.0).requires_grad_()
    s, b = _x(n, seed=1).requires_grad_(), _x(n, seed=2).requires_grad_()
    assert torch.autograd.gradcheck(F.star_relu, (x, s, b))
    assert torch.autograd.gradgradcheck(F.star_relu, (x, s, b))


@pytest.mark.parametrize("alpha", [[1.3], [0.7, -1.1, 2.5], [1e-3], [0.0, 1e-9, 0.2]])
def test_snake_gradcheck_and_gradgradcheck(alpha: list[float]) -> None:
    """Also in the series region of d2f/da2 (|a x| < 0.5) and at the a -> 0 limit."""
    x = _x(2, len(alpha), 4).requires_grad_()
    a = torch.tensor(alpha, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(F.snake, (x, a))
    assert torch.autograd.gradgradcheck(F.snake, (x, a))


# ---- agreement with the published definitions -----------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_match_reference_code_and_its_autograd(name: str) -> None:
    decl = actlab.spec(name)
    x = _off(torch.linspace(-7, 7, 1401, dtype=F64) + 1e-4, *decl.kinks(**decl.defaults()))
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


@pytest.mark.parametrize("name, x", [("SquaredReLU", 0.0), ("HardMish", -2.0), ("HardMish", 0.0)])
def test_kinks_as_autograd_of_the_reference_code(name: str, x: float) -> None:
    """The documented conventions: relu(x)**2 has f'(0) = f''(0) = 0; timm's hard mish takes the
    inner branch on [-2, 0] (f'(-2) = -1, f''(-2) = f''(0) = 1)."""
    t = torch.tensor([x], dtype=F64, requires_grad=True)
    r = t.detach().clone().requires_grad_()
    (g,) = torch.autograd.grad(getattr(F, actlab.spec(name).function)(t).sum(), t, create_graph=True)
    (gr,) = torch.autograd.grad(LITERAL[name](r).sum(), r, create_graph=True)
    assert g.item() == gr.item()
    assert torch.autograd.grad(g.sum(), t)[0].item() == torch.autograd.grad(gr.sum(), r)[0].item()


def test_hard_mish_backward_as_timm_memory_efficient_version() -> None:
    """timm's hard_mish_bwd: 1 for x > 0, x + 1 on [-2, 0], 0 below."""
    x = torch.tensor([-3.0, -2.0, -1.5, -1.0, 0.0, 0.5], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(F.hard_mish(x).sum(), x)
    m = torch.ones_like(x) * (x >= -2.0)
    m = torch.where((x >= -2.0) & (x <= 0.0), x + 1.0, m)
    assert g.tolist() == m.tolist()


@pytest.mark.parametrize("n", [1, 3])
def test_star_relu_matches_timm(n: int) -> None:
    x = _x(2, 3, 4)
    s, b = _x(n, seed=1), _x(n, seed=2)
    shape = (1, n, 1) if n > 1 else (1,)
    leaves = [t.clone().requires_grad_() for t in (x, s, b)]
    ref_leaves = [t.clone().requires_grad_() for t in (x, s, b)]
    y = F.star_relu(*leaves)
    yr = timm_star_relu(ref_leaves[0], ref_leaves[1].reshape(shape), ref_leaves[2].reshape(shape))
    torch.testing.assert_close(y, yr, rtol=1e-14, atol=1e-15)
    g = _x(*y.shape, seed=3)
    for a, r in zip(torch.autograd.grad(y, leaves, g), torch.autograd.grad(yr, ref_leaves, g)):
        torch.testing.assert_close(a, r, rtol=1e-13, atol=1e-14)


def test_star_relu_module_defaults_are_metaformers() -> None:
    m = actlab.nn.StarReLU()
    assert m.scale.item() == pytest.approx(0.8944) and m.bias.item() == pytest.approx(-0.4472)
    assert set(m.state_dict()) == {"scale", "bias"}  # timm's keys
    x = _x(100)
    torch.testing.assert_close(m(x), timm_star_relu(x, m.scale, m.bias))
    frozen = actlab.nn.StarReLU(1.0, 0.0, scale_learnable=False)
    assert not frozen.scale.requires_grad and frozen.bias.requires_grad


def test_snake_matches_bigvgan_and_has_the_zero_limit() -> None:
    x = _x(2, 3, 50)
    a = torch.tensor([0.5, 1.0, 2.5], dtype=F64)
    torch.testing.assert_close(F.snake(x, a), bigvgan_snake(x, a.view(1, 3, 1)), rtol=1e-13, atol=1e-14)
    xs = x.clone().requires_grad_()
    zero = torch.zeros(1, dtype=F64, requires_grad=True)
    y = F.snake(xs, zero)
    assert torch.equal(y, x)  # a = 0: the identity (the literal form is 0/0)
    gx, ga = torch.autograd.grad(y.sum(), (xs, zero))
    assert torch.equal(gx, torch.ones_like(x))
    torch.testing.assert_close(ga, (x * x).sum().reshape(1), rtol=1e-14, atol=0)  # df/da -> x^2
    tiny = torch.tensor([1e-6], dtype=F64)  # x + sin^2(ax)/a = x + a x^2 - ...
    torch.testing.assert_close(F.snake(x, tiny), x + 1e-6 * x * x, rtol=1e-15, atol=1e-15)


def test_snake_module_as_bigvgan() -> None:
    m = actlab.nn.Snake(3, alpha=0.5)
    assert set(m.state_dict()) == {"alpha"} and m.alpha.shape == (3,)
    x = _x(2, 3, 10)
    torch.testing.assert_close(m(x), bigvgan_snake(x, m.alpha.detach().view(1, 3, 1)))
    with pytest.raises(ShapeError, match="channel count"):
        m(_x(2, 4, 10))


TORCH_GATES = {"SwiGLU": TF.silu, "GeGLU": TF.gelu, "ReGLU": TF.relu}


@pytest.mark.parametrize("name, kw", GATED_SETTINGS, ids=[f"{n}{''.join(k.values())}" for n, k in GATED_SETTINGS])
def test_glu_variants_gate_the_second_half_as_timm_glu_mlp(name: str, kw: dict) -> None:
    act = TORCH_GATES[name]
    x = _x(3, 8)
    xs, xr = x.clone().requires_grad_(), x.clone().requires_grad_()
    y = getattr(F, actlab.spec(name).function)(xs, **kw)
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


# ---- numerics --------------------------------------------------------------------------------
def test_squareplus_has_no_cancellation_for_large_negative_x() -> None:
    """(x + sqrt(x^2 + b))/2 is 0 in float32 for x < -4e3; b / (2(s - x)) ~ b / (4|x|) is exact."""
    import mpmath

    x = torch.tensor([-30.0, -1e4, -1e8, -1e30], dtype=torch.float32)
    with mpmath.workprec(400):  # x + s cancels 2 log2(|x|) bits
        truth = torch.tensor([float((v + mpmath.sqrt(mpmath.mpf(v) ** 2 + 4)) / 2) for v in x.tolist()], dtype=F64)
    ours = F.squareplus(x)
    assert barron_squareplus(x, 4.0)[1].item() == 0.0  # the literal form in float32
    torch.testing.assert_close(ours.double(), truth, rtol=2e-7, atol=0)


def test_quick_gelu_tail_and_large_inputs() -> None:
    x = torch.tensor([-40.0, -50.0, 1e30], dtype=torch.float32)  # x e^{1.702 x} still normal in float32
    truth = x.double() * torch.sigmoid(1.702 * x.double())
    torch.testing.assert_close(F.quick_gelu(x).double(), truth, rtol=1e-6, atol=0)


# ---- edge cases ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, lo, hi, d_lo, d_hi",
    [
        ("QuickGELU", 0.0, INF, 0.0, 1.0),
        ("SquaredReLU", 0.0, INF, 0.0, INF),
        ("HardMish", 0.0, INF, 0.0, 1.0),
        ("Squareplus", 0.0, INF, 0.0, 1.0),
        ("SERF", 0.0, INF, 0.0, 1.0),
    ],
)
def test_elementwise_at_infinity_and_nan(name: str, lo: float, hi: float, d_lo: float, d_hi: float) -> None:
    fn = getattr(F, actlab.spec(name).function)
    x = torch.tensor([-INF, INF, NAN], dtype=F64, requires_grad=True)
    y = fn(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert y[:2].tolist() == [lo, hi] and math.isnan(y[2].item())
    assert g[:2].tolist() == [d_lo, d_hi]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_0d_empty_and_dtypes(name: str) -> None:
    fn = getattr(F, actlab.spec(name).function)
    assert fn(torch.tensor(1.5, dtype=F64)).shape == ()
    assert fn(torch.empty(0, 3)).shape == (0, 3)
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        assert fn(torch.randn(4).to(dt)).dtype == dt
    with pytest.raises(TypeError, match="floating-point"):
        fn(torch.arange(3))


@pytest.mark.parametrize("name", GATED)
def test_gated_split_errors_and_empty(name: str) -> None:
    fn = getattr(F, actlab.spec(name).function)
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


def test_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="b must be"):
        F.squareplus(torch.randn(3), b=0.0)
    with pytest.raises(ParameterError, match="approximate"):
        F.geglu(torch.randn(2, 4), approximate="fast")
    with pytest.raises(ShapeError, match="0-D or 1-D"):
        F.star_relu(torch.randn(2, 3), torch.ones(1, 1), torch.zeros(1))
    with pytest.raises(TypeError, match="alpha must be a Tensor"):
        F.snake(torch.randn(2, 3), 1.0)
    with pytest.raises(ValueError, match="in_features"):
        actlab.nn.Snake(0)


# ---- registry wiring: list, get, functional names --------------------------------------------
ALL = [*ELEMENTWISE, *GATED, "StarReLU", "Snake"]


@pytest.mark.parametrize("name", ALL)
def test_registered_with_module_functional_and_declaration(name: str) -> None:
    decl = actlab.spec(name)
    assert decl.torch_name is None and decl.formula and decl.reference
    assert isinstance(actlab.get(name), decl.module_class) and issubclass(decl.module_class, torch.nn.Module)
    assert decl.function in F.__all__ and callable(getattr(F, decl.function))
    if decl.kinks(**decl.defaults()):
        assert decl.kink_convention


def test_actlab_list_shows_them(capsys: pytest.CaptureFixture[str]) -> None:
    from actlab.commands import list as list_command

    list_command.run(argparse.Namespace(family=None))
    out = capsys.readouterr().out
    for name in ALL:
        assert f"\n{name} " in out or out.startswith(f"{name} ")
