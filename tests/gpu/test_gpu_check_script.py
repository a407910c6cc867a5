"""benchmarks/gpu_check.py, the script a session with a GPU runs, kept working without one: its dry
run (every step on the CPU under the interpreter, toy sizes) in the nested interpreter run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from triton_cases import interpreted

pytestmark = interpreted
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


def test_the_dry_run_fills_every_section(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("actlab_gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    out = tmp_path / "check.json"
    assert module.main(["--dry-run", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["bits"]["compared"] > 50 and result["bits"]["differing"] == {}
    assert {r["op"] for r in result["accuracy"]} >= {"Sigmoid", "Tanh", "Softmax", "LogSoftmax"}
    assert all(r["triton forward"] <= 8 for r in result["accuracy"])
    assert {r["op"] for r in result["speed"]} >= {"Sigmoid", "Softmax", "GLU", "PReLU"}
    assert all(r["fwd"]["ratio"] > 0 for r in result["speed"])
    assert result["memory"][0]["replaced"] == 4
