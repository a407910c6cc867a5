"""``actlab bench`` smoke test (tiny sizes, no timing assertions)."""

from __future__ import annotations

import json

import pytest

from actlab import bench
from actlab.cli import main


def test_bench_command_writes_json_and_table(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = main(["bench", "ReLU", "Swish", "Softmax", "--size", "256", "--repeats", "2", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "/torch" in text and "Softmax" in text and "floor" in text
    rec = json.loads(out.read_text())
    assert rec["meta"]["dtype"] == "float32" and rec["floor"]["256"] > 0
    rows = {(r["name"], r["pass"]): r for r in rec["results"]}
    assert set(rows) == {(n, p) for n in ("ReLU", "Swish", "Softmax") for p in ("fwd", "fwdbwd")}
    relu = rows["ReLU", "fwdbwd"]
    assert set(relu["ms"]) == {"torch", "naive", "actlab"}
    assert relu["ratio"]["torch"] == pytest.approx(relu["ms"]["actlab"] / relu["ms"]["torch"])
    assert relu["saved_bytes"]["actlab"] > 0
    assert "torch" not in rows["Swish", "fwd"]["ms"]  # no torch counterpart: naive only
    assert rows["Softmax", "fwd"]["shape"] == [1, 256]
    fig = bench.plot_ratios(out, kind="fwd")
    assert len(fig.axes[0].patches) == 2 * 2  # two activations with a torch column, two bars each


def test_bench_rejects_bad_arguments(capsys):
    assert main(["bench", "NoSuchActivation", "--size", "256"]) == 2
    assert main(["bench", "ReLU", "--size", "3"]) == 2
    assert "error" in capsys.readouterr().err
