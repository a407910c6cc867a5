"""Every derivative path is the hand-derived math: ``torch.func`` (grad, jacrev, jacfwd, hessian,
vmap, jvp, functional_call), ``torch.autograd.forward_ad`` and ``torch.autograd.functional`` agree
with torch (float64, 1e-9) for every activation, and with autograd through the declaration's own
formula for the extras; kink conventions are the same in forward and reverse mode; a
physics-informed network's input Hessian (second derivatives through every layer) equals torch's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as TF
from torch import Tensor, nn
from torch.func import functional_call, grad, hessian, jacfwd, jacrev, jvp, vmap

import actlab
import actlab.functional as AF
import actlab.nn as anm
from actlab.forms import channel_weight, coefficient_weight
from actlab.kinds import (
    Activation,
    Elementwise,
    Normalizer,
    Parametric,
    ParametricNormalizer,
    Random,
    SplitGate,
    VectorMap,
)
from conftest import draw_params, rng_for
from gradcases import distinct, parametric_tensor

pytestmark = pytest.mark.usefixtures("single_thread")
F64 = torch.float64
TOL = {"rtol": 1e-9, "atol": 1e-10}


@dataclass
class Case:
    """``ours(*inputs)`` and a reference with autograd-only derivatives (torch's function, or
    autograd through the declaration's own formula for activations torch lacks)."""

    name: str
    ours: Callable[..., Tensor]
    reference: Callable[..., Tensor]
    inputs: tuple[Tensor, ...]


def _points(decl: type[Activation], params: dict[str, Any], n: int, seed: int) -> Tensor:
    """n points in [-3, 3] at least 0.05 from every kink (derivatives are conventions there)."""
    gen = torch.Generator().manual_seed(seed)
    kinks = torch.tensor([float(k) for k in decl.kinks(**params)] or [1e9], dtype=F64)
    x = torch.empty(0, dtype=F64)
    while x.numel() < n:
        c = torch.rand(4 * n, generator=gen, dtype=F64) * 6 - 3
        x = torch.cat([x, c[(c[:, None] - kinks).abs().min(1).values > 0.05]])
    return x[:n]


def _case(decl: type[Activation]) -> Case:
    rng = rng_for("transforms", decl.name)
    seed = sum(map(ord, decl.name))
    if issubclass(decl, Elementwise):
        p = draw_params(decl, rng)
        if issubclass(decl, Random):  # evaluation mode: a leaky ReLU
            p = {"lower": 0.1, "upper": 0.3}
        mine = getattr(AF, decl.function)
        # torch's float64 hardsigmoid and celu use float32 constants (1/6, 1/alpha: 3e-8 relative),
        # and torch's hardsigmoid has no double backward: autograd through our formula instead
        torch_ok = decl.in_torch and decl.name not in ("Hardsigmoid", "CELU")
        theirs = getattr(TF, decl.function) if torch_ok else (lambda x, **q: decl.f(x, **q))
        return Case(decl.name, lambda x: mine(x, **p), lambda x: theirs(x, **p), (_points(decl, p, 6, seed),))
    if issubclass(decl, ParametricNormalizer):  # EntmaxBisect: alpha per row; autograd through its bisection + Newton
        gen = torch.Generator().manual_seed(seed)
        x = 2 * torch.randn(2, 3, 4, generator=gen, dtype=F64)
        alpha = 1.2 + torch.rand(2, 1, 4, generator=gen, dtype=F64)
        mine = getattr(AF, decl.function)
        return Case(decl.name, lambda t, a: mine(t, a, 1), lambda t, a: decl.forward(t, a, 1), (x, alpha))
    if issubclass(decl, VectorMap):  # autograd through the declaration's own forward
        x = distinct((3, 4), torch.Generator().manual_seed(seed))
        p = {k: v for k, v in decl.defaults().items() if k != "dim"}
        mine = getattr(AF, decl.function)
        return Case(decl.name, lambda t: mine(t, 1, **p), lambda t: decl.forward(t, 1, **p), (x,))
    if issubclass(decl, Normalizer):
        x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(seed), dtype=F64)
        mine = getattr(AF, decl.function)
        if decl.name == "Softmax2d":
            return Case(decl.name, mine, lambda t: TF.softmax(t, dim=-3), (x,))
        ref = getattr(TF, decl.function, None)
        if ref is None:  # sparse maps: autograd through their own sort-based forward
            return Case(
                decl.name,
                lambda t: mine(t, dim=1),
                lambda t: decl.forward(t, 1),
                (x + 2 * torch.arange(3.0, dtype=F64)[:, None],),
            )
        return Case(decl.name, lambda t: mine(t, dim=1), lambda t: ref(t, dim=1), (x,))
    if issubclass(decl, SplitGate):
        x = torch.randn(3, 4, generator=torch.Generator().manual_seed(seed), dtype=F64)
        p = {k: v for k, v in draw_params(decl, rng).items() if k != "dim"}
        mine = getattr(AF, decl.function)

        def reference(t: Tensor) -> Tensor:
            a, b = t.chunk(2, -1)
            return a * decl.gate.f(b, **p)  # autograd through the gate's formula

        return Case(decl.name, lambda t: mine(t, -1, **p), reference, (x,))
    if issubclass(decl, Parametric):
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(3, 4, generator=gen, dtype=F64)
        x = x + 0.2 * torch.sign(x)  # away from the kink at 0
        ws = tuple(
            parametric_tensor(decl, t, x, 4, gen) if t in (*decl.coefficients, *decl.like_input)
            else 0.2 + torch.rand(4, generator=gen, dtype=F64)
            for t in decl.tensor_params
        )  # fmt: skip
        mine = getattr(AF, decl.function)
        if decl.name == "PReLU":
            return Case(decl.name, mine, torch.prelu, (x, *ws))

        def shaped(t: Tensor, name: str, v: Tensor) -> Tensor:
            if name in decl.like_input:
                return v
            place = coefficient_weight if name in decl.coefficients else channel_weight
            return place(decl.name, t, v, name)

        def reference(t: Tensor, *w: Tensor) -> Tensor:
            return decl.forward(t, *(shaped(t, n, v) for n, v in zip(decl.tensor_params, w)))

        return Case(decl.name, mine, reference, (x, *ws))
    raise AssertionError(f"no case for {decl.name}")


