"""The ray engine on a local Ray instance (127.0.0.1, 2 CPUs, one per test module and process):
the same records as the local engine, a killed worker retried and recorded once, a sweep's own
error raised once, an interrupted driver resumed to the same records."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
import torch

from actlab.arena import RUN_FIELDS, Checkpoint, EngineError, Job, LocalEngine, RayEngine, plan, run
from actlab.arena.engines import Tick, sweep_record
from actlab.arena.ray_engine import stop_own_instance

PLAN = plan("quick", names=["Tanh", "Symexp"], tasks=["digits", "pinn-1d"], seeds=2, lrs=[1e-3, 1e-2], steps=6)


def science(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records without the fields that say how they ran (timing, engine, host)."""
    return [{k: v for k, v in r.items() if k not in RUN_FIELDS} for r in records]


def faulty(
    job: Job, tick: Tick, *, marks: str, kill: tuple[str, ...] = (), kills: int = 1, hang: tuple[str, ...] = ()
) -> dict:
    """``sweep_record`` with faults, run in a Ray worker: each attempt is noted in ``marks``; the
    worker process is killed on the first ``kills`` attempts of a sweep in ``kill``; a sweep in
    ``hang`` waits two minutes (only a cancellation ends it sooner)."""
    path = Path(marks) / job.label.replace("/", "_")
    with path.open("a") as f:
        f.write(f"attempt by pid {os.getpid()}\n")
    if job.label in kill and len(path.read_text().splitlines()) <= kills:
        os.kill(os.getpid(), signal.SIGKILL)
    if job.label in hang:
        time.sleep(120)
    return sweep_record(job, tick)


def attempts(marks: Path) -> dict[str, int]:
    return {p.name: len(p.read_text().splitlines()) for p in sorted(marks.iterdir())}


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A Ray instance of this test process alone ("local": never one that `ray start` left running)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this module
    yield
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    ray.shutdown()


