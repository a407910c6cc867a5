r"""GLU variants over a split input (Shazeer 2020): SwiGLU, GeGLU, ReGLU.

Convention (as torch.nn.GLU and timm's ``GluMlp`` with its default ``gate_last=True``): the
input is split in halves x = [a, b] along ``dim`` and the *second* half is the gate,

.. math:: \mathrm{out} = a \otimes \mathrm{act}(b).

Shazeer's :math:`\mathrm{FFN}_{SwiGLU}(x) = (\mathrm{Swish}(xW) \otimes xV)W_2` and Liger-Kernel's
``silu(gate) * up`` are the same product with two projections: put :math:`xV` (up) in the first
half and :math:`xW` (gate) in the second (see :class:`actlab.nn.GatedMLP`).

The gate's f, f', f'' are the SiLU, GELU and ReLU declarations' own, so conventions at kinks
(relu'(0) = 0) and the accurate tails carry over. Backward saves only the input.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from ..errors import ParameterError, ShapeError
from ..registry import register
from ..spec import Activation, Param
from .gated import GELU, SiLU
from .rectifiers import ReLU

DIM = Param(-1, "dimension to split in half", lambda v: isinstance(v, int) and not isinstance(v, bool), "an int")
APPROXIMATE = Param(
    "none",
    "'none' (exact, erf) or 'tanh'",
    lambda v: v in ("none", "tanh"),
    "'none' or 'tanh'",
    sample=("none", "tanh"),
    plot=("none", "tanh"),
)


def split_halves(x: Tensor, dim: int, name: str) -> tuple[Tensor, Tensor]:
    """The halves a, b of ``x`` along ``dim`` (a clear error for scalars and odd sizes)."""
    if x.dim() == 0:
        raise ShapeError(f"{name} does not support scalars because halving size must be even")
    n = x.size(dim)
    if n % 2:
        raise ShapeError(f"{name}: halving dimension must be even, but dimension {dim} is size {n}")
    return x.narrow(dim, 0, n // 2), x.narrow(dim, n // 2, n // 2)


class GatedLinearUnit(Activation):
    r"""Base of the GLU variants: :math:`a \otimes \mathrm{act}(b)` with ``gate`` the act.

    .. math:: \partial/\partial a = \mathrm{act}(b),\quad \partial/\partial b = a\,\mathrm{act}'(b)
    """

    kind = "gated"
    family = "gated"
    gate: ClassVar[type[Activation]]

    @classmethod
    def forward(cls, x: Tensor, dim: int, **p: Any) -> tuple[Tensor, tuple[Tensor, ...]]:
        a, b = split_halves(x, dim, cls.function)
        return a * cls.gate.f(b, **p), (x,)

    @classmethod
    def vjp(cls, g: Tensor, x: Tensor, dim: int, **p: Any) -> tuple[Tensor]:
        a, b = split_halves(x, dim, cls.function)
        return (torch.cat([g * cls.gate.f(b, **p), g * a * cls.gate.df(b, **p)], dim),)

    @classmethod
    def vjp2(cls, ggs: tuple[Tensor], g: Tensor, x: Tensor, needs: tuple[bool, ...], dim: int, **p: Any):
        """Derivatives of <gg, [g act(b), g a act'(b)]> with respect to g and x = [a, b]."""
        a, b = split_halves(x, dim, cls.function)
        gga, ggb = split_halves(ggs[0], dim, cls.function)
        act, dact = cls.gate.f(b, **p), cls.gate.df(b, **p)
        grad_g = gga * act + ggb * a * dact if needs[0] else None
        grad_x = None
        if needs[1]:
            grad_x = torch.cat([ggb * g * dact, gga * g * dact + ggb * g * a * cls.gate.d2f(b, **p)], dim)
        return grad_g, grad_x


@register
class SwiGLU(GatedLinearUnit):
    r"""SwiGLU: GLU with a SiLU (Swish-1) gate; x = [a, b] along ``dim``.

    .. math:: \mathrm{SwiGLU}(a, b) = a \otimes \mathrm{SiLU}(b) = a \otimes b\,\sigma(b)
    """

    function = "swiglu"
    gate = SiLU
    params = {"dim": DIM}
    formula = r"\mathrm{SwiGLU}(a, b) = a \otimes b\,\sigma(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"


@register
class GeGLU(GatedLinearUnit):
    r"""GeGLU: GLU with a GELU gate (exact, or the tanh approximation); x = [a, b] along ``dim``.

    .. math:: \mathrm{GeGLU}(a, b) = a \otimes \mathrm{GELU}(b) = a \otimes b\,\Phi(b)
    """

    function = "geglu"
    gate = GELU
    params = {"dim": DIM, "approximate": APPROXIMATE}
    formula = r"\mathrm{GeGLU}(a, b) = a \otimes b\,\Phi(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    plot_params = ({"approximate": "none"}, {"approximate": "tanh"})

    @classmethod
    def validate(cls, **p: Any) -> None:
        super().validate(**p)
        a = p.get("approximate", "none")
        if a not in ("none", "tanh"):
            raise ParameterError(f"approximate argument must be either none or tanh, got {a!r}")


@register
class ReGLU(GatedLinearUnit):
    r"""ReGLU: GLU with a ReLU gate; x = [a, b] along ``dim`` (relu'(0) = 0).

    .. math:: \mathrm{ReGLU}(a, b) = a \otimes \max(0, b)
    """

    function = "reglu"
    gate = ReLU
    params = {"dim": DIM}
    formula = r"\mathrm{ReGLU}(a, b) = a \otimes \max(0, b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    kink_convention = "d/db at b = 0 is 0 (relu'(0) = 0, torch)"

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)
