"""``actlab show``, ``actlab plot``, ``actlab accuracy`` and ``actlab report`` through the CLI entry point."""

from __future__ import annotations

from pathlib import Path

from actlab.cli import main


def test_show(tmp_path: Path, capsys) -> None:
    assert main(["show", "ELU", "--param", "alpha=0.5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "formula:    ELU(x) = x if x > 0; α (e^x − 1) if x ≤ 0" in out  # text, the LaTeX after it
    assert "LaTeX:      \\mathrm{ELU}" in out and "f″ = 0 or α e^x" in out
    assert "alpha = 0.5" in out and "range (-0.5, ∞)" in out and "zero-centred: no" in out
    assert "False" not in out and "True" not in out
    assert "kinks:      0 on [-5, 5]" in out
    png = Path(out.strip().splitlines()[-1])
    assert png.is_file() and png.parent == tmp_path and png.name == "ELU_alpha=0.5.png"
    assert main(["show", "ELU", "--param", "alpha=-1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "ELU_alpha=-1.png").is_file() and png.is_file()  # one file per setting


def test_show_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["show", "ELU", "--param", "beta=1", "--out", str(tmp_path)]) == 2
    assert main(["show", "ELU", "--param", "alpha", "--out", str(tmp_path)]) == 2
    assert main(["show", "NoSuchThing", "--out", str(tmp_path)]) == 2
    assert main(["show", "Softplus", "--param", "beta=nan", "--out", str(tmp_path)]) == 2
    assert main(["show", "ELU", "--param", "alpha=x", "--out", str(tmp_path)]) == 2  # a TypeError in the core
    err = capsys.readouterr().err
    assert "unknown parameter 'beta'" in err and "K=V" in err and "NoSuchThing" in err
    assert "actlab show: error: ELU(): argument 'alpha' must be Number, not str" in err
    assert "Traceback" not in err


def test_plot(tmp_path: Path, capsys) -> None:
    assert main(["plot", "ReLU", "softmax", "--out", str(tmp_path), "--format", "svg"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ReLU.svg", "Softmax.svg"]
    assert capsys.readouterr().out.split() == [str(tmp_path / "ReLU.svg"), str(tmp_path / "Softmax.svg")]


def test_plot_rejects_dpi_before_creating_anything(tmp_path: Path, capsys) -> None:
    out = tmp_path / "never"
    assert main(["plot", "ReLU", "--dpi", "0", "--out", str(out)]) == 2
    assert not out.exists()
    assert "actlab plot: error: --dpi must be between 1 and 1200, got 0" in capsys.readouterr().err


def test_accuracy_errors_have_the_prefix(capsys) -> None:
    assert main(["accuracy", "Foo"]) == 2
    assert main(["accuracy", "GLU"]) == 2
    err = capsys.readouterr().err
    assert "actlab accuracy: error: unknown activation 'Foo'" in err
    assert "actlab accuracy: error: GLU has no accuracy sweep" in err


def test_report(tmp_path: Path, capsys) -> None:
    assert main(["report", "--out", str(tmp_path), "--only", "Tanh", "--jobs", "1", "--no-arena"]) == 0
    assert (tmp_path / "index.html").is_file() and (tmp_path / "images" / "Tanh.png").is_file()
    assert (tmp_path / "data" / "accuracy.json").is_file()
    assert main(["report", "--out", str(tmp_path), "--only", "Nope"]) == 2
