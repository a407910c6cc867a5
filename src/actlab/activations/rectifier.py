r"""Family "rectifier": max(0, x) and its relatives. torch.nn's Threshold, ReLU, ReLU6, LeakyReLU,
PReLU and RReLU; SquaredReLU (Primer) and the learnable StarReLU (MetaFormer); smoothed or
compressed rectifiers: SMU (learnable smooth maximum), SmeLU (a quadratic bridge between 0 and x),
NLReLU (log(1 + beta relu(x))) and ISRLU; the variants RePU (max(0, x)^p), ReLUN (ReLU capped at
n), BentIdentity, the learnable threshold TLU (max(x, tau), Filter Response Normalization's) and
FReLU, the funnel activation max(x, T(x)).

Where a float32 form misses a few ulps, f and f' of float32 inputs are computed in float64
(``_math.in_float64``). FReLU's funnel condition :math:`T(x) = \mathrm{BN}(\text{depthwise } k
\times k \text{ conv}(x))` is computed by its module (:class:`actlab.nn.FReLU`, torch's Conv2d and
BatchNorm2d); the declaration takes it as a tensor shaped like the input (``like_input``), the
gradient going to the larger input, split half and half on ties (as torch.maximum's).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..kinds import Elementwise, Param, Parametric, Random, finite, integer, positive
from ..registry import register
from . import partials as rules
from .pointwise import CHANNELS
from .sigmoidal import ISRU_ALPHA, isru_root, isru_x_over

# ==== torch.nn's rectifiers ========================================================================
REQUIRED = Param(None)  # placeholder default for torch's required arguments (see Threshold)


@register
class Threshold(Elementwise, function="threshold", in_torch=True):
    r"""Threshold: keep x above the threshold, replace the rest by ``value``.

    .. math:: f(x) = x \text{ if } x > \theta \text{ else } v,\quad f' = [x > \theta],\quad f'' = 0
    """

    piecewise_linear = True
    params = {
        "threshold": Param(None, "the threshold", finite, "finite", sample=(-2.0, 2.0), type=float),
        "value": Param(None, "the replacement value", finite, "finite", sample=(-2.0, 2.0), type=float),
    }
    inplace = True
    integer_inputs = True
    formula = r"\mathrm{Threshold}(x) = \begin{cases} x & x > \mathrm{threshold} \\ \mathrm{value} & \text{otherwise}\end{cases}"
    reference = "torch.nn.Threshold"
    plot_params = ({"threshold": 1.0, "value": 0.0}, {"threshold": 0.5, "value": -1.0})
    kink_convention = "f'(threshold) = 0 (the replaced branch), f'(NaN) = 1 as torch"

    def f(x: Tensor, threshold: float, value: float) -> Tensor:
        return torch.where(x <= threshold, x.new_full((), value), x)

    def df(x: Tensor, threshold: float, value: float) -> Tensor:
        return m.pick(x <= threshold, 0.0, 1.0, x)

    def d2f(x: Tensor, threshold: float, value: float) -> Tensor:
        return torch.zeros_like(x)

    @classmethod
    def kinks(cls, threshold: float = 1.0, value: float = 0.0) -> tuple[float, ...]:
        return (threshold,)


@register
class ReLU(Elementwise, function="relu", in_torch=True):
    r"""Rectified linear unit.

    .. math:: f(x) = \max(0, x),\quad f'(x) = [x > 0]\ (f'(0) = 0),\quad f'' = 0
    """

    piecewise_linear = True
    inplace = True
    integer_inputs = True
    save_output = True
    formula = r"\mathrm{ReLU}(x) = \max(0, x)"
    reference = "Nair & Hinton, Rectified linear units improve restricted Boltzmann machines (2010)"
    kink_convention = "f'(0) = 0 (torch, JAX): the subgradient that keeps dead units dead"

    def f(x: Tensor) -> Tensor:
        return torch.clamp(x, min=0)  # an int bound keeps integer inputs integer

    def df(x: Tensor) -> Tensor:
        return m.pick(x <= 0.0, 0.0, 1.0, x)

    def d2f(x: Tensor) -> Tensor:
        return torch.zeros_like(x)

    df_y = df  # y > 0 exactly where x > 0: the output is all backward needs
    d2f_y = d2f

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class ReLU6(Elementwise, function="relu6", in_torch=True):
    r"""ReLU capped at 6 (MobileNet): ``Hardtanh(0, 6)``.

    .. math:: f(x) = \min(\max(0, x), 6),\quad f' = [0 < x < 6],\quad f'' = 0
    """

    piecewise_linear = True
    inplace = True
    integer_inputs = True
    formula = r"\mathrm{ReLU6}(x) = \min(\max(0, x), 6)"
    reference = "Krizhevsky, Convolutional deep belief networks on CIFAR-10 (2010)"
    x_range = (-3.0, 9.0)
    kink_convention = "f'(0) = f'(6) = 0 (torch)"

    def f(x: Tensor) -> Tensor:
        return torch.clamp(x, 0, 6)

    def df(x: Tensor) -> Tensor:
        return m.pick((x <= 0.0) | (x >= 6.0), 0.0, 1.0, x)

    def d2f(x: Tensor) -> Tensor:
        return torch.zeros_like(x)

    df_y = df
    d2f_y = d2f

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0, 6.0)


@register
class LeakyReLU(Elementwise, function="leaky_relu", in_torch=True):
    r"""Leaky ReLU.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } s x,\quad f'(x) = 1 \text{ if } x > 0
              \text{ else } s\ (f'(0) = s),\quad f'' = 0
    """

    piecewise_linear = True
    params = {
        "negative_slope": Param(0.01, "slope for x < 0", finite, "finite", sample=(0.0, 0.5)),
    }
    inplace = True
    formula = r"\mathrm{LeakyReLU}(x) = \max(0, x) + \mathrm{negative\_slope} \cdot \min(0, x)"
    reference = "Maas, Hannun & Ng, Rectifier nonlinearities improve neural network acoustic models (2013)"
    plot_params = ({"negative_slope": 0.01}, {"negative_slope": 0.1}, {"negative_slope": 0.3})
    kink_convention = "f'(0) = negative_slope (torch)"

    def f(x: Tensor, negative_slope: float) -> Tensor:
        return torch.where(x > 0.0, x, x * negative_slope)

    def df(x: Tensor, negative_slope: float) -> Tensor:
        return m.pick(x > 0.0, 1.0, negative_slope, x)

    def d2f(x: Tensor, negative_slope: float) -> Tensor:
        return torch.zeros_like(x)

    df_y = df  # valid for slope >= 0 (sign of y = sign of x); see output_ok
    d2f_y = d2f

    @classmethod
    def output_ok(cls, dtype: torch.dtype, negative_slope: float = 0.01, **_: Any) -> bool:
        return negative_slope >= 0

    @classmethod
    def kinks(cls, negative_slope: float = 0.01) -> tuple[float, ...]:
        return (0.0,)


@register
class PReLU(Parametric, function="prelu", in_torch=True):
    r"""Parametric ReLU with a learnable slope per channel (dim 1) or one shared slope.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } a x,\quad
              \partial f/\partial x = 1 \text{ or } a,\quad \partial f/\partial a = \min(x, 0),\quad
              \partial^2 f/\partial x^2 = 0,\quad \partial^2 f/\partial x \partial a = [x \leq 0]
    """

    tensor_params = ("weight",)
    initial, channels = {"weight": "init"}, "num_parameters"
    params = {
        "num_parameters": Param(1, "number of slopes: 1 or the channel count", None, ">= 1"),
        "init": Param(0.25, "initial slope", finite, "finite", sample=(0.0, 0.5)),
    }
    formula = r"\mathrm{PReLU}(x) = \max(0, x) + a \cdot \min(0, x)"
    reference = "He et al., Delving deep into rectifiers (2015)"
    plot_params = ({"init": 0.25}, {"init": 0.1}, {"init": 0.5})
    kink_convention = "df/dx(0) = a, df/da(0) = 0 (torch)"

    def forward(x: Tensor, w: Tensor) -> Tensor:
        return torch.where(x > 0.0, x, w * x)

    def vjp(g: Tensor, x: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
        pos = x > 0.0
        return torch.where(pos, g, g * w), torch.where(pos, 0.0, g * x).sum_to_size(w.shape)

    def jvp(ts: tuple[Tensor, Tensor], x: Tensor, w: Tensor) -> Tensor:
        tx, tw = ts
        return torch.where(x > 0.0, tx, w * tx + tw * x)

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, x: Tensor, w: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        ggx, ggw = ggs
        pos = x > 0.0
        grad_g = torch.where(pos, ggx, ggx * w + ggw * x)
        grad_x = torch.where(pos, 0.0, ggw * g)
        grad_w = torch.where(pos, 0.0, ggx * g).sum_to_size(w.shape)
        return grad_g, grad_x, grad_w

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, x: Tensor, w: Tensor) -> tuple[Tensor, Tensor]:
        tx, tw = ts
        pos = x > 0.0
        gx = torch.where(pos, tg, tg * w + g * tw)
        gw = torch.where(pos, 0.0, tg * x + g * tx).sum_to_size(w.shape)
        return gx, gw

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


@register
class RReLU(Random, function="rrelu", in_torch=True):
    r"""Randomized leaky ReLU: in training each x <= 0 gets its own slope from
    U(lower, upper); in evaluation the slope is (lower + upper) / 2.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } a x,\quad a \sim U(l, u),\quad
              f' = 1 \text{ or } a,\quad f'' = 0\quad (\text{evaluation: } a = (l + u)/2)
    """

    piecewise_linear = True
    params = {
        "lower": Param(1.0 / 8, "lower bound of the slope", finite, "finite", sample=(0.0, 0.2)),
        "upper": Param(1.0 / 3, "upper bound of the slope", finite, "finite", sample=(0.25, 0.5)),
    }
    inplace = True
    formula = r"\mathrm{RReLU}(x) = \begin{cases} x & x \ge 0 \\ a x & \text{otherwise},\ a \sim \mathcal{U}(\mathrm{lower}, \mathrm{upper})\end{cases}"
    reference = "Xu et al., Empirical evaluation of rectified activations in convolutional network (2015)"
    plot_params = ({"lower": 1.0 / 8, "upper": 1.0 / 3},)
    kink_convention = "evaluation mode: as LeakyReLU with slope (lower + upper) / 2"

    def f(x: Tensor, lower: float, upper: float) -> Tensor:  # evaluation mode
        return torch.where(x > 0.0, x, x * ((lower + upper) / 2))

    def df(x: Tensor, lower: float, upper: float) -> Tensor:
        return m.pick(x > 0.0, 1.0, (lower + upper) / 2, x)

    def d2f(x: Tensor, lower: float, upper: float) -> Tensor:
        return torch.zeros_like(x)

    df_y = df
    d2f_y = d2f

    @classmethod
    def output_ok(cls, dtype: torch.dtype, lower: float = 0.125, upper: float = 1 / 3, **_: Any) -> bool:
        return lower + upper >= 0

    @classmethod
    def relations(cls, **p: Any) -> None:
        lower, upper = p.get("lower", 1 / 8), p.get("upper", 1 / 3)
        if lower > upper:
            raise ParameterError(
                f"RReLU: lower bound ({lower}) should be less than or equal to the upper bound ({upper})"
            )

    def noise(x: Tensor, lower: float, upper: float) -> Tensor:
        """Per-element slopes: U(lower, upper) where x <= 0, else 1.

        Drawn exactly as torch's CPU kernel does: one float64 uniform from the default
        generator per x <= 0, in row-major order, so a seed gives torch's very slopes. Other
        devices draw from their own generator (torch's GPU kernels cannot be replayed)."""
        op = torch.promote_types(x.dtype, torch.float32)  # torch rounds the bounds to this first
        if x.device.type != "cpu":
            return torch.where(x <= 0.0, torch.empty_like(x, dtype=op).uniform_(lower, upper), 1.0)
        neg = (x <= 0.0).reshape(-1)
        lo, hi = (torch.tensor(v, dtype=op).double() for v in (lower, upper))
        u = torch.empty(int(neg.sum()), dtype=torch.float64).uniform_()  # k / 2^53, exact
        r = u * (hi - lo) + lo  # rounded as torch's kernel (uniform_(lower, upper) is not)
        noise = torch.ones(x.numel(), dtype=torch.float64)
        noise[neg] = r
        return noise.reshape(x.shape).to(op)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


# ==== SquaredReLU (Primer) and StarReLU (MetaFormer) ===============================================
STAR_RELU_SCALE = 0.8944  # 1 / sqrt(Var relu(x)^2) = 1 / sqrt(1.25), x ~ N(0, 1) (MetaFormer, rounded)


STAR_RELU_BIAS = -0.4472  # -E[relu(x)^2] * scale = -0.5 * 0.8944


@register
class SquaredReLU(Elementwise, function="squared_relu"):
    r"""Squared ReLU (Primer).

    .. math:: f(x) = \max(0, x)^2,\quad f' = 2\max(0, x),\quad f'' = 2[x > 0]
    """

    formula = r"\mathrm{SquaredReLU}(x) = \max(0, x)^2"
    reference = "So et al., Primer: searching for efficient transformers for language modeling (2021)"
    x_range = (-3.0, 3.0)
    kink_convention = "f'(0) = 0, f''(0) = 0 (the x <= 0 branch; autograd of relu(x) ** 2 agrees)"

    def f(x: Tensor) -> Tensor:
        r = torch.clamp(x, min=0.0)
        return r * r

    def df(x: Tensor) -> Tensor:  # f'(+inf) = +inf: the derivative is unbounded
        return 2.0 * torch.clamp(x, min=0.0)

    def d2f(x: Tensor) -> Tensor:
        return m.pick(x > 0.0, 2.0, 0.0, x)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


# ---- learnable (Parametric): the tensors follow x into the operator ----------------------------
@register
class StarReLU(Parametric, function="star_relu"):
    r"""StarReLU (MetaFormer): a scaled and shifted squared ReLU, learnable scale s and bias b.

    .. math:: f(x) = s\max(0, x)^2 + b,\quad \partial_x f = 2s\max(0, x),\quad
              \partial_s f = \max(0, x)^2,\quad \partial_b f = 1,\quad \partial_x^2 f = 2s\,[x > 0]
    """

    tensor_params = ("scale", "bias")
    initial = {"scale": "scale_value", "bias": "bias_value"}
    params = {
        "scale_value": Param(STAR_RELU_SCALE, "initial scale s", finite, "finite", sample=(0.5, 1.5)),
        "bias_value": Param(STAR_RELU_BIAS, "initial bias b", finite, "finite", sample=(-1.0, 0.5)),
    }
    formula = r"\mathrm{StarReLU}(x) = s\,\max(0, x)^2 + b"
    reference = "Yu et al., MetaFormer baselines for vision (2022), arXiv:2210.13452"
    x_range = (-3.0, 3.0)
    plot_params = (
        {"scale_value": STAR_RELU_SCALE, "bias_value": STAR_RELU_BIAS},
        {"scale_value": 1.0, "bias_value": 0.0},
    )
    kink_convention = "df/dx(0) = 0, d2f/dx2(0) = 0 (the x <= 0 branch, as SquaredReLU)"

    def forward(x: Tensor, s: Tensor | float, b: Tensor | float) -> Tensor:
        x64 = m.in_float64(x)  # float32 in float64: s r^2 + b cancels where it crosses 0 (b < 0)
        r = torch.clamp(x64, min=0.0)
        return (torch.as_tensor(s, dtype=x64.dtype) * (r * r) + torch.as_tensor(b, dtype=x64.dtype)).to(x.dtype)

    def vjp(g: Tensor, x: Tensor, s: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        r = torch.clamp(x, min=0.0)
        return 2.0 * g * s * r, (g * (r * r)).sum_to_size(s.shape), g.sum_to_size(b.shape)

    def jvp(ts: tuple[Tensor, Tensor, Tensor], x: Tensor, s: Tensor, b: Tensor) -> Tensor:
        tx, t_s, tb = ts
        r = torch.clamp(x, min=0.0)
        return 2.0 * s * r * tx + t_s * (r * r) + tb

    def vjp2(ggs: tuple[Tensor, Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor, b: Tensor):
        ggx, ggs_, ggb = ggs
        r = torch.clamp(x, min=0.0)
        grad_g = 2.0 * ggx * s * r + ggs_ * (r * r) + ggb
        grad_x = 2.0 * g * (ggx * s * m.pick(x > 0.0, 1.0, 0.0, x) + ggs_ * r)
        grad_s = (2.0 * g * ggx * r).sum_to_size(s.shape)
        return grad_g, grad_x, grad_s, torch.zeros_like(b)  # no gradient depends on b

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor, Tensor], g: Tensor, x: Tensor, s: Tensor, b: Tensor):
        tx, t_s, _ = ts
        r = torch.clamp(x, min=0.0)
        step = m.pick(x > 0.0, 1.0, 0.0, x)
        gx = 2.0 * (tg * s * r + g * t_s * r + g * s * step * tx)
        gs = (tg * (r * r) + 2.0 * g * r * tx).sum_to_size(s.shape)
        return gx, gs, tg.sum_to_size(b.shape)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)


