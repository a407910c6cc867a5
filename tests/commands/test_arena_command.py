"""``actlab arena`` end to end on a tiny setting, and its argument errors."""

from __future__ import annotations

import json

import pytest

from actlab.cli import main


def test_tiny_run_prints_boards_and_writes_json_and_curves(tmp_path, capsys, single_thread):
    args = ["arena", "Tanh", "--task", "digits", "--seeds", "2", "--steps", "4", "--lrs", "1e-3,1e-2"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "digits: test accuracy" in out and "too few seeds" in out and "added the baseline ReLU" in out
    doc = json.loads((tmp_path / "data" / "arena.json").read_text())
    assert doc["meta"]["preset"] == "quick" and doc["meta"]["runs"] == 6
    assert [(r["task"], r["activation"]) for r in doc["results"]] == [("digits", "ReLU"), ("digits", "Tanh")]
    for r in doc["results"]:
        assert r["lr"] in (1e-3, 1e-2) and len(r["values"]) == 2 and r["curves"]["step"][-1] == 4
    assert (tmp_path / "data" / "arena-digits.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "data" / "arena.json.partial").exists()  # the checkpoint goes once the JSON is written
    custom = tmp_path / "elsewhere.json"
    assert main([*args, "--seeds", "1", "--json", str(custom), "--no-plots", "--out", str(tmp_path / "o")]) == 0
    assert json.loads(custom.read_text())["results"] and not (tmp_path / "o" / "data").exists()
    capsys.readouterr()
    assert main(["arena", "--show", str(tmp_path / "data" / "arena.json"), "--top", "1", "--no-plots"]) == 0
    shown = capsys.readouterr().out
    assert "digits: test accuracy" in shown and "quick run of" in shown and "training runs" not in shown


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seeds", "0"], "seeds must be at least 1"),
        (["--threads", "0"], "--threads"),
        (["--jobs", "0"], "--jobs"),
        (["--top", "0"], "--top"),
        (["--bottom", "-1"], "--bottom"),
    ],
)
def test_bad_values_fail_before_training(extra, message, capsys):
    assert main(["arena", "ReLU", *extra]) == 2
    assert message in capsys.readouterr().err


def test_unknown_task_and_rates_are_argument_errors(capsys):
    for extra in (["--task", "mnist"], ["--lrs", "fast"]):
        with pytest.raises(SystemExit) as exc:
            main(["arena", *extra])
        assert exc.value.code == 2


def test_resume_reuses_the_partial_file_of_an_interrupted_run(tmp_path, capsys, single_thread):
    from actlab.arena import Checkpoint, plan, run

    partial = tmp_path / "data" / "arena.json.partial"
    p = plan("quick", names=["Tanh"], tasks=["digits"], seeds=1, lrs=[1e-2], steps=3)
    run(p, progress=False, checkpoint=Checkpoint(partial, fresh=True))
    partial.write_text(partial.read_text().splitlines()[0] + "\n")  # interrupted after ReLU
    args = ["arena", "Tanh", "--task", "digits", "--seeds", "1", "--lrs", "1e-2", "--steps", "3", "--no-plots"]
    assert main([*args, "--out", str(tmp_path), "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming: 1 finished sweeps" in out and "(1 sweeps resumed)" in out and not partial.exists()
