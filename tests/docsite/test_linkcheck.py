"""The link check finds missing files and anchors and leaves external links alone."""

from __future__ import annotations

from pathlib import Path

from actlab.docsite import linkcheck


def test_broken_files_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="sub/page.html#here">ok</a><a href="sub/page.html#gone">no</a>'
        '<a href="missing.html">no</a><a href="https://example.org/x">ext</a><a href="#top">self</a>'
        '<script src="https://cdn.example.org/k.js"></script><img src="/sub/page.html">'
    )
    (tmp_path / "sub" / "page.html").write_text('<p id="here"></p><a href="../index.html#top">back</a>')
    assert linkcheck.broken(tmp_path) == [
        "index.html: sub/page.html#gone (no such anchor)",
        "index.html: missing.html (no such file)",
    ]
    assert linkcheck.external_resources(tmp_path) == ["index.html: https://cdn.example.org/k.js"]
