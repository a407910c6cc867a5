"""The Python examples of the site's pages, to run as tests: every fenced ``python`` block of a
page, in order, in one namespace per page (a later block may use an earlier one's names). Blocks
fenced as ``py`` are illustrations (a signature, a cluster address) and are not run."""

from __future__ import annotations

import re
from pathlib import Path

FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(markdown: str) -> list[str]:
    """The ``python`` blocks of a Markdown text."""
    return [m.group(1) for m in FENCE.finditer(markdown)]


def pages(docs: Path) -> dict[str, list[str]]:
    """The runnable blocks of every Markdown page under ``docs`` that has any, by relative path."""
    out = {}
    for path in sorted(docs.rglob("*.md")):
        found = blocks(path.read_text(encoding="utf-8"))
        if found:
            out[str(path.relative_to(docs))] = found
    return out
