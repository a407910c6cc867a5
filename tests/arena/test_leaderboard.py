"""Leaderboards: ranking direction, significance marks, and the honesty note on few seeds."""

from __future__ import annotations

import pytest

from actlab.arena import format_leaderboards, format_task, honesty_note, leaderboard


def rec(name, mean, values, vs=None, metric="rmse", higher=False, task="fit-1d"):
    return {
        "task": task, "activation": name, "family": "", "metric": metric, "higher_is_better": higher,
        "value_mean": mean, "value_ci95": 0.01 if mean is not None else None, "values": values,
        "seeds": list(range(len(values))), "lr": 1e-2, "baseline": "ReLU", "vs_baseline": vs, "diverged": 0,
    }  # fmt: skip


def vs(p, diff, better, holm=None):
    return {"diff_mean": diff, "diff_ci95": 0.01, "p": p, "p_holm": holm if holm is not None else p,
            "significant": p < 0.05, "significant_holm": (holm if holm is not None else p) < 0.05,
            "better": p < 0.05 and better, "worse": p < 0.05 and not better}  # fmt: skip


FIVE = [0.1] * 5
RECORDS = [
    rec("ReLU", 0.30, FIVE),
    rec("Snake", 0.10, FIVE, vs(0.001, -0.2, True)),
    rec("Tanh", 0.20, FIVE, vs(0.04, -0.1, True, holm=0.08)),
    rec("Sigmoid", 0.50, FIVE, vs(0.01, 0.2, False)),
    rec("GELU", 0.28, FIVE, vs(0.6, -0.02, True)),
    rec("Broken", None, [None] * 5),
]


def test_lower_is_better_ranks_ascending_with_missing_values_last():
    rows = leaderboard(RECORDS, "fit-1d")
    assert [r.activation for r in rows] == ["Snake", "Tanh", "GELU", "ReLU", "Sigmoid", "Broken"]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r.mark for r in rows] == ["▲*", "▲", "", "=", "▼*", ""]
    assert rows[0].p == 0.001 and rows[3].diff_mean is None


def test_higher_is_better_ranks_descending():
    recs = [rec(n, m, FIVE, metric="accuracy", higher=True, task="digits") for n, m in (("ReLU", 0.9), ("GELU", 0.95))]
    assert [r.activation for r in leaderboard(recs, "digits")] == ["GELU", "ReLU"]
    with pytest.raises(ValueError, match="no records"):
        leaderboard(recs, "spirals")


def test_text_board_marks_and_top_bottom():
    text = format_task(RECORDS, "fit-1d", top=2, bottom=1)
    lines = text.splitlines()
    assert "Snake" in text and "Tanh" in text and "Broken" in text and "GELU" not in text
    assert any(line.strip() == "..." for line in lines)
    assert "lower is better" in lines[0] and "95% CI" in lines[0]
    assert "▲/▼" in format_leaderboards(RECORDS)


def test_few_seeds_are_reported_honestly():
    two = [rec("ReLU", 0.3, [0.3, 0.3]), rec("GELU", 0.2, [0.2, 0.2], vs(0.2, -0.1, True))]
    note = honesty_note(two, "fit-1d")
    assert "12.71" in note and "too few seeds" in note and "no activation differs significantly" in note
    assert "too few" not in honesty_note(RECORDS, "fit-1d")
    assert "cannot separate" in honesty_note([rec("ReLU", 0.3, [0.3])], "fit-1d")
    assert "baseline ReLU was not run" in honesty_note([rec("GELU", 0.3, FIVE)], "fit-1d")


def test_seed_counts_read_as_words():
    from actlab.arena.leaderboard import seeds

    assert seeds(1) == "1 seed" and seeds(5) == "5 seeds"