# ==== SMU: a learnable smooth maximum (partials: .partials) ========================================
# ---- SMU ---------------------------------------------------------------------------------------------
SMU_ALPHA = 0.25  # the paper's (and its code's) fixed leak; mu is the learnable smoothing


_K, _H, _C = (1.0 + SMU_ALPHA) / 2.0, (1.0 - SMU_ALPHA) / 2.0, 1.0 - SMU_ALPHA


def _smu(x: Tensor, mu: Tensor) -> rules.Partials:
    r"""Partials of :math:`f = x(k + h\,\mathrm{erf}(v))`, :math:`v = \mu c x`; where
    :math:`|v| > 40` the Gaussian :math:`G = \tfrac{2}{\sqrt\pi}e^{-v^2}` is 0 and x, v are
    replaced by 0 in its products (no inf * 0)."""
    v = mu * _C * x
    big = v.abs() > m.GAUSS_UNDERFLOW
    vs, xs = torch.where(big, 0.0, v), torch.where(big, 0.0, x)
    gauss = torch.where(big, 0.0, m.TWO_OVER_SQRT_PI * torch.exp(-vs * vs))
    lin = 1.0 - vs * vs
    return rules.Partials(
        fx=_K + _H * torch.erf(v) + _H * vs * gauss,
        fw=(_H * _C * xs * xs * gauss,),
        fxx=2.0 * _H * _C * mu * gauss * lin,
        fxw=(2.0 * _H * _C * xs * gauss * lin,),
        fww=((-2.0 * _H * _C * _C * xs * xs * xs * vs * gauss,),),
    )


