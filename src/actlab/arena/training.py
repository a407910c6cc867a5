r"""One training run: a task, an activation, a seed, a learning rate.

Adam for ``task.steps`` steps; the rate follows a linear warm-up over the first 5% of the steps
and a cosine decay to zero, :math:`\eta_t = \eta\,\min(1, t/w)\cdot\tfrac12(1 + \cos(\pi t/T))`.
The seed fixes the initial weights (drawn before the activation is built) and the batch order.
At ``task.evals`` evenly spaced steps the run records the mean training loss since the previous
checkpoint and the validation score; at the end, the validation and test scores. A non-finite
loss stops the run: it is *diverged* and its scores are NaN.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from ..kinds import Activation
from .tasks import TEST, VAL, Task


@dataclass
class Run:
    """The record of one run (curves at the checkpoints ``steps``)."""

    lr: float
    seed: int
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_curve: list[float] = field(default_factory=list)
    val: float = math.nan
    test: float = math.nan
    seconds: float = 0.0
    diverged: bool = False


def schedule(step: int, total: int) -> float:
    """The learning-rate factor at ``step`` (0-based) of ``total``: warm-up, then cosine to zero."""
    warm = max(1, total // 20)
    return min(1.0, (step + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * step / total))


def checkpoints(total: int, count: int) -> list[int]:
    """``count`` evenly spaced steps (1-based) ending at ``total``."""
    count = max(1, min(count, total))
    return sorted({round(total * (i + 1) / count) for i in range(count)})


def train(task: Task, decl: type[Activation], seed: int, lr: float, steps: int | None = None) -> Run:
    """Train ``decl`` on ``task`` from seed ``seed`` at rate ``lr``; ``steps`` overrides the task's."""
    total = task.steps if steps is None else steps
    if total < 1:
        raise ValueError(f"steps must be at least 1, got {total}")
    data = task.data()
    model = task.build(decl, seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule(s, total))
    batches = task.batches(data, torch.Generator().manual_seed(seed))
    marks, run = set(checkpoints(total, task.evals)), Run(lr, seed)
    running, count, start = 0.0, 0, time.perf_counter()
    for step in range(1, total + 1):
        model.train()
        loss = task.loss(model, next(batches))
        if not torch.isfinite(loss):
            run.diverged = True
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if task.clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), task.clip)
        opt.step()
        sched.step()
        running, count = running + loss.item(), count + 1
        if step in marks:
            run.seconds += time.perf_counter() - start
            model.eval()
            run.steps.append(step)
            run.train_loss.append(running / count)
            run.val_curve.append(task.score(model, data, VAL))
            running, count, start = 0.0, 0, time.perf_counter()
    run.seconds += time.perf_counter() - start
    if not run.diverged:
        model.eval()
        run.val = run.val_curve[-1] if run.steps and run.steps[-1] == total else task.score(model, data, VAL)
        run.test = task.score(model, data, TEST)
        run.diverged = not (math.isfinite(run.val) and math.isfinite(run.test))
    if run.diverged:
        run.val = run.test = math.nan
    return run
