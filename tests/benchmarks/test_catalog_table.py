"""benchmarks/catalog_table.py: one row per activation, each cell against its yardstick (torch's module
for torch.nn's, SiLU for the catalog), misses in bold at the target of the activation's kind."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "catalog_table.py"


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("actlab_catalog_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def row(name: str, numel: int, threads: int, **ratio: float) -> dict:
    return {"name": name, "numel": numel, "threads": threads, "pass": "fwdbwd", "dtype": "float32", "ratio": ratio}


def test_rows_cells_and_misses(table, tmp_path, monkeypatch, capsys) -> None:
    record = {
        "meta": {},
        "floor": {},
        "results": [
            row("GELU", 65536, 1, torch=1.2, naive=0.4),
            row("TanhExp", 65536, 1, silu=3.2, naive=0.5),
            row("TanhExp", 65536, 2, silu=2.9, naive=1.1),
            row("Snake", 65536, 1, silu=3.5, naive=0.3),
            row("Snake", 65536, 2, silu=3.5, naive=0.3) | {"pass": "fwd"},
        ],
    }
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(record))
    monkeypatch.setattr(sys, "argv", ["catalog_table.py", str(path)])
    table.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| activation | vs | 64K, 1t | 64K, 2t | worst / textbook |"
    assert "| GELU | torch | **1.20** | - | 0.40 |" in lines
    assert "| Snake | SiLU | 3.50 | - | 0.30 |" in lines  # learnable: 4x SiLU; the fwd row is not read
    assert "| TanhExp | SiLU | **3.20** | 2.90 | **1.10** |" in lines
