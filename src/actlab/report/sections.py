"""Extension hook: sections of the report filled from JSON results other commands write.

A section is a title, a file under ``<out>/data/`` and a function turning the parsed JSON into
HTML. The report includes a section only when its file exists. Built in:

* ``data/accuracy.json`` — ``actlab accuracy --json OUT/data/accuracy.json`` (list of records);
* ``data/bench.json``    — ``actlab bench --json OUT/data/bench.json`` (``{"meta", "floor", "results"}``);
* ``data/arena.json``    — ``actlab arena --out OUT`` (list of records per activation and task).

Another module adds its own with :func:`register_section` (see docs/report.md).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = "data"
Render = Callable[[Any], str]


@dataclass(frozen=True)
class Section:
    title: str
    filename: str  # under <out>/data/
    render: Render
    note: str = ""


SECTIONS: dict[str, Section] = {}


def data_path(out: str | Path, filename: str) -> Path:
    """Where a section's JSON lives: ``<out>/data/<filename>``."""
    return Path(out) / DATA_DIR / filename


def register_section(key: str, title: str, filename: str, render: Render | None = None, note: str = "") -> None:
    """Include ``<out>/data/<filename>`` (JSON) in the report as a section titled ``title``;
    ``render`` maps the parsed JSON to HTML (default: :func:`table` of its records)."""
    SECTIONS[key] = Section(title, filename, render or table, note)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.4g}"
    if isinstance(v, (list, dict)):
        s = json.dumps(v)
        return html.escape(s if len(s) <= 60 else s[:57] + "...")
    return html.escape("" if v is None else str(v))


def _flat(rec: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if isinstance(v, dict) and v and all(not isinstance(x, (dict, list)) for x in v.values()):
            out.update(_flat(v, f"{prefix}{k}."))
        elif not (isinstance(v, list) and len(v) > 8):  # long curves do not fit a table
            out[f"{prefix}{k}"] = v
    return out


def table(data: Any) -> str:
    """A sortable-by-eye HTML table of a list of records (or of ``data["results"]``)."""
    rows = data.get("results", []) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        return "<p>(no records)</p>"
    rows = [_flat(r) for r in rows if isinstance(r, dict)]
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    meta = ""
    if isinstance(data, dict) and isinstance(data.get("meta"), dict):
        meta = "<p class='meta'>" + html.escape(", ".join(f"{k}: {v}" for k, v in data["meta"].items())) + "</p>"
    return f"{meta}<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def render_all(out: str | Path) -> list[tuple[str, str, str]]:
    """(key, title, html) for every registered section whose file exists under ``out``."""
    found = []
    for key, s in SECTIONS.items():
        path = data_path(out, s.filename)
        if not path.is_file():
            continue
        try:
            body = s.render(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            body = f"<p class='warn'>could not read {html.escape(str(path.name))}: {html.escape(str(exc))}</p>"
        note = f"<p class='meta'>{html.escape(s.note)}</p>" if s.note else ""
        found.append((key, s.title, f"{note}<p class='meta'>source: {DATA_DIR}/{html.escape(s.filename)}</p>{body}"))
    return found


register_section("accuracy", "Accuracy: float32 ulps vs 128-bit mpmath", "accuracy.json", note="actlab accuracy --json")
register_section("bench", "Speed: actlab vs torch", "bench.json", note="actlab bench --json")
register_section("arena", "Arena: training with each activation", "arena.json", note="actlab arena --out")
