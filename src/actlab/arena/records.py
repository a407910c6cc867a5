"""Result records: one per (task, activation), the paired comparison with the task's baseline,
and the JSON file (schema in :mod:`actlab.arena` and docs/arena.md).

Values that are not finite (diverged runs, an infinite validation score) are written as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..registry import declaration
from .layers import reported_params
from .stats import holm, mean_ci95, paired_t_test
from .training import Run
from .tuning import Sweep

ALPHA = 0.05  # significance level of the paired tests
SCHEMA_VERSION = 2


def finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def mean_curve(runs: Sequence[Run], attr: str, length: int) -> list[float | None]:
    """Mean over runs of a curve at each checkpoint (runs that stopped early leave gaps)."""
    out = []
    for i in range(length):
        vals = [getattr(r, attr)[i] for r in runs if i < len(getattr(r, attr))]
        vals = [v for v in vals if math.isfinite(v)]
        out.append(math.fsum(vals) / len(vals) if vals else None)
    return out


def record(result: Sweep) -> dict[str, Any]:
    """The record of one sweep (``vs_baseline`` is filled by :func:`compare`)."""
    task, decl = result.task, declaration(result.activation)
    runs = result.chosen()
    values = [finite(r.test) for r in runs]
    ok = [v for v in values if v is not None]
    mean, ci = mean_ci95(ok) if ok else (None, None)
    longest = max(runs, key=lambda r: len(r.steps))
    return {
        "task": task.name,
        "activation": decl.name,
        "kind": decl.kind_label,
        "family": decl.family,
        "params": reported_params(decl),
        "metric": task.metric,
        "higher_is_better": task.higher_is_better,
        "value_mean": mean,
        "value_ci95": ci,
        "values": values,
        "seeds": list(result.seeds),
        "lr": result.lr,
        "lr_grid": list(result.lrs),
        "val_by_lr": [finite(v) for v in result.scores().values()],
        "tune_seeds": list(result.tune_seeds),
        "lr_per_seed": result.best_lr_per_seed(),
        "val_values": [finite(r.val) for r in runs],
        "diverged": sum(r.diverged for r in runs),
        "steps": task.steps,
        "sec_per_run": math.fsum(r.seconds for r in runs) / len(runs),
        "engine": None,  # engine, host and node: filled by the engine that ran the sweep (.engines)
        "host": None,
        "node": None,
        "baseline": task.baseline,
        "vs_baseline": None,
        "curves": {
            "step": list(longest.steps),
            "train_loss": mean_curve(runs, "train_loss", len(longest.steps)),
            "val": mean_curve(runs, "val_curve", len(longest.steps)),
        },
    }


def compare(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill ``vs_baseline`` of every record whose task's baseline is among the records: the paired
    t-test of its per-seed test values against the baseline's (seeds where both are finite),
    p-values Holm-adjusted over the task's comparisons, ``better``/``worse`` at p < 0.05."""
    for task in dict.fromkeys(r["task"] for r in records):
        rows = [r for r in records if r["task"] == task]
        base = next((r for r in rows if r["activation"] == r["baseline"]), None)
        if base is None:
            continue
        tests = {}
        for r in rows:
            if r is base:
                continue
            pairs = [(a, b) for a, b in zip(r["values"], base["values"]) if a is not None and b is not None]
            if r["seeds"] != base["seeds"] or not pairs:
                continue
            tests[r["activation"]] = paired_t_test([a for a, _ in pairs], [b for _, b in pairs])
        adjusted = dict(zip(tests, holm([t.p for t in tests.values()])))
        for r in rows:
            test = tests.get(r["activation"])
            if test is None:
                continue
            sign = 1 if r["higher_is_better"] else -1
            significant = test.p is not None and test.p < ALPHA
            r["vs_baseline"] = {
                "n": test.n,
                "diff_mean": test.diff_mean,
                "diff_ci95": test.diff_ci95,
                "t": finite(test.t),
                "p": test.p,
                "p_holm": adjusted[r["activation"]],
                "significant": significant,
                "significant_holm": adjusted[r["activation"]] is not None and adjusted[r["activation"]] < ALPHA,
                "better": significant and sign * test.diff_mean > 0,
                "worse": significant and sign * test.diff_mean < 0,
            }
    return records


def write_json(records: Sequence[dict[str, Any]], path: Path, meta: dict[str, Any] | None = None) -> Path:
    """``{"meta": {...}, "results": [records]}`` to ``path`` (strict JSON: no NaN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"meta": {"schema": SCHEMA_VERSION, **(meta or {})}, "results": list(records)}
    path.write_text(json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False) + "\n")
    return path


def load_json(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(meta, records) of an arena file; a bare list (the schema-1 format) has empty meta."""
    doc = json.loads(Path(path).read_text())
    if isinstance(doc, list):
        return {}, doc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise ValueError(f"{path}: not an arena file (expected {{'meta', 'results'}})")
    return doc.get("meta", {}), doc["results"]
