"""The Triton kernels run by Triton's interpreter on this CPU: the modules of tests/gpu marked
``interpreted`` run in a fresh pytest with TRITON_INTERPRET=1 (kernels on CPU tensors),
ACTLAB_NATIVE=0 and ACTLAB_TESTING_TRITON=1, where the launchers are registered for the CPU key;
the main process keeps its native kernels (tests/native/test_isas.py's pattern)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from triton_cases import INSIDE, INTERPRETED

pytest.importorskip("triton")
HERE = Path(__file__).parent
OWN = ("test_gpu_interpreter.py", "test_gpu_ptx.py", "test_gpu_package.py")


@pytest.mark.skipif(INTERPRETED, reason="inside the nested run")
def test_the_kernels_pass_their_tests_under_the_interpreter() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update({"TRITON_INTERPRET": "1", "ACTLAB_NATIVE": "0", INSIDE: "1"})
    modules = sorted(str(p) for p in HERE.glob("test_gpu_*.py") if p.name not in OWN)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *modules,
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::RuntimeWarning",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = "\n".join(run.stdout.splitlines()[-25:])
    assert run.returncode == 0, tail + run.stderr[-3000:]
    summary = run.stdout.splitlines()[-1]
    assert "skipped" not in summary, summary  # every interpreted test ran
    print(summary)
