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

from typing import Any

from ..registry import register
from ..spec import Param, SplitGate, integer
from .gated import GELU, SiLU
from .rectifiers import ReLU

DIM = Param(-1, "dimension to split in half", integer, "an int")
APPROXIMATE = Param(
    "none",
    "'none' (exact, erf) or 'tanh'",
    lambda v: v in ("none", "tanh"),
    "'none' or 'tanh'",
    sample=("none", "tanh"),
    plot=("none", "tanh"),
)


@register
class SwiGLU(SplitGate):
    r"""SwiGLU: GLU with a SiLU (Swish-1) gate; x = [a, b] along ``dim``.

    .. math:: \mathrm{SwiGLU}(a, b) = a \otimes \mathrm{SiLU}(b) = a \otimes b\,\sigma(b),\quad
              \partial/\partial a = \mathrm{SiLU}(b),\quad \partial/\partial b = a\,\mathrm{SiLU}'(b),\quad
              \partial^2/\partial b^2 = a\,\mathrm{SiLU}''(b),\quad \partial^2/\partial a \partial b = \mathrm{SiLU}'(b)
    """

    function, family = "swiglu", "gated"
    gate = SiLU
    params = {"dim": DIM}
    formula = r"\mathrm{SwiGLU}(a, b) = a \otimes b\,\sigma(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"


@register
class GeGLU(SplitGate):
    r"""GeGLU: GLU with a GELU gate (exact, or the tanh approximation); x = [a, b] along ``dim``.

    .. math:: \mathrm{GeGLU}(a, b) = a \otimes \mathrm{GELU}(b) = a \otimes b\,\Phi(b),\quad
              \partial/\partial a = \mathrm{GELU}(b),\quad \partial/\partial b = a\,\mathrm{GELU}'(b),\quad
              \partial^2/\partial b^2 = a\,\mathrm{GELU}''(b),\quad \partial^2/\partial a \partial b = \mathrm{GELU}'(b)
    """

    function, family = "geglu", "gated"
    gate = GELU
    params = {"dim": DIM, "approximate": APPROXIMATE}
    formula = r"\mathrm{GeGLU}(a, b) = a \otimes b\,\Phi(b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    plot_params = ({"approximate": "none"}, {"approximate": "tanh"})


@register
class ReGLU(SplitGate):
    r"""ReGLU: GLU with a ReLU gate; x = [a, b] along ``dim`` (relu'(0) = 0).

    .. math:: \mathrm{ReGLU}(a, b) = a \otimes \max(0, b),\quad
              \partial/\partial a = \max(0, b),\quad \partial/\partial b = a\,[b > 0],\quad
              \partial^2/\partial b^2 = 0,\quad \partial^2/\partial a \partial b = [b > 0]
    """

    function, family = "reglu", "gated"
    gate = ReLU
    params = {"dim": DIM}
    formula = r"\mathrm{ReGLU}(a, b) = a \otimes \max(0, b)"
    reference = "Shazeer, GLU variants improve transformer (2020), arXiv:2002.05202"
    kink_convention = "d/db at b = 0 is 0 (relu'(0) = 0, torch)"

    @classmethod
    def kinks(cls, **_: Any) -> tuple[float, ...]:
        return (0.0,)
