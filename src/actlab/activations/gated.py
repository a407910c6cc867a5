"""Self-gated activations x * gate(x): SiLU, Swish, GELU, Mish, Hardswish, SmoothHardswish, GLU."""

from __future__ import annotations

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..registry import register
from ..spec import Elementwise, Param, SplitGate, finite, integer
from .sigmoidal import Sigmoid

# Beyond these magnitudes the gate's derivative underflows to 0 even in float64, so clipping
# x there changes nothing but keeps inf * 0 from turning a finite limit into NaN.
EXP_UNDERFLOW = 800.0
GAUSS_UNDERFLOW = 40.0
GELU_TANH_UNDERFLOW = 30.0
GELU_TANH_C = 0.044715


def _silu_parts(z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """sigma(z), sigma'(z) and the clipped z used beside them."""
    zc = m.clip(z, EXP_UNDERFLOW)
    return m.sigmoid(z), m.sigmoid_prime(zc), zc


def _swish(x: Tensor, beta: float) -> Tensor:
    r"""x sigma(beta x); for beta x < -64 as :math:`x e^{\beta x}` scaled out of the subnormals
    (there :math:`1 + e^{\beta x}` is 1 even in float64)."""
    xc = torch.clamp(x, min=-EXP_UNDERFLOW / max(abs(beta), 1e-30))
    z = beta * xc
    tail = z < m.TAIL
    return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, z, 0.0)), xc * m.sigmoid(beta * x))


def _swish_prime(x: Tensor, beta: float) -> Tensor:
    r""":math:`\sigma(z) + z\sigma'(z)`, z = beta x. For z <= 0 as
    :math:`e^z((1 + z) + e^z)/(1 + e^z)^2` (1 + z is exact near the zero of f' at z = -1.28, where
    :math:`1 + z\sigma(-z)` would cancel the rounding of :math:`z\sigma(-z)`);
    :math:`e^z (1 + z)` scaled for z < -64."""
    s, ds, zc = _silu_parts(beta * x)
    tail = zc < m.TAIL
    zn = torch.clamp(zc, max=0.0)
    e = torch.exp(zn)
    neg = e * ((1.0 + zn) + e) / ((1.0 + e) * (1.0 + e))
    near = torch.where(zc <= 0.0, neg, s + zc * ds)
    return torch.where(tail, m.exp_tail_times(1.0 + zc, torch.where(tail, zc, 0.0)), near)


@register
class SiLU(Elementwise):
    r"""Sigmoid-weighted linear unit (= Swish with beta 1).

    .. math:: f(x) = x\sigma(x),\quad f' = \sigma(x) + x\sigma'(x),\quad
              f'' = \sigma'(x)\,(2 - x\tanh(x/2))
    """

    function, torch_name, family = "silu", "SiLU", "gated"
    inplace = True
    formula = r"\mathrm{SiLU}(x) = x \, \sigma(x)"
    reference = "Elfwing, Uchibe & Doya, Sigmoid-weighted linear units (2017); Hendrycks & Gimpel (2016)"
    x_range = (-6.0, 6.0)

    def f(x: Tensor) -> Tensor:
        return _swish(x, 1.0)

    def df(x: Tensor) -> Tensor:
        return _swish_prime(x, 1.0)

    def d2f(x: Tensor) -> Tensor:
        _, ds, xc = _silu_parts(x)
        return ds * (2.0 - xc * m.tanh(0.5 * xc))


@register
class Swish(Elementwise):
    r"""Swish with a fixed beta (the seed's extra; beta = 1 is SiLU).

    .. math:: f(x) = x\sigma(\beta x),\quad f' = \sigma(\beta x) + \beta x\sigma'(\beta x),\quad
              f'' = \beta\sigma'(\beta x)(2 - \beta x\tanh(\beta x/2))
    """

    function, torch_name, family = "swish", None, "gated"
    params = {"beta": Param(1.0, "gate sharpness", finite, "finite", sample=(0.25, 3.0), plot=(0.5, 1.0, 2.0))}
    formula = r"\mathrm{Swish}(x) = x \, \sigma(\beta x)"
    reference = "Ramachandran, Zoph & Le, Searching for activation functions (2017)"
    x_range = (-6.0, 6.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})

    def f(x: Tensor, beta: float) -> Tensor:
        return _swish(x, beta)

    def df(x: Tensor, beta: float) -> Tensor:
        return _swish_prime(x, beta)

    def d2f(x: Tensor, beta: float) -> Tensor:
        _, ds, zc = _silu_parts(beta * x)
        return beta * ds * (2.0 - zc * m.tanh(0.5 * zc))


