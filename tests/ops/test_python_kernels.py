"""The Python kernels pass the operator tests too. They are what a user gets whenever the native
library cannot load (another CPU or torch version, an install without a compiler, ACTLAB_NATIVE=0):
the operator tests (PyTorch's OpInfo checks, the torch.func transforms, the graph tools) run again
in a fresh pytest with ACTLAB_NATIVE=0, so that the suite's one command covers both (about 1.5
minutes of CPU). The partials have their own ACTLAB_NATIVE=0 run (test_partials.py); the
tower (forward AD, torch.func) is the same Python in both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from actlab import native

HERE = Path(__file__).parent
# the operator tests and how many each holds at least (one fresh pytest each: xdist spreads them)
OPERATOR_TESTS = {"test_opinfo.py": 100, "test_transforms.py": 300, "test_graphs.py": 45}


@pytest.mark.slow
@pytest.mark.skipif(native.mode() == "off" or not native.loaded(), reason="this run tests the Python kernels already")
@pytest.mark.parametrize("tests", list(OPERATOR_TESTS))
def test_the_operator_tests_pass_with_the_python_kernels(tests: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ACTLAB_NATIVE_ISA", "PYTEST_XDIST_WORKER")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / tests), "-q", "-n", "0", "-p", "no:cacheprovider"],
        env={**env, "ACTLAB_NATIVE": "0"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail and "error" not in tail, tail
    assert int(tail.split()[0]) >= OPERATOR_TESTS[tests], tail  # every test of the file ran
