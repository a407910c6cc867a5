"""The activation arena: record format, learning on real digits, determinism, the CLI."""

from __future__ import annotations

import json

import pytest
import torch

from actlab import arena, spec
from actlab.cli import main

FIELDS = {"activation", "task", "acc_mean", "acc_std", "final_loss", "epochs_to_90", "sec_per_epoch", "seeds"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("arena")
    code = main(["arena", "ReLU", "Tanh", "--task", "digits", "--seeds", "1", "--epochs", "2", "--out", str(out)])
    return code, out


def test_cli_writes_records_with_the_report_fields(tiny):
    code, out = tiny
    assert code == 0
    records = json.loads((out / "data" / "arena.json").read_text())
    assert [(r["activation"], r["task"]) for r in records] == [("ReLU", "digits"), ("Tanh", "digits")]
    for r in records:
        assert FIELDS <= set(r)
        assert r["seeds"] == [0] and r["epochs"] == 2 and len(r["acc_curve"]) == 2
        assert 1 <= r["epochs_to_90"] <= 2 and r["sec_per_epoch"] > 0 and r["acc_std"] == 0
        assert r["acc_mean"] > 0.5  # chance is 0.1 on ten classes
        assert 0 < r["final_loss"] < 2.3  # below the loss of a uniform guess, log 10
    png = out / "data" / "arena-digits.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_result_and_same_initial_weights():
    torch.set_num_threads(1)
    a = arena.run_arena(["GELU"], ["spirals"], seeds=1, epochs=2, progress=False)[0]
    b = arena.run_arena(["GELU"], ["spirals"], seeds=1, epochs=2, progress=False)[0]
    assert a["acc_curve"] == b["acc_curve"] and a["loss_curve"] == b["loss_curve"]
    relu = arena.build_net(spec("ReLU"), 2, 2, (8, 8), seed=5)
    mish = arena.build_net(spec("Mish"), 2, 2, (8, 8), seed=5)
    for p, q in zip(relu.parameters(), mish.parameters()):
        assert torch.equal(p, q)


def test_gated_and_parametric_kinds_get_the_right_widths():
    glu = arena.build_net(spec("GLU"), 4, 3, (8, 6), seed=0)
    prelu = arena.build_net(spec("PReLU"), 4, 3, (8, 6), seed=0)
    assert [m.out_features for m in glu if isinstance(m, torch.nn.Linear)] == [16, 12, 3]
    assert [m.weight.numel() for m in prelu if m.__class__.__name__ == "PReLU"] == [8, 6]
    assert glu(torch.randn(5, 4)).shape == (5, 3)


def test_spirals_are_balanced_and_interleaved():
    x, y = arena.two_spirals(n=400)
    assert x.shape == (400, 2) and y.sum() == 200
    assert (x[y == 0] + x[y == 1]).std() < 0.2  # the arms are point reflections of each other, plus noise


def test_epochs_to_fraction():
    assert arena.epochs_to_fraction([0.1, 0.5, 0.95, 1.0]) == 3
    assert arena.epochs_to_fraction([0.2, 0.2]) == 1


def test_bad_requests_are_rejected():
    with pytest.raises(ValueError, match="normalizer"):
        arena.run_arena(["Softmax"], ["digits"], progress=False)
    with pytest.raises(ValueError, match="unknown task"):
        arena.run_arena(["ReLU"], ["mnist"], progress=False)
    with pytest.raises(ValueError, match="at least 1"):
        arena.run_arena(["ReLU"], ["digits"], seeds=0, progress=False)
    assert "Softmax" not in arena.default_names() and "GLU" in arena.default_names()


def test_every_default_activation_builds_and_trains_one_step():
    for name in arena.default_names():
        net = arena.build_net(spec(name), 4, 3, (8, 6), seed=0)
        loss = torch.nn.functional.cross_entropy(net(torch.randn(5, 4)), torch.tensor([0, 1, 2, 0, 1]))
        loss.backward()
        assert torch.isfinite(loss), name
        assert all(p.grad is not None for p in net.parameters()), name
