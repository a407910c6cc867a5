"""The Accuracy section: float32 ulp error of actlab and torch against 128-bit mpmath, from
``data/accuracy.json`` (:func:`actlab.analysis.accuracy.save_json`): a summary table per pass
(f and f') and, per op, the worst error against x (both signs, log |x|) for both libraries."""

from __future__ import annotations

import html
import math
from typing import Any

from ..analysis.accuracy import load_json
from .charts import Axis, Series, line_chart
from .sections import Context, Section, register_builtin
from .tables import table

KINDS = (("forward", "f(x)"), ("derivative", "f′(x)"))
INF_ROW = 1e9  # errors of inf (a wrong inf or NaN) are drawn on this top row
LOG_MIN, LOG_MAX = -30.0, 4.0  # the profile charts show 1e-30 <= |x| <= 1e4 on each side of 0
X_TICKS = (-20, -10, 0)  # decades of |x| labelled on each side


def ulp(v: Any) -> str:
    """An ulp error for the table: —, inf, 0, 0.50, 12, 1.7e+07."""
    if v is None:
        return "—"
    v = float(v)
    if math.isinf(v):
        return "inf"
    if math.isnan(v):
        return "NaN"
    if v == 0:
        return "0"
    if v >= 1e4:
        return f"{v:.1e}"
    return f"{v:.2f}" if v < 10 else f"{v:.0f}"


def where(v: Any, errors: Any) -> str:
    """Where the worst error is: — when there is none, NaN for a NaN input, else x."""
    if errors is not None and float(errors) == 0:
        return "—"
    if v is None:
        return "—"
    v = float(v)
    if math.isnan(v):
        return "NaN input"
    if math.isinf(v):
        return "+inf" if v > 0 else "−inf"
    return f"{v:.4g}"


def _pos(x: float) -> float:
    """Signed log position: sign(x) * (log10 |x| - LOG_MIN + 1) for LOG_MIN <= log10 |x| <= LOG_MAX,
    so |x| = 1e-30 sits just off the centre and 1e4 at the edges; None outside that range."""
    if x == 0 or not LOG_MIN <= math.log10(abs(x)) <= LOG_MAX + 0.5:
        return math.nan
    return math.copysign(math.log10(abs(x)) - LOG_MIN + 1.0, x)


def _yt(v: float) -> float:
    return math.log10(1.0 + min(v, INF_ROW))


def _profile_chart(rec: dict[str, Any], title: str) -> str:
    prof = rec.get("profile") or {}
    spread = prof.get("axis") == "row spread"
    raw = [float(x) for x in prof.get("x", [])]
    keep = [i for i, x in enumerate(raw) if spread or math.isfinite(_pos(x))]
    xs = [math.log10(raw[i]) if spread else _pos(raw[i]) for i in keep]
    if not xs:
        return ""
    series, top = [], 1.0
    for lib, color, dash in (("actlab", "#1f77b4", ""), ("torch", "#d62728", "5 3")):
        if lib not in prof:
            continue
        ys = [INF_ROW if str(prof[lib][i]) == "inf" else float(prof[lib][i]) for i in keep]
        top = max([top, *ys])
        series.append(Series(lib, xs, ys, color, dash))
    y_ticks = [(v, lab) for v, lab in ((0, "0"), (1, "1"), (10, "10"), (1e3, "1e3"), (1e6, "1e6")) if v <= top]
    if top >= INF_ROW:
        y_ticks.append((INF_ROW, "inf"))
    if spread:
        ticks = [(float(k), f"{10**k:g}") for k in (0, 1, 2)]
        x_axis = Axis(-0.3, 2.3, "row spread (max − min), log scale", ticks)
    else:
        ticks = [(0.0, "0")] + [
            (_pos(s * 10.0**k), f"{'−' if s < 0 else ''}{'1' if k == 0 else f'1e{k}'}")
            for k in X_TICKS
            for s in (-1, 1)
        ]
        edge = LOG_MAX - LOG_MIN + 1.0
        x_axis = Axis(-edge, edge, "x: log |x| on each side of 0 (1e-30 … 1e4)", ticks)
    y_axis = Axis(0.0, max(top, 1.0), "max ulp", y_ticks, transform=_yt)
    return line_chart(series, x_axis, y_axis, title=title, width=420, height=200)


