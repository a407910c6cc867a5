"""``actlab show``, ``actlab plot`` and ``actlab report`` through the CLI entry point."""

from __future__ import annotations

from pathlib import Path

from actlab.cli import main


def test_show(tmp_path: Path, capsys) -> None:
    assert main(["show", "ELU", "--param", "alpha=0.5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\\mathrm{ELU}" in out and "alpha = 0.5" in out and "range (-0.5, ∞)" in out
    png = Path(out.strip().splitlines()[-1])
    assert png.is_file() and png.parent == tmp_path


def test_show_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["show", "ELU", "--param", "beta=1", "--out", str(tmp_path)]) == 2
    assert main(["show", "ELU", "--param", "alpha", "--out", str(tmp_path)]) == 2
    assert main(["show", "NoSuchThing", "--out", str(tmp_path)]) == 2
    assert main(["show", "Softplus", "--param", "beta=nan", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'beta'" in err and "K=V" in err and "NoSuchThing" in err


def test_plot(tmp_path: Path, capsys) -> None:
    assert main(["plot", "ReLU", "glu", "--out", str(tmp_path), "--format", "svg"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["GLU.svg", "ReLU.svg"]


def test_report(tmp_path: Path, capsys) -> None:
    assert main(["report", "--out", str(tmp_path), "--only", "Tanh", "--jobs", "1"]) == 0
    assert (tmp_path / "index.html").is_file() and (tmp_path / "images" / "Tanh.png").is_file()
    assert main(["report", "--out", str(tmp_path), "--only", "Nope"]) == 2
