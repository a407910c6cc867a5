"""The entmax package's own tests (shipped in the installed package: test_topk, test_mask,
test_root_finding, test_losses) run with actlab in place of sparsemax, entmax15, their top-k
threshold helpers, entmax_bisect / sparsemax_bisect and the Fenchel-Young losses (the
``entmax_actlab`` plugin). The suite runs them all but the package's own normmax/budget maps
(not actlab's) and the most repetitive loss parametrisations; all pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import entmax
import pytest

TESTS = Path(__file__).resolve().parents[1]
PACKAGE = Path(entmax.__file__).parent
FILES = ["test_topk.py", "test_mask.py", "test_root_finding.py", "test_losses.py"]
SKIP = "normmax or Normmax or budget or (test_loss and sum) or (test_loss and True)"


@pytest.mark.slow
def test_the_entmax_packages_tests_pass_with_actlab_in_place(tmp_path: Path) -> None:
    if not all((PACKAGE / f).exists() for f in FILES):
        pytest.skip("this entmax installation ships no tests")
    src = str(TESTS.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(TESTS)]), "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "entmax_actlab", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*args, "-k", f"not ({SKIP})", *(str(PACKAGE / f) for f in FILES), "--rootdir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    tail = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-4000:]
    assert " passed" in tail and "failed" not in tail and int(tail.split()[0]) >= 60, tail