DECLS = [d for d in actlab.declarations() if not d.user_defined]
CASES = [_case(d) for d in DECLS]


def _weights(y: Tensor) -> Tensor:
    return torch.linspace(-1.0, 2.0, y.numel(), dtype=F64).reshape(y.shape)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reverse_and_forward_jacobians(case: Case) -> None:
    """jacrev and jacfwd (every input) equal the reference's autograd Jacobian."""
    argnums = tuple(range(len(case.inputs)))
    want = torch.autograd.functional.jacobian(case.reference, case.inputs)
    for transform in (jacrev, jacfwd):
        got = transform(case.ours, argnums=argnums)(*case.inputs)
        for g, w in zip(got, want if isinstance(want, tuple) else (want,)):
            torch.testing.assert_close(g, w, **TOL)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hessians_every_composition(case: Case) -> None:
    """Hessian of <v, f(x)> by forward-over-reverse, reverse-over-reverse and
    torch.autograd.functional (double backward) equal the reference's."""

    def scalar(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def s(*args: Tensor) -> Tensor:
            y = fn(*args)
            return (y * _weights(y)).sum()

        return s

    x = case.inputs[0]
    rest = case.inputs[1:]
    want = torch.autograd.functional.hessian(lambda t: scalar(case.reference)(t, *rest), x)
    for h in (
        hessian(lambda t: scalar(case.ours)(t, *rest))(x),
        jacrev(jacrev(lambda t: scalar(case.ours)(t, *rest)))(x),
        torch.autograd.functional.hessian(lambda t: scalar(case.ours)(t, *rest), x),
    ):
        torch.testing.assert_close(h, want, **TOL)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_jvp_forward_ad_grad_and_vmap(case: Case) -> None:
    """torch.func.jvp, the dual-number API, torch.func.grad and vmap over a batch."""
    x, rest = case.inputs[0], case.inputs[1:]
    t = torch.linspace(0.5, -1.5, x.numel(), dtype=F64).reshape(x.shape)
    _, want = torch.autograd.functional.jvp(lambda u: case.reference(u, *rest), (x,), (t,))
    _, got = jvp(lambda u: case.ours(u, *rest), (x,), (t,))
    torch.testing.assert_close(got, want, **TOL)
    with fwAD.dual_level():
        y = case.ours(fwAD.make_dual(x, t), *rest)
        torch.testing.assert_close(fwAD.unpack_dual(y).tangent, want, **TOL)
    g = grad(lambda u: (case.ours(u, *rest) ** 2).sum())(x)
    xr = x.clone().requires_grad_()
    (g_ref,) = torch.autograd.grad((case.reference(xr, *rest) ** 2).sum(), xr)
    torch.testing.assert_close(g, g_ref, **TOL)
    batch = torch.stack([x, x.flip(0), 0.5 * x])
    torch.testing.assert_close(
        vmap(lambda u: case.ours(u, *rest))(batch), torch.stack([case.reference(b, *rest) for b in batch]), **TOL
    )


def test_issue_examples_forward_mode_uses_the_hand_derived_derivatives() -> None:
    """The values forward-mode AD got wrong when it differentiated the value formulas."""
    z = torch.zeros(1)
    assert jacfwd(AF.sigmoid)(z).item() == 0.25
    assert jacfwd(AF.tanh)(z).item() == 1.0
    assert jacfwd(AF.softplus)(z).item() == 0.5
    assert jacfwd(jacfwd(AF.silu))(z).item() == 0.5
    torch.testing.assert_close(
        jacfwd(jacfwd(AF.mish))(z.double()).squeeze(), torch.tensor(0.6, dtype=F64), rtol=0, atol=0.05
    )
    _, t = jvp(AF.tanhshrink, (torch.tensor([200.0]),), (torch.ones(1),))
    assert t.item() == 1.0


KINKS = [
    ("relu", {}, 0.0),
    ("relu6", {}, 6.0),
    ("hardtanh", {}, 1.0),
    ("hardtanh", {}, -1.0),
    ("hardsigmoid", {}, 3.0),
    ("hardsigmoid", {}, -3.0),
    ("hardswish", {}, -3.0),
    ("hardswish", {}, 3.0),
    ("leaky_relu", {"negative_slope": 0.2}, 0.0),
    ("elu", {"alpha": 0.5}, 0.0),
    ("threshold", {"threshold": 1.0, "value": 0.0}, 1.0),
]


@pytest.mark.parametrize("name,params,at", KINKS, ids=[f"{n}@{a}" for n, _, a in KINKS])
def test_kink_conventions_are_the_same_in_every_mode(name: str, params: dict, at: float) -> None:
    """At a kink forward AD, torch.func and reverse mode give the same subgradient, and torch's."""
    x = torch.tensor([at], dtype=F64)
    fn = getattr(AF, name)
    xr = x.clone().requires_grad_()
    (rev,) = torch.autograd.grad(fn(xr, **params).sum(), xr)
    (trev,) = torch.autograd.grad(getattr(TF, name)(xr, **params).sum(), xr)
    assert rev.item() == trev.item()
    assert jacfwd(lambda t: fn(t, **params))(x).item() == rev.item()
    assert jacrev(lambda t: fn(t, **params))(x).item() == rev.item()


@pytest.mark.parametrize("name", ["elu", "selu", "celu"])
def test_exponential_tails_in_float32_forward_mode(name: str) -> None:
    """f'(x) for x <= -20 in float32 is tiny but not 0 (alpha e^x), in forward and reverse mode."""
    x = torch.tensor([-20.0, -50.0, -80.0])
    fn = getattr(AF, name)
    fwd = torch.diagonal(jacfwd(fn)(x))
    xr = x.clone().requires_grad_()
    (rev,) = torch.autograd.grad(fn(xr).sum(), xr)
    assert (fwd > 0).all() and torch.equal(fwd, rev)


PINN_ACTS = ["Tanh", "Softplus", "SiLU", "Sigmoid", "Mish", "ELU", "GELU", "Softsign", "LogSigmoid"]


def _pinn_net(act: Callable[[], nn.Module]) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), act(), nn.Linear(8, 8), act(), nn.Linear(8, 1)).double()


