"""Rectifiers: Threshold, ReLU, ReLU6, LeakyReLU, PReLU, RReLU."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterError
from ..registry import register
from ..spec import Elementwise, Param, Parametric, Random, finite

REQUIRED = Param(None)  # placeholder default for torch's required arguments (see Threshold)


@register
class Threshold(Elementwise):
    r"""Threshold: keep x above the threshold, replace the rest by ``value``.

    .. math:: f(x) = x \text{ if } x > \theta \text{ else } v,\quad f' = [x > \theta],\quad f'' = 0
    """

    function, torch_name, family = "threshold", "Threshold", "rectifier"
    piecewise_linear = True
    params = {
        "threshold": Param(None, "the threshold", finite, "finite", sample=(-2.0, 2.0), plot=(1.0,), type=float),
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
class ReLU(Elementwise):
    r"""Rectified linear unit.

    .. math:: f(x) = \max(0, x),\quad f'(x) = [x > 0]\ (f'(0) = 0),\quad f'' = 0
    """

    function, torch_name, family = "relu", "ReLU", "rectifier"
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
class ReLU6(Elementwise):
    r"""ReLU capped at 6 (MobileNet): ``Hardtanh(0, 6)``.

    .. math:: f(x) = \min(\max(0, x), 6),\quad f' = [0 < x < 6],\quad f'' = 0
    """

    function, torch_name, family = "relu6", "ReLU6", "rectifier"
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
class LeakyReLU(Elementwise):
    r"""Leaky ReLU.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } s x,\quad f'(x) = 1 \text{ if } x > 0
              \text{ else } s\ (f'(0) = s),\quad f'' = 0
    """

    function, torch_name, family = "leaky_relu", "LeakyReLU", "rectifier"
    piecewise_linear = True
    params = {
        "negative_slope": Param(0.01, "slope for x < 0", finite, "finite", sample=(0.0, 0.5), plot=(0.01, 0.1, 0.3)),
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
class PReLU(Parametric):
    r"""Parametric ReLU with a learnable slope per channel (dim 1) or one shared slope.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } a x,\quad
              \partial f/\partial x = 1 \text{ or } a,\quad \partial f/\partial a = \min(x, 0),\quad
              \partial^2 f/\partial x^2 = 0,\quad \partial^2 f/\partial x \partial a = [x \leq 0]
    """

    function, torch_name, family = "prelu", "PReLU", "rectifier"
    tensor_params = ("weight",)
    initial, channels = {"weight": "init"}, "num_parameters"
    params = {
        "num_parameters": Param(1, "number of slopes: 1 or the channel count", None, ">= 1"),
        "init": Param(0.25, "initial slope", finite, "finite", sample=(0.0, 0.5), plot=(0.25,)),
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
class RReLU(Random):
    r"""Randomized leaky ReLU: in training each x <= 0 gets its own slope from
    U(lower, upper); in evaluation the slope is (lower + upper) / 2.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } a x,\quad a \sim U(l, u),\quad
              f' = 1 \text{ or } a,\quad f'' = 0\quad (\text{evaluation: } a = (l + u)/2)
    """

    function, torch_name, family = "rrelu", "RReLU", "rectifier"
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
