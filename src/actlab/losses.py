r"""Fenchel-Young losses of the sparse maps: ``sparsemax_loss``, ``entmax15_loss`` and
``entmax_bisect_loss`` (as the entmax package's), built on actlab's operators.

For scores z (n, C), targets y (n,) and the prediction :math:`p = \pi_\alpha(z)` (sparsemax,
1.5-entmax, alpha-entmax):

.. math:: L(z, y) = H_\alpha(p) + \langle p - e_y, z\rangle,\quad
          H_\alpha(p) = \frac{1 - \sum_i p_i^\alpha}{\alpha(\alpha - 1)}\ \text{(Tsallis)},\quad
          \nabla_z L = p - e_y,\quad \nabla_z^2 L = \partial p/\partial z,\quad
          \partial_\alpha L = \partial_\alpha H_\alpha(p)

The loss is a composition: p comes from the projection's actlab operator (its hand-derived
derivatives), and :class:`FenchelYoungValue` turns (z, p, alpha) into L with the gradients above.
p maximises :math:`\langle p, z\rangle + H_\alpha(p)` over the simplex, so L's derivative through p
vanishes (the envelope theorem; every direction p can move in sums to 0 on its support): the
value's derivative in p is 0 and its derivative in z is p - e_y. Its backward is written with p,
so the second derivatives flow through the projection's own: :math:`\nabla_z^2 L = J_p`, and for
a learnable alpha :math:`\partial_\alpha^2 L`, :math:`\partial_z\partial_\alpha L = \partial p/\partial\alpha`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd import Function

from .errors import ShapeError
from .forms import form_for
from .registry import declaration


def _alpha_tensor(alpha: Tensor | float, x: Tensor) -> Tensor:
    a = alpha if isinstance(alpha, Tensor) else torch.tensor(float(alpha), dtype=x.dtype, device=x.device)
    a = a.to(x.dtype) if a.dtype != x.dtype else a
    if a.dim() == 2 and a.shape[1] == 1:
        a = a.squeeze(1)
    if a.dim() > 1 or (a.dim() == 1 and a.numel() not in (1, x.shape[0])):
        raise ShapeError(
            f"alpha must be a number, (1,), (n,) or (n, 1) for n = {x.shape[0]} rows, got {tuple(a.shape)}"
        )
    return a


def tsallis(p: Tensor, alpha: Tensor) -> Tensor:
    r""":math:`H_\alpha(p) = (1 - \sum_i p_i^\alpha)/(\alpha(\alpha - 1))` per row (alpha per row or shared)."""
    a = alpha.unsqueeze(-1) if alpha.dim() else alpha
    on = p > 0.0
    power = torch.where(on, torch.pow(torch.where(on, p, 1.0), a), 0.0).sum(-1)
    return (1.0 - power) / (alpha * (alpha - 1.0))


def tsallis_alpha(p: Tensor, alpha: Tensor) -> Tensor:
    r""":math:`\partial H_\alpha/\partial\alpha = -\frac{\sum p^\alpha\log p}{\alpha(\alpha-1)}
    - \frac{(1 - \sum p^\alpha)(2\alpha - 1)}{(\alpha(\alpha-1))^2}`."""
    a = alpha.unsqueeze(-1) if alpha.dim() else alpha
    on = p > 0.0
    safe = torch.where(on, p, 1.0)
    pa = torch.where(on, torch.pow(safe, a), 0.0)
    c = alpha * (alpha - 1.0)
    return -(pa * torch.log(safe)).sum(-1) / c - (1.0 - pa.sum(-1)) * (2.0 * alpha - 1.0) / (c * c)


class FenchelYoungValue(Function):
    r"""L = H_alpha(p) + <p - e_y, z> per row, from z, the prediction p = pi(z), the targets and
    alpha; gradients: p - e_y for z, 0 for p (the envelope theorem), dH/dalpha for alpha."""

    generate_vmap_rule = True

    @staticmethod
    def forward(z: Tensor, p: Tensor, target: Tensor, alpha: Tensor) -> Tensor:
        hit = torch.zeros_like(p).scatter(-1, target.unsqueeze(-1), 1.0)
        return tsallis(p, alpha) + ((p - hit) * z).sum(-1)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
        z, p, target, alpha = inputs
        ctx.save_for_backward(p, target, alpha)
        ctx.save_for_forward(p, target, alpha)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        p, target, alpha = ctx.saved_tensors
        hit = torch.zeros_like(p).scatter(-1, target.unsqueeze(-1), 1.0)
        ga = None
        if ctx.needs_input_grad[3]:
            ga = (g * tsallis_alpha(p, alpha)).sum_to_size(alpha.shape)
        return g.unsqueeze(-1) * (p - hit), torch.zeros_like(p), None, ga

    @staticmethod
    def jvp(ctx: Any, tz: Tensor | None, tp: Tensor | None, tt: Any, ta: Tensor | None) -> Tensor:
        p, target, alpha = ctx.saved_tensors
        hit = torch.zeros_like(p).scatter(-1, target.unsqueeze(-1), 1.0)
        out = torch.zeros(p.shape[:-1], dtype=p.dtype, device=p.device)
        if tz is not None:
            out = out + ((p - hit) * tz).sum(-1)
        if ta is not None:
            out = out + tsallis_alpha(p, alpha) * ta
        return out


_SPARSEMAX, _ENTMAX15, _ENTMAX_BISECT = (form_for(declaration(n)) for n in ("Sparsemax", "Entmax15", "EntmaxBisect"))


def _check(x: Tensor, target: Tensor, name: str) -> None:
    if x.dim() != 2:
        raise ShapeError(f"{name}: expected scores of shape (n, classes), got {tuple(x.shape)}")
    if target.shape != x.shape[:1] or target.dtype not in (torch.int64, torch.int32):
        raise ShapeError(
            f"{name}: expected integer targets of shape ({x.shape[0]},), got {tuple(target.shape)} {target.dtype}"
        )


def _loss(x: Tensor, target: Tensor, p: Tensor, alpha: Tensor) -> Tensor:
    return FenchelYoungValue.apply(x, p, target.long(), alpha)


def sparsemax_loss(input: Tensor, target: Tensor, k: int | None = None) -> Tensor:
    r"""The sparsemax loss per row: :math:`\tfrac12(1 - \|p\|^2) + \langle p - e_y, z\rangle`, p = sparsemax(z)."""
    _check(input, target, "sparsemax_loss")
    return _loss(input, target, _SPARSEMAX(input, -1, k), _alpha_tensor(2.0, input))


def entmax15_loss(input: Tensor, target: Tensor, k: int | None = None) -> Tensor:
    r"""The 1.5-entmax loss per row: :math:`\tfrac43(1 - \sum p^{3/2}) + \langle p - e_y, z\rangle`, p = entmax15(z)."""
    _check(input, target, "entmax15_loss")
    return _loss(input, target, _ENTMAX15(input, -1, k), _alpha_tensor(1.5, input))


def entmax_bisect_loss(input: Tensor, target: Tensor, alpha: Tensor | float = 1.5, n_iter: int = 50) -> Tensor:
    r"""The alpha-entmax loss per row (alpha a number, or per row: (n,) or (n, 1); learnable)."""
    _check(input, target, "entmax_bisect_loss")
    a = _alpha_tensor(alpha, input)
    p = _ENTMAX_BISECT(input, a.unsqueeze(-1) if a.dim() else a, -1, n_iter)
    return _loss(input, target, p, a)
