"""The default report fills its Speed and Arena sections itself (actlab.report.data): a quick
benchmark of the torch.nn activations, a short arena on digits; a user's own ``actlab bench`` /
``actlab arena`` files are kept, the report's own ones re-measured or reused by the rules below."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from actlab.arena import PRESETS
from actlab.arena.presets import Preset
from actlab.cli import main
from actlab.report.data import (
    BENCH_PASSES,
    BENCH_SIZES,
    CATALOG_SIZES,
    MADE_BY,
    arena_stale,
    bench_names,
    bench_stale,
    ensure_arena,
    ensure_bench,
)
from actlab.report.sections import data_path

TINY = Preset(
    "report", {"digits": ("ReLU", "Tanh")}, seeds=1, tune_seeds=1, lrs={"digits": (1e-2,)}, steps={"digits": 8}
)


@pytest.fixture
def tiny_arena(monkeypatch):
    """The report's arena preset shrunk to two 8-step runs (the real one trains 8 x 4 runs)."""
    monkeypatch.setitem(PRESETS, "report", TINY)


def test_the_quick_bench_covers_the_torch_nn_activations() -> None:
    names = bench_names(None)
    assert len(names) == 28 and {"ReLU", "GELU", "LogSoftmax", "Softmax2d", "GLU", "PReLU", "RReLU"} <= set(names)
    assert bench_names(["Snake", "ELU"]) == ["ELU"]  # no torch counterpart: nothing to compare with
    assert set(BENCH_PASSES) == {"fwd", "fwdbwd"} and set(BENCH_SIZES) == {65_536, 4_194_304}


def test_bench_stale_rules() -> None:
    user = {"torch": torch.__version__, "names": ["ReLU", "Tanh"]}
    assert bench_stale(user, ["ReLU"]) is None  # a covering run of actlab bench is kept
    assert "does not cover GELU" in bench_stale(user, ["ReLU", "GELU"])
    assert "torch 1.0" in bench_stale({**user, "torch": "1.0"}, ["ReLU"])
    assert "afresh" in bench_stale({**user, "made_by": MADE_BY}, ["ReLU"])


def test_ensure_bench(tmp_path: Path) -> None:
    """torch.nn's activations against torch at both sizes; the catalog's against torch's SiLU and
    their textbook composition at the catalog's size."""
    assert "running the quick benchmark" in ensure_bench(tmp_path, ["ReLU", "Snake"], progress=False)
    rec = json.loads(data_path(tmp_path, "bench.json").read_text())
    assert (
        rec["meta"]["made_by"] == MADE_BY and rec["meta"]["names"] == ["ReLU", "Snake"] and rec["meta"]["repeats"] == 5
    )
    rows = {(r["name"], r["pass"], r["numel"]) for r in rec["results"]}
    assert rows == {("ReLU", p, n) for p in BENCH_PASSES for n in BENCH_SIZES} | {
        ("Snake", p, n) for p in BENCH_PASSES for n in CATALOG_SIZES
    }
    relu = [r for r in rec["results"] if r["name"] == "ReLU"]
    snake = [r for r in rec["results"] if r["name"] == "Snake"]
    assert all(r["ms"]["actlab"] > 0 and r["ms"]["torch"] > 0 for r in relu)
    assert all(r["ms"]["silu"] > 0 and r["ms"]["naive"] > 0 and "torch" not in r["ms"] for r in snake)
    assert "afresh" in ensure_bench(tmp_path, ["ReLU"], progress=False)  # the report's own: measured again
    rec["meta"].pop("made_by")  # as if written by `actlab bench --json`
    data_path(tmp_path, "bench.json").write_text(json.dumps(rec))
    assert "reusing" in ensure_bench(tmp_path, ["ReLU"], progress=False)
    assert "running" in ensure_bench(tmp_path, ["ReLU"], force=True, progress=False)  # --bench
    assert "none of the activations" in ensure_bench(tmp_path, ["Sparsemax"], progress=False)


def test_arena_stale_rules() -> None:
    assert arena_stale({"preset": "full", "torch": "1.0"}) is None  # a user's run is never overwritten
    assert arena_stale({"preset": "report", "torch": torch.__version__}) is None  # deterministic: reused
    assert "torch 1.0" in arena_stale({"preset": "report", "torch": "1.0"})


def test_ensure_arena(tmp_path: Path, tiny_arena) -> None:
    assert "training the report preset: 2 runs" in ensure_arena(tmp_path, progress=False)
    doc = json.loads(data_path(tmp_path, "arena.json").read_text())
    assert doc["meta"]["preset"] == "report" and {r["activation"] for r in doc["results"]} == {"ReLU", "Tanh"}
    assert "reusing" in ensure_arena(tmp_path, progress=False)
    assert "training" in ensure_arena(tmp_path, force=True, progress=False)  # --arena
    doc["meta"]["preset"] = "full"
    data_path(tmp_path, "arena.json").write_text(json.dumps(doc))
    assert "reusing" in ensure_arena(tmp_path, force=False, progress=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_default_report_fills_speed_and_arena(tmp_path: Path, capsys, tiny_arena, jobs: str) -> None:
    assert main(["report", "--out", str(tmp_path), "--only", "ReLU", "Snake", "--jobs", jobs]) == 0
    out = capsys.readouterr().out
    assert "speed: running the quick benchmark" in out and "arena: training the report preset" in out
    page = (tmp_path / "index.html").read_text()
    speed = page[page.index("id='ext-bench'") : page.index("id='ext-arena'")]
    assert "Not measured yet" not in speed and "quick run" in speed and "median of 5 rounds" in speed
    line = speed[speed.index("Measured on") : speed.index("</p>")]
    assert "[" not in line and "float32" in line and "thread" in line
    assert speed.count("class='bar-row' title=") == 6  # ReLU: fwd and fwd+bwd at 64K and 4M; Snake at 64K
    assert "forward + backward, 4M elements" in speed and "forward, 64K elements" in speed
    assert "The catalog, forward + backward, 64K elements" in speed and "actlab / torch&#x27;s SiLU" in speed
    arena = page[page.index("id='ext-arena'") :]
    assert "Not run yet" not in arena and "digits" in arena and "Tanh" in arena
    assert main(["report", "--out", str(tmp_path), "--only", "ReLU", "--no-bench", "--no-arena", "--jobs", jobs]) == 0
    assert "speed:" not in capsys.readouterr().out


def test_contradicting_flags(tmp_path: Path, capsys) -> None:
    for a, b in (("--bench", "--no-bench"), ("--arena", "--no-arena")):
        assert main(["report", "--out", str(tmp_path), "--only", "ReLU", a, b]) == 2
        assert "contradict" in capsys.readouterr().err
