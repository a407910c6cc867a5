"""Resumable runs: finished sweeps are saved as they complete and reused only when nothing changed."""

from __future__ import annotations

import dataclasses
import json

from actlab.arena import Checkpoint, plan, run
from actlab.arena.checkpoint import sweep_key


def tiny(steps: int = 4):
    return plan("quick", names=["Tanh"], tasks=["digits"], seeds=2, lrs=[1e-3, 1e-2], steps=steps)


def test_a_resumed_run_reuses_finished_sweeps(tmp_path):
    path = tmp_path / "arena.json.partial"
    first, meta = run(tiny(), progress=False, checkpoint=Checkpoint(path, fresh=True))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and meta["resumed_sweeps"] == 0
    assert [json.loads(line)["key"]["activation"] for line in lines] == ["ReLU", "Tanh"]
    path.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])  # killed while writing Tanh
    again, meta = run(tiny(), progress=False, checkpoint=Checkpoint(path))
    assert meta["resumed_sweeps"] == 1  # ReLU reused, Tanh trained again
    assert [r["values"] for r in again] == [r["values"] for r in first]
    assert again[1]["vs_baseline"] == first[1]["vs_baseline"]
    _, meta = run(tiny(steps=5), progress=False, checkpoint=Checkpoint(path))
    assert meta["resumed_sweeps"] == 0  # other settings: nothing reused


def test_fresh_checkpoint_starts_empty_and_keys_name_the_settings(tmp_path):
    path = tmp_path / "c.partial"
    path.write_text('{"key": {"task": "x"}, "record": {}}\n')
    assert Checkpoint(path).done and not Checkpoint(path, fresh=True).done and not path.exists()
    task = tiny().tasks["digits"]
    key = json.loads(sweep_key(task, "GELU", 5, 1))
    assert key == {"task": "digits", "steps": 4, "lrs": [1e-3, 1e-2], "batch_size": 64, "activation": "GELU",
                   "seeds": 5, "tune_seeds": 1}  # fmt: skip
    assert sweep_key(dataclasses.replace(task, batch_size=32), "GELU", 5, 1) != sweep_key(task, "GELU", 5, 1)
