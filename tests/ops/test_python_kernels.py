"""The Python kernels pass the operator tests too. They are what a user gets whenever the native
library cannot load (another CPU or torch version, an install without a compiler, ACTLAB_NATIVE=0):
the operator tests of this folder (OpInfo, torch.func transforms, graph tools, what is saved, the
partials, the random ops, float64 in every mode) run again in a fresh pytest with ACTLAB_NATIVE=0,
so that the suite's one command covers both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from actlab import native

HERE = Path(__file__).parent


@pytest.mark.slow
@pytest.mark.skipif(native.mode() == "off" or not native.loaded(), reason="this run tests the Python kernels already")
def test_the_operator_tests_pass_with_the_python_kernels() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ACTLAB_NATIVE_ISA", "PYTEST_XDIST_WORKER")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-q", "-n", "0", "-p", "no:cacheprovider"],
        env={**env, "ACTLAB_NATIVE": "0"},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in tail and "failed" not in tail and "error" not in tail, tail
