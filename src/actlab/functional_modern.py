r"""Functional forms of the non-elementwise modern activations (the elementwise ones, e.g.
``quick_gelu``, are generated in :mod:`actlab.functional` like torch's).

* GLU variants over a split input x = [a, b] (second half gated, as ``torch.nn.functional.glu``):
  ``swiglu`` :math:`a \otimes \mathrm{SiLU}(b)`, ``geglu`` :math:`a \otimes \mathrm{GELU}(b)`,
  ``reglu`` :math:`a \otimes \max(0, b)`.
* sparse normalisers: ``sparsemax``, ``entmax15``.
* learnable: ``star_relu(input, scale, bias)``, ``snake(input, alpha)``; each tensor holds one
  value or one per channel (dim 1), as ``prelu``'s weight.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from . import engine
from .errors import ShapeError
from .registry import spec

__all__ = ["swiglu", "geglu", "reglu", "sparsemax", "entmax15", "star_relu", "snake"]


def _apply(name: str, input: Tensor, *args: Any) -> Tensor:
    decl = spec(name)
    engine.check_input(input, decl.function)
    decl.validate(**dict(zip(decl.params, args)))  # dim an int, approximate 'none' or 'tanh'
    return engine.functions(decl).default.apply(input, *args)


def swiglu(input: Tensor, dim: int = -1) -> Tensor:
    r"""SwiGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes b\,\sigma(b)`."""
    return _apply("SwiGLU", input, dim)


def geglu(input: Tensor, dim: int = -1, approximate: str = "none") -> Tensor:
    r"""GeGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \mathrm{GELU}(b)`
    (``approximate="tanh"``: the tanh form of GELU)."""
    return _apply("GeGLU", input, dim, approximate)


def reglu(input: Tensor, dim: int = -1) -> Tensor:
    r"""ReGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \max(0, b)`."""
    return _apply("ReGLU", input, dim)


def sparsemax(input: Tensor, dim: int = -1) -> Tensor:
    r"""Sparsemax along ``dim``: :math:`[x - \tau]_+` summing to 1 (exact zeros)."""
    return _apply("Sparsemax", input, dim)


def entmax15(input: Tensor, dim: int = -1) -> Tensor:
    r"""1.5-entmax along ``dim``: :math:`[x/2 - \tau]_+^2` summing to 1 (exact, sort-based)."""
    return _apply("Entmax15", input, dim)


def channel_weight(name: str, input: Tensor, weight: Any, what: str) -> Tensor:
    """``weight`` (1 value, or one per channel = input.size(1)) shaped to broadcast against ``input``."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(weight).__name__}")
    if weight.dim() > 1:
        raise ShapeError(f"{name}: {what} must be 0-D or 1-D, got {weight.dim()}-D")
    n = weight.numel()
    if n == 1:
        return weight.reshape(())
    channels = input.size(1) if input.dim() >= 2 else 0
    if n != channels:
        raise ShapeError(
            f"{name}: {what} has {n} entries; expected 1 or the channel count (input.size(1) = {channels})"
        )
    return weight.reshape((1, n) + (1,) * (input.dim() - 2))


def star_relu(input: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    r"""StarReLU: :math:`s \max(0, x)^2 + b` with tensors ``scale`` s and ``bias`` b."""
    engine.check_input(input, "star_relu")
    s = channel_weight("star_relu", input, scale, "scale")
    b = channel_weight("star_relu", input, bias, "bias")
    return engine.functions(spec("StarReLU")).default.apply(input, s, b)


def snake(input: Tensor, alpha: Tensor) -> Tensor:
    r"""Snake: :math:`x + \sin^2(a x)/a` with frequencies ``alpha`` (a -> 0 gives x)."""
    engine.check_input(input, "snake")
    a = channel_weight("snake", input, alpha, "alpha")
    return engine.functions(spec("Snake")).default.apply(input, a)
