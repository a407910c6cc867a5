"""Adding an activation is one declaration: a new elementwise one and a new learnable one get their
operator, functional form, module, ``actlab.get``, and every derivative path (gradcheck,
gradgradcheck, forward AD, torch.func, torch.compile) with no other edit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.func import hessian, jacfwd, vmap

import actlab
from actlab.kinds import Elementwise, Param, Parametric, finite
from actlab.registry import register, unregister


class Cubic(Elementwise):
    r"""A test activation: :math:`f(x) = a x^3 + x`, f' = 3a x^2 + 1, f'' = 6a x."""

    function, family = "test_cubic", "test"
    params = {"a": Param(0.5, "cubic coefficient", finite, "finite", sample=(0.1, 1.0))}
    inplace = True

    def f(x: Tensor, a: float) -> Tensor:
        return a * x * x * x + x

    def df(x: Tensor, a: float) -> Tensor:
        return 3.0 * a * x * x + 1.0

    def d2f(x: Tensor, a: float) -> Tensor:
        return 6.0 * a * x


class Scaled(Parametric):
    r"""A test learnable activation: :math:`f(x, s) = s \tanh x` with a learnable scale s per channel."""

    function, family = "test_scaled", "test"
    tensor_params = ("scale",)
    initial, channels = {"scale": "init"}, "num_parameters"
    params = {
        "num_parameters": Param(1, "number of scales", None, ">= 1"),
        "init": Param(2.0, "initial scale", finite, "finite"),
    }

    def forward(x: Tensor, s: Tensor) -> Tensor:
        return s * torch.tanh(x)

    def vjp(g: Tensor, x: Tensor, s: Tensor) -> tuple[Tensor, Tensor]:
        t = torch.tanh(x)
        return g * s * (1 - t * t), (g * t).sum_to_size(s.shape)

    def jvp(ts: tuple[Tensor, Tensor], x: Tensor, s: Tensor) -> Tensor:
        tx, t_s = ts
        t = torch.tanh(x)
        return s * (1 - t * t) * tx + t * t_s

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        ggx, ggs_ = ggs
        t = torch.tanh(x)
        d = 1 - t * t
        grad_g = ggx * s * d + ggs_ * t
        grad_x = g * (ggx * s * (-2 * t * d) + ggs_ * d)
        grad_s = (g * ggx * d).sum_to_size(s.shape)
        return grad_g, grad_x, grad_s

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor) -> tuple[Tensor, Tensor]:
        tx, t_s = ts
        t = torch.tanh(x)
        d = 1 - t * t
        gx = tg * s * d + g * t_s * d + g * s * (-2 * t * d) * tx
        gs = (tg * t + g * d * tx).sum_to_size(s.shape)
        return gx, gs


@pytest.fixture
def registered() -> Iterator[None]:
    for decl in (Cubic, Scaled):
        register(decl)
    try:
        yield
    finally:
        for decl in (Cubic, Scaled):
            unregister(decl.name)


def _x(*shape: int) -> Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_()


@pytest.mark.usefixtures("registered")
def test_a_new_elementwise_declaration_is_everywhere() -> None:
    fn = actlab.functional.test_cubic
    m = actlab.get("Cubic", a=0.3)
    assert isinstance(m, actlab.nn.Cubic) and repr(m) == "Cubic(a=0.3)"
    x = _x(5)
    torch.testing.assert_close(m(x), 0.3 * x**3 + x)
    assert torch.autograd.gradcheck(lambda t: fn(t, 0.3), (x,), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(lambda t: fn(t, 0.3), (x,), check_fwd_over_rev=True)
    torch.testing.assert_close(torch.diagonal(jacfwd(lambda t: fn(t, 0.3))(x.detach())), 0.9 * x.detach() ** 2 + 1)
    h = hessian(lambda t: fn(t, 0.3).sum())(x.detach())
    torch.testing.assert_close(torch.diagonal(h), 1.8 * x.detach())
    y = x.detach().clone()
    assert actlab.functional.test_cubic(y, 0.3, inplace=True) is y
    assert any(s.startswith("actlab::test_cubic") for s in torch._C._dispatch_get_all_op_names())
    compiled = torch.compile(lambda t: fn(t, 0.3), backend="aot_eager", fullgraph=True)
    torch.testing.assert_close(compiled(x.detach()), fn(x.detach(), 0.3))
    with pytest.raises(TypeError, match="Number"):
        actlab.get("Cubic", a="x")


@pytest.mark.usefixtures("registered")
def test_a_new_learnable_declaration_is_everywhere() -> None:
    m = actlab.get("Scaled", num_parameters=3)
    assert isinstance(m, actlab.nn.Scaled) and m.scale.shape == (3,) and m.scale.requires_grad
    assert list(m.state_dict()) == ["scale"]
    x = _x(4, 3)
    torch.testing.assert_close(m.double()(x), 2.0 * torch.tanh(x))
    s = torch.tensor([0.5, 1.0, 1.5], dtype=torch.float64, requires_grad=True)
    fn: Any = actlab.functional.test_scaled
    assert torch.autograd.gradcheck(fn, (x, s), check_forward_ad=True, check_batched_grad=True)
    assert torch.autograd.gradgradcheck(fn, (x, s), check_fwd_over_rev=True)
    batch = torch.randn(2, 4, 3, dtype=torch.float64)
    torch.testing.assert_close(vmap(lambda t: fn(t, s.detach()))(batch), s.detach() * torch.tanh(batch))
    m.reset_parameters()
    assert torch.equal(m.scale.detach(), torch.full((3,), 2.0))
