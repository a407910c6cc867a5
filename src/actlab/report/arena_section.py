"""The Arena section, from ``data/arena.json`` (written by ``actlab arena``): per task a ranked
leaderboard (mean ± 95% CI, or ± std in older files, over seeds; a note when there are fewer than
3 seeds; significance against the baseline where recorded; the best of each family highlighted)
and the learning curves, drawn from the records' curves (or the PNGs the arena wrote).

Records are read tolerantly: the current format (``task, activation, params, metric,
higher_is_better, value_mean, value_ci95, seeds, values, curves, ...``) and the older one
(``acc_mean, acc_std, acc_curve, loss_curve``)."""

from __future__ import annotations

import html
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .charts import PALETTE, Axis, Series, legend_html, line_chart, nice_ticks
from .sections import Context, Section, data_path, register_builtin
from .tables import table

HIGHLIGHT = 6  # curves drawn in colour (the rest grey)
MIN_SEEDS = 3


@dataclass
class Entry:
    """One (activation, task) result, normalised from either record format."""

    task: str
    name: str
    params: dict[str, Any]
    metric: str
    higher_is_better: bool
    mean: float | None
    err: float | None
    err_kind: str  # "95% CI" or "std"
    seeds: int
    curve: list[float] = field(default_factory=list)
    p_value: float | None = None
    significant: bool | None = None
    family: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _curve(raw: Any, metric: str) -> list[float]:
    """A per-epoch (or per-step) curve of the metric, averaged over seeds when given per seed."""
    if isinstance(raw, dict):
        for key in (metric, "metric", "value", "test", "val", "acc", "test_acc"):
            if key in raw:
                return _curve(raw[key], metric)
        lists = [v for v in raw.values() if isinstance(v, list)]
        return _curve(lists[0], metric) if lists else []
    if isinstance(raw, list) and raw and all(isinstance(v, list) for v in raw):
        n = min(len(v) for v in raw)
        cols = [[_float(v[i]) for v in raw] for i in range(n)]
        return [
            statistics.fmean([c for c in col if c is not None]) if any(c is not None for c in col) else math.nan
            for col in cols
        ]
    if isinstance(raw, list):
        return [math.nan if _float(v) is None else float(v) for v in raw]
    return []


def entry(rec: dict[str, Any]) -> Entry:
    """Normalise one record (see the module docstring)."""
    from ..registry import declaration

    name = str(rec.get("activation", rec.get("name", "?")))
    seeds = rec.get("seeds")
    n_seeds = len(seeds) if isinstance(seeds, list) else int(seeds) if isinstance(seeds, (int, float)) else 0
    values = rec.get("values") or rec.get("per_seed") or rec.get("seed_values")
    if not n_seeds and isinstance(values, list):
        n_seeds = len(values)
    if "value_mean" in rec:
        metric = str(rec.get("metric", "value"))
        mean, err, kind = _float(rec.get("value_mean")), _float(rec.get("value_ci95")), "95% CI"
        if err is None and isinstance(values, list) and len(values) > 1:
            err, kind = statistics.stdev(float(v) for v in values), "std"
        hib = bool(rec.get("higher_is_better", True))
        curve = _curve(rec.get("curves", rec.get("curve")), metric)
    else:  # older records: test accuracy
        metric, hib = "test accuracy", True
        mean, err, kind = _float(rec.get("acc_mean")), _float(rec.get("acc_std")), "std"
        curve = _curve(rec.get("acc_curve"), metric)
    try:
        family = declaration(name).family
    except KeyError:
        family = str(rec.get("family", ""))
    p = _float(rec.get("p_value"))
    sig = rec.get("significant")
    known = {
        "task",
        "activation",
        "name",
        "params",
        "metric",
        "higher_is_better",
        "value_mean",
        "value_ci95",
        "seeds",
        "values",
        "curves",
        "curve",
        "acc_mean",
        "acc_std",
        "acc_curve",
        "loss_curve",
        "p_value",
        "significant",
        "family",
        "per_seed",
        "seed_values",
    }
    extra = {k: v for k, v in rec.items() if k not in known and not isinstance(v, (list, dict))}
    return Entry(
        task=str(rec.get("task", "?")),
        name=name,
        params=dict(rec.get("params") or {}),
        metric=metric,
        higher_is_better=hib,
        mean=mean,
        err=err,
        err_kind=kind,
        seeds=n_seeds,
        curve=curve,
        p_value=p,
        significant=None if sig is None else bool(sig),
        family=family,
        extra=extra,
    )


