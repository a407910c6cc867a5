"""The ``ray`` engine: every sweep is a Ray task with one CPU and one torch thread; records stream
back to the driver as the tasks finish.

Without an address a local Ray instance is started with this machine's cores (or ``cpus``).
``address="auto"`` joins the cluster running on this machine (``ray start``; ``RAY_ADDRESS`` is
honoured), ``"HOST:PORT"`` a given head node, ``"ray://HOST:10001"`` a remote one through Ray
Client; where this process already called ``ray.init``, that instance is used and left running.
actlab and the user's activation modules (``imports``) must be importable on every node.

Faults: a task whose worker process dies or whose node is lost is retried up to ``retries`` times
(Ray's ``max_retries``); the driver writes its record once, when a try succeeds. An exception the
sweep raises itself (a bad parameter) is not retried: it is raised in the driver as that exception.
A diverged run is no error: the record says so. Closing the results early (Ctrl-C in the driver,
an error) cancels the tasks not yet finished and kills their workers. ``ray`` is imported only here.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

from .. import plugins
from .engines import Engine, EngineError, EngineUnavailable, Job, Record, Tick, Work, sweep_record, worker_record

INSTALL = "--engine ray needs Ray, which is not installed: pip install 'actlab[cluster]'"


def ray_record(work: Work, job: Job, imports: Sequence[str]) -> Record:
    """A sweep in a Ray worker: the user's activation modules first (a fresh process), then the work."""
    import ray

    plugins.load(imports)
    return worker_record(work, job, ray.get_runtime_context().get_node_id())


def cancel(ray: Any, refs: list[Any], patience: float = 30.0) -> None:
    """Cancel the tasks ``refs`` (force: a running task's worker is killed), again each second until
    every one has ended or ``patience`` seconds have passed: a cancel that reaches a task while it is
    being dispatched can miss it, which then holds its CPU until it finishes."""
    deadline = time.monotonic() + patience
    while refs:
        for ref in refs:
            ray.cancel(ref, force=True)
        _, refs = ray.wait(refs, num_returns=len(refs), timeout=1.0)
        if time.monotonic() > deadline:
            return


def stop_own_instance(ray: Any) -> None:
    """``ray.shutdown()`` of the local instance this process started, less Ray's one-second wait for
    its autoscaler monitor. Ray stops the instance's processes one after the other, each given a
    second to exit on SIGTERM; the monitor, asleep between its rounds, always takes that second
    (1.1 s of a 1.3 s shutdown on 2 cores). A local instance has a fixed size and nothing for the
    monitor to save, so it is killed first. Where Ray's private node handle is missing (another Ray
    version), the plain shutdown."""
    node = getattr(getattr(ray, "_private", None), "worker", None)
    processes = getattr(getattr(node, "_global_node", None), "all_processes", {})
    for info in processes.get("monitor", ()):  # ray_constants.PROCESS_TYPE_MONITOR
        info.process.kill()
        info.process.wait()
    ray.shutdown()


class RayEngine(Engine):
    """Sweeps as Ray tasks on a local instance (``address=None``) or an existing cluster."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        cpus: int | None = None,
        retries: int = 3,
        imports: Sequence[str] = (),
        work: Work = sweep_record,
    ) -> None:
        try:
            import ray  # noqa: F401
        except ModuleNotFoundError:
            raise EngineUnavailable(INSTALL) from None
        if cpus is not None and cpus < 1:
            raise ValueError(f"jobs must be at least 1, got {cpus}")
        if cpus is not None and address is not None:
            raise ValueError("--jobs sets the CPUs of a local Ray instance; a cluster (--address) brings its own")
        if retries < 0:
            raise ValueError(f"retries must be at least 0, got {retries}")
        self.address, self.cpus, self.retries, self.imports, self.work = address, cpus, retries, tuple(imports), work
        self.workers, self.where = 0, address or "local"  # the cluster's CPUs and address, known once it runs

    @classmethod
    def create(cls, jobs: int | None = None, address: str | None = None, imports: Sequence[str] = ()) -> RayEngine:
        return cls(address, jobs, imports=imports)

    def results(self, jobs: Sequence[Job], tick: Tick) -> Iterator[tuple[Job, Record]]:
        import ray

        own = not ray.is_initialized()
        if own:
            self._start(ray)
        else:
            self.where = "ray.init of this process"
        pending: dict[Any, Job] = {}
        try:
            self.workers = int(ray.cluster_resources().get("CPU", 0))
            task = ray.remote(ray_record).options(num_cpus=1, max_retries=self.retries, retry_exceptions=False)
            pending = {task.remote(self.work, job, self.imports): job for job in jobs}
            while pending:
                (ref,), _ = ray.wait(list(pending), num_returns=1)
                job = pending.pop(ref)
                yield job, self.stamp(self._get(ray, ref, job))
        finally:
            cancel(ray, list(pending))
            if own:
                stop_own_instance(ray)

    def _start(self, ray: Any) -> None:
        if self.address is None:  # "local": a new instance even where `ray start` left one running
            ray.init(
                address="local",
                num_cpus=self.cpus or os.cpu_count(),
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
        else:
            ray.init(address=self.address, logging_level=logging.WARNING)

    def _get(self, ray: Any, ref: Any, job: Job) -> Record:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the sweep raised: its own error, not retried
            cause = exc.cause
            if not isinstance(cause, Exception):
                raise
            cause.add_note(f"(raised by the sweep {job.label}, a Ray task; its traceback is above)")
            raise cause from exc
        except ray.exceptions.RayError as exc:  # worker or node lost on every try
            raise EngineError(
                f"the sweep {job.label} was lost on each of its {self.retries + 1} tries "
                f"(worker or node died): {type(exc).__name__}"
            ) from exc

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "jobs": self.workers, "torch_threads": 1, "address": self.where}
