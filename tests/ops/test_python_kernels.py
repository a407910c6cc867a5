"""The Python kernels pass the operator tests too. They are what a user gets whenever the native
library cannot load (another CPU or torch version, an install without a compiler, ACTLAB_NATIVE=0):
the operator tests (PyTorch's OpInfo checks, the torch.func transforms, the graph tools) run again
in a fresh pytest with ACTLAB_NATIVE=0, so that the suite's one command covers both (about 1.5
minutes of one core). The partials have their own ACTLAB_NATIVE=0 run (test_partials.py); the
tower (forward AD, torch.func) is the same Python in both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from actlab import native

HERE = Path(__file__).parent
OPERATOR_TESTS = ("test_opinfo.py", "test_transforms.py", "test_graphs.py")


@pytest.mark.slow
@pytest.mark.skipif(native.mode() == "off" or not native.loaded(), reason="this run tests the Python kernels already")
def test_the_operator_tests_pass_with_the_python_kernels() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ACTLAB_NATIVE_ISA", "PYTEST_XDIST_WORKER")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *(str(HERE / f) for f in OPERATOR_TESTS),
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
        ],
        env={**env, "ACTLAB_NATIVE": "0"},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail and "error" not in tail, tail
    assert int(tail.split()[0]) >= 450, tail  # every test of the three files ran
