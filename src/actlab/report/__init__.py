"""The HTML activation atlas (``actlab report``): :func:`build` writes ``<out>/index.html`` with
images beside it; other commands contribute sections through :mod:`actlab.report.sections`."""

from .builder import build
from .sections import DATA_DIR, data_path, register_section

__all__ = ["DATA_DIR", "build", "data_path", "register_section"]
