"""The PINN trains through the activation's own second derivative."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from actlab import declaration
from actlab.arena import TASKS, pinn, train
from actlab.arena.layers import hidden_activation


def one_hidden_layer(name: str, n_in: int, width: int = 7) -> nn.Sequential:
    torch.manual_seed(3)
    act, _ = hidden_activation(declaration(name), width)
    return nn.Sequential(nn.Linear(n_in, width), act, nn.Linear(width, 1)).double()


@pytest.mark.parametrize("name", ["Tanh", "GELU", "Softplus", "Snake", "ReLU"])
@pytest.mark.parametrize("dim", [1, 2])
def test_laplacian_is_the_declared_second_derivative(name, dim):
    r"""u = v . f(Wx + b)  =>  Δu = Σ_j v_j |w_j|² f''(w_j . x + b_j), with f'' the declaration's d2f."""
    net = one_hidden_layer(name, dim)
    lin1, act, lin2 = net
    x = torch.rand(11, dim, dtype=torch.float64)
    u, lap = pinn.laplacian(net, x)
    z = lin1(x).detach()
    decl = declaration(name)
    if name == "Snake":  # parametric: f'' = 2a cos(2ax) per unit
        a = act.alpha.detach()
        d2f = 2 * a * torch.cos(2 * a * z)
    else:
        d2f = decl.d2f(z, **{k: v for k, v in decl.defaults().items() if k != "inplace"})
    expected = (d2f * lin1.weight.detach().pow(2).sum(1) * lin2.weight.detach()[0]).sum(1)
    torch.testing.assert_close(lap.detach(), expected, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(u.detach(), net(x).detach()[:, 0])
    if name == "ReLU":
        assert lap.abs().max() == 0  # f'' = 0: the network's Laplacian vanishes


def test_laplacian_is_differentiable_in_the_weights():
    net = one_hidden_layer("Tanh", 1)
    _, lap = pinn.laplacian(net, torch.rand(5, 1, dtype=torch.float64))
    lap.pow(2).sum().backward()
    lin1, _, lin2 = net
    for p in (lin1.weight, lin1.bias, lin2.weight):
        assert p.grad is not None and p.grad.abs().sum() > 0
    assert lin2.bias.grad is None or lin2.bias.grad.abs().sum() == 0  # a constant has no Laplacian


@pytest.mark.parametrize("dim", [1, 2])
def test_source_is_the_laplacian_of_the_exact_solution(dim):
    problem = pinn.Poisson(dim)

    class Exact(nn.Module):
        def forward(self, x):
            return problem.exact(x).unsqueeze(-1)

    x = problem.interior(50, torch.Generator().manual_seed(0)).double()
    _, lap = pinn.laplacian(Exact(), x)
    torch.testing.assert_close(lap, problem.source(x), rtol=1e-9, atol=1e-9)
    edge = problem.boundary(40, torch.Generator().manual_seed(1)).double()
    assert problem.exact(edge).abs().max() < 1e-12  # Dirichlet: u = 0 on the boundary
    assert ((edge == 0) | (edge == 1)).any(1).all()


def test_relu_pinn_cannot_fit_while_tanh_learns():
    """ReLU's f'' = 0 leaves Δu = 0, so the residual cannot fall and the error stays ~1; Tanh's
    error falls within a few hundred steps."""
    task = dataclasses.replace(TASKS["pinn-1d"], steps=200, evals=4)
    relu, tanh = (train(task, declaration(n), 0, 3e-2) for n in ("ReLU", "Tanh"))
    assert relu.test > 0.9 and tanh.test < 0.3
    assert min(relu.val_curve) > 0.9 * relu.val_curve[0]  # the physics loss never moves
    assert tanh.val_curve[-1] < 0.6 * tanh.val_curve[0]
    assert not math.isnan(relu.test)
