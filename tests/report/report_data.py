"""Small data files in the formats the report reads: accuracy (old list and current), bench (old
and with the new per-row fields), arena (issue 16's records and the older ones)."""

from __future__ import annotations

from typing import Any


def bench_old() -> dict[str, Any]:
    """A bench.json as actlab bench wrote it before issue 13 (meta.fast, no spread)."""
    rows = []
    for name, r in (("ELU", 0.9), ("GELU", 1.6), ("Swish", None)):
        for numel in (65_536, 4_000_000):
            for pas in ("fwd", "fwdbwd"):
                ms = {"actlab": 1.0, "naive": 2.0} | ({"torch": 1.0 / r} if r else {})
                ratio = {"naive": 0.5} | ({"torch": r} if r else {})
                saved = {"torch": 262144, "actlab": 262144} if pas == "fwdbwd" else {}
                rows.append(
                    {
                        "name": name,
                        "family": "x",
                        "numel": numel,
                        "shape": [numel],
                        "pass": pas,
                        "ms": ms,
                        "ratio": ratio,
                        "saved_bytes": saved,
                    }
                )
    meta = {
        "torch": "2.13.0+cpu",
        "device": "cpu",
        "threads": 1,
        "dtype": "float32",
        "fast": {"mode": None, "ready": 79, "pending": 0, "failed": 0, "used": True},
        "time": "2026-11-29T02:52:46Z",
        "repeats": None,
        "quick": False,
    }
    return {"meta": meta, "floor": {"65536": 0.01}, "results": rows}


def bench_new() -> dict[str, Any]:
    """With per-row dtype/threads, a double-backward pass, spreads and meta.native."""
    rows = []
    for name, r in (("ELU", 0.5), ("<b>Evil</b>", 3.0)):
        for pas in ("fwd", "fwdbwd", "double"):
            rows.append(
                {
                    "name": name,
                    "numel": 65_536,
                    "pass": pas,
                    "dtype": "float32",
                    "threads": 2,
                    "ms": {"actlab": r, "torch": 1.0},
                    "ratio": {"torch": r},
                    "spread": {"actlab": [0.9 * r, 1.5 * r], "torch": [0.95, 1.05]},
                }
            )
    return {"meta": {"torch": "0.0-other", "device": "cpu", "native": True}, "results": rows}


def arena_new(seeds: int = 3) -> list[dict[str, Any]]:
    """Issue 16's records: two tasks, one metric each (one lower-is-better)."""
    recs = []
    for task, metric, hib, vals in (
        ("digits", "test accuracy", True, {"ReLU": 0.95, "GELU": 0.97, "Tanh": 0.93, "ELU": 0.96, "SiLU": 0.94}),
        ("pinn", "test error", False, {"ReLU": 0.30, "GELU": 0.10, "Tanh": 0.05, "ELU": 0.20}),
    ):
        for name, v in vals.items():
            recs.append(
                {
                    "task": task,
                    "activation": name,
                    "params": {},
                    "metric": metric,
                    "higher_is_better": hib,
                    "value_mean": v,
                    "value_ci95": 0.01,
                    "seeds": list(range(seeds)),
                    "lr": 0.01,
                    "values": [v] * seeds,
                    "curves": {metric: [[v * k / 5 for k in range(1, 6)]] * seeds},
                    "p_value": 0.01 if name == "GELU" else 0.5,
                }
            )
    return recs


def arena_old() -> list[dict[str, Any]]:
    """The records actlab arena wrote before issue 16 (accuracy only, std)."""
    return [
        {
            "activation": n,
            "task": "spirals",
            "seeds": [0],
            "epochs": 3,
            "acc_mean": a,
            "acc_std": 0.0,
            "final_loss": 0.5,
            "epochs_to_90": 2.0,
            "sec_per_epoch": 0.01,
            "acc_curve": [a / 3, a / 2, a],
            "loss_curve": [1.0, 0.7, 0.5],
        }
        for n, a in (("ReLU", 0.6967), ("Mish", 0.81))
    ]
