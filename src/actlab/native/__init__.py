"""Native CPU kernels (C++ with ATen's ``at::vec``) for the actlab operators.

Placeholder while the kernels are being written: nothing is loaded, every operator runs its
declaration's Python math and the autograd rules are attached in Python.
"""

from __future__ import annotations

from typing import Any


def loaded() -> bool:
    """Whether the compiled kernels are registered in this process."""
    return False


def register_rule(rule: Any) -> bool:
    """Attach an autograd rule in C++ (True) or leave it to Python (False: not loaded)."""
    return False
