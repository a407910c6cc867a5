r"""The gated feed-forward block of modern transformers (LLaMA, PaLM, T5 v1.1 ...).

.. math:: \mathrm{GatedMLP}(x) = \left(xV \otimes \mathrm{act}(xW)\right) W_2

Shazeer (2020): :math:`\mathrm{FFN}_{SwiGLU}(x) = (\mathrm{Swish}(xW) \otimes xV)W_2`; Liger-Kernel /
Hugging Face LLaMA: ``down(silu(gate(x)) * up(x))``. Here ``fc1`` holds [up; gate] stacked
(up = V in rows 0..hidden-1, gate = W in rows hidden..2 hidden-1), so one matmul feeds
:func:`actlab.functional.swiglu` (second half gated) and its hand-derived backward.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .. import functional as F

GATES = {  # activation name -> gated function of the split [up, gate]
    "silu": lambda x: F.swiglu(x),
    "swish": lambda x: F.swiglu(x),
    "gelu": lambda x: F.geglu(x),
    "gelu_tanh": lambda x: F.geglu(x, approximate="tanh"),
    "relu": lambda x: F.reglu(x),
    "sigmoid": lambda x: F.glu(x),
}


class GatedMLP(nn.Module):
    r"""Gated MLP: ``fc2(up(x) * act(gate(x)))`` with ``fc1 = [up; gate]``, bias-free by default.

    Args:
        in_features: size of each input sample.
        hidden_features: width of the gated hidden layer.
        out_features: size of each output sample (default: ``in_features``).
        activation: the gate: ``"silu"`` (SwiGLU, also ``"swish"``), ``"gelu"`` (GeGLU),
            ``"gelu_tanh"``, ``"relu"`` (ReGLU) or ``"sigmoid"`` (GLU).
        bias: add biases to both projections (LLaMA: no).

    Shape: input (*, in_features), output (*, out_features).
    """

    def __init__(
        self,
        in_features: int,
        hidden_features: int,
        out_features: int | None = None,
        activation: str = "silu",
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if activation not in GATES:
            raise ValueError(f"GatedMLP: activation must be one of {', '.join(GATES)}, got {activation!r}")
        for name, v in (("in_features", in_features), ("hidden_features", hidden_features)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"GatedMLP: {name} must be a positive int, got {v!r}")
        out_features = in_features if out_features is None else out_features
        kw = {"device": device, "dtype": dtype}
        self.in_features, self.hidden_features, self.out_features = in_features, hidden_features, out_features
        self.activation = activation
        self.fc1 = nn.Linear(in_features, 2 * hidden_features, bias=bias, **kw)
        self.fc2 = nn.Linear(hidden_features, out_features, bias=bias, **kw)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(GATES[self.activation](self.fc1(x)))

    @torch.no_grad()
    def load_projections(self, gate: Tensor, up: Tensor, down: Tensor) -> GatedMLP:
        """Copy LLaMA-style weights (``gate_proj``, ``up_proj``, ``down_proj``: (out, in) matrices)."""
        h = self.hidden_features
        if gate.shape != (h, self.in_features) or up.shape != gate.shape or down.shape != (self.out_features, h):
            raise ValueError(
                f"GatedMLP.load_projections: expected gate/up {(h, self.in_features)} and down "
                f"{(self.out_features, h)}, got {tuple(gate.shape)}, {tuple(up.shape)}, {tuple(down.shape)}"
            )
        self.fc1.weight.copy_(torch.cat([up, gate], 0))
        self.fc2.weight.copy_(down)
        return self

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, hidden_features={self.hidden_features}, "
            f"out_features={self.out_features}, activation={self.activation!r}, bias={self.fc1.bias is not None}"
        )
