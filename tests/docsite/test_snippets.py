"""Every ``python`` example of the site runs: the guides' (``docs/*.md``, one namespace per page)
and each activation page's generated example. ``adaptive_lm.md`` has its own test, which also
checks what the example prints (tests/nn/test_adaptive_example.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

import actlab
from actlab.docsite import activation_pages, snippets

DOCS = Path(__file__).resolve().parents[2] / "docs"
TESTED_ELSEWHERE = {"adaptive_lm.md"}
PAGES = {page: found for page, found in snippets.pages(DOCS).items() if page not in TESTED_ELSEWHERE}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_guide_examples_run(page: str, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{Path(page).stem}"}
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for i, block in enumerate(PAGES[page]):
            code = compile(block, f"{page} (example {i + 1})", "exec")
            exec(code, namespace)  # noqa: S102  the example is the test


def test_guides_have_examples() -> None:
    assert {"index.md", "quickstart.md", "extending.md"} <= set(PAGES)


@pytest.mark.parametrize("name", actlab.names())
def test_activation_page_example_runs(name: str) -> None:
    decl = actlab.declaration(name)
    (block,) = snippets.blocks("\n".join(activation_pages.example(decl)))
    torch.manual_seed(0)
    exec(compile(block, f"activations/{name}.md", "exec"), {"__name__": f"example_{name}"})  # noqa: S102
