"""HTML tables for the report: a scrollable container, escaped headers, cells given as HTML."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence


def table(head: Sequence[str], rows: Iterable[Sequence[str]], row_class: Sequence[str] | None = None) -> str:
    """``<table class='num'>`` in a horizontally scrolling ``<div>`` (fits a 420 px screen);
    ``head`` is text (escaped here), the cells are HTML (escape user text before)."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = []
    for i, row in enumerate(rows):
        cls = f" class='{row_class[i]}'" if row_class and row_class[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return (
        "<div class='scroll'><table class='num'>"
        f"<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def names(items: Sequence[str], limit: int = 12) -> str:
    """``a, b, c …`` (at most ``limit`` names), escaped."""
    more = " …" if len(items) > limit else ""
    return html.escape(", ".join(items[:limit])) + more
