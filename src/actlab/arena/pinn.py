r"""Physics-informed networks for the Poisson problem :math:`\Delta u = f` on :math:`[0, 1]^d`
with :math:`u = 0` on the boundary, trained through the activations' hand-derived second
derivatives.

The Laplacian of the network is autograd's double backward (``create_graph=True``): the first
``grad`` runs each actlab operator's backward op, the second differentiates that backward op,
whose rule is the declaration's f''. A piecewise-linear activation (ReLU) has f'' = 0, so its
network has :math:`\Delta u_\theta = 0` almost everywhere and cannot fit :math:`f \ne 0`.

Exact solutions (both vanish on the boundary):

* 1-D: :math:`u = \sin(\pi x) + 0.1\sin(8\pi x)`,
  :math:`f = u'' = -\pi^2\sin(\pi x) - 6.4\pi^2\sin(8\pi x)`;
* 2-D: :math:`u = \sin(\pi x)\sin(\pi y) + 0.1\sin(4\pi x)\sin(4\pi y)`,
  :math:`f = \Delta u = -2\pi^2\sin(\pi x)\sin(\pi y) - 3.2\pi^2\sin(4\pi x)\sin(4\pi y)`.

Loss: :math:`\overline{(\Delta u_\theta - f)^2}/\overline{f^2} + \overline{u_\theta^2}\big|_{\partial}`
on collocation points drawn afresh each step (interior) and on the boundary; the same loss on a
fixed held-out point set is the validation score (it needs no exact solution); the test score is
the relative L2 error :math:`\lVert u_\theta - u\rVert_2 / \lVert u\rVert_2` on a dense grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

PI = math.pi


def laplacian(model: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    r"""(u, :math:`\Delta u`) of ``model`` at points x (n, d), both (n,), differentiable in the
    model's parameters. A second derivative that does not depend on x (a network linear in x
    along a coordinate) is zero (``materialize_grads``)."""
    x = x.detach().requires_grad_(True)
    u = model(x).squeeze(-1)
    (du,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    lap = torch.zeros_like(u)
    for i in range(x.shape[1]):
        (d2,) = torch.autograd.grad(du[:, i].sum(), x, create_graph=True, materialize_grads=True)
        lap = lap + d2[:, i]
    return u, lap


@dataclass(frozen=True)
class Poisson:
    """:math:`\\Delta u = f` on the unit cube of dimension ``dim`` with u = 0 on its boundary."""

    dim: int

    def exact(self, x: Tensor) -> Tensor:
        if self.dim == 1:
            return torch.sin(PI * x[:, 0]) + 0.1 * torch.sin(8 * PI * x[:, 0])
        s = torch.sin
        return s(PI * x[:, 0]) * s(PI * x[:, 1]) + 0.1 * s(4 * PI * x[:, 0]) * s(4 * PI * x[:, 1])

    def source(self, x: Tensor) -> Tensor:
        """f = Δu of the exact solution."""
        s = torch.sin
        if self.dim == 1:
            return -(PI**2) * s(PI * x[:, 0]) - 6.4 * PI**2 * s(8 * PI * x[:, 0])
        return -2 * PI**2 * s(PI * x[:, 0]) * s(PI * x[:, 1]) - 3.2 * PI**2 * s(4 * PI * x[:, 0]) * s(4 * PI * x[:, 1])

    def interior(self, n: int, gen: torch.Generator) -> Tensor:
        return torch.rand(n, self.dim, generator=gen)

    def boundary(self, n: int, gen: torch.Generator) -> Tensor:
        """n points on the boundary: the two end points in 1-D; uniform on the four edges in 2-D."""
        if self.dim == 1:
            return torch.tensor([[0.0], [1.0]])
        x = torch.rand(n, 2, generator=gen)
        side = torch.randint(0, 4, (n,), generator=gen)
        axis, value = side % 2, (side // 2).float()
        x[torch.arange(n), axis] = value
        return x

    def grid(self, per_side: int) -> Tensor:
        axis = torch.linspace(0.0, 1.0, per_side)
        return torch.cartesian_prod(*[axis] * self.dim).reshape(-1, self.dim)

    def source_scale(self) -> float:
        """Mean of f² over a dense grid (normalises the residual term to order one)."""
        return float(self.source(self.grid(401 if self.dim == 1 else 101)).pow(2).mean())

    def loss(self, model: nn.Module, inner: Tensor, edge: Tensor, scale: float) -> Tensor:
        """Relative squared residual of Δu = f in the interior plus the mean squared boundary value."""
        _, lap = laplacian(model, inner)
        residual = (lap - self.source(inner)).pow(2).mean() / scale
        return residual + model(edge).pow(2).mean()

    def relative_l2(self, model: nn.Module, points: Tensor) -> float:
        with torch.no_grad():
            u, exact = model(points).squeeze(-1), self.exact(points)
        return float((u - exact).norm() / exact.norm())


class UnitToSymmetric(nn.Module):
    """x in [0, 1] -> 2x - 1 in [-1, 1] (inside the network, so derivatives include the factor)."""

    def forward(self, x: Tensor) -> Tensor:
        return 2.0 * x - 1.0
