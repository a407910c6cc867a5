"""Running the arena: validate a request, sweep every (task, activation), compare, describe.

:func:`plan` turns a preset plus overrides (activations, tasks, seeds, rates, steps) into a
:class:`Plan`; :func:`run` executes it with a tqdm bar over training runs (in one process, or
over ``jobs`` worker processes, one sweep each), and returns the records and the run's ``meta``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import torch

from .checkpoint import Checkpoint, sweep_key
from .corpus import stdlib_corpus
from .layers import resolve
from .presets import PRESETS, Preset
from .records import compare, record
from .tasks import TASKS, CharLM, Task, task_names
from .tuning import runs_needed, sweep


@dataclass(frozen=True)
class Plan:
    """Everything a run does: per task its (possibly overridden) settings and activations."""

    tasks: dict[str, Task]
    names: dict[str, tuple[str, ...]]
    seeds: int
    tune_seeds: int
    preset: str
    notes: tuple[str, ...] = ()

    def runs(self) -> int:
        per_sweep = {t: runs_needed(self.seeds, len(task.lrs), self.tune_seeds) for t, task in self.tasks.items()}
        return sum(len(self.names[t]) * n for t, n in per_sweep.items())


def plan(
    preset: str | Preset = "quick",
    names: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    seeds: int | None = None,
    tune_seeds: int | None = None,
    lrs: Sequence[float] | None = None,
    steps: int | None = None,
) -> Plan:
    """The preset's plan with overrides: ``names`` for every task (the baseline is added),
    ``tasks`` (groups such as ``fit`` expand), ``seeds``, ``tune_seeds``, one rate grid ``lrs``
    for every task, ``steps`` for every task. Bad values raise ValueError with the reason."""
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
        preset = PRESETS[preset]
    n_seeds = preset.seeds if seeds is None else seeds
    if n_seeds < 1:
        raise ValueError(f"seeds must be at least 1, got {n_seeds}")
    k = min(preset.tune_seeds, n_seeds) if tune_seeds is None else tune_seeds
    if not 1 <= k <= n_seeds:
        raise ValueError(f"tune seeds must be between 1 and seeds ({n_seeds}), got {k}")
    if steps is not None and steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if lrs is not None and (not lrs or any(not (lr > 0 and math.isfinite(lr)) for lr in lrs)):
        raise ValueError(f"learning rates must be positive and finite, got {list(lrs)}")
    chosen_tasks = task_names(list(tasks)) if tasks else list(preset.tasks)
    out_tasks, out_names, notes = {}, {}, []
    for t in chosen_tasks:
        task = TASKS[t]
        grid = tuple(lrs) if lrs else preset.lrs.get(t, task.lrs)
        task = dataclasses.replace(task, lrs=tuple(sorted(set(grid))), steps=steps or preset.steps.get(t, task.steps))
        wanted = list(names) if names else preset.names(t) if t in preset.tasks else PRESETS["full"].names(t)
        canonical = [d.name for d in resolve(wanted)]
        if task.baseline not in canonical:
            canonical.insert(0, task.baseline)
            notes.append(f"{t}: added the baseline {task.baseline} for the paired comparison")
        out_tasks[t], out_names[t] = task, tuple(dict.fromkeys(canonical))
    return Plan(out_tasks, out_names, n_seeds, k, preset.name, tuple(notes))


def _sweep_record(task: Task, name: str, seeds: int, tune_seeds: int) -> dict[str, Any]:
    """One sweep in a worker process (one thread: the networks are tiny)."""
    torch.set_num_threads(1)
    (decl,) = resolve([name])
    return record(sweep(task, decl, range(seeds), task.lrs, tune_seeds))


def run(
    p: Plan, progress: bool = True, jobs: int = 1, checkpoint: Checkpoint | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Execute the plan; return (records with the baseline comparison, meta). With a
    ``checkpoint``, sweeps already in it are reused and each finished sweep is added to it."""
    from tqdm import tqdm

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    work = [(t, n) for t in p.tasks for n in p.names[t]]
    keys = {(t, n): sweep_key(p.tasks[t], n, p.seeds, p.tune_seeds) for t, n in work}
    records: dict[tuple[str, str], dict[str, Any]] = {}
    if checkpoint is not None:
        records = {w: rec for w in work if (rec := checkpoint.get(keys[w])) is not None}
    todo = [w for w in work if w not in records]

    def finish(w: tuple[str, str], rec: dict[str, Any]) -> None:
        records[w] = rec
        if checkpoint is not None:
            checkpoint.add(keys[w], rec)

    def cost(t: str) -> int:
        return runs_needed(p.seeds, len(p.tasks[t].lrs), p.tune_seeds)

    with tqdm(total=p.runs(), desc="arena", unit="run", disable=not progress, smoothing=0.05) as bar:
        bar.update(sum(cost(t) for t, _ in records))
        if jobs == 1:
            for t, n in todo:
                (decl,) = resolve([n])
                result = sweep(p.tasks[t], decl, range(p.seeds), p.tasks[t].lrs, p.tune_seeds, tick=_ticker(bar))
                finish((t, n), record(result))
        else:
            with ProcessPoolExecutor(jobs) as pool:
                futures = {pool.submit(_sweep_record, p.tasks[t], n, p.seeds, p.tune_seeds): (t, n) for t, n in todo}
                for fut in as_completed(futures):
                    t, n = futures[fut]
                    finish((t, n), fut.result())
                    bar.set_postfix_str(f"{t}/{n}", refresh=False)
                    bar.update(cost(t))
    ordered = compare([dict(records[w], vs_baseline=None) for w in work])
    info = meta(p, started, time.perf_counter() - t0, jobs)
    info["resumed_sweeps"] = len(work) - len(todo)
    return ordered, info


