"""The grouped family (activations/grouped.py: Maxout, LWTA, k-WTA, GroupSort, MaxMin, CReLU): values against
the reference implementations' formulas, shapes, ties, infinities, gradient routing, errors,
torch-activation's CReLU / KWTA / OPLU, timm's RadixSoftmax, and torch.compile with a changing shape."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.errors import ShapeError
from torch_activation_stub import install

install()
from torch_activation.classical.other import KWTA  # noqa: E402
from torch_activation.classical.relu import OPLU  # noqa: E402
from torch_activation.classical.relu import CReLU as TACReLU  # noqa: E402

F64 = torch.float64


def _x(*shape: int, seed: int = 0) -> Tensor:
    return torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _maxout_ref(x: Tensor, pieces: int) -> Tensor:  # LNets/Goodfellow: groups of consecutive units
    n, c = x.shape[:2]
    return x.view(n, c // pieces, pieces, *x.shape[2:]).max(2).values


def _group_sort_ref(x: Tensor, size: int) -> Tensor:  # LNets' group_sort (ascending) along dim 1
    n, c = x.shape[:2]
    return x.view(n, c // size, size, *x.shape[2:]).sort(2).values.view(x.shape)


def test_values_against_the_reference_formulas() -> None:
    x = _x(3, 6, 2)
    torch.testing.assert_close(F.maxout(x, 1, 3), _maxout_ref(x, 3), rtol=0, atol=0)
    torch.testing.assert_close(F.group_sort(x, 1, 3), _group_sort_ref(x, 3), rtol=0, atol=0)
    pairs = x.view(3, 3, 2, 2)
    torch.testing.assert_close(F.max_min(x), torch.stack([pairs.amax(2), pairs.amin(2)], 2).view(x.shape))
    lw = F.lwta(x, 1, 2)
    assert torch.equal(lw != 0, (x.view(3, 3, 2, 2) == pairs.amax(2, keepdim=True)).view(x.shape))
    assert torch.equal(lw[lw != 0], x[lw != 0])
    torch.testing.assert_close(F.crelu(x), torch.relu(torch.cat([x, -x], 1)))


def test_shapes_dims_and_errors() -> None:
    x = _x(4, 6)
    assert F.maxout(x, 0, 2).shape == (2, 6) and F.maxout(x, -1, 3).shape == (4, 2)
    assert F.crelu(x, 0).shape == (8, 6) and actlab.get("CReLU")(x).shape == (4, 12)
    assert F.kwta(x, 1, 0.5).ne(0).sum(1).tolist() == [3] * 4
    with pytest.raises(ShapeError, match="multiple"):
        F.maxout(x, 1, 4)
    with pytest.raises(ShapeError, match="multiple"):
        F.lwta(_x(2, 5))
    with pytest.raises(ShapeError, match="scalar"):
        F.crelu(torch.tensor(1.0))
    with pytest.raises(ValueError, match="ratio"):
        F.kwta(x, 1, 1.5)


def test_ties_infinities_and_gradient_routing() -> None:
    """Ties: the first maximal entry wins (value and gradient); +-inf and NaN pass through; the
    gradient goes to the chosen entries only and the second derivative is 0."""
    x = torch.tensor(
        [[2.0, 2.0, float("-inf"), 1.0, float("nan"), 0.5, float("inf"), 3.0]], dtype=F64, requires_grad=True
    )
    y = F.maxout(x, 1, 2)
    assert y[0, 0] == 2.0 and y[0, 1] == 1.0 and torch.isnan(y[0, 2]) and y[0, 3] == float("inf")
    (g,) = torch.autograd.grad(y[0, 0] + y[0, 1] + y[0, 3], x, create_graph=True)
    assert g.tolist()[0] == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    (gg,) = torch.autograd.grad(g.sum(), x, allow_unused=True, materialize_grads=True)
    assert gg.eq(0).all()
    s = F.group_sort(torch.tensor([[1.0, 1.0, -1.0, float("inf")]], dtype=F64, requires_grad=True), 1, 2)
    assert s.tolist() == [[1.0, 1.0, -1.0, float("inf")]]
    c = torch.tensor([[0.0, -0.0, 2.0, -3.0]], dtype=F64, requires_grad=True)
    (gc,) = torch.autograd.grad(F.crelu(c).sum(), c)
    assert gc.tolist() == [[0.0, 0.0, 1.0, -1.0]]  # relu'(0) = 0 in both halves


def test_torch_activation_crelu_kwta_oplu() -> None:
    x = _x(4, 10).float()
    torch.testing.assert_close(F.crelu(x, 1), TACReLU(dim=1)(x))
    torch.testing.assert_close(F.kwta(x, -1, 0.3), KWTA(k=0.3, dim=-1)(x))
    torch.testing.assert_close(F.max_min(x, -1), OPLU()(x))


def test_compile_records_the_shape_changing_ops() -> None:
    """The fake kernels give the new sizes along dim: torch.compile traces Maxout and CReLU whole."""
    fn = torch.compile(lambda t: F.crelu(F.maxout(t, 1, 3), 1), backend="aot_eager", fullgraph=True)
    x = _x(2, 6, 3)
    torch.testing.assert_close(fn(x), F.crelu(F.maxout(x, 1, 3), 1))
