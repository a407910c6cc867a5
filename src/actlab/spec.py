"""Deprecated: the declaration kinds are :mod:`actlab.kinds`; the lookup is :func:`actlab.declaration`.

``from actlab.spec import Elementwise`` still works, with a DeprecationWarning; so does
``actlab.spec("GELU")`` once this module is imported (the import makes ``actlab.spec`` this module
instead of the deprecated function, so the module is callable).
"""

from __future__ import annotations

import sys
import types
import warnings

from .kinds import *  # noqa: F403
from .kinds import Activation


class _CallableModule(types.ModuleType):
    def __call__(self, name: str) -> type[Activation]:
        from .registry import declaration

        message = "actlab.spec(name) is deprecated: use actlab.declaration(name)"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return declaration(name)


warnings.warn(
    "actlab.spec is deprecated: import the declaration kinds from actlab.kinds", DeprecationWarning, stacklevel=2
)
sys.modules[__name__].__class__ = _CallableModule
