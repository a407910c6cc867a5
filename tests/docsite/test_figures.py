"""The pages' figures: drawn once per source state (cached), the atlas's up-to-date plots reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import actlab
from actlab.docsite import figures


def _atlas_plot(folder: Path, name: str, mtime: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{name}.png"
    png.write_bytes(b"\x89PNG atlas")
    os.utime(png, (mtime, mtime))
    return png


def test_report_plot_only_when_newer_than_its_sources(tmp_path: Path) -> None:
    elu = actlab.declaration("ELU")
    fresh = _atlas_plot(tmp_path / "new", "ELU", 4e9)
    assert figures.report_plot(elu, fresh.parent) == fresh
    stale = _atlas_plot(tmp_path / "old", "ELU", 1.0)
    assert figures.report_plot(elu, stale.parent) is None
    assert figures.report_plot(elu, tmp_path / "none") is None and figures.report_plot(elu, None) is None


def test_figures_reuse_the_atlas_and_cache(tmp_path: Path, monkeypatch) -> None:
    images = tmp_path / "atlas"
    _atlas_plot(images, "ELU", 4e9)
    (fig,) = figures.figures(["ELU"], tmp_path / "cache", jobs=1, report=images).values()
    assert fig.png is not None and fig.png.read_bytes() == b"\x89PNG atlas"
    assert fig.props is not None and fig.kinks == (0.0,) and not fig.error

    def fail(*args: object) -> None:
        raise AssertionError("recomputed a cached figure")

    monkeypatch.setattr(figures, "_compute", fail)
    again = figures.figures(["ELU"], tmp_path / "cache", jobs=1)
    assert again["ELU"].png == fig.png
    with pytest.raises(AssertionError, match="recomputed"):
        figures.figures(["GELU"], tmp_path / "cache", jobs=1)
