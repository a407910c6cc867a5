"""Small inline SVG line charts (no JavaScript, no dependencies): crisp at any device resolution
and a few kilobytes each. Used for the accuracy profiles and the arena's learning curves."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Transform = Callable[[float], float]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


@dataclass
class Series:
    """One curve: points (x, y) in data units (y None or NaN breaks the line)."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float | None]
    color: str = PALETTE[0]
    dash: str = ""  # SVG stroke-dasharray
    width: float = 1.6


@dataclass
class Axis:
    """An axis: the data range [lo, hi] after ``transform``, ticks as (data value, label)."""

    lo: float
    hi: float
    label: str = ""
    ticks: Sequence[tuple[float, str]] = ()
    transform: Transform = field(default=lambda v: v)


def num(v: float, digits: int = 3) -> str:
    """A short tick label: 0, 0.5, 12, 1e+04."""
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[tuple[float, str]]:
    """About ``n`` round ticks between lo and hi (linear axis)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [(lo, num(lo))]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [(t, num(t)) for k in range(n + 2) if (t := first + k * step) <= hi + 1e-9 * step]


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _corners(run: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The points of a polyline less those inside a horizontal or vertical stretch (same drawing)."""
    keep = [
        q
        for i, q in enumerate(run)
        if i in (0, len(run) - 1)
        or not ((run[i - 1][1] == q[1] == run[i + 1][1]) or (run[i - 1][0] == q[0] == run[i + 1][0]))
    ]
    return keep


def line_chart(
    series: Sequence[Series],
    x: Axis,
    y: Axis,
    title: str = "",
    width: int = 480,
    height: int = 220,
    legend: bool = True,
) -> str:
    """An ``<svg>`` line chart (scales with its container; viewBox in CSS pixels)."""
    left, right, top, bottom = 46, 10, 22 if title else 8, 34
    pw, ph = width - left - right, height - top - bottom
    x0, x1 = x.transform(x.lo), x.transform(x.hi)
    y0, y1 = y.transform(y.lo), y.transform(y.hi)

    def px(v: float) -> float:
        return left + (x.transform(v) - x0) / ((x1 - x0) or 1.0) * pw

    def py(v: float) -> float:
        t = min(max(y.transform(v), y0), y1)
        return top + ph - (t - y0) / ((y1 - y0) or 1.0) * ph

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{html.escape(title or y.label)}</title>",
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fff" stroke="#bbb"/>',
    ]
    if title:
        parts.append(f'<text x="{left}" y="14" class="ct">{html.escape(title)}</text>')
    for v, lab in x.ticks:
        xp = _fmt(px(v))
        parts.append(f'<line x1="{xp}" x2="{xp}" y1="{top}" y2="{top + ph}" class="grid"/>')
        parts.append(f'<text x="{xp}" y="{top + ph + 12}" class="tx">{html.escape(lab)}</text>')
    for v, lab in y.ticks:
        yp = _fmt(py(v))
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{yp}" y2="{yp}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{yp}" class="ty">{html.escape(lab)}</text>')
    if x.label:
        parts.append(f'<text x="{left + pw / 2}" y="{height - 4}" class="tx">{html.escape(x.label)}</text>')
    if y.label:
        parts.append(
            f'<text transform="translate(11 {top + ph / 2}) rotate(-90)" class="tx">{html.escape(y.label)}</text>'
        )
    for s in series:
        runs: list[list[tuple[str, str]]] = [[]]
        for xv, yv in zip(s.xs, s.ys):
            if yv is None or (isinstance(yv, float) and math.isnan(yv)):
                runs.append([])
            else:
                runs[-1].append((_fmt(px(xv)), _fmt(py(yv))))
        d = "".join("M" + " ".join(f"{a},{b}" for a, b in _corners(r)) for r in runs if r)  # implicit lineto
        if d:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            parts.append(
                f'<path d="{d}" fill="none" stroke="{s.color}" stroke-width="{s.width}"{dash}>'
                f"<title>{html.escape(s.label)}</title></path>"
            )
    parts.append("</svg>")
    svg = "".join(parts)
    if legend and series:
        svg += legend_html(series)
    return svg


def legend_html(series: Sequence[Series]) -> str:
    """A legend under a chart: one swatch (line style and colour) per labelled series."""
    items = []
    for s in series:
        if not s.label:
            continue
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        swatch = (
            f'<svg width="26" height="8" aria-hidden="true"><line x1="0" y1="4" x2="26" y2="4" '
            f'stroke="{s.color}" stroke-width="2"{dash}/></svg>'
        )
        items.append(f"<span>{swatch} {html.escape(s.label)}</span>")
    return f"<div class='legend'>{''.join(items)}</div>"
