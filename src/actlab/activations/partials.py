r"""The first and second partial derivatives of a learnable activation f(x, w_1, ..., w_k), and
the rules the :class:`~actlab.kinds.Parametric` kind asks for, written once from them:

.. math:: \mathrm{vjp} = (g f_x, \textstyle\sum g f_{w_j}),\quad
          \mathrm{jvp} = f_x t_x + \textstyle\sum_j f_{w_j} t_{w_j},

``vjp2`` differentiates :math:`\langle gg_x, g f_x\rangle + \sum_j \langle gg_{w_j}, \sum g f_{w_j}\rangle`
in g, x and the w_j (second partials), and ``vjp_jvp`` is the directional derivative of the vjp.
Gradients of the tensors are summed to their shapes (one value or one per channel).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True)
class Partials:
    """f_x, f_{w_j}, f_xx, f_{x w_j} and f_{w_i w_j} (symmetric), each broadcasting against x."""

    fx: Tensor
    fw: tuple[Tensor, ...]
    fxx: Tensor
    fxw: tuple[Tensor, ...]
    fww: tuple[tuple[Tensor, ...], ...]


def vjp(g: Tensor, d: Partials, ws: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return (g * d.fx, *((g * f).sum_to_size(w.shape) for f, w in zip(d.fw, ws)))


def jvp(ts: tuple[Tensor, ...], d: Partials) -> Tensor:
    tx, *tw = ts
    out = d.fx * tx
    for f, t in zip(d.fw, tw):
        out = out + f * t
    return out


def vjp2(ggs: tuple[Tensor, ...], g: Tensor, d: Partials, ws: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    ggx, *ggw = ggs
    grad_g, inner_x = ggx * d.fx, ggx * d.fxx
    for gg, f, fx in zip(ggw, d.fw, d.fxw):
        grad_g = grad_g + gg * f
        inner_x = inner_x + gg * fx
    grads_w = []
    for j, w in enumerate(ws):
        inner = ggx * d.fxw[j]
        for i, gg in enumerate(ggw):
            inner = inner + gg * d.fww[i][j]
        grads_w.append((g * inner).sum_to_size(w.shape))
    return (grad_g, g * inner_x, *grads_w)


def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, d: Partials, ws: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    tx, *tw = ts
    inner_x = d.fxx * tx
    for f, t in zip(d.fxw, tw):
        inner_x = inner_x + f * t
    grads_w = []
    for j, w in enumerate(ws):
        inner = d.fxw[j] * tx
        for i, t in enumerate(tw):
            inner = inner + d.fww[i][j] * t
        grads_w.append((tg * d.fw[j] + g * inner).sum_to_size(w.shape))
    return (tg * d.fx + g * inner_x, *grads_w)
