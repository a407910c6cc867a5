"""User activations for every CLI command: --import, ACTLAB_IMPORT and entry points (actlab.plugins)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from actlab import plugins
from actlab.cli import main
from actlab.registry import names, unregister

MODULE = '''
import torch, actlab

@actlab.plot_activation_module(negative_slope=0.2)
class {name}(torch.nn.Module):
    """A user's leaky ReLU with ``negative_slope``."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return torch.where(x > 0, x, self.negative_slope * x)
'''


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(plugins.ENV, raising=False)
    before = set(sys.modules)
    yield tmp_path
    for n in [n for n in names() if n.startswith("Plug")]:
        unregister(n)
    for m in set(sys.modules) - before:
        sys.modules.pop(m, None)


def test_import_file_for_any_command(workdir: Path, capsys) -> None:
    (workdir / "mine.py").write_text(MODULE.format(name="PlugFile"))
    assert main(["--import", "mine.py", "show", "PlugFile", "--out", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "PlugFile  (user, elementwise)" in out and "kinks:      0 on" in out and "smoothness: C0" in out
    assert (workdir / "PlugFile.png").is_file()


def test_import_module_name_and_env(workdir: Path, monkeypatch, capsys) -> None:
    (workdir / "plug_mod.py").write_text(MODULE.format(name="PlugMod"))
    (workdir / "plug_env.py").write_text(MODULE.format(name="PlugEnv"))
    monkeypatch.setenv(plugins.ENV, "plug_env")
    assert main(["--import", "plug_mod", "list"]) == 0
    out = capsys.readouterr().out
    assert "PlugMod " in out and "PlugEnv " in out and "[user]" in out


def test_entry_points(workdir: Path, monkeypatch, capsys) -> None:
    (workdir / "plug_pkg.py").write_text(MODULE.format(name="PlugEntry"))
    monkeypatch.syspath_prepend(str(workdir))
    fake = [EntryPoint(name="mine", value="plug_pkg", group=plugins.GROUP)]
    monkeypatch.setattr(plugins, "entry_points", lambda group: fake if group == plugins.GROUP else [])
    assert main(["list"]) == 0
    assert "PlugEntry " in capsys.readouterr().out


def test_errors_are_reported(workdir: Path, capsys) -> None:
    (workdir / "broken.py").write_text("raise RuntimeError('boom')\n")
    assert main(["--import", "no_such_module_here", "list"]) == 2
    assert main(["--import", "broken.py", "list"]) == 2
    assert main(["--import", "missing.py", "list"]) == 2
    err = capsys.readouterr().err
    assert "actlab: error: cannot import no_such_module_here" in err
    assert "importing broken.py failed: RuntimeError: boom" in err and "no such file" in err
