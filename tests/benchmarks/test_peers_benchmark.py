"""benchmarks/peers.py: which pairs compute the same function as torch-activation (those are timed)
and which do not (reported, not timed), and one short timed run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from tests.torch_activation_stub import install

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "peers.py"
# the peer's TeLU is x tanh(elu(x)), its Sinc sin(pi x)/(pi x), its PAU 1 + sum |b_k| x^2k
DIFFERENT = {"TeLU", "Sinc", "PAU"}


@pytest.fixture(scope="module")
def peers():
    pytest.importorskip("torch_activation")
    install()
    spec = importlib.util.spec_from_file_location("actlab_peers_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_pairs_agree_except_the_ones_said_to_differ(peers) -> None:
    for q in peers.PAIRS:
        ours, theirs = q.ours(), peers.peer_class(q.peer)(**q.peer_kwargs)
        if q.tie is not None:
            q.tie(ours, theirs)
        diff = peers.agreement(ours, theirs)
        assert (diff > 1e-4) == (q.name in DIFFERENT), (q.name, diff)


def test_a_short_run_prints_a_row_per_cell(peers, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["peers.py", "GCU", "TeLU", "--sizes", "1024", "--threads", "1", "--repeats", "2"])
    peers.main()
    out = capsys.readouterr().out
    assert "| GCU | GCU | 1024 | 1 |" in out
    assert "| TeLU | TeLU | | | | | not the same function" in out