def submit(p: Plan, pool: Executor, jobs: int) -> Callable[[], tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Queue the plan's sweeps on ``pool`` (one task each, beside whatever else it runs; ``jobs``:
    its workers, for the meta); returns a function that waits for them and gives ``run``'s
    (records with the baseline comparison, meta)."""
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    work = [(t, n) for t in p.tasks for n in p.names[t]]
    futures = [pool.submit(_sweep_record, p.tasks[t], n, p.seeds, p.tune_seeds) for t, n in work]

    def finish() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        ordered = compare([dict(f.result(), vs_baseline=None) for f in futures])
        info = meta(p, started, time.perf_counter() - t0, jobs)
        info["resumed_sweeps"] = 0
        return ordered, info

    return finish


def _ticker(bar: Any) -> Callable[[str], None]:
    def tick(what: str) -> None:
        bar.set_postfix_str(what, refresh=False)
        bar.update()

    return tick


def meta(p: Plan, started: datetime, seconds: float, jobs: int) -> dict[str, Any]:
    """Settings and environment of a run, for the JSON file's ``meta``."""
    tasks: dict[str, dict[str, Any]] = {}
    for t, task in p.tasks.items():
        tasks[t] = {
            "description": task.description,
            "metric": task.metric,
            "higher_is_better": task.higher_is_better,
            "steps": task.steps,
            "lrs": list(task.lrs),
            "batch_size": task.batch_size,
            "baseline": task.baseline,
            "activations": list(p.names[t]),
        }
        if isinstance(task, CharLM):
            corpus = stdlib_corpus(task.corpus_size)
            tasks[t]["corpus"] = {"description": corpus.description, "sha256": corpus.sha256}
    return {
        "preset": p.preset,
        "seeds": list(range(p.seeds)),
        "tune_seeds": list(range(p.tune_seeds)),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "runs": p.runs(),
        "jobs": jobs,
        "torch_threads": 1 if jobs > 1 else torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "notes": list(p.notes),
        "tasks": tasks,
    }


def run_arena(
    names: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    seeds: int | None = None,
    preset: str = "quick",
    progress: bool = True,
    **overrides: Any,
) -> list[dict[str, Any]]:
    """The records of a run (shortcut for ``run(plan(...))``); overrides: tune_seeds, lrs, steps."""
    return run(plan(preset, names, tasks, seeds, **overrides), progress)[0]
