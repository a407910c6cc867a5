"""The training loop: schedule, checkpoints, determinism, divergence."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import pytest
import torch
from torch import nn

from actlab import declaration
from actlab.arena import TASKS, train, training
from actlab.arena.tasks import Task


def test_schedule_warms_up_then_decays_to_zero():
    f = [training.schedule(s, 100) for s in range(100)]
    assert f[0] == pytest.approx(0.2) and f[4] == pytest.approx(1.0 * 0.5 * (1 + math.cos(math.pi * 0.04)))
    assert max(f) <= 1 and f[-1] < 0.001 and all(a >= b for a, b in zip(f[5:], f[6:]))


def test_checkpoints_are_evenly_spaced_and_end_at_the_last_step():
    assert training.checkpoints(100, 4) == [25, 50, 75, 100]
    assert training.checkpoints(3, 10) == [1, 2, 3]
    assert training.checkpoints(7, 1) == [7]


def test_same_seed_same_run_different_seed_different_run():
    task = dataclasses.replace(TASKS["spirals"], steps=20, evals=2)
    a, b = (train(task, declaration("GELU"), 0, 1e-2) for _ in range(2))
    c = train(task, declaration("GELU"), 1, 1e-2)
    assert a.val_curve == b.val_curve and a.train_loss == b.train_loss and a.test == b.test
    assert a.train_loss != c.train_loss


@dataclasses.dataclass(frozen=True)
class Exploding(Task):
    """A task whose loss becomes NaN after a few steps."""

    metric = "rmse"
    higher_is_better = False

    def data(self):
        return None

    def build(self, decl, seed):
        return nn.Linear(1, 1)

    def batches(self, data, gen) -> Iterator[int]:
        yield from range(10**6)

    def loss(self, model, batch):
        w = model.weight.sum()
        return w * w if batch < 3 else w * math.nan

    def score(self, model, data, split):
        return 1.0


def test_a_nan_loss_stops_the_run_as_diverged():
    run = train(Exploding("x", "", 10, (1e-3,), evals=5), declaration("ReLU"), 0, 1e-3)
    assert run.diverged and math.isnan(run.val) and math.isnan(run.test)
    assert run.steps == [2]  # stopped at step 4, after the checkpoint at step 2
    with pytest.raises(ValueError, match="at least 1"):
        train(Exploding("x", "", 10, (1e-3,)), declaration("ReLU"), 0, 1e-3, steps=0)


def test_initial_weights_do_not_depend_on_the_rate():
    task = dataclasses.replace(TASKS["digits"], steps=1, evals=1)
    first = task.build(declaration("ELU"), 3)
    train(task, declaration("ELU"), 3, 1e-1)
    again = task.build(declaration("ELU"), 3)
    for p, q in zip(first.parameters(), again.parameters()):
        assert torch.equal(p, q)