def _gelu_tanh_gate(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """z = 2u, u = sqrt(2/pi)(x + c x^3); returns clipped x, z, dz/dx, d2z/dx2."""
    xc = m.clip(x, GELU_TANH_UNDERFLOW)
    x2 = xc * xc
    k = 2.0 * m.SQRT_2_OVER_PI
    return (
        xc,
        k * xc * (1.0 + GELU_TANH_C * x2),
        k * (1.0 + 3.0 * GELU_TANH_C * x2),
        k * 6.0 * GELU_TANH_C * xc,
    )


def _gelu(x: Tensor, approximate: str) -> Tensor:
    if approximate == "tanh":
        xc = torch.clamp(x, min=-EXP_UNDERFLOW)
        _, z, _, _ = _gelu_tanh_gate(x)
        tail = z < m.TAIL  # x e^z, scaled out of the subnormals
        return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, z, 0.0)), xc * m.sigmoid(z))
    return torch.clamp(x, min=-GAUSS_UNDERFLOW) * m.normal_cdf(x)


def _gelu_prime(x: Tensor, approximate: str) -> Tensor:
    if approximate == "tanh":
        xc, z, dz, _ = _gelu_tanh_gate(x)
        tail = z < m.TAIL  # e^z (1 + x z'), scaled out of the subnormals
        near = m.sigmoid(z) + xc * m.sigmoid_prime(z) * dz
        return torch.where(tail, m.exp_tail_times(1.0 + xc * dz, torch.where(tail, z, 0.0)), near)
    xc = m.clip(x, GAUSS_UNDERFLOW)
    return m.normal_cdf(x) + xc * m.normal_pdf(xc)


@register
class GELU(Elementwise):
    r"""Gaussian error linear unit, exact or with the tanh approximation.

    .. math:: f(x) = x\Phi(x),\quad f' = \Phi(x) + x\varphi(x),\quad f'' = \varphi(x)(2 - x^2);
              \text{tanh: } f(x) = \tfrac{x}{2}(1 + \tanh u) = x\,\sigma(2u),\
              u = \sqrt{2/\pi}(x + 0.044715x^3)
    """

    function, torch_name, family = "gelu", "GELU", "gated"
    params = {
        "approximate": Param(
            "none",
            "'none' (exact, erf) or 'tanh'",
            lambda v: v in ("none", "tanh"),
            "'none' or 'tanh'",
            error=ParameterError,
            sample=("none", "tanh"),
            plot=("none", "tanh"),
        )
    }
    formula = r"\mathrm{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)"
    reference = "Hendrycks & Gimpel, Gaussian error linear units (2016)"
    plot_params = ({"approximate": "none"}, {"approximate": "tanh"})

    # float32 is computed in float64: in the left tail the rounding of x / sqrt(2) (or of u) is
    # amplified by |d log Phi / d log x| ~ x^2 (hundreds of ulps); see docs/accuracy.md.
    def f(x: Tensor, approximate: str) -> Tensor:
        return _gelu(m.in_float64(x), approximate).to(x.dtype)

    def df(x: Tensor, approximate: str) -> Tensor:
        return _gelu_prime(m.in_float64(x), approximate).to(x.dtype)

    def d2f(x: Tensor, approximate: str) -> Tensor:
        if approximate == "tanh":
            xc, z, dz, d2z = _gelu_tanh_gate(x)
            ds = m.sigmoid_prime(z)
            d2s = -ds * m.tanh(0.5 * z)
            return 2.0 * ds * dz + xc * (d2s * dz * dz + ds * d2z)
        xc = m.clip(x, GAUSS_UNDERFLOW)
        return m.normal_pdf(xc) * (2.0 - xc * xc)


