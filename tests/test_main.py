"""``python -m actlab`` runs the ``actlab`` command."""

from __future__ import annotations

import subprocess
import sys


def test_python_m_actlab_is_the_command() -> None:
    out = subprocess.run([sys.executable, "-m", "actlab", "list", "--family", "radial"], capture_output=True, text=True)
    assert out.returncode == 0 and "Gaussian" in out.stdout and "Laplace" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "actlab", "bench", "--dtype", "int8"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage: actlab" in bad.stderr