@register
class SMU(Parametric, function="smu"):
    r"""Smooth maximum unit: a smooth max(x, alpha x) through erf, learnable smoothing mu (alpha = 0.25).

    .. math:: f = \tfrac12\left((1 + \alpha)x + (1 - \alpha)x\,\mathrm{erf}(\mu(1 - \alpha)x)\right)
              = x(k + h\,\mathrm{erf}(v)),\ v = \mu c x,\ c = 1 - \alpha;\quad
              \partial_x f = k + h\,\mathrm{erf}(v) + h v G,\ G = \tfrac{2}{\sqrt\pi}e^{-v^2};\quad
              \partial_\mu f = h c x^2 G;\quad \partial_x^2 f = 2h\mu c\,G(1 - v^2),\quad
              \partial_x\partial_\mu f = 2hcx\,G(1 - v^2),\quad \partial_\mu^2 f = -2hc^2x^3 v G

    mu -> inf gives the leaky ReLU max(x, alpha x); the official code initialises mu to 1e6.
    """

    tensor_params = ("mu",)
    initial, channels = {"mu": "init"}, "num_parameters"
    params = {
        "num_parameters": CHANNELS,
        "init": Param(1e6, "initial smoothing mu (large: leaky ReLU)", finite, "finite", sample=(0.5, 5.0)),
    }
    formula = r"\mathrm{SMU}(x) = \frac{(1 + \alpha)x + (1 - \alpha)x\,\mathrm{erf}\left(\mu(1 - \alpha)x\right)}{2},\ \alpha = 0.25"
    reference = "Biswas et al., SMU: smooth activation function for deep networks using smoothing maximum technique (2021), arXiv:2111.04682"
    x_range = (-4.0, 4.0)
    plot_params = ({"init": 1.0}, {"init": 4.0}, {"init": 1e6})

    def forward(x: Tensor, mu: Tensor | float) -> Tensor:
        return x * (_K + _H * torch.erf(mu * _C * x))

    def vjp(g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp(g, _smu(x, mu), (mu,))

    def jvp(ts: tuple[Tensor, ...], x: Tensor, mu: Tensor) -> Tensor:
        return rules.jvp(ts, _smu(x, mu))

    def vjp2(ggs: tuple[Tensor, ...], g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp2(ggs, g, _smu(x, mu), (mu,))

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, ...], g: Tensor, x: Tensor, mu: Tensor) -> tuple[Tensor, ...]:
        return rules.vjp_jvp(tg, ts, g, _smu(x, mu), (mu,))


