"""Exponential family: ELU, CELU, SELU, Softplus."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import _math as m
from ..registry import register
from ..spec import Elementwise, Param, finite, nonzero

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _neg(x: Tensor) -> Tensor:
    """min(x, 0): the only values the exponential branch ever sees (double-where)."""
    return torch.clamp(x, max=0.0)


@register
class ELU(Elementwise):
    r"""Exponential linear unit.

    .. math:: f(x) = x \text{ if } x > 0 \text{ else } \alpha(e^x - 1),\quad
              f' = 1 \text{ or } \alpha e^x,\quad f'' = 0 \text{ or } \alpha e^x
    """

    function, torch_name, family = "elu", "ELU", "exponential"
    params = {
        "alpha": Param(
            1.0,
            "saturation value for x -> -inf",
            finite,
            "finite",
            sample=(0.1, 2.0),
            plot=(0.5, 1.0, 2.0),
        )
    }
    inplace = True
    formula = r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0\end{cases}"
    reference = "Clevert, Unterthiner & Hochreiter, Fast and accurate deep network learning by ELUs (2015)"
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0})
    kink_convention = "f'(0) = alpha (the x <= 0 branch) but f''(0) = 0, as torch"

    def f(x: Tensor, alpha: float) -> Tensor:
        return torch.where(x > 0.0, x, alpha * torch.expm1(_neg(x)))

    def df(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x <= 0.0, alpha * torch.exp(_neg(x)), 1.0, x)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x < 0.0, alpha * torch.exp(_neg(x)), 0.0, x)

    def df_y(y: Tensor, alpha: float) -> Tensor:  # alpha e^x = y + alpha on x <= 0
        return m.pick(y <= 0.0, y + alpha, 1.0, y)

    def d2f_y(y: Tensor, alpha: float) -> Tensor:
        return m.pick(y < 0.0, 1.0, 0.0, y)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, alpha: float = 1.0, **_: Any) -> bool:
        return alpha >= 0  # y <= 0 exactly where x <= 0

    @classmethod
    def kinks(cls, alpha: float = 1.0) -> tuple[float, ...]:
        return (0.0,)


@register
class CELU(Elementwise):
    r"""Continuously differentiable ELU.

    .. math:: f(x) = \max(0,x) + \min(0, \alpha(e^{x/\alpha} - 1)),\quad
              f' = 1 \text{ or } e^{x/\alpha},\quad f'' = 0 \text{ or } e^{x/\alpha}/\alpha
    """

    function, torch_name, family = "celu", "CELU", "exponential"
    params = {
        "alpha": Param(
            1.0,
            "saturation value",
            nonzero,
            "non-zero and finite",
            sample=(0.2, 2.0),
            plot=(0.5, 1.0, 2.0),
        )
    }
    inplace = True
    formula = r"\mathrm{CELU}(x) = \max(0, x) + \min\left(0, \alpha \left(e^{x/\alpha} - 1\right)\right)"
    reference = "Barron, Continuously differentiable exponential linear units (2017)"
    plot_params = ({"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0})
    kink_convention = "f'(0) = 1, f''(0) = 0 (torch)"

    def f(x: Tensor, alpha: float) -> Tensor:
        return torch.where(x > 0.0, x, alpha * torch.expm1(_neg(x) / alpha))

    def df(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x <= 0.0, torch.exp(_neg(x) / alpha), 1.0, x)

    def d2f(x: Tensor, alpha: float) -> Tensor:
        return m.pick(x < 0.0, torch.exp(_neg(x) / alpha) / alpha, 0.0, x)

    def df_y(y: Tensor, alpha: float) -> Tensor:  # e^{x/alpha} = y / alpha + 1
        return m.pick(y <= 0.0, y / alpha + 1.0, 1.0, y)

    def d2f_y(y: Tensor, alpha: float) -> Tensor:
        return m.pick(y < 0.0, 1.0 / alpha, 0.0, y)

    @classmethod
    def output_ok(cls, dtype: torch.dtype, alpha: float = 1.0, **_: Any) -> bool:
        return alpha > 0  # y <= 0 exactly where x <= 0

    @classmethod
    def kinks(cls, alpha: float = 1.0) -> tuple[float, ...]:
        return (0.0,)


@register
class SELU(Elementwise):
    r"""Scaled ELU with the self-normalising constants of Klambauer et al.

    .. math:: f(x) = \lambda\,(x \text{ if } x > 0 \text{ else } \alpha(e^x - 1)),\quad
              \alpha \approx 1.6733,\ \lambda \approx 1.0507,\quad
              f' = \lambda \text{ or } \lambda\alpha e^x,\quad f'' = 0 \text{ or } \lambda\alpha e^x
    """

    function, torch_name, family = "selu", "SELU", "exponential"
    inplace = True
    formula = r"\mathrm{SELU}(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0\end{cases},\ \alpha \approx 1.6733,\ \lambda \approx 1.0507"
    reference = "Klambauer et al., Self-normalizing neural networks (2017)"
    kink_convention = "f'(0) = lambda * alpha (the x <= 0 branch), f''(0) = 0 (torch)"

    def f(x: Tensor) -> Tensor:
        return torch.where(x > 0.0, SELU_SCALE * x, (SELU_SCALE * SELU_ALPHA) * torch.expm1(_neg(x)))

    def df(x: Tensor) -> Tensor:
        return m.pick(x <= 0.0, (SELU_SCALE * SELU_ALPHA) * torch.exp(_neg(x)), SELU_SCALE, x)

    def d2f(x: Tensor) -> Tensor:
        return m.pick(x < 0.0, (SELU_SCALE * SELU_ALPHA) * torch.exp(_neg(x)), 0.0, x)

    def df_y(y: Tensor) -> Tensor:
        return m.pick(y <= 0.0, y + SELU_SCALE * SELU_ALPHA, SELU_SCALE, y)

    def d2f_y(y: Tensor) -> Tensor:
        return m.pick(y < 0.0, 1.0, 0.0, y)

    @classmethod
    def kinks(cls) -> tuple[float, ...]:
        return (0.0,)


@register
class Softplus(Elementwise):
    r"""Softplus, linear above ``threshold / beta`` as in torch; never overflows.

    .. math:: f(x) = \tfrac{1}{\beta}\log(1 + e^{\beta x}),\quad f' = \sigma(\beta x),\quad
              f'' = \beta\,\sigma'(\beta x)
    """

    function, torch_name, family = "softplus", "Softplus", "exponential"
    params = {
        "beta": Param(
            1.0,
            "sharpness",
            nonzero,
            "non-zero and finite",
            sample=(0.5, 3.0),
            plot=(0.5, 1.0, 2.0),
        ),
        "threshold": Param(
            20.0,
            "beta * x above which the function is linear",
            finite,
            "finite",
            sample=(5.0, 30.0),
        ),
    }
    formula = r"\mathrm{Softplus}(x) = \frac{1}{\beta} \log\left(1 + e^{\beta x}\right)"
    reference = "Dugas et al., Incorporating second-order functional knowledge for better option pricing (2001)"
    plot_params = ({"beta": 0.5}, {"beta": 1.0}, {"beta": 2.0})
    kink_convention = "linear (f' = 1, f'' = 0) where beta * x > threshold; at beta * x = threshold f' = sigma(threshold) but f'' = 0, as torch"

    def f(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return torch.where(z > threshold, x, m.softplus(z) / beta)

    def df(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return m.pick(z > threshold, 1.0, m.sigmoid(z), x)

    def d2f(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return m.pick(z >= threshold, 0.0, beta * m.sigmoid_prime(z), x)  # torch: f''(threshold) = 0

    @classmethod
    def kinks(cls, beta: float = 1.0, threshold: float = 20.0) -> tuple[float, ...]:
        """f jumps by softplus(threshold) - threshold (~2e-9 at 20) where the linear branch starts."""
        return (threshold / beta,)
