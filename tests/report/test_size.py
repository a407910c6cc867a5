"""The default report (every declaration, with its accuracy section) stays inside its budget:
at most 4 MB for index.html and everything it loads (images/, scripts, stylesheet; data/*.json are
inputs the page does not load). Builds the whole atlas, so it is marked slow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from actlab.analysis import accuracy as A
from actlab.report import build, data_path

BUDGET = 4_000_000


def _accuracy(path: Path) -> None:
    """An accuracy.json for every op the sweep covers, in the sweep's format; the profiles are
    noisy everywhere (real ones are 0 over long stretches), so their charts are the largest."""
    rng = np.random.default_rng(0)
    xs = [float(v) for v in np.concatenate([-np.logspace(38.75, -45, 76), np.logspace(-45, 38.75, 75)])]
    records = []
    for case in A.cases(None):
        for kind in ("forward", "derivative"):
            prof = {lib: [float(v) for v in rng.lognormal(0, 3, len(xs))] for lib in ("actlab", "torch")}
            records.append(
                {
                    "op": case.label,
                    "kind": kind,
                    "actlab_max_ulp": 1.5,
                    "torch_max_ulp": 1e6,
                    "where": -0.07,
                    "torch_where": -89.4,
                    "actlab_mean_ulp": 0.3,
                    "torch_mean_ulp": 3e3,
                    "n_points": 1616,
                    "actlab_finite_max_ulp": 1.5,
                    "actlab_finite_where": -0.07,
                    "torch_finite_max_ulp": 1e6,
                    "torch_finite_where": -89.4,
                    "profile": {"axis": "x", "bin": 0.5, "x": xs, **prof},
                }
            )
    meta = {"names": None, "size": "reduced", "torch": torch.__version__, "time": "2026-11-29T18:25:20Z"}
    path.write_text(json.dumps({"meta": meta, "records": records}))


@pytest.mark.slow
def test_default_report_fits_in_4_mb(tmp_path: Path) -> None:
    data_path(tmp_path, "accuracy.json").parent.mkdir(parents=True)
    _accuracy(data_path(tmp_path, "accuracy.json"))
    index = build(tmp_path, jobs=2, progress=False)
    page = index.read_text(encoding="utf-8")
    loaded = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "data"]
    sizes = {p.relative_to(tmp_path).as_posix(): p.stat().st_size for p in loaded}
    total = sum(sizes.values())
    images = sum(v for k, v in sizes.items() if k.startswith("images/"))
    assert "id='ext-accuracy'" in page and page.count('<svg class="chart"') >= 100  # the accuracy charts are in
    parts = f"index.html {sizes['index.html'] / 1e6:.2f} MB, images {images / 1e6:.2f} MB"
    assert total <= BUDGET, f"{total / 1e6:.2f} MB ({parts})"
    assert max(v for k, v in sizes.items() if k.startswith("images/")) < 80_000  # no single runaway plot
