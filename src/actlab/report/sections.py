"""Extension hook: sections of the report filled from JSON results other commands write.

A section is a title, a file under ``<out>/data/`` and a function turning the parsed JSON into
HTML. Built in (always shown: a placeholder names the command that fills a missing file):

* ``data/accuracy.json`` — ``actlab accuracy --json OUT/data/accuracy.json`` (the report runs the
  reduced sweep itself when the file is missing or does not cover the report);
* ``data/bench.json``    — ``actlab bench --json OUT/data/bench.json``;
* ``data/arena.json``    — ``actlab arena --out OUT``.

Another module adds its own with :func:`register_section` (shown only when its file exists).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = "data"


@dataclass(frozen=True)
class Context:
    """What a section may need besides its JSON: the report's directory and activations."""

    out: Path
    names: tuple[str, ...] = ()
    torch_version: str = ""


Render = Callable[[Any, Context], str]


@dataclass(frozen=True)
class Section:
    title: str
    filename: str  # under <out>/data/
    render: Render
    note: str = ""
    missing: str = ""  # HTML shown when the file does not exist ("" = leave it out); {out}: the report dir
    nav: str = ""  # short name in the sidebar
    extra: dict[str, Any] = field(default_factory=dict)


SECTIONS: dict[str, Section] = {}


def data_path(out: str | Path, filename: str) -> Path:
    """Where a section's JSON lives: ``<out>/data/<filename>``."""
    return Path(out) / DATA_DIR / filename


def register_section(
    key: str, title: str, filename: str, render: Callable[[Any], str] | None = None, note: str = ""
) -> None:
    """Include ``<out>/data/<filename>`` (JSON) in the report as a section titled ``title``;
    ``render`` maps the parsed JSON to HTML (default: :func:`table` of its records)."""
    fn = render or table
    SECTIONS[key] = Section(title, filename, lambda data, ctx: fn(data), note)


def register_builtin(key: str, section: Section) -> None:
    """A section whose renderer also takes the :class:`Context` (the built-in ones)."""
    SECTIONS[key] = section


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
    """An HTML table of a list of records (or of ``data["results"]``), for extension sections."""
    rows = data.get("results", []) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        return "<p>(no records)</p>"
    rows = [_flat(r) for r in rows if isinstance(r, dict)]
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def render_all(ctx: Context) -> list[tuple[str, Section, str]]:
    """(key, section, html) for every registered section with a file, or a placeholder."""
    found = []
    for key, s in SECTIONS.items():
        path = data_path(ctx.out, s.filename)
        if not path.is_file():
            if s.missing:
                text = s.missing.replace("{out}", html.escape(str(ctx.out)))
                found.append((key, s, f"<div class='placeholder'>{text}</div>"))
            continue
        try:
            body = s.render(json.loads(path.read_text()), ctx)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            body = f"<p class='warn'>could not read {html.escape(path.name)}: {html.escape(str(exc))}</p>"
        note = f"<p class='meta'>{html.escape(s.note)}</p>" if s.note else ""
        found.append((key, s, f"{note}{body}<p class='meta'>data: {DATA_DIR}/{html.escape(s.filename)}</p>"))
    return found
