"""Plans (presets and overrides, with clear errors) and running them."""

from __future__ import annotations

import pytest

from actlab.arena import PRESETS, TASKS, plan, run
from actlab.arena.layers import resolve


def test_presets_name_real_tasks_and_activations():
    for preset in PRESETS.values():
        for task in preset.tasks:
            assert task in TASKS
            resolve(preset.names(task))
    quick = plan("quick")
    assert quick.seeds == 3 and quick.tune_seeds == 1 and list(quick.tasks) == ["digits", "spirals", "pinn-1d"]
    assert quick.tasks["digits"].lrs == (3e-3, 1e-2)
    full = plan("full")
    assert full.seeds == 5 and set(full.tasks) == set(TASKS)
    assert "SwiGLU" in full.names["lm"] and "GeGLU" in full.names["lm"] and "ReGLU" in full.names["lm"]


def test_overrides_and_the_added_baseline():
    p = plan("quick", names=["gelu", "GELU"], tasks=["fit"], seeds=2, lrs=[1e-2, 1e-3, 1e-2], steps=7)
    assert list(p.tasks) == ["fit-1d", "fit-2d"]
    assert p.names["fit-1d"] == ("ReLU", "GELU")  # baseline first, names canonical and unique
    assert p.tasks["fit-2d"].lrs == (1e-3, 1e-2) and p.tasks["fit-2d"].steps == 7
    assert p.runs() == 2 * 2 * (2 * 1 + 1)  # tasks x activations x (rates x tune seed + other seed)
    assert any("added the baseline" in n for n in p.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seeds": 0}, "seeds must be at least 1"),
        ({"seeds": 2, "tune_seeds": 3}, "tune seeds"),
        ({"steps": 0}, "steps must be at least 1"),
        ({"lrs": [1e-3, -1.0]}, "positive"),
        ({"tasks": ["mnist"]}, "unknown task"),
        ({"names": ["Nope"]}, "unknown activation"),
        ({"names": ["Softmax"]}, "normalizer"),
        ({"preset": "huge"}, "unknown preset"),
    ],
)
def test_bad_requests_are_rejected_before_training(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan(**kwargs)


def test_run_returns_compared_records_and_meta():
    p = plan("quick", names=["Tanh"], tasks=["digits"], seeds=2, lrs=[1e-3, 1e-2], steps=6)
    recs, meta = run(p, progress=False)
    assert [r["activation"] for r in recs] == ["ReLU", "Tanh"]
    assert recs[0]["vs_baseline"] is None and recs[1]["vs_baseline"]["n"] == 2
    assert meta["runs"] == p.runs() == 6 and meta["seeds"] == [0, 1] and meta["tune_seeds"] == [0]
    assert meta["tasks"]["digits"]["activations"] == ["ReLU", "Tanh"] and 0 <= meta["seconds"] < 60  # 0.0: < 50 ms
    again, _ = run(p, progress=False, jobs=2)  # worker processes give the same numbers
    assert [r["values"] for r in again] == [r["values"] for r in recs]
    with pytest.raises(ValueError, match="jobs"):
        run(p, jobs=0)
