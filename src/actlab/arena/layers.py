"""Which activations can be a hidden activation, and how each becomes a layer.

* Elementwise, random and parametric kinds act per unit; parametric kinds with a per-unit size
  parameter (PReLU's ``num_parameters``, Snake's ``in_features``) get one value per unit (per
  channel, dim 1, in a CNN).
* Gated kinds (GLU, SwiGLU, GeGLU, ReGLU) halve the features, x = [a, b] -> a * gate(b): the layer
  before them is twice as wide (MLP/CNN tasks) or the hidden width shrinks to keep the parameter
  count (the language model). :class:`GateProduct` composes the product from the gate's own actlab
  module (the declaration's ``forward``: ``a * gate.f(b)``), so every derivative is the gate's
  hand-derived f', f''.
* The softmax family acts across features and is not a hidden activation.

A parameter without a torch default (Threshold's) takes the declaration's first plotted value.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import torch
from torch import Tensor, nn

from ..kinds import Activation, Elementwise, Parametric, SplitGate, VectorMap
from ..registry import declaration, declarations

HIDDEN_KINDS = (Elementwise, Parametric, SplitGate, VectorMap)  # per feature, or along dim 1 (vector maps)
WIDTH_PARAMS = ("num_parameters", "in_features", "num_features", "in_channels")  # one value per unit
LAYOUT_PARAMS = ("dim",)  # where a gate splits: fixed by the arena (dim 1), not a setting to report


def eligible(decl: type[Activation]) -> str | None:
    """None if ``decl`` can be a hidden activation, else the reason it cannot."""
    if not issubclass(decl, HIDDEN_KINDS) or not getattr(decl, "hidden", True):
        return f"{decl.name} is a {decl.kind_label} (acts across features), not a hidden activation"
    if decl.module_class is None and not decl.user_defined:
        from .. import nn as anm

        getattr(anm, decl.name, None)  # an extra's generic module class is built on first use
    if decl.module_class is None:
        return f"{decl.name} has no module class"
    missing = [k for k, v in hidden_params(decl).items() if v is None and k not in WIDTH_PARAMS]
    if missing:
        return f"{decl.name} needs {', '.join(missing)} (no default, no plot value)"
    return None


def default_names() -> list[str]:
    """Every registered activation that can be a hidden activation, in registration order."""
    return [d.name for d in declarations() if eligible(d) is None]


def resolve(names: Sequence[str]) -> list[type[Activation]]:
    """Declarations for ``names`` (a clear error for unknown or ineligible ones)."""
    decls = []
    for n in names:
        try:
            d = declaration(n)
        except KeyError:
            raise ValueError(f"unknown activation {n!r}; see `actlab list`") from None
        why = eligible(d)
        if why is not None:
            raise ValueError(why)
        decls.append(d)
    return decls


def hidden_params(decl: type[Activation]) -> dict[str, Any]:
    """torch's defaults; a parameter without one (Threshold's) takes the first plotted value."""
    first_plot = decl.plot_params[0] if decl.plot_params else {}
    return {k: p.default if p.default is not None else first_plot.get(k) for k, p in decl.params.items()}


def reported_params(decl: type[Activation]) -> dict[str, Any]:
    """The constructor parameters a record states (width and layout parameters left out)."""
    return {k: v for k, v in hidden_params(decl).items() if k not in WIDTH_PARAMS + LAYOUT_PARAMS}


def is_gated(decl: type[Activation]) -> bool:
    return issubclass(decl, SplitGate)


class GateProduct(nn.Module):
    r"""x = [a, b] halves along dim 1, out = a * gate(b) with the gate's actlab module:
    :math:`\partial_a = \mathrm{gate}(b)`, :math:`\partial_b = a\,\mathrm{gate}'(b)`."""

    def __init__(self, decl: type[SplitGate]) -> None:
        super().__init__()
        gate_params = {k: v for k, v in hidden_params(decl).items() if k not in LAYOUT_PARAMS}
        self.name = decl.name
        self.gate = decl.gate.module_class(**gate_params)

    def forward(self, x: Tensor) -> Tensor:
        a, b = SplitGate.split(x, 1)
        return a * self.gate(b)

    def extra_repr(self) -> str:
        return self.name


def hidden_activation(decl: type[Activation], width: int) -> tuple[nn.Module, Fraction]:
    """The activation module for ``width`` output units and the factor by which the preceding
    layer must widen its output (2 for gated kinds, which halve the features; vector maps by
    their ``out_size``: Maxout's pieces, 1/2 for CReLU, which doubles them)."""
    if is_gated(decl):
        return GateProduct(decl), Fraction(2)  # type: ignore[arg-type]
    params = hidden_params(decl)
    if issubclass(decl, Parametric):
        params.update({k: width for k in params if k in WIDTH_PARAMS})
    module = decl.module_class(**params)  # type: ignore[misc]
    if issubclass(decl, VectorMap):
        shape = {k: v for k, v in params.items() if k != "dim"}
        return module, Fraction(width, decl.out_size(width, **shape))
    return module, Fraction(1)


def build_mlp(decl: type[Activation], n_in: int, n_out: int, hidden: Sequence[int], seed: int) -> nn.Sequential:
    """MLP with ``decl`` after every hidden linear layer. The linear layers are drawn from ``seed``
    before any activation is built, so every (non-gated) activation starts from the same weights."""
    acts = [hidden_activation(decl, h) for h in hidden]
    torch.manual_seed(seed)
    linears, width = [], n_in
    for h, (_, factor) in zip(hidden, acts):
        linears.append(nn.Linear(width, int(h * factor)))
        width = h
    layers: list[nn.Module] = []
    for lin, (act, _) in zip(linears, acts):
        layers += [lin, act]
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def build_cnn(decl: type[Activation], n_out: int, channels: Sequence[int], seed: int) -> nn.Sequential:
    """CNN on 1x8x8 images: per entry of ``channels`` a 3x3 convolution (padding 1), the
    activation and a 2x2 max-pool; then a linear layer. Weights drawn from ``seed`` first."""
    acts = [hidden_activation(decl, c) for c in channels]
    torch.manual_seed(seed)
    convs, width = [], 1
    for c, (_, factor) in zip(channels, acts):
        convs.append(nn.Conv2d(width, int(c * factor), 3, padding=1))
        width = c
    side = 8 // 2 ** len(channels)
    if side < 1:
        raise ValueError(f"{len(channels)} pooling stages do not fit an 8x8 image")
    head = nn.Linear(width * side * side, n_out)
    layers: list[nn.Module] = [nn.Unflatten(1, (1, 8, 8))]
    for conv, (act, _) in zip(convs, acts):
        layers += [conv, act, nn.MaxPool2d(2)]
    layers += [nn.Flatten(), head]
    return nn.Sequential(*layers)
