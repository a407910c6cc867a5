"""The report keeps data/accuracy.json in step (actlab.report.data): options recorded, partial or
stale files recomputed with a note, covering files reused."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from actlab.analysis import accuracy as A
from actlab.cli import main
from actlab.report.data import ensure_accuracy, stale, sweep_names
from actlab.report.sections import data_path


def test_stale_rules() -> None:
    now = {"names": None, "size": "reduced", "torch": torch.__version__}
    assert stale(now, None, "reduced") is None and stale(now, ["ReLU"], "reduced") is None
    assert "full" in stale(now, None, "full")
    assert stale({}, None, "reduced") == "it records no options (an older file)"
    assert "covers only GELU" in stale({**now, "names": ["GELU"]}, None, "reduced")
    assert "does not cover ReLU" in stale({**now, "names": ["GELU"]}, ["ReLU"], "reduced")
    assert "torch 1.0" in stale({**now, "torch": "1.0"}, None, "reduced")
    assert stale({**now, "size": "full"}, ["ReLU"], "reduced") is None  # a full sweep serves a reduced report
    assert sweep_names(["GLU", "relu"]) == ["ReLU"]  # no sweep for gated units


def test_partial_data_is_not_reused(tmp_path: Path, monkeypatch) -> None:
    swept: list = []
    real = A.run_sweep
    monkeypatch.setattr(A, "run_sweep", lambda names, size, progress: swept.append(names) or real(names, size))
    assert "running the reduced sweep" in ensure_accuracy(tmp_path, ["ReLU"], full=False, progress=False)
    assert "reusing" in ensure_accuracy(tmp_path, ["ReLU"], full=False, progress=False)
    note = ensure_accuracy(tmp_path, ["ReLU", "Tanh"], full=False, progress=False)
    assert "stale (it does not cover Tanh)" in note
    meta, recs = A.load_json(json.loads(data_path(tmp_path, "accuracy.json").read_text()))
    assert meta["names"] == ["ReLU", "Tanh"] and {r["op"] for r in recs} == {"ReLU", "Tanh"}
    assert swept == [["ReLU"], ["ReLU", "Tanh"]]


def test_report_command_flags_old_files(tmp_path: Path, capsys) -> None:
    data_path(tmp_path, "accuracy.json").parent.mkdir(parents=True)
    data_path(tmp_path, "accuracy.json").write_text("[]")  # written by an older actlab: no options
    assert main(["report", "--out", str(tmp_path), "--only", "ReLU", "--jobs", "1", "--no-bench", "--no-arena"]) == 0
    out = capsys.readouterr().out
    assert "stale (it records no options (an older file))" in out and "wrote" in out and "MB" in out
    assert main(["report", "--out", str(tmp_path), "--only", "ReLU", "--full", "--no-accuracy"]) == 2


def test_report_command_runs_the_sweep_alongside(tmp_path: Path, capsys) -> None:
    """With --jobs 2 the sweep runs in its own process while the activations are drawn; the page
    still shows its records, and the note is printed."""
    assert main(["report", "--out", str(tmp_path), "--only", "ReLU", "Tanh", "--jobs", "2", "--no-arena"]) == 0
    out = capsys.readouterr().out
    assert "accuracy: running the reduced sweep" in out and out.index("accuracy:") < out.index("wrote")
    meta, recs = A.load_json(json.loads(data_path(tmp_path, "accuracy.json").read_text()))
    assert meta["names"] == ["ReLU", "Tanh"] and {r["op"] for r in recs} == {"ReLU", "Tanh"}
    page = (tmp_path / "index.html").read_text()
    assert "Tanh: f′(x)" in page[page.index("id='ext-accuracy'") :]  # the profile charts of the fresh file
