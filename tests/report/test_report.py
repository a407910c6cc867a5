"""The HTML atlas (actlab.report): self-contained, every reference resolves, formulas render."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import actlab
from actlab.report import build, data_path, formula, register_section
from actlab.report.sections import SECTIONS

SUBSET = ["ELU", "Softmax", "GLU", "PReLU", "Hardshrink"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("atlas")
    data_path(out, "accuracy.json").parent.mkdir(parents=True)
    data_path(out, "accuracy.json").write_text(json.dumps([{"op": "ELU", "kind": "forward", "actlab_max_ulp": 1.0}]))
    data_path(out, "bench.json").write_text(
        json.dumps({"meta": {"device": "cpu"}, "results": [{"name": "ELU", "ratio": {"torch": 0.9}}]})
    )
    return build(out, only=SUBSET, jobs=1, progress=False)


def test_references_exist_and_nothing_remote(report: Path) -> None:
    page = report.read_text()
    refs = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert any(r.startswith("images/") for r in refs) and any(r.startswith("formulas/") for r in refs)
    for ref in refs:
        assert not re.match(r"^[a-z]+://|^//", ref), f"remote reference {ref}"
        if not ref.startswith("#"):
            assert (report.parent / ref).is_file(), f"missing {ref}"
        else:
            assert f'id="{ref[1:]}"' in page or f"id='{ref[1:]}'" in page, f"dangling anchor {ref}"


def test_content(report: Path) -> None:
    page = report.read_text()
    for name in SUBSET:
        assert f">{name}<" in page
    assert "Properties" in page and "Clevert" in page  # the ELU paper reference
    assert page.count("<img class='formula'") == len(SUBSET)
    assert "Accuracy: float32 ulps" in page and "Speed: actlab vs torch" in page  # data/*.json found
    assert "Arena" not in page  # no data/arena.json: no section


@pytest.mark.parametrize("name", actlab.names())
def test_every_formula_renders(name: str, tmp_path: Path) -> None:
    decl = actlab.spec(name)
    err = formula.render(decl.formula, tmp_path / "f.svg")
    assert err is None, f"{name}: {err} ({formula.to_mathtext(decl.formula)})"
    assert "<svg" in (tmp_path / "f.svg").read_text()[:3000]


def test_unparsable_formula_falls_back(tmp_path: Path) -> None:
    assert formula.render(r"\begin{matrix} a \end{matrix}", tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()
    assert formula.to_mathtext(r"\begin{cases} 1 & x \ge 0 \\ 0 & \text{otherwise}\end{cases}").startswith(r"\left\{")


def test_register_section(tmp_path: Path) -> None:
    register_section("demo", "Demo results", "demo.json", lambda d: f"<p>demo {len(d)}</p>")
    try:
        data_path(tmp_path, "demo.json").parent.mkdir(parents=True)
        data_path(tmp_path, "demo.json").write_text("[1, 2, 3]")
        page = build(tmp_path, only=["ReLU"], jobs=1, progress=False).read_text()
        assert "Demo results" in page and "<p>demo 3</p>" in page
    finally:
        SECTIONS.pop("demo")
