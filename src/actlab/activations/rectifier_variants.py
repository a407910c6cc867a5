"""Rectifier variants: RePU (max(0, x)^p), ReLUN (ReLU capped at n), BentIdentity and the
learnable threshold TLU (max(x, tau), Filter Response Normalization's activation)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Elementwise, Param, Parametric, finite, positive
from . import partials as rules


def _power(v: Any) -> bool:
    return finite(v) and v >= 1.0


@register
class RePU(Elementwise):
    r"""Rectified power unit: ReLU raised to the power p (p = 2: ReQU, SquaredReLU).

    .. math:: f(x) = \max(0, x)^p,\quad f' = p\max(0, x)^{p - 1},\quad
              f'' = p(p - 1)\max(0, x)^{p - 2}\ (x > 0),\ 0\ (x \le 0)
    """

    function, family = "repu", "rectifier"
    params = {"p": Param(2.0, "the power", _power, ">= 1 and finite", sample=(1.5, 4.0), plot=(2.0, 3.0, 4.0))}
    formula = r"\mathrm{RePU}(x) = \max(0, x)^{p}"
    reference = "Li, Tang & Yu, Better approximations of high dimensional smooth functions by deep neural networks with rectified power units, Commun. Comput. Phys. 27(2):379-411 (2020)"
    x_range = (-2.0, 2.0)
    plot_params = ({"p": 2.0}, {"p": 3.0}, {"p": 4.0})
    kink_convention = "f'(0) = f''(0) = 0 (the x <= 0 branch, as ReLU); f'(NaN) = NaN"

    # float32 in float64: pow's float32 rounding and the product with p exceed 4 ulp for large p
    def f(x: Tensor, p: float) -> Tensor:
        w = m.in_float64(x)
        return torch.pow(torch.clamp(w, min=0.0), p).to(x.dtype)

    def df(x: Tensor, p: float) -> Tensor:
        w = m.in_float64(x)
        out = torch.where(w <= 0.0, 0.0, p * torch.pow(torch.clamp(w, min=0.0), p - 1.0))
        return m.keep_nan(w, out).to(x.dtype)  # pow(NaN, 0) = 1

    def d2f(x: Tensor, p: float) -> Tensor:
        pos = x > 0.0
        return torch.where(pos, p * (p - 1.0) * torch.pow(torch.where(pos, x, 1.0), p - 2.0), 0.0)

    @classmethod
    def kinks(cls, p: float = 2.0) -> tuple[float, ...]:
        return (0.0,)


@register
class ReLUN(Elementwise):
    r"""ReLU capped at n: min(max(0, x), n) (n = 6: ReLU6).

    .. math:: f(x) = \min(\max(0, x), n),\quad f' = [0 < x < n],\quad f'' = 0
    """

    function, family = "relun", "rectifier"
    piecewise_linear = True
    params = {"n": Param(1.0, "the cap", positive, "> 0 and finite", sample=(0.5, 6.0), plot=(1.0, 6.0))}
    inplace = True
    save_output = True
    formula = r"\mathrm{ReLUN}(x) = \min(\max(0, x), n)"
    reference = "torch_activation.ReLUN (after ReLU6: Krizhevsky, Convolutional deep belief networks on CIFAR-10, 2010); Kunc & Klema, Three decades of activations (2024), arXiv:2402.09092"
    x_range = (-2.0, 3.0)
    plot_params = ({"n": 1.0}, {"n": 2.0})
    kink_convention = "f'(0) = f'(n) = 0 (as ReLU6 and torch's hardtanh); f'(NaN) = 1 (as torch's relu6)"

    def f(x: Tensor, n: float) -> Tensor:
        return torch.clamp(x, 0.0, n)

    def df(x: Tensor, n: float) -> Tensor:
        return m.pick((x <= 0.0) | (x >= n), 0.0, 1.0, x)

    def d2f(x: Tensor, n: float) -> Tensor:
        return torch.zeros_like(x)

    df_y = df  # y is in (0, n) exactly where x is
    d2f_y = d2f

    @classmethod
    def output_ok(cls, dtype: torch.dtype, n: float = 1.0, **_: Any) -> bool:
        """f' from y needs y = n exactly where x >= n: n must be representable in a half dtype."""
        if dtype not in (torch.float16, torch.bfloat16):
            return True
        b = torch.tensor(n, dtype=torch.float32)
        return bool(b.to(dtype).float() == b)

    @classmethod
    def kinks(cls, n: float = 1.0) -> tuple[float, ...]:
        return (0.0, n)


