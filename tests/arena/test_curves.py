"""Learning-curve images."""

from __future__ import annotations

from actlab.arena import curve_path, plot_curves


def test_one_png_per_task(tmp_path):
    recs = []
    for task, metric, higher in (("digits", "accuracy", True), ("pinn-1d", "rel_l2", False)):
        for i, name in enumerate(("ReLU", "Tanh", "GELU")):
            recs.append({
                "task": task, "activation": name, "family": "", "metric": metric, "higher_is_better": higher,
                "value_mean": 0.5 + 0.1 * i, "value_ci95": 0.05, "values": [0.5, 0.6], "seeds": [0, 1], "lr": 1e-2,
                "baseline": "ReLU", "diverged": 0, "vs_baseline": None,
                "curves": {"step": [1, 2, 3], "train_loss": [1.0, 0.5, None], "val": [0.9, None, 0.5 + 0.1 * i]},
            })  # fmt: skip
    paths = plot_curves(recs, tmp_path / "data")
    assert paths == [curve_path(tmp_path / "data", "digits"), curve_path(tmp_path / "data", "pinn-1d")]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