@pytest.fixture(scope="module")
def reference() -> list[dict[str, Any]]:
    """The plan on the local engine, in this process, one torch thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run(PLAN, progress=False)[0]
    finally:
        torch.set_num_threads(threads)


def test_ray_gives_the_local_engines_records(cluster, reference):
    records, meta = run(PLAN, progress=False, engine=RayEngine())
    assert science(records) == science(reference)
    assert any(r["diverged"] for r in records)  # a diverged run is in the record, not an error
    assert {(r["engine"], r["host"]) for r in records} == {("ray", os.uname().nodename)}
    assert len({r["node"] for r in records}) == 1 and meta["nodes"] == 1
    assert meta["engine"] == "ray" and meta["jobs"] == 2 and meta["torch_threads"] == 1
    assert meta["address"] == "ray.init of this process" and ray.is_initialized()  # used, not shut down
    assert meta["hosts"] == {os.uname().nodename: 6}
    assert {r["engine"] for r in reference} == {"local"} and {r["node"] for r in reference} == {None}


def test_a_killed_worker_is_retried_and_its_record_written_once(cluster, reference, tmp_path):
    marks = tmp_path / "attempts"
    marks.mkdir()
    work = functools.partial(faulty, marks=str(marks), kill=("digits/Tanh",))
    path = tmp_path / "arena.json.partial"
    records, meta = run(PLAN, progress=False, checkpoint=Checkpoint(path, fresh=True), engine=RayEngine(work=work))
    print("attempts:", json.dumps(attempts(marks)))
    assert attempts(marks) == {
        "digits_ReLU": 1, "digits_Tanh": 2, "digits_Symexp": 1, "pinn-1d_ReLU": 1, "pinn-1d_Tanh": 1,
        "pinn-1d_Symexp": 1,
    }  # fmt: skip
    pids = [line.split()[-1] for line in (marks / "digits_Tanh").read_text().splitlines()]
    assert pids[0] != pids[1]  # the second try ran in another worker process
    keys = [json.dumps(json.loads(line)["key"], sort_keys=True) for line in path.read_text().splitlines()]
    print(f"checkpoint: {len(keys)} lines, {len(set(keys))} sweeps")
    assert len(keys) == len(set(keys)) == 6  # nothing lost, nothing doubled
    assert science(records) == science(reference) and meta["resumed_sweeps"] == 0


def test_a_sweep_lost_on_every_try_stops_the_run_with_an_engine_error(cluster, tmp_path):
    job = PLAN.jobs()[0]
    engine = RayEngine(retries=1, work=functools.partial(faulty, marks=str(tmp_path), kill=(job.label,), kills=9))
    with pytest.raises(EngineError, match="the sweep digits/ReLU was lost on each of its 2 tries") as err:
        list(engine.results([job], lambda _: None))
    print("raised:", err.value)
    assert attempts(tmp_path) == {"digits_ReLU": 2}


def test_a_sweeps_own_error_is_raised_once_not_retried(cluster, tmp_path):
    bad = Job(dataclasses.replace(PLAN.tasks["digits"], lrs=(-1.0,)), "ReLU", 1, 1)
    engine = RayEngine(work=functools.partial(faulty, marks=str(tmp_path)))
    with pytest.raises(ValueError, match="learning rates must be positive") as err:
        list(engine.results([bad], lambda _: None))
    print("raised:", repr(err.value), err.value.__notes__)
    assert type(err.value) is ValueError and "digits/ReLU" in err.value.__notes__[0]
    assert attempts(tmp_path) == {"digits_ReLU": 1}


class InterruptAfter(Checkpoint):
    """A checkpoint whose driver is interrupted (Ctrl-C) once ``n`` sweeps are saved."""

    def __init__(self, path: Path, n: int) -> None:
        super().__init__(path, fresh=True)
        self.n = n

    def add(self, key: str, record: dict[str, Any]) -> None:
        super().add(key, record)
        if len(self.done) == self.n:
            raise KeyboardInterrupt


def test_an_interrupted_driver_cancels_its_tasks_and_resumes_to_the_same_records(cluster, reference, tmp_path):
    marks = tmp_path / "attempts"
    marks.mkdir()
    slow = ("digits/ReLU", "digits/Tanh", "digits/Symexp", "pinn-1d/Symexp")  # pinn-1d's go first (costlier)
    engine = RayEngine(work=functools.partial(faulty, marks=str(marks), hang=slow))
    path = tmp_path / "arena.json.partial"
    with pytest.raises(KeyboardInterrupt):
        run(PLAN, progress=False, checkpoint=InterruptAfter(path, 2), engine=engine)
    saved = [json.loads(line)["key"]["activation"] for line in path.read_text().splitlines()]
    assert sorted(saved) == ["ReLU", "Tanh"]
    deadline = time.monotonic() + 120  # a loaded machine (the suite's other worker) slows the kill
    while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    print(f"interrupted with {len(saved)} sweeps saved; free CPUs: {ray.available_resources().get('CPU', 0)}")
    assert ray.available_resources().get("CPU", 0) == 2  # the hanging tasks were cancelled, not left running
    records, meta = run(PLAN, progress=False, checkpoint=Checkpoint(path), engine=LocalEngine())  # another engine
    print(f"resumed: {meta['resumed_sweeps']} sweeps reused, engines {[r['engine'] for r in records]}")
    assert meta["resumed_sweeps"] == 2 and len(path.read_text().splitlines()) == 6
    assert science(records) == science(reference)
    assert [r["engine"] for r in records] == ["local", "local", "local", "ray", "ray", "local"]


def test_bad_settings_fail_before_anything_runs():
    with pytest.raises(ValueError, match="--jobs"):
        RayEngine.create(jobs=2, address="auto")
    with pytest.raises(ValueError, match="at least 1"):
        RayEngine.create(jobs=0)
    with pytest.raises(ValueError, match="retries"):
        RayEngine(retries=-1)


class FakeProcess:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def kill(self) -> None:
        self.log.append(f"kill {self.name}")

    def wait(self) -> None:
        self.log.append(f"wait {self.name}")


def test_an_own_instance_is_stopped_with_its_autoscaler_monitor_killed_first():
    log: list[str] = []
    info = type("Info", (), {"process": FakeProcess(log, "monitor")})
    node = type("Node", (), {"all_processes": {"monitor": [info], "raylet": [object()]}})
    worker = type("Worker", (), {"_global_node": node})
    fake = type(
        "Ray", (), {"_private": type("Private", (), {"worker": worker}), "shutdown": lambda: log.append("shutdown")}
    )
    stop_own_instance(fake)
    assert log == ["kill monitor", "wait monitor", "shutdown"]  # Ray stops the rest (raylet first)
    log.clear()
    stop_own_instance(type("OtherRay", (), {"shutdown": lambda: log.append("shutdown")}))  # no private node handle
    assert log == ["shutdown"]
