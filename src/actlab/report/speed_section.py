"""The Speed and memory section, from ``data/bench.json`` (format: :mod:`actlab.bench`).

Rows are grouped by pass (fwd, fwd+bwd, double backward), size, dtype and threads, whatever the
file holds (older files lack dtype/threads per row and the spreads). Each group is a bar chart of
actlab's time over torch's per activation, on a log scale around 1x, with the spread of the
repeats as a whisker where the file records it, and a compact table under a disclosure."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from . import bars, speed_catalog
from .bars import ms_text, ratio_text
from .sections import Context, Section, register_builtin
from .tables import names, table

PASSES = {"fwd": "forward", "fwdbwd": "forward + backward", "double": "double backward"}
NOISY = 1.2  # p90 / p10 above this marks a row's timing as noisy


def _size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20}M"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024}K"
    return f"{n:,}"


def machine(meta: dict[str, Any]) -> str:
    """The meta block in words."""
    native = meta.get("native", meta.get("fast"))
    if isinstance(native, dict):
        used = native.get("used")
        native_txt = f"native kernels {'used' if used else 'not used'}" + (
            f" ({native['ready']} ready)" if isinstance(native.get("ready"), int) else ""
        )
    elif native is None:
        native_txt = "native kernels: not recorded"
    else:
        native_txt = f"native kernels {'used' if native else 'not used'}"
    threads = meta.get("threads")
    head = f"Measured on {meta.get('device', 'an unrecorded device')}"
    if isinstance(threads, list) and threads:  # one or several thread counts (actlab bench --threads)
        counts = " and ".join(str(t) for t in threads)
        head += f" with {counts} thread{'s' if threads != [1] else ''}"
    elif threads:
        head += f" with {threads} thread{'s' if threads != 1 else ''}"
    parts = [
        head,
        f"torch {meta['torch']}" if meta.get("torch") else "",
        f"{meta['dtype']}" if meta.get("dtype") else ", ".join(str(d) for d in meta.get("dtypes") or ()),
        native_txt,
        f"median of {meta['repeats']} rounds" if meta.get("repeats") else "median of the default rounds",
        f"allocator: {meta['allocator']}" if meta.get("allocator") else "",
        "quick run" if meta.get("quick") else "",
        f"at {meta['time']}" if meta.get("time") else "",
    ]
    text = ", ".join(p for p in parts if p) + "."
    if meta.get("note"):
        text += f" Note: {meta['note']}."
    return text


def _key(row: dict[str, Any], meta: dict[str, Any]) -> tuple[int, int, str, str]:
    order = list(PASSES)
    p = row.get("pass", "fwd")
    return (
        order.index(p) if p in order else len(order),
        -int(row.get("numel", 0)),
        str(row.get("dtype", meta.get("dtype", ""))),
        str(row.get("threads", meta.get("threads", ""))),
    )


def _group_title(row: dict[str, Any], meta: dict[str, Any]) -> str:
    p = row.get("pass", "fwd")
    dtype = row.get("dtype", meta.get("dtype"))
    threads = row.get("threads", meta.get("threads"))
    bits = [PASSES.get(p, str(p)), f"{_size(int(row.get('numel', 0)))} elements"]
    if dtype:
        bits.append(str(dtype))
    if threads:
        bits.append(f"{threads} thread{'s' if threads != 1 else ''}")
    return ", ".join(bits)


def vs_torch(row: dict[str, Any]) -> tuple[float | None, tuple[float, float] | None]:
    """actlab time / torch time, and its range from the repeats' spreads (p10..p90) if recorded."""
    ms = row.get("ms") or {}
    ratio = (row.get("ratio") or {}).get("torch")
    if ratio is None and ms.get("actlab") and ms.get("torch"):
        ratio = ms["actlab"] / ms["torch"]
    spread = row.get("spread") or {}
    a, t = spread.get("actlab"), spread.get("torch")
    rng = None
    if a and t and len(a) == 2 and len(t) == 2 and min(t) > 0:
        rng = (a[0] / t[1], a[1] / t[0])
    return ratio, rng


def _bar(row: dict[str, Any]) -> str:
    name = str(row.get("name"))
    ratio, rng = vs_torch(row)
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        naive = (row.get("ratio") or {}).get("naive")
        why = "no torch counterpart" + (f"; vs the naive formula {ratio_text(naive)}" if naive else "")
        return bars.note(name, why)
    tip = f"actlab / torch = {ratio:.3f}" + (f" (repeats: {rng[0]:.2f} … {rng[1]:.2f})" if rng else "")
    return bars.bar(name, ratio, ratio < 1, tip, rng)