@pytest.mark.parametrize("name", PINN_ACTS)
def test_pinn_input_hessian_through_a_network_equals_torchs(name: str) -> None:
    """u(x) = MLP(x) with zero biases at the origin and at random points: the Hessian of u in x by
    jacfwd(jacfwd(functional_call)) and vmap(hessian) equals torch's modules' — the
    physics-informed use case, where second derivatives are the point."""
    ours, theirs = _pinn_net(getattr(anm, name)), _pinn_net(getattr(nn, name))
    theirs.load_state_dict(ours.state_dict())
    params = {k: v.detach() for k, v in ours.named_parameters()}
    for k in params:
        if k.endswith("bias"):
            params[k] = torch.zeros_like(params[k])

    def u(model: nn.Module) -> Callable[[Tensor], Tensor]:
        return lambda x: functional_call(model, params, (x,)).squeeze(-1)

    pts = torch.cat([torch.zeros(1, 2, dtype=F64), torch.randn(3, 2, dtype=F64)])
    for x in pts:
        torch.testing.assert_close(jacfwd(jacfwd(u(ours)))(x), jacfwd(jacfwd(u(theirs)))(x), **TOL)
    torch.testing.assert_close(vmap(hessian(u(ours)))(pts), vmap(hessian(u(theirs)))(pts), **TOL)
    laplacian = vmap(lambda x: torch.trace(hessian(u(ours))(x)))(pts)
    assert laplacian.abs().sum() > 0  # a smooth activation: u'' is not identically zero


def test_per_sample_gradients_with_vmap_grad_and_functional_call() -> None:
    """vmap(grad) over a batch (per-sample gradients) through PReLU and GELU modules, weights included."""
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(3, 4), act, nn.Linear(4, 1)).double() for act in (anm.PReLU(4), nn.PReLU(4))]
    models[1].load_state_dict(models[0].state_dict())
    x, y = torch.randn(5, 3, dtype=F64), torch.randn(5, 1, dtype=F64)
    out = []
    for m in models:
        params = {k: v.detach() for k, v in m.named_parameters()}

        def loss(p: dict, xi: Tensor, yi: Tensor, m: nn.Module = m) -> Tensor:
            return ((functional_call(m, p, (xi[None],)) - yi) ** 2).sum()

        out.append(vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y))
    for k in out[0]:
        torch.testing.assert_close(out[0][k], out[1][k], **TOL)


def test_rrelu_training_under_grad_transforms_uses_the_noise() -> None:
    """torch.func.grad of RReLU in training: the gradient is the drawn slope (noise) itself."""
    x = torch.tensor([-1.0, -2.0, 3.0], dtype=F64)
    torch.manual_seed(3)
    y = AF.rrelu(x, training=True)
    torch.manual_seed(3)
    g = grad(lambda t: AF.rrelu(t, training=True).sum())(x)
    torch.testing.assert_close(g, y / x, **TOL)
