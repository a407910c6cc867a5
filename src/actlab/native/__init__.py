"""Native CPU kernels (C++ with ATen's ``at::vec``) and the C++ autograd of the actlab operators.

Placeholder loader while the build system is being written: a library named by the
``ACTLAB_NATIVE_LIB`` environment variable (a development build) is loaded when set; otherwise
every operator runs its declaration's Python math and the autograd rules attach in Python.
"""

from __future__ import annotations

import os
from typing import Any

import torch

_STATE: dict[str, bool | None] = {"loaded": None}


def _load() -> bool:
    path = os.environ.get("ACTLAB_NATIVE_LIB")
    if not path:
        return False
    torch.ops.load_library(path)
    return True


def loaded() -> bool:
    """Whether the compiled library is registered in this process (loads it on first call)."""
    if _STATE["loaded"] is None:
        _STATE["loaded"] = _load()
    return bool(_STATE["loaded"])


def register_rule(rule: Any) -> bool:
    """Attach an autograd rule in C++ (True), or leave it to Python (False: nothing loaded)."""
    if not loaded():
        return False
    torch.ops.actlab_native.register_rule(
        rule.op, rule.backward, rule.tensors, list(rule.inputs), list(rule.outputs), rule.inplace
    )
    return True
