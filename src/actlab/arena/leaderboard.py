"""Leaderboards: activations ranked per task, with CIs and the paired comparison to the baseline.

Marks: ``▲`` significantly better than the baseline, ``▼`` significantly worse (paired t-test
over seeds, p < 0.05); ``*`` added when the difference stays significant after the Holm
correction over the task's comparisons; ``=`` the baseline itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .stats import min_detectable_t

RELIABLE_SEEDS = 5  # the full run's seed count; fewer: the board says differences may not resolve


@dataclass(frozen=True)
class Row:
    """One leaderboard line (``diff_*``, ``p*`` are None for the baseline or without one)."""

    rank: int
    activation: str
    family: str
    value_mean: float | None
    value_ci95: float | None
    seeds: int
    lr: float
    diff_mean: float | None
    diff_ci95: float | None
    p: float | None
    p_holm: float | None
    mark: str
    diverged: int


def mark(r: dict[str, Any]) -> str:
    if r["activation"] == r.get("baseline"):
        return "="
    vs = r.get("vs_baseline")
    if not vs or not vs["significant"]:
        return ""
    return ("▲" if vs["better"] else "▼") + ("*" if vs["significant_holm"] else "")


def _order(r: dict[str, Any]) -> tuple[bool, float]:
    v = r["value_mean"]
    if v is None:
        return True, 0.0
    return False, -v if r["higher_is_better"] else v


def leaderboard(records: Sequence[dict[str, Any]], task: str) -> list[Row]:
    """The ranked rows of ``task`` (best first; activations without a finite value last)."""
    rows = sorted((r for r in records if r["task"] == task), key=_order)
    if not rows:
        raise ValueError(f"no records for task {task!r}")
    out = []
    for i, r in enumerate(rows, 1):
        vs = r.get("vs_baseline") or {}
        out.append(
            Row(
                i,
                r["activation"],
                r.get("family", ""),
                r["value_mean"],
                r["value_ci95"],
                len(r["seeds"]),
                r["lr"],
                vs.get("diff_mean"),
                vs.get("diff_ci95"),
                vs.get("p"),
                vs.get("p_holm"),
                mark(r),
                r.get("diverged", 0),
            )
        )
    return out


def _num(v: float | None, metric: str, width: int = 0) -> str:
    if v is None:
        return "—".rjust(width)
    if metric == "accuracy":
        return f"{100 * v:.2f}".rjust(width)
    return f"{v:.4g}".rjust(width)


def honesty_note(records: Sequence[dict[str, Any]], task: str) -> str:
    """What the seeds can and cannot resolve on ``task``."""
    rows = [r for r in records if r["task"] == task]
    n = len(rows[0]["seeds"])
    base = rows[0]["baseline"]
    if not any(r["activation"] == base for r in rows):
        return f"no comparison: the baseline {base} was not run"
    if n < 2:
        return "1 seed: no confidence intervals and no test; this ranking cannot separate activations"
    t = min_detectable_t(n)
    sig = sum(1 for r in rows if (r.get("vs_baseline") or {}).get("significant"))
    note = f"{n} seeds: a paired t-test needs |t| > {t:.2f} for p < 0.05"
    if n < RELIABLE_SEEDS:
        note += f"; too few seeds to separate most activations (use --full, {RELIABLE_SEEDS} seeds)"
    if sig == 0:
        note += f"; no activation differs significantly from {base}"
    return note


def seeds(n: int) -> str:
    """``1 seed``, ``5 seeds``."""
    return f"{n} seed" if n == 1 else f"{n} seeds"


def format_task(records: Sequence[dict[str, Any]], task: str, top: int | None = None, bottom: int = 0) -> str:
    """The text leaderboard of one task (``top``/``bottom``: only the best/worst rows)."""
    rows = leaderboard(records, task)
    first = next(r for r in records if r["task"] == task)
    metric, better = first["metric"], "higher" if first["higher_is_better"] else "lower"
    unit = "%" if metric == "accuracy" else ""
    head = (
        f"{task}: test {metric}{' (%)' if unit else ''}, {better} is better; mean ± 95% CI over {seeds(rows[0].seeds)} "
        f"at the validation-chosen rate; vs {first['baseline']}: paired t-test"
    )
    lines = [head, f"  {honesty_note(records, task)}"]
    lines.append(f"  {'#':>2} {'activation':<16} {'mean':>9} {'± CI':>8} {'lr':>7} {'Δ vs base':>10} {'p':>7}  sig")
    shown: list[Row | None] = list(rows)
    if top is not None and len(rows) > top + bottom:
        shown = [*rows[:top], None, *(rows[-bottom:] if bottom else [])]
    for row in shown:
        if row is None:
            lines.append("  ...")
            continue
        scale = 100 if metric == "accuracy" else 1
        diff = "" if row.diff_mean is None else f"{scale * row.diff_mean:+.3g}"
        p = "" if row.p is None else f"{row.p:.3f}" if row.p >= 0.001 else f"{row.p:.0e}"
        flag = f" diverged×{row.diverged}" if row.diverged else ""
        lines.append(
            f"  {row.rank:>2} {row.activation:<16} {_num(row.value_mean, metric, 9)} {_num(row.value_ci95, metric, 8)}"
            f" {row.lr:>7.0e} {diff:>10} {p:>7}  {row.mark}{flag}"
        )
    return "\n".join(lines)


def format_leaderboards(records: Sequence[dict[str, Any]], top: int | None = None, bottom: int = 0) -> str:
    """Every task's leaderboard and the key to the marks."""
    parts = [format_task(records, t, top, bottom) for t in dict.fromkeys(r["task"] for r in records)]
    parts.append("sig: ▲/▼ better/worse than the baseline (paired t, p < 0.05); * also after Holm; = baseline")
    return "\n\n".join(parts)