def _x_over_hypot(x: Tensor, s: Tensor) -> Tensor:
    """x / s in [-1, 1]; +-1 at +-inf (not inf / inf)."""
    inf = x.isinf()
    return torch.where(inf, torch.sign(x), torch.where(inf, 0.0, x) / s)


@register
class BentIdentity(Elementwise):
    r"""Bent identity: the identity plus half of sqrt(x^2 + 1) - 1.

    .. math:: f(x) = x + \frac{\sqrt{x^2 + 1} - 1}{2} = x + \frac{x^2}{2(s + 1)},\ s = \sqrt{x^2 + 1};\quad
              f' = 1 + \frac{x}{2s},\quad f'' = \frac{1}{2s^3}
    """

    function, family = "bent_identity", "rectifier"
    formula = r"\mathrm{BentIdentity}(x) = x + \frac{\sqrt{x^2 + 1} - 1}{2}"
    reference = "Kunc & Klema, Three decades of activations: a comprehensive survey of 400 activation functions for neural networks (2024), arXiv:2402.09092"
    x_range = (-4.0, 4.0)

    def f(x: Tensor) -> Tensor:  # x^2 / (2(s + 1)) = |x| t / 2, t = |x| / (s + 1) -> 1 at +-inf
        w = m.in_float64(x)
        fin = torch.where(w.isinf(), 0.0, w)
        s = torch.hypot(fin, torch.ones_like(fin))
        a = fin.abs()
        return torch.where(w.isinf(), w, fin + 0.5 * a * (a / (s + 1.0))).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        w = m.in_float64(x)
        return (1.0 + 0.5 * _x_over_hypot(w, torch.hypot(w, torch.ones_like(w)))).to(x.dtype)

    def d2f(x: Tensor) -> Tensor:
        s = torch.hypot(x, torch.ones_like(x))
        return 0.5 / (s * s * s)


# ---- TLU (learnable threshold) ---------------------------------------------------------------------
def _tlu(x: Tensor, tau: Tensor) -> rules.Partials:
    """max(x, tau): the subgradient 1/2 each at x = tau (as torch.maximum, which timm's FRN uses)."""
    tie = torch.where(x == tau, 0.5, 0.0)
    fx = m.keep_nan(x, torch.where(x > tau, 1.0, 0.0) + tie)
    zero = torch.zeros_like(fx)
    return rules.Partials(
        fx=fx,
        fw=(m.keep_nan(x, torch.where(x < tau, 1.0, 0.0) + tie),),
        fxx=zero,
        fxw=(zero,),
        fww=((zero,),),
    )


@register
class TLU(Parametric):
    r"""Thresholded linear unit: max(x, tau) with a learnable threshold tau per channel
    (the activation of Filter Response Normalization).

    .. math:: f = \max(x, \tau),\quad \partial_x f = [x > \tau],\quad \partial_\tau f = [x < \tau],\quad
              \partial_x^2 f = \partial_x\partial_\tau f = \partial_\tau^2 f = 0
    """

    function, family = "tlu", "rectifier"
    tensor_params = ("tau",)
    initial, channels = {"tau": "init"}, "num_features"
    params = {
        "num_features": Param(1, "number of thresholds: 1 or the channel count", None, ">= 1"),
        "init": Param(0.0, "initial threshold tau (timm: 0)", finite, "finite", sample=(-1.0, 1.0), plot=(0.0, -0.5)),
    }
    formula = r"\mathrm{TLU}(x) = \max(x, \tau)"
    reference = "Singh & Krishnan, Filter response normalization layer: eliminating batch dependence in the training of deep neural networks (CVPR 2020); timm FilterResponseNormTlu2d"
    x_range = (-3.0, 3.0)
    plot_params = ({"init": 0.0}, {"init": -0.5})
    kink_convention = (
        "at x = tau each of df/dx and df/dtau is 1/2 (torch.maximum's subgradient, as timm's TLU); NaN propagates"
    )

    def forward(x: Tensor, tau: Tensor | float) -> Tensor:
        return torch.maximum(x, torch.as_tensor(tau, dtype=x.dtype))

    def vjp(g: Tensor, x: Tensor, tau: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp(g, _tlu(x, tau), (tau,))

    def jvp(ts: tuple[Tensor, ...], x: Tensor, tau: Tensor) -> Tensor:
        return rules.jvp(ts, _tlu(x, tau))

    def vjp2(ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, tau: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp2(ggs, g, _tlu(x, tau), (tau,))

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, tau: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp_jvp(tg, ts, g, _tlu(x, tau), (tau,))

    @classmethod
    def kinks(cls, init: float = 0.0, **_: Any) -> tuple[float, ...]:
        return (float(init),)