def _mish_parts(x: Tensor) -> tuple[Tensor, Tensor]:
    """t = tanh(softplus(x)) and 1 - t^2, both without cancellation or overflow.

    With e = e^x, t = e(e + 2) / (e(e + 2) + 2) for x <= 0; with e = e^{-x},
    t = (1 + 2e) / (1 + 2e + 2e^2) for x > 0. Then 1 - t^2 = (1 - t)(1 + t) with
    1 - t = 2 / (n + 2) resp. 2e^2 / (1 + 2e + 2e^2).
    """
    e = torch.exp(-x.abs())
    neg = x <= 0.0
    n = e * (e + 2.0)
    d_pos = 1.0 + 2.0 * e + 2.0 * e * e
    t = torch.where(neg, n / (n + 2.0), (1.0 + 2.0 * e) / d_pos)
    one_minus_t = torch.where(neg, 2.0 / (n + 2.0), 2.0 * e * e / d_pos)
    return t, one_minus_t * (1.0 + t)


def _mish(x: Tensor) -> Tensor:
    """x t; x e^x (scaled) for x < -64, where t = e^x (1 + O(e^x))."""
    t, _ = _mish_parts(x)
    xc = torch.clamp(x, min=-EXP_UNDERFLOW)
    tail = xc < m.TAIL
    return torch.where(tail, m.exp_tail_times(xc, torch.where(tail, xc, 0.0)), xc * t)


