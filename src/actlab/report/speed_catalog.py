"""The catalog's charts in the Speed section: activations torch.nn lacks, timed against torch's SiLU
on the same input (``actlab bench``'s ``silu`` variant, the cost yardstick), grouped by family and
sorted within it, green up to the catalog's target of 3 SiLUs, with a table of the times and the
ratio to the textbook composition where the file has it."""

from __future__ import annotations

import html
from typing import Any

from ..registry import declaration
from . import bars
from .bars import ms_text, ratio_text
from .tables import table

TARGET = 3.0  # fwd+bwd of an elementwise catalog activation: at most 3x torch's SiLU (issue 26)

INTRO = (
    "<h3 id='speed-catalog'>The catalog against torch's SiLU</h3>"
    "<p>Activations torch.nn lacks have no torch module to race: each is timed against "
    "<code>torch.nn.SiLU</code> on the same input, the cost of one fused elementwise activation. Bars: "
    f"actlab's median time over SiLU's (green up to {TARGET:g}× SiLU), grouped by family, cheapest first.</p>"
)


def silu_ratio(row: dict[str, Any]) -> float | None:
    """actlab time / torch's SiLU time of a row (None when the row has no SiLU timing)."""
    ratio = (row.get("ratio") or {}).get("silu")
    ms = row.get("ms") or {}
    if ratio is None and ms.get("actlab") and ms.get("silu"):
        ratio = ms["actlab"] / ms["silu"]
    return ratio


def family(name: str) -> str:
    """The declaration's family (``other`` for a name this registry does not know)."""
    try:
        return declaration(name).family or "other"
    except KeyError:
        return "other"


def chart(rows: list[dict[str, Any]]) -> str:
    """The bars of ``rows`` (one pass, size, dtype, thread count) by family, then their table."""
    by_family: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    for r in rows:
        ratio = silu_ratio(r)
        if ratio is not None and ratio > 0:
            by_family.setdefault(family(str(r.get("name"))), []).append((ratio, r))
    out = []
    for fam in sorted(by_family):
        members = sorted(by_family[fam], key=lambda p: p[0])
        out.append(f"<div class='bar-family'>{html.escape(fam)} ({len(members)})</div>")
        for ratio, r in members:
            tip = f"actlab / torch's SiLU = {ratio:.3f}"
            out.append(bars.bar(str(r.get("name")), ratio, ratio <= TARGET, tip))
    within = sum(1 for members in by_family.values() for ratio, _ in members if ratio <= TARGET)
    total = sum(len(m) for m in by_family.values())
    summary = f"{within} of {total} within {TARGET:g}× SiLU"
    return (
        f"<p class='meta'>{summary}.</p><div class='bars'>{''.join(out)}{bars.scale((0.125, 1.0, TARGET, 8.0))}</div>"
        f"<details><summary>table ({len(rows)} rows)</summary>{_table(rows)}</details>"
    )


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("activation", "family", "actlab ms", "SiLU ms", "actlab / SiLU", "actlab / textbook")
    body = []
    for r in sorted(rows, key=lambda r: (family(str(r.get("name"))), silu_ratio(r) or 0.0)):
        ms = r.get("ms") or {}
        cells = (
            html.escape(str(r.get("name"))),
            html.escape(family(str(r.get("name")))),
            ms_text(ms.get("actlab")),
            ms_text(ms.get("silu")),
            ratio_text(silu_ratio(r)),
            ratio_text((r.get("ratio") or {}).get("naive")),
        )
        body.append(cells)
    return table(head, body)
