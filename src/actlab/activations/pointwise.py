r"""The shared machinery of learnable activations that act entry by entry
(:class:`PointwiseParametric`, a :class:`~actlab.kinds.Parametric`): a declaration states its value
and, by hand, the first partials and the (symmetric) second partials of f in its variables; the
five derivative functions of the kind follow from them.

The variables are x, then each learnable tensor: one variable for a tensor of one value or one per
channel, K variables :math:`w_{\cdot,j}` for a ``coefficients`` tensor. With :math:`d_a = \partial f/\partial a`
and :math:`H_{ab} = \partial^2 f/\partial a\,\partial b`:

.. math:: \mathrm{vjp}_a = g\,d_a,\quad \mathrm{jvp} = \sum_a d_a t_a,\quad
          \mathrm{vjp2}: \partial/\partial g = \sum_a d_a\,gg_a,\ \partial/\partial a = g\sum_b H_{ab}\,gg_b,\quad
          \mathrm{vjp\_jvp}_a = t_g d_a + g\sum_b H_{ab} t_b

each summed to its tensor's shape (the tensors broadcast against x).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..kinds import Param, Parametric, integer

Hessian = dict[tuple[int, int], Tensor]

# the constructor argument of every learnable activation: values per tensor
CHANNELS = Param(
    1, "values per parameter: 1 or the channel count (input.size(1))", lambda v: integer(v) and v >= 1, ">= 1"
)


class PointwiseParametric(Parametric):
    """A learnable entrywise activation: subclasses give ``forward(x, *w)`` and
    ``partials(x, *w, second)`` -> (first partials [d_x, d_w...], second partials {(a, b): H_ab}
    for a <= b, the zero ones left out; empty unless ``second``)."""

    @classmethod
    def partials(cls, x: Tensor, *w: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
        raise NotImplementedError

    # ---- the variables ------------------------------------------------------------------------
    @classmethod
    def _split(cls, tx: Tensor, tws: tuple[Tensor, ...]) -> list[Tensor]:
        """Per-variable pieces of a tangent (or upstream) tuple shaped like (x, *w)."""
        out = [tx]
        for name, t in zip(cls.tensor_params, tws):
            out += [t[..., j] for j in range(t.shape[-1])] if name in cls.coefficients else [t]
        return out

    @classmethod
    def _join(cls, parts: list[Tensor], x: Tensor, w: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Per-variable results summed to the shapes of x and each tensor (coefficients stacked)."""
        out, i = [parts[0].sum_to_size(x.shape)], 1
        for name, t in zip(cls.tensor_params, w):
            if name in cls.coefficients:
                k = t.shape[-1]
                out.append(torch.stack([p.sum_to_size(t.shape[:-1]) for p in parts[i : i + k]], -1))
                i += k
            else:
                out.append(parts[i].sum_to_size(t.shape))
                i += 1
        return tuple(out)

    @staticmethod
    def _row(h: Hessian, a: int, n: int) -> list[tuple[int, Tensor]]:
        return [(b, h[(min(a, b), max(a, b))]) for b in range(n) if (min(a, b), max(a, b)) in h]

    # ---- the kind's derivative functions ------------------------------------------------------
    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
        d, _ = cls.partials(x, *w)
        return cls._join([g * di for di in d], x, w)

    @classmethod
    def jvp(cls, ts: tuple[Tensor, ...], x: Tensor, *w: Tensor) -> Tensor:
        d, _ = cls.partials(x, *w)
        t = cls._split(ts[0], tuple(ts[1:]))
        return sum(di * ti for di, ti in zip(d, t)) + torch.zeros_like(x)

    @classmethod
    def vjp2(cls, ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
        d, h = cls.partials(x, *w, second=True)
        gg = cls._split(ggs[0], tuple(ggs[1:]))
        grad_g = (sum(di * gi for di, gi in zip(d, gg)) + torch.zeros_like(g)).sum_to_size(g.shape)
        parts = [
            g * sum((hab * gg[b] for b, hab in cls._row(h, a, len(d))), torch.zeros_like(g)) for a in range(len(d))
        ]
        return (grad_g, *cls._join(parts, x, w))

    @classmethod
    def vjp_jvp(cls, tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
        d, h = cls.partials(x, *w, second=True)
        t = cls._split(ts[0], tuple(ts[1:]))
        parts = [
            tg * d[a] + g * sum((hab * t[b] for b, hab in cls._row(h, a, len(d))), torch.zeros_like(g))
            for a in range(len(d))
        ]
        return cls._join(parts, x, w)


def safe_mul(a: Tensor, b: Tensor) -> Tensor:
    """a * b with 0 wherever b is 0: the product of an infinite input and a factor that decays
    exponentially (underflowed to 0) is the limit 0, not NaN."""
    return torch.where(b == 0.0, 0.0, a * b)


def with_limits(partials, x: Tensor, *w: Tensor, second: bool = False) -> tuple[list[Tensor], Hessian]:
    """``partials`` at x, with the entries at x = +-inf replaced by their limits: evaluated at
    +-1e300 and +-1e150 (float32 formulas: FLT_MAX and its square root); where the two agree (to 1e-9, or below 1e-100) that is the limit (0 when
    below 1e-100: a decay like 1/x), where they differ the partial grows without bound (like x, or
    like log x) and is +-inf. NaN stays NaN."""
    inf = torch.isinf(x)
    big = min(1e300, torch.finfo(x.dtype).max)
    far = torch.where(inf, torch.copysign(torch.full_like(x, big), x), x)
    nearer = torch.where(inf, torch.copysign(torch.full_like(x, big**0.5), x), x)
    d1, h1 = partials(far, *w, second=second)
    d2, h2 = partials(nearer, *w, second=second)

    def merge(a: Tensor, b: Tensor) -> Tensor:
        grow = inf & ((a - b).abs() > 1e-100 + 1e-9 * b.abs()) & ~torch.isnan(a)
        vanish = inf & ~grow & (a.abs() <= 1e-100)
        return torch.where(grow, torch.copysign(torch.full_like(a, float("inf")), a), torch.where(vanish, 0.0, a))

    return [merge(a, b) for a, b in zip(d1, d2)], {k: merge(v, h2[k]) for k, v in h1.items()}
