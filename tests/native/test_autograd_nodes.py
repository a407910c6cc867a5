"""The C++ autograd kernel of the rule ops (csrc/autograd.cpp): the graph node it builds, its name,
retained graphs and a second backward, and compiled autograd over an eager forward."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo import compiled_autograd
from ulps import needs_kernels

import actlab

pytestmark = needs_kernels


def test_the_node_is_named_after_the_op_and_links_to_the_inputs() -> None:
    x = torch.randn(5, requires_grad=True)
    y = actlab.functional.gelu(x)
    assert y.grad_fn.name() == "actlab::gelu backward"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
    d = actlab.functional.softmax(x, dim=0)
    assert d.grad_fn.name() == "actlab::softmax backward"


def test_a_retained_graph_runs_twice_and_a_freed_one_raises() -> None:
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    y = actlab.functional.silu(x)
    g = torch.randn(6, dtype=torch.float64)
    (a,) = torch.autograd.grad(y, x, g, retain_graph=True)
    (b,) = torch.autograd.grad(y, x, g)
    assert torch.equal(a, b)
    torch.testing.assert_close(a, torch.autograd.grad(torch.nn.functional.silu(x), x, g)[0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        torch.autograd.grad(y, x, g)


def test_inputs_that_need_no_gradient_get_none() -> None:
    x = torch.randn(4, 3)
    w = torch.full((3,), 0.2, requires_grad=True)
    y = actlab.functional.prelu(x, w)
    (gw,) = torch.autograd.grad(y.sum(), w)
    torch.testing.assert_close(gw, torch.autograd.grad(torch.nn.functional.prelu(x, w).sum(), w)[0])


def test_compiled_autograd_over_an_eager_forward_gives_eagers_gradients() -> None:
    """The nodes are C++ custom-function nodes: compiled autograd calls them in eager (opaque, as
    every C++ torch::autograd::Function), with their hand-derived backward."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), actlab.nn.SiLU(), actlab.nn.PReLU(6), actlab.nn.LogSoftmax(dim=-1))
    x = torch.randn(3, 4)
    net(x).pow(2).sum().backward()
    expected = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    loss = net(x).pow(2).sum()
    with compiled_autograd._enable(torch.compile(backend="eager")):
        loss.backward()
    for p, e in zip(net.parameters(), expected):
        torch.testing.assert_close(p.grad, e)