@register
class Mish(Elementwise):
    r"""Mish: self-regularised non-monotonic activation.

    .. math:: f(x) = x\tanh(\mathrm{softplus}(x)),\quad t = \tanh(\mathrm{softplus}\,x),\
              s = \sigma(x)(1 - t^2),\quad f' = t + x s,\quad
              f'' = 2s + x(1 - t^2)(\sigma'(x) - 2t\sigma(x)^2)
    """

    function, torch_name, family = "mish", "Mish", "gated"
    inplace = True
    formula = r"\mathrm{Mish}(x) = x \tanh\left(\log\left(1 + e^{x}\right)\right)"
    reference = "Misra, Mish: a self regularized non-monotonic activation function (2019)"
    x_range = (-6.0, 6.0)

    def f(x: Tensor) -> Tensor:  # float32 via float64: the float32 form reaches 4.5 ulp (docs/accuracy.md)
        return _mish(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        r"""t + x sigma(x)(1 - t^2) for x > 0. For x <= 0, with e = e^x and n = e(e + 2):
        :math:`f' = e\,(4(1 + x) + e((4x + 6) + e(4 + e)))/(n + 2)^2` (1 + x and 4x + 6 are exact
        near the zero of f' at -1.19, so nothing large cancels); e^x (1 + x) scaled for x < -64."""
        t, sech2 = _mish_parts(x)
        xc = m.clip(x, EXP_UNDERFLOW)
        tail = xc < m.TAIL
        xn = torch.clamp(xc, max=0.0)
        e = torch.exp(xn)
        d = e * (e + 2.0) + 2.0
        neg = e * (4.0 * (1.0 + xn) + e * ((4.0 * xn + 6.0) + e * (4.0 + e))) / (d * d)
        near = torch.where(xc <= 0.0, neg, t + xc * m.sigmoid(x) * sech2)
        return torch.where(tail, m.exp_tail_times(1.0 + xc, torch.where(tail, xc, 0.0)), near)

    def d2f(x: Tensor) -> Tensor:
        t, sech2 = _mish_parts(x)
        xc = m.clip(x, EXP_UNDERFLOW)
        sg = m.sigmoid(x)
        s = sg * sech2
        return 2.0 * s + xc * sech2 * (m.sigmoid_prime(xc) - 2.0 * t * sg * sg)


@register
class Hardswish(Elementwise):
    r"""Hard swish (MobileNetV3).

    .. math:: f(x) = x\,\frac{\min(\max(x + 3, 0), 6)}{6},\quad f' = \frac{2x + 3}{6}
              \text{ on } (-3, 3),\quad f'' = \tfrac13 \text{ on } (-3, 3)
    """

    function, torch_name, family = "hardswish", "Hardswish", "gated"
    inplace = True
    repr_inplace = False  # torch's repr omits inplace=True here
    formula = r"\mathrm{Hardswish}(x) = \begin{cases} 0 & x \le -3 \\ x & x \ge 3 \\ x (x + 3) / 6 & \text{otherwise}\end{cases}"
    reference = "Howard et al., Searching for MobileNetV3 (2019)"
    kink_convention = "f'(-3) = 0, f'(3) = 1, f''(+-3) = 0 (torch)"

    def f(x: Tensor) -> Tensor:  # f(-inf) = 0, the limit (torch returns NaN); x itself for x >= 3
        return torch.where(x <= -3.0, 0.0, torch.where(x >= 3.0, x, x * (x + 3.0) / 6.0))

    def df(x: Tensor) -> Tensor:  # (2x + 3) / 6: 2x + 3 is exact near the zero at -1.5
        return m.pick(x <= -3.0, 0.0, torch.where(x < 3.0, (2.0 * x + 3.0) / 6.0, 1.0), x)

    def d2f(x: Tensor) -> Tensor:
        return m.pick((x > -3.0) & (x < 3.0), 1.0 / 3.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


@register
class SmoothHardswish(Elementwise):
    r"""The seed's continuously differentiable hard swish (C1: f' is continuous at +-3).

    .. math:: f(x) = \frac{x(x+3)^2(6-x)}{108} \text{ on } (-3, 3),\ \max(0, x) \text{ else};\quad
              f' = \frac{(x+3)(18 + 12x - 4x^2)}{108},\quad f'' = \frac{54 - 12x^2}{108}
    """

    function, torch_name, family = "smooth_hardswish", None, "gated"
    formula = r"\mathrm{SmoothHardswish}(x) = \begin{cases} 0 & x \le -3 \\ x & x \ge 3 \\ x (x+3)^2 (6 - x) / 108 & \text{otherwise}\end{cases}"
    reference = "the seed tutorial's MyActivation (continuously differentiable hard swish)"
    kink_convention = "f''(+-3) = 0 (the outer branch; f'' jumps there by 1/2)"

    def f(x: Tensor) -> Tensor:  # float32 via float64: six roundings reach 4.1 ulp in float32
        inner = (x > -3.0) & (x < 3.0)
        xi = m.in_float64(torch.where(inner, x, 0.0))
        return torch.where(inner, (xi * (xi + 3.0) ** 2 * (6.0 - xi) / 108.0).to(x.dtype), torch.clamp(x, min=0.0))

    def df(x: Tensor) -> Tensor:
        inner = (x > -3.0) & (x < 3.0)
        xi = torch.where(inner, x, 0.0)
        return torch.where(
            inner,
            (xi + 3.0) * (18.0 + 12.0 * xi - 4.0 * xi * xi) / 108.0,
            m.pick(x >= 3.0, 1.0, 0.0, x),
        )

    def d2f(x: Tensor) -> Tensor:
        inner = (x > -3.0) & (x < 3.0)
        return m.pick(inner, (54.0 - 12.0 * x * x) / 108.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


@register
class GLU(SplitGate):
    r"""Gated linear unit over a split input: x = [a, b] along ``dim``.

    .. math:: \mathrm{GLU}(a, b) = a \otimes \sigma(b),\quad
              \partial/\partial a = \sigma(b),\quad \partial/\partial b = a\,\sigma'(b),\quad
              \partial^2/\partial b^2 = a\,\sigma''(b),\quad \partial^2/\partial a \partial b = \sigma'(b),\quad \partial^2/\partial a^2 = 0
    """

    function, torch_name, family = "glu", "GLU", "gated"
    gate = Sigmoid
    params = {"dim": Param(-1, "dimension to split in half", integer, "an int")}
    formula = r"\mathrm{GLU}(a, b) = a \otimes \sigma(b)"
    reference = "Dauphin et al., Language modeling with gated convolutional networks (2017)"
