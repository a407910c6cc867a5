"""The type stubs (``functional.pyi``, ``nn/__init__.pyi``, ``py.typed``) are in step with the
registry, state every public name, and let mypy check a user script: right calls pass, a wrong
argument type and an unknown keyword are reported."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from actlab import stubs

ROOT = Path(__file__).resolve().parents[1]
USER = """\
import torch

import actlab
from actlab import functional as F
from actlab import nn

x = torch.randn(4, 8)
y: torch.Tensor = F.elu(x, alpha=0.5) + F.swish(x, beta=2.0) + F.gelu(x, approximate="tanh")
z: torch.Tensor = F.sparsemax(x, dim=-1) + F.softmax(x, dim=1)
m = nn.Swish(beta=1.5)
w: torch.Tensor = m(x)
net = torch.nn.Sequential(torch.nn.Linear(8, 8), nn.QuickGELU(), nn.GELU(approximate="tanh"), nn.PAU())
decl = actlab.declaration("GELU")
"""
WRONG = """\
import torch

from actlab import functional as F
from actlab import nn

F.swish(torch.randn(3), beta="wide")
nn.Swish(gain=2.0)
"""


def test_stubs_are_in_step_with_the_registry() -> None:
    assert stubs.stale() == [], "run: python -m actlab.stubs"
    assert (ROOT / "src" / "actlab" / "py.typed").exists()


def test_stubs_state_every_public_name() -> None:
    for path, names in ((stubs.FUNCTIONAL, stubs.functional_names()), (stubs.NN, stubs.nn_names())):
        tree = ast.parse(path.read_text())
        stated = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        stated |= {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
        assert set(names) <= stated, sorted(set(names) - stated)
    assert "swish" in stubs.functional_names() and "Swish" in stubs.nn_names()  # resolved by __getattr__


def test_a_stale_stub_is_reported(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "functional.pyi"
    stale.write_text(stubs.functional_stub().replace("def swish(", "def swish_old("))
    monkeypatch.setattr(stubs, "FUNCTIONAL", stale)
    monkeypatch.setattr(stubs, "NN", tmp_path / "missing.pyi")
    assert stubs.stale() == [stale, tmp_path / "missing.pyi"]
    assert stubs.main(["--check"]) == 1


def _mypy(script: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    cache = ROOT / "build" / "mypy-cache"  # build/ is ignored by git; a warm cache makes this ~1 s
    args = ["--follow-imports=silent", "--cache-dir", str(cache), "--no-error-summary", str(script)]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], env=env, capture_output=True, text=True, timeout=600, cwd=script.parent
    )


def test_mypy_checks_a_user_script(tmp_path) -> None:
    pytest.importorskip("mypy")
    good, bad = tmp_path / "user.py", tmp_path / "wrong.py"
    good.write_text(USER)
    bad.write_text(WRONG)
    ok = _mypy(good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    wrong = _mypy(bad)
    assert wrong.returncode == 1
    assert 'Argument "beta" to "swish" has incompatible type "str"; expected "float"' in wrong.stdout
    assert 'Unexpected keyword argument "gain" for "Swish"' in wrong.stdout
