"""Running the arena: validate a request, sweep every (task, activation), compare, describe.

:func:`plan` turns a preset plus overrides (activations, tasks, seeds, rates, steps) into a
:class:`Plan`; :func:`run` executes it with a tqdm bar over training runs (in one process, or
over ``jobs`` worker processes, or on another :mod:`engine <.engines>` such as Ray, one sweep
each), and returns the records and the run's ``meta``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import torch

from .checkpoint import Checkpoint
from .corpus import stdlib_corpus
from .engines import Engine, Job, LocalEngine, worker_record
from .layers import resolve
from .presets import PRESETS, Preset
from .ray_engine import RayEngine
from .records import compare
from .tasks import TASKS, CharLM, Task, task_names
from .tuning import runs_needed

ENGINES: dict[str, type[Engine]] = {"local": LocalEngine, "ray": RayEngine}  # --engine NAME


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

    def jobs(self) -> list[Job]:
        """The sweeps, task by task."""
        return [Job(task, n, self.seeds, self.tune_seeds) for t, task in self.tasks.items() for n in self.names[t]]


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


def run(
    p: Plan,
    progress: bool = True,
    jobs: int = 1,
    checkpoint: Checkpoint | None = None,
    engine: Engine | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Execute the plan on ``engine`` (default: the local one with ``jobs`` processes); return
    (records with the baseline comparison, meta). Sweeps are handed out longest first (their
    estimated :attr:`Job.cost`), so that parallel workers finish together; the records keep the
    plan's order.
    With a ``checkpoint``, sweeps already in it are reused and each finished sweep is added to it
    as it arrives, whichever engine ran it."""
    from tqdm import tqdm

    engine = engine or LocalEngine(jobs)
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    work = p.jobs()
    records: dict[Job, dict[str, Any]] = {}
    if checkpoint is not None:
        records = {job: rec for job in work if (rec := checkpoint.get(job.key)) is not None}
    todo = sorted((job for job in work if job not in records), key=lambda job: -job.cost)  # longest first
    fresh: list[dict[str, Any]] = []
    with tqdm(total=p.runs(), desc=f"arena ({engine.name})", unit="run", disable=not progress, smoothing=0.05) as bar:
        bar.update(sum(job.runs for job in records))
        with closing(engine.results(todo, _ticker(bar))) as results:
            for job, rec in results:
                records[job] = rec
                fresh.append(rec)
                if checkpoint is not None:
                    checkpoint.add(job.key, rec)
                if not engine.ticks_runs:
                    bar.set_postfix_str(f"{job.label} on {rec['host']}", refresh=False)
                    bar.update(job.runs)
    ordered = compare([dict(records[job], vs_baseline=None) for job in work])
    info = meta(p, started, time.perf_counter() - t0, engine.describe())
    info["hosts"] = dict(Counter(r["host"] for r in fresh))
    info["nodes"] = len({r["node"] for r in fresh if r["node"] is not None})
    info["resumed_sweeps"] = len(work) - len(todo)
    return ordered, info


def submit(p: Plan, pool: Executor, jobs: int) -> Callable[[], tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Queue the plan's sweeps on ``pool`` (one task each, beside whatever else it runs; ``jobs``:
    its workers, for the meta); returns a function that waits for them and gives ``run``'s
    (records with the baseline comparison, meta)."""
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    engine = LocalEngine(jobs)
    futures = [pool.submit(worker_record, engine.work, job) for job in p.jobs()]

    def finish() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        ordered = compare([dict(engine.stamp(f.result()), vs_baseline=None) for f in futures])
        info = meta(p, started, time.perf_counter() - t0, engine.describe())
        info["resumed_sweeps"] = 0
        return ordered, info

    return finish


def _ticker(bar: Any) -> Callable[[str], None]:
    def tick(what: str) -> None:
        bar.set_postfix_str(what, refresh=False)
        bar.update()

    return tick


def meta(p: Plan, started: datetime, seconds: float, engine: dict[str, Any]) -> dict[str, Any]:
    """Settings and environment of a run, for the JSON file's ``meta`` (``engine``: its
    :meth:`Engine.describe`)."""
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
        **engine,
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
