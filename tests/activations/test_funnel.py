"""FReLU (actlab.activations.funnel, actlab.nn.FReLU): the official formula max(x, BN(dwconv(x))) with
the same weights, its state_dict names, torch.maximum's gradients (ties split in half), errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import actlab
from actlab import functional as F
from actlab.errors import ParameterError, ShapeError

F64 = torch.float64


class OfficialFReLU(nn.Module):
    """megvii-model/FunnelAct's FReLU (from its source)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv_frelu = nn.Conv2d(in_channels, in_channels, 3, 1, 1, groups=in_channels)
        self.bn_frelu = nn.BatchNorm2d(in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.max(x, self.bn_frelu(self.conv_frelu(x)))


@pytest.mark.parametrize("train", [True, False])
def test_matches_the_official_module_with_its_weights(train: bool) -> None:
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


def test_ties_split_the_gradient_as_torch_maximum() -> None:
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


def test_errors() -> None:
    with pytest.raises(TypeError, match="in_channels"):
        actlab.get("FReLU")
    with pytest.raises(ParameterError, match="kernel_size"):
        actlab.get("FReLU", in_channels=2, kernel_size=2)
    with pytest.raises(ShapeError, match="broadcast"):
        F.frelu(torch.randn(2, 3), torch.randn(3, 3))
