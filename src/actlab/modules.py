"""``actlab.get``: a declaration's module, built with torch.nn's keyword arguments."""

from __future__ import annotations

from typing import Any

from torch import nn

from . import nn as anm
from .registry import declaration


def get(name: str, **params: Any) -> nn.Module:
    """A module for ``name`` (case-insensitive; functional names work too) built with ``params``."""
    decl = declaration(name)
    cls = decl.module_class if decl.module_class is not None else getattr(anm, decl.name)
    return cls(**params)
