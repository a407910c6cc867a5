"""Fair tuning: a learning-rate sweep per activation and task, chosen on the validation split.

Protocol for one (activation, task) with seeds s_1..s_n, the first ``tune_seeds`` of them used
for tuning, and the task's rate grid:

1. train every rate of the grid with each tuning seed; a rate's validation score is the mean
   over those seeds (a rate with a diverged seed scores worst: -inf or +inf);
2. the chosen rate is the best validation score (ties: the smaller rate); if every rate
   diverged, the smallest rate;
3. the remaining seeds train at the chosen rate only; the test scores of all n seeds at the
   chosen rate are the activation's result. The test split never influences the choice.

Every seed starts from the same initial weights and batch order whatever the rate or activation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..kinds import Activation
from .tasks import Task
from .training import Run, train

Trainer = Callable[[Task, type[Activation], int, float], Run]


def rate_score(runs: Sequence[Run], task: Task) -> float:
    """Mean validation score of a rate's runs; the worst possible if any of them diverged."""
    if any(r.diverged for r in runs):
        return task.worst()
    return math.fsum(r.val for r in runs) / len(runs)


def choose_lr(scores: dict[float, float], higher_is_better: bool) -> float:
    """The rate with the best validation score (ties: the smaller rate); the smallest rate when
    none is finite."""
    if not scores:
        raise ValueError("choose_lr: no rates")
    finite = {lr: s for lr, s in scores.items() if math.isfinite(s)}
    if not finite:
        return min(scores)
    sign = -1.0 if higher_is_better else 1.0
    return min(finite, key=lambda lr: (sign * finite[lr], lr))


@dataclass
class Sweep:
    """Every run of one activation on one task, and the chosen rate."""

    task: Task
    activation: str
    seeds: list[int]
    tune_seeds: list[int]
    lrs: tuple[float, ...]
    runs: dict[float, dict[int, Run]]
    lr: float

    def scores(self) -> dict[float, float]:
        """Validation score of each rate over the tuning seeds."""
        return {lr: rate_score([self.runs[lr][s] for s in self.tune_seeds], self.task) for lr in self.lrs}

    def chosen(self) -> list[Run]:
        """The runs at the chosen rate, one per seed, in seed order."""
        return [self.runs[self.lr][s] for s in self.seeds]

    def best_lr_per_seed(self) -> list[float]:
        """For each tuning seed alone, the rate its validation score would choose (stability)."""
        return [
            choose_lr({lr: rate_score([self.runs[lr][s]], self.task) for lr in self.lrs}, self.task.higher_is_better)
            for s in self.tune_seeds
        ]


def sweep(
    task: Task,
    decl: type[Activation],
    seeds: Sequence[int],
    lrs: Sequence[float],
    tune_seeds: int | None = None,
    trainer: Trainer = train,
    tick: Callable[[str], None] = lambda _: None,
) -> Sweep:
    """Run the protocol above; ``tick`` is called after each run (progress bars)."""
    seeds = list(seeds)
    if not seeds:
        raise ValueError("sweep: no seeds")
    if not lrs or any(not (lr > 0 and math.isfinite(lr)) for lr in lrs):
        raise ValueError(f"sweep: learning rates must be positive and finite, got {list(lrs)}")
    k = len(seeds) if tune_seeds is None else tune_seeds
    if not 1 <= k <= len(seeds):
        raise ValueError(f"tune_seeds must be between 1 and the number of seeds ({len(seeds)}), got {k}")
    grid = tuple(sorted(set(lrs)))
    tuning = seeds[:k]
    runs: dict[float, dict[int, Run]] = {lr: {} for lr in grid}
    for lr in grid:
        for s in tuning:
            runs[lr][s] = trainer(task, decl, s, lr)
            tick(f"{task.name}/{decl.name}/lr {lr:g}/seed {s}")
    result = Sweep(task, decl.name, seeds, tuning, grid, runs, lr=0.0)
    result.lr = choose_lr(result.scores(), task.higher_is_better)
    for s in seeds[k:]:
        runs[result.lr][s] = trainer(task, decl, s, result.lr)
        tick(f"{task.name}/{decl.name}/lr {result.lr:g}/seed {s}")
    return result


def runs_needed(seeds: int, lrs: int, tune_seeds: int | None) -> int:
    """Training runs one sweep makes."""
    k = seeds if tune_seeds is None else tune_seeds
    return lrs * k + seeds - k
