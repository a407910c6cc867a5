"""Every task builds, trains a few steps, and scores its validation and test splits."""

from __future__ import annotations

import dataclasses
import math

import pytest

from actlab import declaration
from actlab.arena import GROUPS, TASKS, task_names, train

CHANCE = {"digits": 0.1, "digits-cnn": 0.1}  # spirals needs hundreds of steps


@pytest.mark.parametrize("name", list(TASKS))
def test_each_task_trains_and_scores(name):
    task = dataclasses.replace(TASKS[name], steps=3, evals=2)
    if name == "lm":
        task = dataclasses.replace(task, batch_size=4, eval_windows=8)
    run = train(task, declaration("GELU"), 0, 1e-3)
    assert not run.diverged and run.steps == [2, 3] and len(run.val_curve) == 2
    assert math.isfinite(run.val) and math.isfinite(run.test)
    assert run.val == run.val_curve[-1]
    if task.higher_is_better:
        assert 0 <= run.test <= 1
    else:
        assert run.test > 0
    assert task.metric in ("accuracy", "rmse", "rel_l2", "bpc")
    with pytest.raises(ValueError, match="split"):
        task.score(task.build(declaration("ReLU"), 0), task.data(), "train")


def test_classification_tasks_learn_beyond_chance():
    for name, chance in CHANCE.items():
        task = dataclasses.replace(TASKS[name], steps=60, evals=1)
        assert train(task, declaration("ReLU"), 0, 1e-2).test > chance + 0.1, name


def test_task_names_expand_groups_and_reject_unknown_ones():
    assert task_names(["fit", "digits", "fit-1d"]) == ["fit-1d", "fit-2d", "digits"]
    assert task_names(["pinn"]) == list(GROUPS["pinn"])
    with pytest.raises(ValueError, match="unknown task 'mnist'"):
        task_names(["mnist"])


def test_every_task_has_a_log_grid_and_a_baseline():
    for task in TASKS.values():
        assert len(task.lrs) >= 3 and list(task.lrs) == sorted(task.lrs), task.name
        assert declaration(task.baseline).name == task.baseline
