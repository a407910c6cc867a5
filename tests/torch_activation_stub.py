"""torch-activation 1.0.0 imports plotly (for its plotting helpers) in most of its modules without
declaring the dependency: without plotly installed, ``import torch_activation.classical...`` fails.
Tests that compare against it call :func:`install` first, which puts empty ``plotly`` modules in
place when plotly is missing (the activations themselves never use it)."""

from __future__ import annotations

import importlib.util
import sys
import types


def install() -> None:
    if "plotly" in sys.modules or importlib.util.find_spec("plotly") is not None:
        return
    for name in ("plotly", "plotly.graph_objects", "plotly.io"):
        sys.modules.setdefault(name, types.ModuleType(name))
