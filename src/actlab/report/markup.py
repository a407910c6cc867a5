"""Docstring prose as HTML: ``code`` -> <code>, *emphasis* -> <em>, :math:`t` -> <code class="math">
(the text is escaped first, so a user's docstring cannot inject markup)."""

from __future__ import annotations

import html

from ..docstring import EMPH, LITERAL, ROLE, parse


def inline(text: str) -> str:
    """One paragraph of docstring prose as escaped HTML with its markup rendered."""
    out = html.escape(text, quote=False)
    out = ROLE.sub(lambda m: f"<code class='math'>{m.group(1)}</code>", out)
    out = LITERAL.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    return EMPH.sub(lambda m: f"<em>{m.group(1)}</em>", out)


def prose(doc: str | None) -> str:
    """Every prose paragraph of a docstring as ``<p>`` elements (math blocks left out)."""
    return "".join(f"<p>{inline(p)}</p>" for p in parse(doc).paragraphs)
