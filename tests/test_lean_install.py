"""A bare ``pip install actlab`` needs torch and numpy only: the library (functional, nn, convert,
the operators) imports and runs with the atlas's packages absent, and the commands that need them
say so in one line. Simulated in a subprocess whose imports of matplotlib, mpmath, tqdm and
scikit-learn fail."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK = """
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("matplotlib", "mpmath", "tqdm", "sklearn"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )


def test_the_library_runs_without_the_atlas_packages() -> None:
    proc = _run(
        """
        import torch, actlab
        from torch import nn
        model = actlab.convert(nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.PReLU(4), nn.Softmax(dim=-1)))
        x = torch.randn(2, 3, requires_grad=True)
        model(x).sum().backward()
        y = actlab.functional.swiglu(torch.randn(2, 4))
        print("ok", x.grad.shape, y.shape)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")


def test_atlas_commands_say_which_extra_they_need() -> None:
    proc = _run(
        """
        import sys
        from actlab.cli import main
        codes = [main(["report"]), main(["accuracy", "GELU"]), main(["list"])]
        print(codes)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[2, 2, 0]"
    lines = [line for line in proc.stderr.splitlines() if "atlas" in line]
    assert len(lines) == 2 and all("pip install 'actlab[atlas]'" in line for line in lines)


def test_every_non_python_file_of_the_package_is_installed() -> None:
    """A non-editable install ships only .py files and the package-data globs: the native sources
    (which ``python -m actlab.native build`` recompiles) and the report's assets must be among them.
    native/lib/ is the package build's output, shipped by build_ext (tests/native/test_wheel.py)."""
    import fnmatch
    from pathlib import Path

    import tomllib

    root = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["actlab"]
    package = root / "src" / "actlab"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()]
    data = [p for p in data if not p.endswith((".py", ".pyc")) and "__pycache__" not in p]
    data = [p for p in data if not p.startswith("native/lib/")]
    assert any(p.startswith("native/csrc/") for p in data)
    missing = [p for p in data if not any(fnmatch.fnmatch(p, g) for g in globs)]
    assert not missing, missing