# ==== smoothed or compressed rectifiers (float32 in float64) =======================================
@register
class SmeLU(Elementwise, function="smelu"):
    r"""Smooth ReLU: 0 below -beta, x above beta, the quadratic (x + beta)^2 / (4 beta) between.

    .. math:: f(x) = 0\ (x \le -\beta),\quad \frac{(x + \beta)^2}{4\beta}\ (|x| \le \beta),\quad x\ (x \ge \beta);\quad
              f' = 0,\quad \frac{x + \beta}{2\beta},\quad 1;\quad f'' = 0,\quad \frac{1}{2\beta},\quad 0
    """

    params = {
        "beta": Param(
            2.0,
            "half-width of the quadratic region",
            positive,
            "> 0 and finite",
            sample=(0.5, 3.0),
        )
    }
    formula = r"\mathrm{SmeLU}(x) = \begin{cases} 0 & x \le -\beta \\ \frac{(x + \beta)^2}{4\beta} & |x| \le \beta \\ x & x \ge \beta\end{cases}"
    reference = "Shamir, Lin & Coviello, Smooth activations and reproducibility in deep networks (2020), arXiv:2010.09931; Shamir & Lin, Real world large scale recommendation systems reproducibility and smooth activations (2022), arXiv:2202.06499"
    x_range = (-4.0, 4.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})
    kink_convention = "f' is continuous; f''(+-beta) = 1/(2 beta) (the quadratic piece is closed, as the reference code's |x| <= beta)"

    def f(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        inner = torch.clamp(w, -beta, beta) + beta
        return torch.where(w >= beta, w, inner * inner / (4.0 * beta)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return ((torch.clamp(w, -beta, beta) + beta) / (2.0 * beta)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        return m.pick(x.abs() <= beta, 0.5 / beta, 0.0, x)

    @classmethod
    def kinks(cls, beta: float = 2.0) -> tuple[float, ...]:
        return (-beta, beta)


@register
class NLReLU(Elementwise, function="nlrelu"):
    r"""Natural-logarithm rectified linear unit: log(1 + beta max(0, x)).

    .. math:: f(x) = \log(1 + \beta\max(0, x)),\quad f' = \frac{\beta}{1 + \beta x}\ (x > 0),\ 0\ (x \le 0),\quad
              f'' = \frac{-\beta^2}{(1 + \beta x)^2}\ (x > 0),\ 0\ (x \le 0)
    """

    params = {"beta": Param(1.0, "scale inside the logarithm", positive, "> 0 and finite", sample=(0.5, 3.0))}
    formula = r"\mathrm{NLReLU}(x) = \log\left(1 + \beta\max(0, x)\right)"
    reference = "Liu et al., Natural-logarithm-rectified activation function in convolutional neural networks (2019), arXiv:1908.03682"
    x_range = (-2.0, 5.0)
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 3.0})
    kink_convention = "f'(0) = f''(0) = 0 (the x <= 0 branch, as ReLU); f'(NaN) = NaN"

    def f(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return torch.log1p(beta * torch.clamp(w, min=0.0)).to(x.dtype)

    def df(x: Tensor, beta: float) -> Tensor:
        w = m.in_float64(x)
        return m.keep_nan(w, torch.where(w > 0.0, beta / (1.0 + beta * torch.clamp(w, min=0.0)), 0.0)).to(x.dtype)

    def d2f(x: Tensor, beta: float) -> Tensor:
        d = 1.0 + beta * torch.clamp(x, min=0.0)
        return torch.where(x > 0.0, -(beta * beta) / (d * d), 0.0)

    @classmethod
    def kinks(cls, beta: float = 1.0) -> tuple[float, ...]:
        return (0.0,)


# ==== ISRLU: ReLU above 0, ISRU below ==============================================================
@register
class ISRLU(Elementwise, function="isrlu"):
    r"""Inverse square root linear unit: the identity for x >= 0, ISRU below (an ELU-like curve).

    .. math:: f(x) = x\ (x \ge 0),\quad \frac{x}{\sqrt{1 + \alpha x^2}}\ (x < 0);\quad
              f' = 1,\quad (1 + \alpha x^2)^{-3/2};\quad f'' = 0,\quad -3\alpha x(1 + \alpha x^2)^{-5/2}

    f, f' and f'' are continuous at 0 (the third derivative jumps), so 0 is not a kink.
    """

    params = {"alpha": ISRU_ALPHA}
    formula = r"\mathrm{ISRLU}(x) = \begin{cases} x & x \ge 0 \\ \frac{x}{\sqrt{1 + \alpha x^2}} & x < 0\end{cases}"
    reference = (
        "Carlile et al., Improving deep learning by inverse square root linear units (ISRLUs) (2017), arXiv:1710.09967"
    )
    x_range = (-5.0, 3.0)
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 3.0})

    def f(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        wn = torch.clamp(w, max=0.0)
        return torch.where(w >= 0.0, w, isru_x_over(wn, isru_root(wn, alpha), alpha)).to(x.dtype)

    def df(x: Tensor, alpha: float) -> Tensor:
        w = m.in_float64(x)
        s = isru_root(torch.clamp(w, max=0.0), alpha)
        return m.keep_nan(w, torch.where(w >= 0.0, 1.0, 1.0 / (s * s * s))).to(x.dtype)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        xn = torch.clamp(x, max=0.0)
        s = isru_root(xn, alpha)
        s2 = s * s
        return torch.where(x >= 0.0, 0.0, -3.0 * alpha * isru_x_over(xn, s, alpha) / (s2 * s2))


# ==== rectifier variants: RePU, ReLUN, BentIdentity, TLU ===========================================
def _power(v: Any) -> bool:
    return finite(v) and v >= 1.0


@register
class RePU(Elementwise, function="repu"):
    r"""Rectified power unit: ReLU raised to the power p (p = 2: ReQU, SquaredReLU).

    .. math:: f(x) = \max(0, x)^p,\quad f' = p\max(0, x)^{p - 1},\quad
              f'' = p(p - 1)\max(0, x)^{p - 2}\ (x > 0),\ 0\ (x \le 0)
    """

    params = {"p": Param(2.0, "the power", _power, ">= 1 and finite", sample=(1.5, 4.0))}
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
class ReLUN(Elementwise, function="relun"):
    r"""ReLU capped at n: min(max(0, x), n) (n = 6: ReLU6).

    .. math:: f(x) = \min(\max(0, x), n),\quad f' = [0 < x < n],\quad f'' = 0
    """

    piecewise_linear = True
    params = {"n": Param(1.0, "the cap", positive, "> 0 and finite", sample=(0.5, 6.0))}
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
class BentIdentity(Elementwise, function="bent_identity"):
    r"""Bent identity: the identity plus half of sqrt(x^2 + 1) - 1.

    .. math:: f(x) = x + \frac{\sqrt{x^2 + 1} - 1}{2} = x + \frac{x^2}{2(s + 1)},\ s = \sqrt{x^2 + 1};\quad
              f' = 1 + \frac{x}{2s},\quad f'' = \frac{1}{2s^3}
    """

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
    tie = m.pick(x == tau, 0.5, 0.0, x)
    fx = m.keep_nan(x, m.pick(x > tau, 1.0, 0.0, x) + tie)
    zero = torch.zeros_like(fx)
    return rules.Partials(
        fx=fx,
        fw=(m.keep_nan(x, m.pick(x < tau, 1.0, 0.0, x) + tie),),
        fxx=zero,
        fxw=(zero,),
        fww=((zero,),),
    )


@register
class TLU(Parametric, function="tlu"):
    r"""Thresholded linear unit: max(x, tau) with a learnable threshold tau per channel
    (the activation of Filter Response Normalization).

    .. math:: f = \max(x, \tau),\quad \partial_x f = [x > \tau],\quad \partial_\tau f = [x < \tau],\quad
              \partial_x^2 f = \partial_x\partial_\tau f = \partial_\tau^2 f = 0
    """

    tensor_params = ("tau",)
    initial, channels = {"tau": "init"}, "num_features"
    params = {
        "num_features": Param(1, "number of thresholds: 1 or the channel count", None, ">= 1"),
        "init": Param(0.0, "initial threshold tau (timm: 0)", finite, "finite", sample=(-1.0, 1.0)),
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


# ==== FReLU: max(x, T(x)), the funnel condition T computed by the module ===========================
def _share(x: Tensor, t: Tensor) -> Tensor:
    """The share of the gradient that goes to x: 1 where x > t, 1/2 on ties, 0 below (and for NaN)."""
    like = x if x.dtype == torch.promote_types(x.dtype, t.dtype) else t
    return torch.where(x > t, 1.0, m.pick(x == t, 0.5, 0.0, like)).to(like.dtype)


@register
class FReLU(Parametric, function="frelu"):
    r"""Funnel ReLU: the larger of x and its funnel condition T(x), a BatchNorm of a depthwise k x k convolution of x.

    .. math:: f(x, t) = \max(x, t),\ t = \mathrm{BN}(\mathrm{DWConv}_{k \times k}(x)),\quad
              \partial_x f = [x > t] + \tfrac12 [x = t],\quad \partial_t f = [x < t] + \tfrac12 [x = t],\quad
              \partial^2 f = 0
    """

    tensor_params = ("funnel",)
    like_input = ("funnel",)
    params = {
        "in_channels": Param(
            None, "channels C of the (N, C, H, W) input", lambda v: integer(v) and v >= 1, "an int >= 1", type=int
        ),
        "kernel_size": Param(
            3, "funnel window k (odd)", lambda v: integer(v) and v >= 1 and v % 2 == 1, "an odd int >= 1"
        ),
    }
    formula = r"\mathrm{FReLU}(x) = \max\left(x,\ \mathrm{BN}(\mathrm{DWConv}_{k \times k}(x))\right)"
    reference = "Ma, Zhang & Sun, Funnel activation for visual recognition (ECCV 2020)"
    x_range = (-3.0, 3.0)
    plot_params = ({"in_channels": 1},)
    kink_convention = (
        "on ties x = T(x) the gradient is split: 1/2 to x, 1/2 to T(x) (torch.maximum's); the plot shows T = 0"
    )

    def forward(x: Tensor, t: Tensor) -> Tensor:
        return torch.maximum(x, t)

    def vjp(g: Tensor, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        w = _share(x, t)
        return (g * w).sum_to_size(x.shape), (g * (1.0 - w)).sum_to_size(t.shape)

    def jvp(ts: tuple[Tensor, Tensor], x: Tensor, t: Tensor) -> Tensor:
        tx, tt = ts
        w = _share(x, t)
        return w * tx + (1.0 - w) * tt

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, x: Tensor, t: Tensor):
        ggx, ggt = ggs
        w = _share(x, t)
        return w * ggx + (1.0 - w) * ggt, torch.zeros_like(x), torch.zeros_like(t)

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, x: Tensor, t: Tensor):
        w = _share(x, t)
        return (tg * w).sum_to_size(x.shape), (tg * (1.0 - w)).sum_to_size(t.shape)

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)
