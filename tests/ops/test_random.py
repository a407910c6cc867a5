"""RReLU's training operator (actlab.ops.random): the counter stream's fused step (one op, x saved,
the noise recomputed) gives the two-op form's values and gradients bit for bit, at every order and
under every transform; the seed is torch.randint's draw."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor
from torch.autograd import forward_ad
from torch.func import grad, jvp, vmap

import actlab
from actlab import functional as F
from actlab.ops.random import draw_seed, hash_noise, hash_scaled

OPS = torch.ops.actlab
OPERATOR = actlab.ops.operator(actlab.declaration("RReLU"))
DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16]
LO, HI = 0.1, 0.3


def _input(dtype: torch.dtype, shape: tuple[int, ...] = (5, 1001)) -> Tensor:
    x = (torch.randn(shape, generator=torch.Generator().manual_seed(0)) * 3).to(dtype)
    x.view(-1)[:6] = torch.tensor([0.0, -0.0, float("nan"), float("-inf"), float("inf"), -1e-30]).to(dtype)
    return x


def _two_op(x: Tensor, seed: int) -> Tensor:
    """The unfused form: the counter noise op, then one multiply (rounded once for half types)."""
    noise = OPS.rrelu_noise_counter(x, LO, HI, seed)
    return (x.to(noise.dtype) * noise).to(x.dtype)


def _equal(a: Tensor, b: Tensor) -> bool:
    return a.dtype == b.dtype and torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num())


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_step_is_the_two_op_form_bit_for_bit(dtype: torch.dtype) -> None:
    x, g = _input(dtype), torch.randn(5, 1001).to(dtype)
    for seed in (0, 12345, 2**31 - 2):
        assert _equal(OPS.rrelu_counter(x, LO, HI, seed), _two_op(x, seed))
        assert _equal(OPS.rrelu_counter(x, LO, HI, seed), hash_scaled(x, x, LO, HI, seed))  # the Python kernel
        noise = hash_noise(x, LO, HI, seed)
        assert _equal(OPS.rrelu_counter_backward(g, x, LO, HI, seed), (g.to(noise.dtype) * noise).to(dtype))


def test_fused_step_keeps_a_strided_input_layout_and_its_row_major_noise() -> None:
    x = torch.randn(40, 30).t()
    y = OPS.rrelu_counter(x, LO, HI, 7)
    assert torch.equal(y, x * OPS.rrelu_noise_counter(x, LO, HI, 7)) and y.stride() == x.stride()
    g = torch.randn(30, 40)
    assert torch.equal(OPS.rrelu_counter_backward(g, x, LO, HI, 7), g * OPS.rrelu_noise_counter(x, LO, HI, 7))
    with pytest.raises(RuntimeError):
        OPS.rrelu_counter_backward(torch.randn(3), torch.randn(4), LO, HI, 7)


def test_seed_is_torch_randint_draw_and_advances_the_generator_as_much() -> None:
    for s in (0, 7):
        torch.manual_seed(s)
        ours, after = [OPERATOR.draw_seed() for _ in range(4)], torch.rand(2)
        torch.manual_seed(s)
        assert ours == [draw_seed() for _ in range(4)] and torch.equal(after, torch.rand(2))


def _train(x: Tensor, inplace: bool = False) -> Tensor:
    with actlab.ops.counter_noise():
        return F.rrelu(x, LO, HI, training=True, inplace=inplace)


def test_training_step_runs_the_fused_op_and_saves_x_alone() -> None:
    x = _input(torch.float32, (64,)).requires_grad_()
    saved: list[Tensor] = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        torch.manual_seed(3)
        y = _train(x)
    assert "rrelu_counter" in y.grad_fn.name()
    assert len(saved) == 1 and saved[0] is x  # torch's rrelu keeps x and the noise
    torch.manual_seed(3)
    seed = draw_seed()
    assert _equal(y, _two_op(x.detach(), seed))
    (gx,) = torch.autograd.grad(y, x, torch.ones_like(y))
    assert _equal(gx, OPS.rrelu_noise_counter(x.detach(), LO, HI, seed))


def test_double_backward_is_the_noise_and_zero_in_x() -> None:
    x = _input(torch.float64, (50,)).nan_to_num(0.0).requires_grad_()
    torch.manual_seed(1)
    y = _train(x)
    torch.manual_seed(1)
    noise = OPS.rrelu_noise_counter(x.detach(), LO, HI, draw_seed())
    g = torch.randn_like(y, requires_grad=True)
    (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
    gg = torch.randn_like(gx)
    dx, dg = torch.autograd.grad(gx, (x, g), gg, retain_graph=True)
    assert torch.equal(dx, torch.zeros_like(x)) and torch.equal(dg, gg * noise)
    (dg_alone,) = torch.autograd.grad(gx, g, gg)  # the g partial alone
    assert torch.equal(dg_alone, dg)
    step = lambda t: OPS.rrelu_counter(t, LO, HI, 5)  # noqa: E731
    away = torch.linspace(-3, 3, 30, dtype=torch.float64).add(0.05).requires_grad_()  # off the kink at 0
    assert torch.autograd.gradcheck(step, (away,)) and torch.autograd.gradgradcheck(step, (away,))


def test_transforms_take_the_two_op_form_with_the_same_slopes() -> None:
    x = _input(torch.float64, (20,)).nan_to_num(0.0)
    torch.manual_seed(2)
    eager = _train(x.clone())
    torch.manual_seed(2)
    noise = OPS.rrelu_noise_counter(x, LO, HI, draw_seed())
    torch.manual_seed(2)
    assert torch.equal(grad(lambda t: _train(t).sum())(x), noise)
    t = torch.randn_like(x)
    torch.manual_seed(2)
    y, dy = jvp(_train, (x,), (t,))
    assert torch.equal(y, eager) and torch.equal(dy, t * noise)
    torch.manual_seed(2)
    with forward_ad.dual_level():
        y, dy = forward_ad.unpack_dual(_train(forward_ad.make_dual(x, t)))
    assert torch.equal(y, eager) and torch.equal(dy, t * noise)
    with pytest.raises(RuntimeError, match="randomness"):  # as torch's rrelu: the draw is random
        vmap(_train)(x[None])
    torch.manual_seed(2)
    assert torch.equal(vmap(_train, randomness="same")(x[None]), eager[None])


def test_inplace_training_takes_the_same_slopes() -> None:
    x = _input(torch.float32, (300,))
    torch.manual_seed(4)
    expected = _train(x.clone())
    torch.manual_seed(4)
    y = x.clone()
    assert _train(y, inplace=True) is y and _equal(y, expected)


def test_counter_noise_switch_nests_and_restores_on_error() -> None:
    state = actlab.ops.random._COUNTER
    with actlab.ops.counter_noise():
        assert state["on"]
        with actlab.ops.counter_noise(False):
            assert not state["on"]
        assert state["on"]
    with pytest.raises(ValueError), actlab.ops.counter_noise():
        raise ValueError
    assert not state["on"]
