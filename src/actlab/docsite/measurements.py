"""Per-activation measurements for the pages: float32 accuracy from the sweep's JSON
(``actlab accuracy --json docs/data/accuracy.json``) and speed vs torch from the benchmark's
(``actlab bench --json docs/data/bench.json``). A missing file means "not measured", never an error."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.accuracy import load_json


@dataclass
class Measurements:
    """The records of each activation (keyed by declaration name) and where they came from."""

    accuracy: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    accuracy_meta: dict[str, Any] = field(default_factory=dict)
    speed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    speed_meta: dict[str, Any] = field(default_factory=dict)


def _owner(label: str, names: set[str]) -> str | None:
    """The declaration a sweep label belongs to: ``GELU(tanh)`` -> ``GELU``."""
    base = label.split("(", 1)[0]
    return base if base in names else None


def load(folder: Path, names: list[str]) -> Measurements:
    """Read ``accuracy.json`` and ``bench.json`` of ``folder`` (either may be absent)."""
    known = set(names)
    out = Measurements()
    acc = folder / "accuracy.json"
    if acc.exists():
        meta, records = load_json(json.loads(acc.read_text()))
        out.accuracy_meta = meta
        for rec in records:
            owner = _owner(str(rec.get("op", "")), known)
            if owner:
                out.accuracy.setdefault(owner, []).append(rec)
    bench = folder / "bench.json"
    if bench.exists():
        data = json.loads(bench.read_text())
        out.speed_meta = dict(data.get("meta") or {})
        for row in data.get("results") or []:
            if row.get("name") in known:
                out.speed.setdefault(row["name"], []).append(row)
    return out
