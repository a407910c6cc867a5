"""Records: the fields issue 16 asks for, the paired comparison with the baseline, the JSON file."""

from __future__ import annotations

import json
import math

import pytest

from actlab import declaration
from actlab.arena import TASKS, records, tuning
from actlab.arena.training import Run

scipy_stats = pytest.importorskip("scipy.stats")

REQUIRED = {
    "task", "activation", "params", "metric", "higher_is_better", "value_mean", "value_ci95", "seeds", "lr",
    "values", "curves",
}  # fmt: skip


def scripted_sweep(name: str, tests: list[float], task: str = "digits") -> tuning.Sweep:
    """A sweep whose chosen-rate test scores are ``tests`` (one per seed)."""

    def trainer(t, decl, seed, lr):
        run = Run(lr, seed, steps=[5, 10], train_loss=[1.0, 0.5], val_curve=[0.5, lr], val=lr, test=tests[seed])
        return run

    return tuning.sweep(TASKS[task], declaration(name), range(len(tests)), [1e-3, 1e-2], tune_seeds=2, trainer=trainer)


def test_record_has_the_issue_fields_and_the_chosen_rate():
    r = records.record(scripted_sweep("GELU", [0.91, 0.93, 0.92, 0.95, 0.90]))
    assert REQUIRED <= set(r)
    assert r["task"] == "digits" and r["metric"] == "accuracy" and r["higher_is_better"] is True
    assert r["lr"] == 1e-2 and r["lr_grid"] == [1e-3, 1e-2] and r["val_by_lr"] == [1e-3, 1e-2]
    assert r["values"] == [0.91, 0.93, 0.92, 0.95, 0.90] and r["seeds"] == [0, 1, 2, 3, 4]
    mean, half = r["value_mean"], r["value_ci95"]
    lo, hi = scipy_stats.t.interval(0.95, 4, loc=0.922, scale=scipy_stats.sem(r["values"]))
    assert mean == pytest.approx(0.922) and half == pytest.approx((hi - lo) / 2)
    assert r["curves"] == {"step": [5, 10], "train_loss": [1.0, 0.5], "val": [0.5, 1e-2]}
    assert r["params"] == {"approximate": "none"} and r["family"] == "gated" and r["diverged"] == 0


def test_compare_is_a_paired_t_test_against_the_baseline_with_holm():
    base = [0.90, 0.91, 0.92, 0.93, 0.88]
    better = [0.92, 0.935, 0.93, 0.95, 0.905]
    noisy = [0.95, 0.86, 0.93, 0.90, 0.89]
    recs = records.compare(
        [records.record(scripted_sweep(n, v)) for n, v in (("ReLU", base), ("GELU", better), ("Tanh", noisy))]
    )
    relu, gelu, tanh = recs
    assert relu["vs_baseline"] is None
    ref = scipy_stats.ttest_rel(better, base)
    vs = gelu["vs_baseline"]
    assert vs["t"] == pytest.approx(ref.statistic) and vs["p"] == pytest.approx(ref.pvalue)
    assert vs["diff_mean"] == pytest.approx(sum(better) / 5 - sum(base) / 5)
    assert vs["significant"] and vs["better"] and not vs["worse"]
    p_noisy = scipy_stats.ttest_rel(noisy, base).pvalue
    assert tanh["vs_baseline"]["p"] == pytest.approx(p_noisy) and not tanh["vs_baseline"]["significant"]
    assert vs["p_holm"] == pytest.approx(min(1.0, 2 * min(ref.pvalue, p_noisy)))


def test_lower_is_better_flips_the_direction():
    base, lower = [0.5, 0.6, 0.55], [0.2, 0.3, 0.26]
    recs = records.compare(
        [records.record(scripted_sweep(n, v, "fit-1d")) for n, v in (("ReLU", base), ("Snake", lower))]
    )
    assert recs[1]["vs_baseline"]["better"] and recs[1]["vs_baseline"]["diff_mean"] < 0


def test_diverged_seeds_are_null_and_left_out_of_the_statistics():
    sweep = scripted_sweep("ReLU", [0.9, 0.8, 0.85])
    sweep.runs[sweep.lr][2] = Run(sweep.lr, 2, diverged=True)
    r = records.record(sweep)
    assert r["values"] == [0.9, 0.8, None] and r["diverged"] == 1
    assert r["value_mean"] == pytest.approx(0.85)


def test_json_round_trip_and_the_old_list_format(tmp_path):
    recs = [records.record(scripted_sweep("ReLU", [0.9, 0.8]))]
    recs[0]["val_by_lr"] = [None, 0.5]
    path = records.write_json(recs, tmp_path / "d" / "arena.json", {"preset": "test"})
    doc = json.loads(path.read_text())
    assert doc["meta"] == {"schema": records.SCHEMA_VERSION, "preset": "test"} and doc["results"] == recs
    assert records.load_json(path) == (doc["meta"], recs)
    old = tmp_path / "old.json"
    old.write_text(json.dumps([{"activation": "ReLU"}]))
    assert records.load_json(old) == ({}, [{"activation": "ReLU"}])
    (tmp_path / "bad.json").write_text('{"x": 1}')
    with pytest.raises(ValueError, match="not an arena file"):
        records.load_json(tmp_path / "bad.json")
    recs[0]["value_mean"] = math.nan
    with pytest.raises(ValueError):
        records.write_json(recs, tmp_path / "nan.json")
