"""The HTML activation atlas (``actlab report``): :func:`build` writes ``<out>/index.html`` with
images and scripts beside it; other commands contribute sections through
:mod:`actlab.report.sections` (built in, in this order: accuracy, speed, arena)."""

from . import accuracy_section, speed_section, arena_section  # noqa: F401, I001  (registers, in order)
from .builder import build
from .sections import DATA_DIR, data_path, register_section

__all__ = ["DATA_DIR", "build", "data_path", "register_section"]
