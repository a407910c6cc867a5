"""actlab: every PyTorch activation from scratch, declared once.

>>> import actlab, torch
>>> m = actlab.get("ELU", alpha=0.5)          # a torch.nn.Module, drop-in for nn.ELU(0.5)
>>> actlab.declaration("ELU").formula         # the declaration: math, params, plots, paper
>>> actlab.functional.gelu(torch.randn(3), approximate="tanh")
"""

from __future__ import annotations

import warnings

from ._quiet_import import collector_paused

with collector_paused():
    from . import (
        activations,  # noqa: F401  (registers the built-in declarations)
        autograd,
        functional,
        nn,
        ops,
    )
    from .convert import ConversionError, ConversionReport, convert
    from .kinds import Activation, Param
    from .mappings import register_mapping
    from .modules import get
    from .registry import declaration, declarations, names, register
    from .user import plot_activation_function, plot_activation_module

    ops.define_all(declarations())  # every operator now (torch.compile cannot trace op definitions)

__version__ = "0.1.0"


def spec(name: str) -> type[Activation]:
    """Deprecated name of :func:`declaration` (``actlab.spec("GELU")``)."""
    message = "actlab.spec(name) is deprecated: use actlab.declaration(name)"
    warnings.warn(message, DeprecationWarning, stacklevel=2)
    return declaration(name)


__all__ = [
    "Activation",
    "ConversionError",
    "ConversionReport",
    "Param",
    "autograd",
    "convert",
    "declaration",
    "declarations",
    "functional",
    "get",
    "names",
    "nn",
    "plot_activation_function",
    "plot_activation_module",
    "register",
    "register_mapping",
]
