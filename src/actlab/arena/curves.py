"""Learning-curve images: one PNG per task, ``<dir>/arena-<task>.png``.

Left: the validation score along training (mean over seeds at each activation's chosen rate);
the best ``highlight`` activations in colour, the baseline black and dashed, the rest grey
(log scale for error metrics). Right: the test score, mean with its 95% CI, per activation,
coloured by the paired comparison with the baseline (green better, red worse, grey neither).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .leaderboard import leaderboard

LOG_METRICS = ("rmse", "rel_l2")


def curve_path(out_dir: Path, task: str) -> Path:
    """Where :func:`plot_curves` writes the image of ``task``."""
    return Path(out_dir) / f"arena-{task}.png"


def plot_curves(records: Sequence[dict[str, Any]], out_dir: Path, highlight: int = 6) -> list[Path]:
    """Write one image per task in ``records``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for task in dict.fromkeys(r["task"] for r in records):
        rows = leaderboard(records, task)
        by_name = {r["activation"]: r for r in records if r["task"] == task}
        first = by_name[rows[0].activation]
        metric, base = first["metric"], first["baseline"]
        fig, (ax_c, ax_f) = plt.subplots(1, 2, figsize=(12, max(4.2, 0.22 * len(rows) + 1.2)))
        colours = plt.get_cmap("tab10")
        for i, row in reversed(list(enumerate(rows))):
            r = by_name[row.activation]
            val = [float("nan") if v is None else v for v in r["curves"]["val"]]
            if row.activation == base:
                style: dict[str, Any] = {"color": "black", "ls": "--", "lw": 1.6, "label": f"{base} (baseline)"}
            elif i < highlight:
                style = {"color": colours(i), "lw": 1.8, "label": row.activation}
            else:
                style = {"color": "0.78", "lw": 0.8}
            ax_c.plot(r["curves"]["step"], val, **style)
        ax_c.set(xlabel="step", ylabel=f"validation {metric} (mean over seeds)", title=f"{task}: learning curves")
        if metric in LOG_METRICS:
            ax_c.set_yscale("log")
        handles, labels = ax_c.get_legend_handles_labels()  # drawn worst first: list best first
        shown = min(highlight, sum(1 for row in rows if row.activation != base))
        title = f"best {shown}" + (" (grey: others)" if len(rows) > shown + 1 else "")
        ax_c.legend(handles[::-1], labels[::-1], fontsize=8, title=title, title_fontsize=8)
        ax_c.grid(alpha=0.3)

        ys = list(range(len(rows)))[::-1]
        for y, row in zip(ys, rows):
            if row.value_mean is None:
                continue
            colour = "green" if row.mark.startswith("▲") else "red" if row.mark.startswith("▼") else "0.4"
            colour = "black" if row.mark == "=" else colour
            ax_f.errorbar(row.value_mean, y, xerr=row.value_ci95 or 0.0, fmt="o", color=colour, ms=4, capsize=2)
        ax_f.set_yticks(ys, [f"{r.activation} {r.mark}".strip() for r in rows], fontsize=8)
        ax_f.set(xlabel=f"test {metric} (mean ± 95% CI)", title=f"{task}: test score (green/red: vs {base}, p < 0.05)")
        if metric in LOG_METRICS:
            ax_f.set_xscale("log")
        ax_f.grid(alpha=0.3)
        fig.tight_layout()
        path = curve_path(out_dir, task)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths
