"""Wall time of the arena on each engine: the local process pool against Ray on this machine's
cores (Ray's overhead), and a Ray cluster of two 1-CPU nodes against one such node (scaling).

    python benchmarks/arena_engines.py                  # the quick preset, 1 round
    python benchmarks/arena_engines.py --rounds 3 --cpus 2
    python benchmarks/arena_engines.py --seeds 10        # the same sweeps with more seeds: more work per sweep

Each variant is ``actlab arena --preset P --no-plots`` in a fresh process, timed from its start to
its exit, as a user sees it (imports, Ray's start and shutdown, the workers' imports included):

* ``local``    ``--jobs CPUS`` (the process pool);
* ``ray``      ``--engine ray --jobs CPUS`` (a local Ray instance started and stopped by the command);
* ``1 node``   ``--engine ray --address HEAD`` on a cluster of one node with 1 CPU;
* ``2 nodes``  the same on a cluster of two nodes with 1 CPU each, both on this machine (127.0.0.1).

The clusters are started with ``ray start --block`` before their variant and stopped after it (the
``ray start`` processes are terminated; other Ray instances of the machine are left alone); their
start-up is not part of the time, as with a cluster that is already running. ``--preload``: their
nodes are started with warm workers (``RAY_enable_worker_prestart=1`` and
``RAY_preload_python_modules=actlab.arena.ray_engine``: the workers start with the node and import
actlab before the driver connects; docs/arena.md). Rounds interleave the
variants; medians are reported, and the records of every run are checked to equal the first local
run's (all but timing, engine, host).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from actlab.arena import RUN_FIELDS

RAY = str(Path(sys.executable).with_name("ray"))
ENV = {**os.environ, "RAY_AUTH_MODE": "token"}  # cluster, nodes and drivers share ~/.ray/auth_token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster(nodes: int, preload: bool) -> Iterator[str]:
    """``nodes`` Ray nodes of 1 CPU each on this machine (``preload``: their workers start with them
    and import actlab); yields the head's address. Each node is a ``ray start --block`` of this
    process, stopped by its SIGTERM: other Ray instances on the machine are left alone."""
    address = f"127.0.0.1:{free_port()}"
    common = ["--num-cpus", "1", "--disable-usage-stats", "--block"]  # Ray binds to this machine's own address
    warm = {"RAY_enable_worker_prestart": "1", "RAY_preload_python_modules": "actlab.arena.ray_engine"}
    env = {**ENV, **warm} if preload else ENV
    head = ["--head", "--port", address.split(":")[1], "--include-dashboard", "false"]
    procs: list[subprocess.Popen[str]] = []
    try:
        for where in [head] + [["--address", address]] * (nodes - 1):
            procs.append(subprocess.Popen([RAY, "start", *where, *common], stdout=subprocess.PIPE, text=True, env=env))
            for line in procs[-1].stdout or ():  # until the node is up
                if "Ray runtime started" in line:
                    break
            else:
                sys.exit(f"ray start {' '.join(where)} failed")
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait()


def arena(setting: list[str], out: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    """Wall seconds of one ``actlab arena`` process, and its JSON document."""
    cmd = [sys.executable, "-m", "actlab.cli", "arena", *setting, "--no-plots", "--out", str(out), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return seconds, json.loads((out / "data" / "arena.json").read_text())


def sweep_seconds(r: dict[str, Any]) -> float:
    """Seconds a sweep spent training (its record's mean over its chosen runs x its runs)."""
    return r["sec_per_run"] * (len(r["lr_grid"]) * len(r["tune_seeds"]) + len(r["seeds"]) - len(r["tune_seeds"]))


def training_seconds(doc: dict[str, Any]) -> float:
    """Seconds spent training, summed over the sweeps."""
    return sum(sweep_seconds(r) for r in doc["results"])


def node_seconds(doc: dict[str, Any]) -> str:
    """Training seconds per Ray node (balance of the schedule), e.g. ``"16.2 + 15.9"``."""
    per: dict[str, float] = {}
    for r in doc["results"]:
        per[r["node"]] = per.get(r["node"], 0.0) + sweep_seconds(r)
    return " + ".join(f"{s:.1f}" for s in per.values())


def science(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in RUN_FIELDS} for r in doc["results"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quick")
    ap.add_argument("--seeds", type=int, help="seeds per activation (default: the preset's)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpus", type=int, default=os.cpu_count(), help="processes / Ray CPUs of the first two variants")
    ap.add_argument("--preload", action="store_true", help="start the cluster's nodes with warm workers")
    ap.add_argument(
        "--only", choices=["overhead", "nodes"], help="only local vs ray (overhead) or 1 vs 2 nodes (default: both)"
    )
    args = ap.parse_args()
    setting = ["--preset", args.preset, *(["--seeds", str(args.seeds)] if args.seeds else [])]
    variants = {
        "local": lambda out: arena(setting, out, "--jobs", str(args.cpus)),
        "ray": lambda out: arena(setting, out, "--engine", "ray", "--jobs", str(args.cpus)),
    }
    names = {"overhead": [*variants], "nodes": ["1 node", "2 nodes"], None: [*variants, "1 node", "2 nodes"]}
    times: dict[str, list[float]] = {name: [] for name in names[args.only]}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name in times:
                out = Path(tmp) / f"{name.replace(' ', '-')}-{r}"
                if name in variants:
                    seconds, doc = variants[name](out)
                else:
                    with cluster(int(name[0]), args.preload) as address:
                        seconds, doc = arena(setting, out, "--engine", "ray", "--address", address)
                reference = reference or science(doc)
                if science(doc) != reference:
                    sys.exit(f"{name}: the records differ from the local engine's")
                times[name].append(seconds)
                meta = doc["meta"]
                print(f"round {r + 1}: {name:8s} {seconds:6.1f} s  (arena.run {meta['seconds']:.1f} s, "
                      f"{meta['runs']} runs, {training_seconds(doc):.1f} s training, {meta['jobs']} CPUs, "
                      f"{meta['nodes']} Ray nodes, training per node {node_seconds(doc)} s)", flush=True)  # fmt: skip
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"\n{' '.join(setting)}: {os.cpu_count()} CPUs, median of {args.rounds} round(s); records identical: yes")
    for name, m in med.items():
        print(f"  {name:8s} {m:6.1f} s   ({', '.join(f'{t:.1f}' for t in times[name])})")
    if "ray" in med:
        print(f"  ray / local (overhead, {args.cpus} CPUs):  {med['ray'] / med['local']:.3f}x")
    if "2 nodes" in med:
        print(f"  2 nodes / 1 node (1 CPU each):     {med['2 nodes'] / med['1 node']:.3f}x")


if __name__ == "__main__":
    main()
