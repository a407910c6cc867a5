"""Engines run the arena's sweeps. A sweep (task, activation, seeds, rates) is one :class:`Job`; an
engine runs jobs and streams each record back to the driver as it finishes, in any order. The
driver (:func:`actlab.arena.run`) checkpoints every record it receives, so ``--resume`` works
whichever engine ran the finished sweeps.

* ``local`` (the default): in this process (one job at a time, progress per training run) or a
  process pool of ``jobs`` workers on this machine.
* ``ray``: Ray tasks on a local Ray instance or an existing cluster (:mod:`.ray_engine`, the
  ``cluster`` extra); ray is imported only when this engine is asked for.

Every engine fills a record's ``engine``, ``host`` and ``node`` fields; nothing else in it depends
on the engine (:data:`RUN_FIELDS` lists what may differ between two runs of one sweep).
"""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from .checkpoint import sweep_key
from .layers import resolve
from .records import record
from .tasks import Task
from .tuning import runs_needed, sweep

Record = dict[str, Any]
Tick = Callable[[str], None]
RUN_FIELDS = ("sec_per_run", "engine", "host", "node")  # how a sweep ran, not what it found


@dataclass(frozen=True)
class Job:
    """One sweep: an activation on a task, trained on ``seeds`` seeds, the rate chosen on the first
    ``tune_seeds`` of them."""

    task: Task
    activation: str
    seeds: int
    tune_seeds: int

    @property
    def key(self) -> str:
        """The checkpoint key (:func:`.checkpoint.sweep_key`)."""
        return sweep_key(self.task, self.activation, self.seeds, self.tune_seeds)

    @property
    def runs(self) -> int:
        """Training runs the sweep makes."""
        return runs_needed(self.seeds, len(self.task.lrs), self.tune_seeds)

    @property
    def cost(self) -> float:
        """Estimated seconds of one core the sweep takes: runs x steps x the task's ``step_seconds``
        (only for ordering the sweeps longest first)."""
        return self.runs * self.task.steps * self.task.step_seconds

    @property
    def label(self) -> str:
        return f"{self.task.name}/{self.activation}"


def sweep_record(job: Job, tick: Tick = lambda _: None) -> Record:
    """The record of one sweep, trained in this process (``tick`` after each run)."""
    (decl,) = resolve([job.activation])
    return record(sweep(job.task, decl, range(job.seeds), job.task.lrs, job.tune_seeds, tick=tick))


Work = Callable[[Job, Tick], Record]  # what a worker does with a job: sweep_record (tests wrap it)


def worker_record(work: Work, job: Job, node: str | None = None) -> Record:
    """``work(job)`` in a worker process, with one torch thread (the networks are tiny), stamped
    with the host (and the cluster ``node``) that ran it."""
    torch.set_num_threads(1)
    return {**work(job, lambda _: None), "host": socket.gethostname(), "node": node}


class EngineError(RuntimeError):
    """An engine lost a sweep for a reason outside the sweep itself (its worker or node died
    more often than the engine retries)."""


class EngineUnavailable(RuntimeError):
    """An engine whose optional dependency is not installed (the message says how to install it)."""


class Engine(ABC):
    """Runs jobs and yields ``(job, record)`` as each finishes."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def create(cls, jobs: int | None = None, address: str | None = None, imports: Sequence[str] = ()) -> Engine:
        """The engine for the command line's ``--jobs``, ``--address`` and ``--import`` (bad values:
        ValueError)."""

    @abstractmethod
    def results(self, jobs: Sequence[Job], tick: Tick) -> Iterator[tuple[Job, Record]]:
        """Run ``jobs``; yield each with its record as it finishes. ``tick`` is called after every
        training run by engines that see single runs (:attr:`ticks_runs`). Closing the iterator
        early (an error, Ctrl-C in the driver) cancels the jobs not yet finished."""

    @property
    def ticks_runs(self) -> bool:
        """Whether progress arrives per training run (else per finished sweep)."""
        return False

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """The run's ``meta`` fields of this engine: ``engine``, ``jobs`` (workers), ``torch_threads``."""

    def stamp(self, rec: Record) -> Record:
        return {**rec, "engine": self.name}


class LocalEngine(Engine):
    """This machine: in this process (``workers == 1``) or a pool of worker processes."""

    name = "local"

    def __init__(self, workers: int = 1, work: Work = sweep_record) -> None:
        if workers < 1:
            raise ValueError(f"jobs must be at least 1, got {workers}")
        self.workers, self.work = workers, work

    @classmethod
    def create(cls, jobs: int | None = None, address: str | None = None, imports: Sequence[str] = ()) -> LocalEngine:
        if address is not None:
            raise ValueError("--address names a Ray cluster: it needs --engine ray")
        return cls(1 if jobs is None else jobs)

    @property
    def ticks_runs(self) -> bool:
        return self.workers == 1

    def results(self, jobs: Sequence[Job], tick: Tick) -> Iterator[tuple[Job, Record]]:
        if self.workers == 1:
            for job in jobs:
                yield job, self.stamp({**self.work(job, tick), "host": socket.gethostname(), "node": None})
            return
        pool = ProcessPoolExecutor(self.workers)
        try:
            futures = {pool.submit(worker_record, self.work, job): job for job in jobs}
            for fut in as_completed(futures):
                yield futures[fut], self.stamp(fut.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> dict[str, Any]:
        threads = 1 if self.workers > 1 else torch.get_num_threads()
        return {"engine": self.name, "jobs": self.workers, "torch_threads": threads}
