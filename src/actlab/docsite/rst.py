r"""The docstrings' reStructuredText as the site's Markdown: ``:math:`t``` -> ``$t$``, a
``.. math::`` block (continued on indented lines) -> a ``$$`` block, ``:func:`name``` and the other
cross-reference roles -> a code span. ``code`` spans and *emphasis* are Markdown already.

:class:`Docstrings` is the griffe extension that applies it to every docstring mkdocstrings renders
(``mkdocs.yml``: ``extensions: [actlab.docsite.rst:Docstrings]``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

from .. import docstring

TABLE_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")  # a simple table's border: "====  ====="
XREF = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|obj|exc):`~?\.?([^`]+)`")


def inline(text: str) -> str:
    """Inline roles of one line or paragraph as Markdown."""
    text = docstring.ROLE.sub(lambda m: f"${m.group(1).strip()}$", text)
    return XREF.sub(lambda m: f"`{m.group(1)}`", text)


def _plain_table_line(line: str) -> str:
    """A table row as plain text (it is shown preformatted): roles and ``code`` marks dropped."""
    return docstring.LITERAL.sub(lambda m: m.group(1), XREF.sub(lambda m: m.group(1), line))


def _math(lines: list[str]) -> list[str]:
    """A math block as ``$$`` blocks, one equation each (``\\quad``-separated equations split)."""
    out: list[str] = []
    for equation in docstring.math_lines(" ".join(lines)):
        out += ["", "$$", equation, "$$", ""]  # blank lines: each its own block
    return out


def to_markdown(doc: str) -> str:
    """A whole docstring as Markdown: math blocks fenced by ``$$``, simple tables as preformatted
    text, roles converted, other lines kept."""
    out: list[str] = []
    math: list[str] | None = None
    borders = 0  # of the simple table being copied (it ends at its third border)
    for line in doc.splitlines():
        if borders or (math is None and TABLE_BORDER.match(line)):
            if not borders:
                out.append("```text")
            out.append(_plain_table_line(line))
            borders += bool(TABLE_BORDER.match(line))
            if borders == 3:
                out.append("```")
                borders = 0
            continue
        m = docstring.MATH.match(line)
        if m:
            if math is not None:
                out += _math(math)
            math = [m.group(1).strip()] if m.group(1).strip() else []
            continue
        if math is not None:
            if line.strip() and (line.startswith((" ", "\t")) or not math):
                math.append(line.strip())
                continue
            out += _math(math)
            math = None
        out.append(inline(line))
    if math is not None:
        out += _math(math)
    if borders:
        out.append("```")
    return "\n".join(out)


class Docstrings(griffe.Extension):
    """Rewrite each object's docstring from reStructuredText roles to Markdown."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