def _is_fraction(entries: list[Entry]) -> bool:
    vals = [e.mean for e in entries if e.mean is not None]
    return (
        bool(vals)
        and all(0.0 <= v <= 1.0 for v in vals)
        and any(w in entries[0].metric.lower() for w in ("acc", "f1", "auc", "fraction"))
    )


def _value(v: float | None, pct: bool) -> str:
    if v is None:
        return "—"
    return f"{100 * v:.2f}%" if pct else f"{v:.4g}"


def ranked(entries: list[Entry]) -> list[Entry]:
    """Best first (missing values last)."""
    sign = -1.0 if entries and entries[0].higher_is_better else 1.0
    return sorted(entries, key=lambda e: (e.mean is None, sign * (e.mean or 0.0)))


def _params(p: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items())


def leaderboard(entries: list[Entry]) -> str:
    rows = ranked(entries)
    pct = _is_fraction(rows)
    best_of: dict[str, str] = {}
    members: dict[str, int] = {}
    for e in rows:
        members[e.family or e.name] = members.get(e.family or e.name, 0) + 1
        if e.mean is not None:
            best_of.setdefault(e.family or e.name, e.name)
    best_of = {f: n for f, n in best_of.items() if members[f] > 1}  # a family of one has no "best"
    has_sig = any(e.p_value is not None or e.significant is not None for e in rows)
    has_params = any(e.params for e in rows)
    extra_keys = [k for k in dict.fromkeys(k for e in rows for k in e.extra) if k not in ("lr", "epochs")][:3]
    head = (
        ["#", "activation", "family"]
        + (["parameters"] if has_params else [])
        + [f"{rows[0].metric} ({'higher' if rows[0].higher_is_better else 'lower'} is better)", "seeds"]
        + (["vs baseline"] if has_sig else [])
        + [k.replace("_", " ") for k in extra_keys]
    )
    body, classes = [], []
    for i, e in enumerate(rows, 1):
        best = best_of.get(e.family or e.name) == e.name
        if e.seeds >= 2 and e.err is not None:
            val = f"{_value(e.mean, pct)} ± {_value(e.err, pct)} <span class='meta'>({e.err_kind})</span>"
        else:
            val = (
                f"{_value(e.mean, pct)} <span class='meta'>(one seed: no spread)</span>"
                if e.seeds == 1
                else _value(e.mean, pct)
            )
        cells = [
            str(i),
            html.escape(e.name) + (" <span class='badge'>best in family</span>" if best else ""),
            html.escape(e.family or "—"),
        ]
        if has_params:
            cells.append(html.escape(_params(e.params)) or "defaults")
        cells += [val, str(e.seeds or "?")]
        if has_sig:
            mark = "—"
            if e.p_value is not None:
                mark = f"p = {e.p_value:.2g}" + (" *" if e.p_value < 0.05 else "")
            elif e.significant is not None:
                mark = "significant *" if e.significant else "not significant"
            cells.append(mark)
        cells += [html.escape(str(e.extra.get(k, "—"))) for k in extra_keys]
        body.append(cells)
        classes.append("best" if best else "")
    return table(head, body, classes)


