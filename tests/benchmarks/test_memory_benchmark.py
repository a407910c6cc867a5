"""Smoke test of benchmarks/memory.py on a toy MLP (the real sizes run in the benchmark itself)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "memory.py"


@pytest.fixture(scope="module")
def memory():
    spec = importlib.util.spec_from_file_location("actlab_memory_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


WIDTH, BATCH, DEPTH = 32, 8, 2
ACTIVATION_BYTES = WIDTH * BATCH * 4  # one float32 activation tensor


def test_toy_run_measures_every_variant(memory) -> None:
    rows = memory.run(["ReLU", "GELU", "Tanhshrink", "Swish"], WIDTH, BATCH, DEPTH, progress=False)
    by_name = {r.name: r for r in rows}
    assert list(by_name) == ["ReLU", "GELU", "Tanhshrink", "Swish"]
    assert set(by_name["Swish"].peak) == {"actlab", "naive"}  # no torch counterpart
    for r in rows:
        assert all(v > 0 for v in r.peak.values()) and all(v > 0 for v in r.saved.values())
        # actlab saves one tensor per activation: at most one activation-size tensor per layer more than torch
        if "torch" in r.saved:
            assert r.saved["actlab"] <= r.saved["torch"] + DEPTH * ACTIVATION_BYTES
    # the naive composition keeps its intermediates (x - tanh x: the tanh and more)
    assert by_name["Tanhshrink"].saved["naive"] > by_name["Tanhshrink"].saved["actlab"]
    # ReLU's output doubles as the next Linear's saved input, in torch and in actlab alike
    relu = by_name["ReLU"]
    assert relu.saved["actlab"] == relu.saved["torch"]
    # GELU saves its input in both libraries: the same bytes
    assert by_name["GELU"].saved["actlab"] == by_name["GELU"].saved["torch"]


def test_table_has_ratios_and_dashes(memory, capsys) -> None:
    assert memory.main(["ReLU", "Swish", "--width", str(WIDTH), "--batch", str(BATCH), "--depth", "1"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip() and not line.startswith("-")}
    assert set(lines) >= {"ReLU", "Swish"}
    assert "-" in lines["Swish"].split()
    assert float(lines["ReLU"].split()[4]) > 0  # actlab/torch peak ratio


def test_bad_sizes_are_rejected(memory) -> None:
    with pytest.raises(SystemExit):
        memory.main(["ReLU", "--width", "0"])


def test_the_vector_maps_run_too(memory) -> None:
    """SoLU, RadixSoftmax (VectorMaps: no f) and EntmaxBisect (alpha a tensor) run in all their variants; their
    native kernels save one activation-size tensor per layer, the naive compositions more."""
    rows = memory.run(["SoLU", "RadixSoftmax", "EntmaxBisect"], WIDTH, BATCH, DEPTH, progress=False)
    for r in rows:
        assert set(r.peak) == {"actlab", "naive"} and r.saved["naive"] > r.saved["actlab"] > 0
