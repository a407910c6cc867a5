"""``actlab arena`` end to end on a tiny setting, and its argument errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
        (["--address", "auto"], "--engine ray"),
        (["--engine", "ray", "--address", "auto", "--jobs", "2"], "--jobs"),
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


INSTALL_HINT = "pip install 'actlab[cluster]'"
USER_MODULE = """
import torch, actlab

@actlab.plot_activation_module(negative_slope=0.2)
class RayPlug(torch.nn.Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return torch.where(x > 0, x, self.negative_slope * x)
"""


def descendants(pid: int) -> set[int]:
    """The live processes below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        found.update(kids := children.get(todo.pop(), []))
        todo += kids
    return found


def test_engine_ray_runs_a_user_activation_as_the_local_engine_does(tmp_path, capsys, single_thread, monkeypatch):
    import ray

    from actlab.arena import RUN_FIELDS, ray_engine
    from actlab.registry import unregister

    ray_processes: set[int] = set()  # the instance's processes (workers included) just before it is stopped
    stop = ray_engine.stop_own_instance

    def watched_stop(ray_module):
        ray_processes.update(descendants(os.getpid()))
        stop(ray_module)

    monkeypatch.setattr(ray_engine, "stop_own_instance", watched_stop)

    (tmp_path / "ray_plug.py").write_text(USER_MODULE)
    args = ["--import", str(tmp_path / "ray_plug.py"), "arena", "RayPlug", "--task", "digits", "--seeds", "2"]
    args += ["--steps", "4", "--lrs", "1e-2", "--no-plots", "--jobs", "2"]
    try:
        for engine in ("local", "ray"):
            assert main([*args, "--engine", engine, "--out", str(tmp_path / engine)]) == 0
    finally:
        unregister("RayPlug")
        sys.modules.pop("actlab_user_ray_plug", None)
    assert "sweeps run by the ray engine on" in capsys.readouterr().out
    docs = {e: json.loads((tmp_path / e / "data" / "arena.json").read_text()) for e in ("local", "ray")}
    assert docs["ray"]["meta"]["engine"] == "ray" and docs["local"]["meta"]["engine"] == "local"
    assert docs["ray"]["meta"]["address"] == "local" and docs["ray"]["meta"]["jobs"] == 2
    assert not ray.is_initialized()  # the command's own instance is stopped ...
    deadline = time.monotonic() + 10
    while (left := {pid for pid in ray_processes if Path(f"/proc/{pid}").exists()}) and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"{len(ray_processes)} processes of the Ray instance, {len(left)} left")
    assert len(ray_processes) >= 5 and not left  # ... with every process it started (no zombies either)
    same = [[{k: v for k, v in r.items() if k not in RUN_FIELDS} for r in d["results"]] for d in docs.values()]
    assert same[0] == same[1] and [r["activation"] for r in docs["ray"]["results"]] == ["ReLU", "RayPlug"]
    assert {r["engine"] for r in docs["ray"]["results"]} == {"ray"}


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [(KeyboardInterrupt, 130, "interrupted, unfinished sweeps cancelled"), ("lost", 1, "error: the sweep x was lost")],
)
def test_ctrl_c_and_lost_sweeps_leave_a_resumable_checkpoint_and_say_so(fault, status, message, tmp_path, capsys,
                                                                         monkeypatch):  # fmt: skip
    from actlab import arena

    def interrupted(p, checkpoint, engine):
        checkpoint.add("{}", {"task": "digits"})
        raise KeyboardInterrupt if fault is KeyboardInterrupt else arena.EngineError("the sweep x was lost")

    monkeypatch.setattr(arena, "run", interrupted)
    assert main(["arena", "ReLU", "--task", "digits", "--no-plots", "--out", str(tmp_path)]) == status
    err = capsys.readouterr().err
    assert message in err and "1 finished sweeps are in" in err and "--resume" in err


def test_engine_ray_without_ray_installed_is_one_line_and_actlab_never_imports_ray():
    code = """
        import importlib.abc, sys
        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "ray":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Blocker())
        import actlab, actlab.arena
        from actlab.cli import build_parser, main
        build_parser()
        assert "ray" not in sys.modules
        print(main(["arena", "ReLU", "--engine", "ray"]))
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "2"
    errors = [line for line in proc.stderr.splitlines() if "actlab" in line]
    assert errors == ["actlab arena: error: --engine ray needs Ray, which is not installed: " + INSTALL_HINT]