def curves_chart(entries: list[Entry], task: str) -> str:
    rows = [e for e in ranked(entries) if e.curve]
    if not rows:
        return ""
    pct = _is_fraction(rows)
    scale = 100.0 if pct else 1.0
    series = []
    for i, e in enumerate(rows):
        xs = list(range(1, len(e.curve) + 1))
        ys = [v * scale for v in e.curve]
        if i < HIGHLIGHT:
            series.append(Series(e.name, xs, ys, PALETTE[i % len(PALETTE)], "", 1.8))
        else:
            series.append(Series("", xs, ys, "#c8c8c8", "", 0.9))
    series = series[HIGHLIGHT:] + series[:HIGHLIGHT]  # grey underneath
    finite = [v for s in series for v in s.ys if v is not None and math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    n = max(len(e.curve) for e in rows)
    x = Axis(1, max(n, 2), "epoch (or logged step)", nice_ticks(1, max(n, 2)))
    y = Axis(lo, hi if hi > lo else lo + 1, f"{rows[0].metric}{' (%)' if pct else ''}", nice_ticks(lo, hi))
    chart = line_chart(
        series, x, y, title=f"{task}: {rows[0].metric} per epoch (mean over seeds)", width=640, height=260, legend=False
    )
    others = len(rows) - HIGHLIGHT
    note = f"<span class='meta'>grey: the other {others}</span>" if others > 0 else ""
    return chart + legend_html([s for s in series if s.label]) + note


def run_line(meta: Any) -> str:
    """Which run the file holds, in words (the report's own short one says how to get more)."""
    if not isinstance(meta, dict) or not meta.get("preset"):
        return ""
    bits = [f"{meta['preset']} preset"]
    if isinstance(meta.get("seeds"), list):
        bits.append(f"{len(meta['seeds'])} seed{'s' if len(meta['seeds']) != 1 else ''}")
    if meta.get("runs") is not None and meta.get("seconds") is not None:
        bits.append(f"{meta['runs']} training runs in {float(meta['seconds']):.0f} s")
    if meta.get("torch"):
        bits.append(f"torch {meta['torch']}")
    text = "Run: " + ", ".join(html.escape(str(b)) for b in bits) + "."
    if meta["preset"] == "report":
        text += (
            " This is the short run <code>actlab report</code> trains itself (digits only); "
            "<code>actlab arena --full</code> trains every hidden-layer activation on eight tasks and replaces it."
        )
    return f"<p class='meta'>{text}</p>"


def render(data: Any, ctx: Context) -> str:
    records = data.get("records", data.get("results", [])) if isinstance(data, dict) else data
    entries = [entry(r) for r in records if isinstance(r, dict)]
    if not entries:
        return "<p>(no records)</p>"
    parts = [run_line(data.get("meta") if isinstance(data, dict) else None)]
    for task in dict.fromkeys(e.task for e in entries):
        group = [e for e in entries if e.task == task]
        seeds = min((e.seeds for e in group if e.seeds), default=0)
        note = ""
        if seeds < MIN_SEEDS:
            note = (
                f"<p class='warn'>Only {seeds} seed{'s' if seeds != 1 else ''}: the ranking is not reliable; "
                f"run <code>actlab arena --seeds 3</code> or more.</p>"
            )
        lr = {e.extra.get("lr") for e in group if "lr" in e.extra}
        lr_txt = f" Learning rate: {', '.join(str(v) for v in sorted(lr, key=str))}." if lr else ""
        parts.append(f"<h3>{html.escape(task)}</h3>{note}<p class='meta'>{len(group)} activations.{lr_txt}</p>")
        parts.append(leaderboard(group))
        chart = curves_chart(group, task)
        png = data_path(ctx.out, f"arena-{task}.png")
        if chart:
            parts.append(f"<figure class='curves'>{chart}</figure>")
        elif png.is_file():
            rel = Path(png).relative_to(ctx.out).as_posix()
            alt = html.escape(f"{task} learning curves")
            parts.append(f"<figure class='curves'><img src='{html.escape(rel)}' alt='{alt}'></figure>")
    return "".join(parts)


register_builtin(
    "arena",
    Section(
        "Arena: training with each activation",
        "arena.json",
        render,
        missing=(
            "<p>Not run yet. Run <code>actlab arena --out {out}</code> (trains every hidden-layer activation on "
            "each task, several seeds; minutes), then <code>actlab report --out {out}</code> again; "
            "<code>actlab report</code> without <code>--no-arena</code> trains a short run itself.</p>"
        ),
        nav="Arena",
    ),
)
