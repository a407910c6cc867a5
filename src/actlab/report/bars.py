"""Horizontal ratio bars for the Speed section: one row per activation, a log scale from 1/8x to
8x around a reference line at 1x, the repeats' spread as a whisker (HTML and the CSS classes of
style.css: ``bar-row``, ``bar-track``, ``bar faster|slower``, ``whisker``, ``one``)."""

from __future__ import annotations

import html
import math

SCALE = 3.0  # the bar axis spans 2^-3 .. 2^3 (1/8x .. 8x)


def ratio_text(v: float | None) -> str:
    """``0.93×``, ``12×``; ``—`` when unknown."""
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.2f}×" if v < 10 else f"{v:.0f}×"


def ms_text(v: object) -> str:
    """A time in ms to 3 significant digits; ``—`` when unknown."""
    if not isinstance(v, (int, float)) or not math.isfinite(v):
        return "—"
    return f"{v:.3g}"


def position(r: float) -> float:
    """Where ratio ``r`` sits on the axis, in percent (clipped to 1/8x .. 8x)."""
    return (min(max(math.log2(r), -SCALE), SCALE) + SCALE) / (2 * SCALE) * 100


def bar(name: str, ratio: float, good: bool, tip: str, spread: tuple[float, float] | None = None) -> str:
    """One row: ``name``, a bar from 1x to ``ratio`` (green when ``good``), the value."""
    a, b = sorted((position(ratio), 50.0))
    whisker = ""
    if spread:
        lo, hi = position(spread[0]), position(spread[1])
        whisker = f"<span class='whisker' style='left:{lo:.1f}%;width:{max(hi - lo, 0.3):.1f}%'></span>"
    cls = "faster" if good else "slower"
    return (
        f"<div class='bar-row' title='{html.escape(tip)}'><span class='bar-name'>{html.escape(name)}</span>"
        f"<span class='bar-track'><span class='bar {cls}' style='left:{a:.1f}%;width:{max(b - a, 0.3):.1f}%'></span>"
        f"{whisker}<span class='one'></span></span><span class='bar-val'>{ratio_text(ratio)}</span></div>"
    )


def note(name: str, why: str) -> str:
    """A row without a bar: ``name`` and why."""
    return (
        f"<div class='bar-row'><span class='bar-name'>{html.escape(name)}</span>"
        f"<span class='bar-none'>{html.escape(why)}</span></div>"
    )


def scale(ticks: tuple[float, ...] = (0.125, 1.0, 8.0)) -> str:
    """The axis under a chart, with a label at each ratio of ``ticks``."""
    labels = {0.125: "⅛×", 1.0: "1×", 8.0: "8×"}
    spans = "".join(f"<span style='left:{position(t):.1f}%'>{labels.get(t, ratio_text(t))}</span>" for t in ticks)
    return f"<div class='bar-row bar-scale'><span></span><span class='bar-ticks'>{spans}</span><span></span></div>"
