"""Sigmoid-shaped activations: Sigmoid, Tanh, Softsign, Hardsigmoid, Hardtanh, LogSigmoid."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..errors import ParameterAssertionError, ParameterError
from ..registry import register
from ..spec import Elementwise, Param, finite


@register
class Sigmoid(Elementwise):
    r"""Logistic sigmoid.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}},\quad \sigma' = \sigma(x)\sigma(-x),\quad
              \sigma'' = -\sigma'(x)\tanh(x/2)
    """

    function, torch_name, family = "sigmoid", "Sigmoid", "sigmoidal"
    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    reference = "Rumelhart, Hinton & Williams, Learning representations by back-propagating errors (1986)"
    x_range = (-8.0, 8.0)

    def f(x: Tensor) -> Tensor:
        return m.sigmoid(x)

    def df(x: Tensor) -> Tensor:
        return m.sigmoid_prime(x)

    def d2f(x: Tensor) -> Tensor:
        return -m.sigmoid_prime(x) * m.tanh(0.5 * x)


@register
class Tanh(Elementwise):
    r"""Hyperbolic tangent.

    .. math:: \tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}},\quad \tanh' = \operatorname{sech}^2 x,
              \quad \tanh'' = -2\tanh x\,\operatorname{sech}^2 x
    """

    function, torch_name, family = "tanh", "Tanh", "sigmoidal"
    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"
    reference = "LeCun et al., Efficient BackProp (1998)"
    x_range = (-4.0, 4.0)

    def f(x: Tensor) -> Tensor:  # float32 via float64: <= 0.5 ulp as torch (docs/accuracy.md)
        return m.tanh(m.in_float64(x)).to(x.dtype)

    def df(x: Tensor) -> Tensor:
        return m.sech2(x)

    def d2f(x: Tensor) -> Tensor:
        return -2.0 * m.tanh(x) * m.sech2(x)


@register
class Softsign(Elementwise):
    r"""Softsign.

    .. math:: f(x) = \frac{x}{1 + |x|},\quad f' = \frac{1}{(1+|x|)^2},\quad
              f'' = \frac{-2\operatorname{sign}(x)}{(1+|x|)^3}
    """

    function, torch_name, family = "softsign", "Softsign", "sigmoidal"
    integer_to_float = True  # torch computes integer inputs in the default float dtype
    formula = r"\mathrm{Softsign}(x) = \frac{x}{1 + |x|}"
    reference = "Bergstra et al., Quadratic polynomials learn better image features (2009)"
    x_range = (-8.0, 8.0)
    kink_convention = "f''(0) = 0 (sign(0) = 0, as autograd of |x| in torch)"

    def f(x: Tensor) -> Tensor:  # f(+-inf) = +-1, the limit (torch returns NaN there)
        return torch.where(x.abs() == float("inf"), torch.sign(x), x / (1.0 + x.abs()))

    def df(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return 1.0 / (d * d)

    def d2f(x: Tensor) -> Tensor:
        d = 1.0 + x.abs()
        return -2.0 * torch.sign(x) / (d * d * d)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class Hardsigmoid(Elementwise):
    r"""Piecewise-linear sigmoid (MobileNetV3).

    .. math:: f(x) = \min(\max(x + 3, 0), 6) / 6,\quad f' = 1/6 \text{ on } (-3, 3),\ 0 \text{ else},\quad f'' = 0
    """

    function, torch_name, family = "hardsigmoid", "Hardsigmoid", "sigmoidal"
    piecewise_linear = True
    inplace = True
    repr_inplace = False  # torch's repr omits inplace=True here
    formula = r"\mathrm{Hardsigmoid}(x) = \begin{cases} 0 & x \le -3 \\ 1 & x \ge 3 \\ x/6 + 1/2 & \text{otherwise}\end{cases}"
    reference = "Howard et al., Searching for MobileNetV3 (2019)"
    kink_convention = "f'(-3) = f'(3) = 0 (torch); f'' = 0 everywhere"

    def f(x: Tensor) -> Tensor:
        return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0

    def df(x: Tensor) -> Tensor:
        return m.pick((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0, x)

    def d2f(x: Tensor) -> Tensor:
        return torch.zeros_like(x)

    df_y = staticmethod(lambda y: m.pick((y > 0.0) & (y < 1.0), 1.0 / 6.0, 0.0, y))
    d2f_y = staticmethod(lambda y: torch.zeros_like(y))

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (-3.0, 3.0)


@register
class Hardtanh(Elementwise):
    r"""Hard tanh: clamp to [min_val, max_val].

    .. math:: f(x) = \min(\max(x, a), b),\quad f' = 1 \text{ on } (a, b),\ 0 \text{ else},\quad f'' = 0
    """

    function, torch_name, family = "hardtanh", "Hardtanh", "sigmoidal"
    piecewise_linear = True
    integer_inputs = True
    params = {
        "min_val": Param(-1.0, "lower end of the linear region", finite, "finite", sample=(-3.0, -0.1)),
        "max_val": Param(1.0, "upper end of the linear region", finite, "finite", sample=(0.1, 3.0)),
    }
    inplace = True
    formula = r"\mathrm{Hardtanh}(x) = \min(\max(x, \mathrm{min\_val}), \mathrm{max\_val})"
    reference = "Collobert, Large scale machine learning (PhD thesis, 2004)"
    plot_params = ({}, {"min_val": -2.0, "max_val": 2.0})
    kink_convention = "f'(min_val) = f'(max_val) = 0 (torch); f'(NaN) = 1 as torch"

    def f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.clamp(x, min_val, max_val)

    def df(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return m.pick((x <= min_val) | (x >= max_val), 0.0, 1.0, x)

    def d2f(x: Tensor, min_val: float, max_val: float) -> Tensor:
        return torch.zeros_like(x)

    df_y = df
    d2f_y = d2f

    @classmethod
    def kinks(cls, min_val: float = -1.0, max_val: float = 1.0) -> tuple[float, ...]:
        return (min_val, max_val)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, min_val: float = -1.0, max_val: float = 1.0, **_: object) -> bool:
        """f' from y needs y to land exactly on a bound: a bound that rounds differently in a half
        dtype (y is stored rounded, compared in float32) would mark clamped entries as inside."""
        if dtype not in (torch.float16, torch.bfloat16):
            return True
        b = torch.tensor([min_val, max_val], dtype=torch.float32)
        return bool((b.to(dtype).float() == b).all())

    @classmethod
    def validate_init(cls, min_val: float, max_val: float, **_: object) -> None:
        if max_val <= min_val:
            raise ParameterAssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    @classmethod
    def relations(cls, **p: Any) -> None:
        """F.hardtanh accepts min_val == max_val (the module does not) but not min_val > max_val."""
        if p.get("min_val", -1.0) > p.get("max_val", 1.0):
            raise ParameterError("min_val cannot be greater than max_val")


@register
class LogSigmoid(Elementwise):
    r"""Log of the sigmoid, computed without overflow.

    .. math:: f(x) = \log\sigma(x) = \min(x,0) - \log(1 + e^{-|x|}),\quad f' = \sigma(-x),\quad
              f'' = -\sigma'(x)
    """

    function, torch_name, family = "logsigmoid", "LogSigmoid", "sigmoidal"
    formula = r"\mathrm{LogSigmoid}(x) = \log\frac{1}{1 + e^{-x}}"
    reference = "numerically stable log-sum-exp form"
    x_range = (-8.0, 4.0)

    def f(x: Tensor) -> Tensor:
        return m.log_sigmoid(x)

    def df(x: Tensor) -> Tensor:
        return m.sigmoid(-x)

    def d2f(x: Tensor) -> Tensor:
        return -m.sigmoid_prime(x)
