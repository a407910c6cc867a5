"""Resumable runs: every finished sweep's record is appended to a JSON-lines file as it completes.

A line is ``{"key": {...}, "record": {...}}``. The key states what decides a sweep's numbers:
task, steps, rates, batch size, activation, seeds and tuning seeds; a resumed run reuses a record
only when its key matches exactly (changes to the code are not part of the key). A last line cut
short by a killed process is ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .tasks import Task


def sweep_key(task: Task, activation: str, seeds: int, tune_seeds: int) -> str:
    """The canonical key of one sweep."""
    key = {
        "task": task.name,
        "steps": task.steps,
        "lrs": list(task.lrs),
        "batch_size": task.batch_size,
        "activation": activation,
        "seeds": seeds,
        "tune_seeds": tune_seeds,
    }
    return json.dumps(key, sort_keys=True)


class Checkpoint:
    """Records of finished sweeps, kept in ``path`` (``fresh``: start from an empty file)."""

    def __init__(self, path: Path, fresh: bool = False) -> None:
        self.path = Path(path)
        self.done: dict[str, dict[str, Any]] = {}
        if fresh:
            self.path.unlink(missing_ok=True)
        elif self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # cut short when the run was killed
                self.done[json.dumps(entry["key"], sort_keys=True)] = entry["record"]

    def get(self, key: str) -> dict[str, Any] | None:
        return self.done.get(key)

    def add(self, key: str, record: dict[str, Any]) -> None:
        self.done[key] = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": json.loads(key), "record": record}, allow_nan=False, ensure_ascii=False)
        with self.path.open("a") as f:
            f.write(line + "\n")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