def _table(rows: Iterable[dict[str, Any]]) -> str:
    head = (
        "activation",
        "actlab ms",
        "torch ms",
        "actlab / torch",
        "actlab / naive",
        "repeats p10–p90 (actlab ms)",
        "saved for backward, MB: actlab / torch",
    )
    body = []
    for r in rows:
        ms, ratio, spread, saved = (
            r.get("ms") or {},
            r.get("ratio") or {},
            r.get("spread") or {},
            r.get("saved_bytes") or {},
        )
        sp = spread.get("actlab")
        noisy = bool(sp and sp[0] > 0 and sp[1] / sp[0] > NOISY)
        sp_txt = f"{ms_text(sp[0])}–{ms_text(sp[1])}{' (noisy)' if noisy else ''}" if sp else "not recorded"
        mb = "—"
        if saved.get("actlab") is not None or saved.get("torch") is not None:
            mb = " / ".join("—" if saved.get(k) is None else f"{saved[k] / 1e6:.3g}" for k in ("actlab", "torch"))
        cells = (
            html.escape(str(r.get("name"))),
            ms_text(ms.get("actlab")),
            ms_text(ms.get("torch")),
            ratio_text(vs_torch(r)[0]),
            ratio_text(ratio.get("naive")),
            sp_txt,
            mb,
        )
        body.append(cells)
    return table(head, body)


def comparable_names(report_names: Iterable[str]) -> list[str]:
    """The names torch.nn has a module for (unknown names, e.g. from an older file, count as comparable)."""
    from ..bench import torch_module
    from ..registry import declaration

    out = []
    for n in report_names:
        try:
            d = declaration(n)
        except KeyError:
            out.append(n)
            continue
        if torch_module(d) is not None:
            out.append(n)
    return out


def render(data: Any, ctx: Context) -> str:
    meta = data.get("meta") or {} if isinstance(data, dict) else {}
    rows = [r for r in (data.get("results") or []) if isinstance(r, dict)] if isinstance(data, dict) else []
    parts = [f"<p class='meta'>{html.escape(machine(meta))}</p>"]
    if meta.get("torch") and ctx.torch_version and meta["torch"] != ctx.torch_version:
        parts.append(
            f"<p class='warn'>Stale: measured with torch {html.escape(str(meta['torch']))}, this report runs "
            f"{html.escape(ctx.torch_version)}. Run "
            f"<code>actlab bench --json {html.escape(str(ctx.out))}/data/bench.json</code>.</p>"
        )
    benched = {r.get("name") for r in rows}
    comparable = set(comparable_names(ctx.names))
    missing = [n for n in ctx.names if n not in benched and n in comparable]
    if rows and missing:
        parts.append(f"<p class='meta'>Not in this file: {names(missing)}.</p>")
    others = [n for n in ctx.names if n not in benched and n not in comparable]
    if rows and others:
        parts.append(
            f"<p class='meta'>{len(others)} activation{'s' if len(others) != 1 else ''} without a torch.nn "
            "counterpart are not in this file (<code>actlab bench NAME</code> times them against their textbook "
            "composition, the elementwise ones also against torch's SiLU).</p>"
        )
    if not rows:
        return "".join(parts) + "<p>(no rows)</p>"
    catalog, ours = [], []  # rows timed against torch's SiLU (the catalog), the others against torch
    for r in rows:
        (catalog if vs_torch(r)[0] is None and speed_catalog.silu_ratio(r) is not None else ours).append(r)
    if ours:
        parts.append(
            "<p>Bars: actlab's median time over torch's for the same module on the same input "
            "(left of the line: actlab is faster; log scale, 1/8× … 8×); whiskers: the spread of the "
            "repeats (p10 … p90) where the file records it.</p>"
        )
    for group in _groups(ours, meta):
        title = _group_title(group[0], meta)
        chart = "".join(_bar(r) for r in group) + bars.scale()
        parts.append(
            f"<h3>{html.escape(title)}</h3><div class='bars'>{chart}</div>"
            f"<details><summary>table ({len(group)} rows)</summary>{_table(group)}</details>"
        )
    if catalog:
        parts.append(speed_catalog.INTRO)
    for group in _groups(catalog, meta):
        title = f"The catalog, {_group_title(group[0], meta)}"
        parts.append(f"<h3>{html.escape(title)}</h3>{speed_catalog.chart(group)}")
    return "".join(parts)


def _groups(rows: list[dict[str, Any]], meta: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Rows by pass, size, dtype and threads (the charts), in that order."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: _key(r, meta)):
        groups.setdefault(_key(r, meta), []).append(r)
    return list(groups.values())


register_builtin(
    "bench",
    Section(
        "Speed and memory: actlab vs torch",
        "bench.json",
        render,
        missing=(
            "<p>Not measured yet. Run <code>actlab bench --json {out}/data/bench.json</code> (all activations at 64K "
            "and 4M elements; a few minutes) or <code>actlab bench --quick --json {out}/data/bench.json</code> "
            "(64K only, under a minute), then <code>actlab report --out {out}</code> again; "
            "<code>actlab report</code> without <code>--no-bench</code> runs a quick one itself.</p>"
        ),
        nav="Speed",
    ),
)
