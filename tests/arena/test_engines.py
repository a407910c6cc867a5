"""Engines: jobs, the local engine in this process and in worker processes, the engines by name,
and the runner handing out the longest sweeps first (estimated cost) while keeping the plan's order."""

from __future__ import annotations

import dataclasses
import json
import socket

import pytest

from actlab.arena import ENGINES, RUN_FIELDS, TASKS, Checkpoint, LocalEngine, Plan, RayEngine, plan, run
from actlab.arena.checkpoint import sweep_key


def science(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in RUN_FIELDS}


def test_the_local_engine_gives_each_jobs_record_once_in_process_and_in_workers():
    jobs = plan("quick", names=["Tanh"], tasks=["digits", "spirals"], seeds=2, lrs=[1e-2], steps=3).jobs()
    ticks: list[str] = []
    inline = list(LocalEngine(1).results(jobs, ticks.append))
    pooled = list(LocalEngine(2).results(jobs, lambda _: None))
    assert [job for job, _ in inline] == jobs and sorted(j.label for j, _ in pooled) == sorted(j.label for j in jobs)
    assert len(ticks) == sum(job.runs for job in jobs) == 8  # in process: progress per training run
    by_label = {job.label: rec for job, rec in pooled}
    for job, rec in inline:
        assert science(rec) == science(by_label[job.label])
        assert (rec["activation"], rec["task"]) == (job.activation, job.task.name)
    for _, rec in inline + pooled:
        assert (rec["engine"], rec["host"], rec["node"]) == ("local", socket.gethostname(), None)
    assert LocalEngine(1).ticks_runs and not LocalEngine(2).ticks_runs


def test_jobs_and_the_engines_by_name():
    assert ENGINES == {"local": LocalEngine, "ray": RayEngine}
    (job,) = [j for j in plan("quick", names=["GELU"], tasks=["digits"], seeds=3).jobs() if j.activation == "GELU"]
    assert job.key == sweep_key(job.task, "GELU", 3, 1) and job.label == "digits/GELU"
    assert job.runs == 2 * 1 + 2 and job.cost == pytest.approx(job.runs * 300 * TASKS["digits"].step_seconds)
    assert LocalEngine.create().workers == 1 and LocalEngine.create(jobs=3).describe() == {
        "engine": "local", "jobs": 3, "torch_threads": 1,
    }  # fmt: skip
    with pytest.raises(ValueError, match="--engine ray"):
        LocalEngine.create(address="auto")
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        LocalEngine.create(jobs=0)


def test_the_longest_sweeps_go_first_and_the_records_keep_the_plans_order(tmp_path):
    cheap = dataclasses.replace(TASKS["spirals"], steps=6, lrs=(1e-2,))  # more steps, each cheaper
    costly = dataclasses.replace(TASKS["pinn-1d"], steps=3, lrs=(1e-2,))
    p = Plan({"spirals": cheap, "pinn-1d": costly}, {"spirals": ("ReLU",), "pinn-1d": ("ReLU",)}, 1, 1, "quick")
    first, second = sorted(p.jobs(), key=lambda job: -job.cost)
    assert (first.task.name, second.task.name) == ("pinn-1d", "spirals") and first.cost > 1.5 * second.cost
    path = tmp_path / "arena.json.partial"
    records, meta = run(p, progress=False, checkpoint=Checkpoint(path, fresh=True))
    assert [json.loads(line)["key"]["task"] for line in path.read_text().splitlines()] == ["pinn-1d", "spirals"]
    assert [r["task"] for r in records] == ["spirals", "pinn-1d"]
    assert meta["engine"] == "local" and meta["hosts"] == {socket.gethostname(): 2} and meta["nodes"] == 0
