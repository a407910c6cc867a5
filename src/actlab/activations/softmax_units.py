r"""Softmax-based maps along ``dim`` written with the input x (:class:`~actlab.spec.VectorMap`):
SoLU (x times its softmax) and timm's RadixSoftmax (softmax across the radix groups of split
attention). Both are built on the softmax declaration's own math
(:mod:`actlab.activations.normalizers`: the stable forward, :math:`J^\top g`, and its second
derivatives), with :math:`\sigma` = softmax(x) recomputed from the saved x.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import ShapeError
from ..registry import register
from ..spec import Param, VectorMap, integer
from .grouped import CHANNELS
from .normalizers import softmax_forward, softmax_vjp, softmax_vjp2, softmax_vjp_jvp
from .sigmoidal import Sigmoid


def _solu_parts(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    r""":math:`\sigma` = softmax(x) and x where it counts: 0 where :math:`\sigma = 0` (x = -inf: the limit
    :math:`x e^x \to 0`) and at +inf (the one-hot limit: there :math:`y = x` and the Jacobian is its unit)."""
    if x.dim() == 0:
        x = x.reshape(1)
    sig = softmax_forward(x, dim)
    return sig, torch.where((sig > 0.0) & torch.isfinite(x), x, 0.0)


@register
class SoLU(VectorMap):
    r"""Softmax linear unit: x times the softmax of x along ``dim`` (the transformer MLP activation of Elhage et al., followed there by a LayerNorm).

    .. math:: y = x \odot \sigma,\ \sigma = \mathrm{softmax}(x),\quad
              J^\top g = g \odot \sigma + \sigma \odot (g \odot x - \langle \sigma, g \odot x\rangle),\quad
              J t = t \odot \sigma + x \odot \sigma \odot (t - \langle \sigma, t\rangle),\quad
              \text{second derivatives: through } \partial\sigma_i/\partial x_j = \sigma_i(\delta_{ij} - \sigma_j)
    """

    function, family = "solu", "normalizer"
    params = {"dim": Param(-1, "dimension of the softmax (features: -1)", integer, "an int")}
    formula = r"\mathrm{SoLU}(x) = x \odot \mathrm{softmax}(x)"
    reference = "Elhage et al., Softmax linear units (Transformer Circuits Thread, 2022)"
    x_range = (-6.0, 4.0)

    def forward(x: Tensor, dim: int) -> Tensor:
        if x.numel() == 0:
            return x.clone()
        sig, _ = _solu_parts(x, dim)
        return (torch.where(sig > 0.0, x.reshape(sig.shape), 0.0) * sig).reshape(x.shape)

    def vjp(g: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        g = g.reshape(sig.shape)
        return (g * sig + softmax_vjp(g * xs, sig, dim)).reshape(x.shape)

    def jvp(t: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        t = t.reshape(sig.shape)
        return (t * sig + xs * softmax_vjp(t, sig, dim)).reshape(x.shape)

    def vjp2(gg: Tensor, g: Tensor, x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
        """<gg, g sigma + J_sigma (g x)>: d/dg = gg sigma + (J_sigma gg) x; d/dx through sigma and the explicit x."""
        sig, xs = _solu_parts(x, dim)
        gg, g = gg.reshape(sig.shape), g.reshape(sig.shape)
        d_gx, d_sig = softmax_vjp2(gg, g * xs, sig, dim)
        grad_g = gg * sig + d_gx * xs
        grad_x = softmax_vjp(gg * g + d_sig, sig, dim) + torch.where(
            torch.isfinite(x).reshape(sig.shape), d_gx * g, 0.0
        )
        return grad_g.reshape(x.shape), grad_x.reshape(x.shape)

    def vjp_jvp(tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int) -> Tensor:
        sig, xs = _solu_parts(x, dim)
        tg, tx, g = tg.reshape(sig.shape), tx.reshape(sig.shape), g.reshape(sig.shape)
        dsig = softmax_vjp(tx, sig, dim)
        txs = torch.where(torch.isfinite(x).reshape(sig.shape), tx, 0.0)
        out = tg * sig + g * dsig + softmax_vjp_jvp(tg * xs + g * txs, dsig, g * xs, sig, dim)
        return out.reshape(x.shape)


class _Radix:
    """The views of RadixSoftmax: x along ``dim`` as (cardinality, radix, rest), the softmax over
    radix, and the output laid out as (radix, cardinality, rest) (timm's transpose)."""

    def __init__(self, x: Tensor, dim: int, radix: int, cardinality: int):
        if x.dim() == 0:
            raise ShapeError("radix_softmax: expected an input with at least one dimension, got a scalar")
        self.d = d = dim % x.dim()
        n = x.size(d)
        if n % (radix * cardinality):
            raise ShapeError(
                f"radix_softmax: the size of dim {d} ({n}) is not a multiple of radix * cardinality = {radix * cardinality}"
            )
        self.sizes = (cardinality, radix, n // (radix * cardinality))

    def grouped(self, t: Tensor) -> Tensor:
        """An x-shaped tensor as (cardinality, radix, rest)."""
        return t.unflatten(self.d, self.sizes)

    def ungrouped(self, t: Tensor) -> Tensor:
        return t.flatten(self.d, self.d + 2)

    def out(self, t: Tensor) -> Tensor:
        """(cardinality, radix, rest) to the output layout (radix-major)."""
        return t.transpose(self.d, self.d + 1).flatten(self.d, self.d + 2)

    def back(self, g: Tensor) -> Tensor:
        """An output-shaped tensor as (cardinality, radix, rest)."""
        c, r, rest = self.sizes
        return g.unflatten(self.d, (r, c, rest)).transpose(self.d, self.d + 1)


@register
class RadixSoftmax(VectorMap):
    r"""Split-attention softmax (ResNeSt, timm): the softmax across the ``radix`` splits of each of ``cardinality`` groups, output radix-major; a sigmoid when radix = 1.

    .. math:: y_{r, c, i} = \frac{e^{x_{c, r, i}}}{\sum_{r'} e^{x_{c, r', i}}},\quad
              J^\top g = \sigma \odot (g - \langle \sigma, g\rangle_r),\quad
              \partial^2 y/\partial x^2 = \text{softmax's second derivative over } r\ (\sigma'' \text{ for radix } 1)
    """

    function, family = "radix_softmax", "normalizer"
    params = {
        "dim": CHANNELS,
        "radix": Param(2, "splits per group (1: a sigmoid)", lambda v: integer(v) and v >= 1, "an int >= 1"),
        "cardinality": Param(1, "groups", lambda v: integer(v) and v >= 1, "an int >= 1"),
    }
    formula = r"\mathrm{RadixSoftmax}(x)_{r,c} = \mathrm{softmax}_r(x_{c,r})"
    reference = "Zhang et al., ResNeSt: split-attention networks (2020); timm (Wightman), RadixSoftmax"
    hidden = False  # attention weights over splits, not a hidden-layer activation
    x_range = (-6.0, 6.0)

    @classmethod
    def out_size(cls, n: int, radix: int = 2, cardinality: int = 1, **_: Any) -> int:
        if n % (radix * cardinality):
            raise ShapeError(
                f"radix_softmax: the size of dim ({n}) is not a multiple of radix * cardinality = {radix * cardinality}"
            )
        return n

    def forward(x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return Sigmoid.f(x)
        v = _Radix(x, dim, radix, cardinality)
        return v.out(softmax_forward(v.grouped(x), v.d + 1))

    def vjp(g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return g * Sigmoid.df(x)
        v = _Radix(x, dim, radix, cardinality)
        sig = softmax_forward(v.grouped(x), v.d + 1)
        return v.ungrouped(softmax_vjp(v.back(g), sig, v.d + 1))

    def jvp(t: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return t * Sigmoid.df(x)
        v = _Radix(x, dim, radix, cardinality)
        sig = softmax_forward(v.grouped(x), v.d + 1)
        return v.out(softmax_vjp(v.grouped(t), sig, v.d + 1))

    def vjp2(gg: Tensor, g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> tuple[Tensor, Tensor]:
        if radix == 1:
            return gg * Sigmoid.df(x), gg * g * Sigmoid.d2f(x)
        v = _Radix(x, dim, radix, cardinality)
        a = v.d + 1
        sig = softmax_forward(v.grouped(x), a)
        d_g, d_sig = softmax_vjp2(v.grouped(gg), v.back(g), sig, a)
        return v.out(d_g), v.ungrouped(softmax_vjp(d_sig, sig, a))

    def vjp_jvp(tg: Tensor, tx: Tensor, g: Tensor, x: Tensor, dim: int, radix: int, cardinality: int) -> Tensor:
        if radix == 1:
            return tg * Sigmoid.df(x) + g * Sigmoid.d2f(x) * tx
        v = _Radix(x, dim, radix, cardinality)
        a = v.d + 1
        sig = softmax_forward(v.grouped(x), a)
        tsig = softmax_vjp(v.grouped(tx), sig, a)
        return v.ungrouped(softmax_vjp_jvp(v.back(tg), tsig, v.back(g), sig, a))