def _summary(records: list[dict[str, Any]], kind: str) -> str:
    rows = [r for r in records if r.get("kind") == kind]
    if not rows:
        return ""
    head = (
        "operation",
        "actlab worst (ulp)",
        "at x",
        "torch worst (ulp)",
        "at x",
        "torch worst, finite x",
        "at x",
        "mean ulp actlab / torch",
    )
    body = []
    for r in rows:
        t_fin = r.get("torch_finite_max_ulp")
        cells = (
            html.escape(str(r.get("op"))),
            ulp(r.get("actlab_max_ulp")),
            where(r.get("where"), r.get("actlab_max_ulp")),
            ulp(r.get("torch_max_ulp")),
            where(r.get("torch_where"), r.get("torch_max_ulp")) if r.get("torch_max_ulp") is not None else "—",
            ulp(t_fin) if "torch_finite_max_ulp" in r else "not recorded",
            where(r.get("torch_finite_where"), t_fin) if t_fin is not None else "—",
            f"{ulp(r.get('actlab_mean_ulp'))} / {ulp(r.get('torch_mean_ulp'))}",
        )
        body.append(cells)
    return table(head, body)


def coverage(meta: dict[str, Any], names: tuple[str, ...]) -> str:
    """A sentence on what the file covers, and what of the report it does not."""
    if not meta:
        return "The file records no options (written by an older actlab): run the report again to refresh it."
    covered = meta.get("names")
    size = meta.get("size", "?")
    scope = "every op" if covered is None else ", ".join(covered)
    text = f"{size.capitalize()} sweep of {scope}; torch {meta.get('torch', '?')}; measured {meta.get('time', '?')}."
    if covered is not None:
        missing = [n for n in names if n not in covered]
        if missing:
            text += f" Not covered by this file: {', '.join(missing[:12])}{' …' if len(missing) > 12 else ''}."
    return text


def render(data: Any, ctx: Context) -> str:
    meta, records = load_json(data)
    parts = [f"<p class='meta'>{html.escape(coverage(meta, ctx.names))}</p>"]
    parts.append(
        "<p>Largest error in float32 ulps against 128-bit mpmath over log-spaced magnitudes 1e-30 … 1e4 "
        "(both signs), a dense grid on [−30, 30], subnormals, ±FLT_MAX, ±inf, NaN and the points around "
        "kinks. The worst error over <em>finite</em> inputs shows the real tail error an inf from ±inf "
        "inputs hides. “—”: no error at all. Normalisers are measured per entry of random rows (x: the "
        "row's spread).</p>"
    )
    for kind, label in KINDS:
        summary = _summary(records, kind)
        if summary:
            parts.append(f"<h3>{html.escape(label)}: summary</h3>{summary}")
    figs = []
    first_setting = {}  # one figure per activation: its first swept setting (the others are in the tables)
    for op in dict.fromkeys(r.get("op") for r in records):
        first_setting.setdefault(str(op).split("(")[0], op)
    for op in first_setting.values():
        charts = [
            _profile_chart(r, f"{op}: {label}")
            for kind, label in KINDS
            for r in records
            if r.get("op") == op and r.get("kind") == kind
        ]
        charts = [c for c in charts if c]
        if charts:
            figs.append(f"<figure class='acc' data-name='{html.escape(str(op))}'>{''.join(charts)}</figure>")
    if figs:
        parts.append(
            "<h3>Where the error is: worst ulp per half-decade of |x|</h3>"
            "<p class='meta'>One figure per activation, at its first swept setting; every setting is in the tables "
            "above.</p>"
            "<p class='meta'>Blue: actlab, red dashed: torch. Log |x| from 1e-30 to 1e4 on each side of 0 (left: "
            "negative x; 0, subnormals and ±FLT_MAX are in the tables only); y: worst ulp on a log scale, “inf” for "
            "a NaN or inf where the true value is finite.</p>"
            f"<div class='accgrid'>{''.join(figs)}</div>"
        )
    return "".join(parts)


register_builtin(
    "accuracy",
    Section(
        "Accuracy: float32 ulps vs 128-bit mpmath",
        "accuracy.json",
        render,
        missing=(
            "<p>No accuracy data. <code>actlab report</code> runs the reduced sweep of the elementwise ops and "
            "normalisers and the learnable pointwise ops it shows (user-defined, gated and other parametric "
            "activations have no mpmath reference) unless "
            "<code>--no-accuracy</code> is given; or run "
            "<code>actlab accuracy --json {out}/data/accuracy.json</code>.</p>"
        ),
        nav="Accuracy",
    ),
)
