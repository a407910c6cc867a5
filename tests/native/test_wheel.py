"""The wheel a user installs (setup.py): built with ``pip wheel --no-build-isolation`` (reusing the
editable install's objects), it holds every variant of this architecture and build.json, and is
small; installed into a fresh virtual environment (torch from the package index, actlab from the
wheel alone) and run with an empty kernel cache, a failing ``CXX`` and no compiler on PATH, its
kernels load without any compiler run and compute what the editable install computes, bit for
bit, on the same ISA (tests/native/variants.py: every native op on special and random inputs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest
import torch
from test_build import fake_compilers
from test_isas import differ

from actlab import native
from actlab.native import build

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
VARIANTS = build.isas_for(build.machine())

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not VARIANTS or not native.loaded() or not (ROOT / "setup.py").exists(),
        reason=f"needs a checkout whose kernels load: {native.status()}",
    ),
]

FIRST_CALL = """
import json, time
t0 = time.perf_counter()
import torch, actlab, actlab.native as n
t1 = time.perf_counter()
x = torch.randn(1024, requires_grad=True)
actlab.functional.gelu(x).sum().backward()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_call": t2 - t1, "loaded": n.loaded(), "isa": n.isa(),
                  "library": str(n.library()), "status": n.status(), "file": actlab.__file__}))
"""


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    run = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert run.returncode == 0, " ".join(cmd) + "\n" + run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    for staged in ROOT.glob("build/lib*/actlab/native/csrc"):  # a source removed since build/lib was staged
        (staged / "removed_since.cpp").write_text("// not in the tree: the wheel must not ship it\n")
    t = time.perf_counter()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q", str(ROOT), "-w", str(dist)],
        timeout=1200,
        cwd=ROOT,
    )
    (path,) = dist.glob("actlab-*.whl")
    print(f"wheel: {path.name}, {path.stat().st_size / 1e6:.2f} MB, built in {time.perf_counter() - t:.1f} s")
    return path


def test_the_wheel_holds_every_variant_and_its_record(wheel: Path) -> None:
    assert wheel.stat().st_size <= 10e6
    assert wheel.name.endswith(f"-py3-none-linux_{build.machine()}.whl")  # no Python ABI: torch's, not Python's
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        record = json.loads(z.read("actlab/native/lib/build.json"))
    assert {f"actlab/native/lib/{i.library}" for i in VARIANTS} <= names
    assert "actlab/native/csrc/vec.h" in names and not any(".lock" in n or ".work-" in n for n in names)
    assert {n for n in names if n.startswith("actlab/native/csrc/")} == {
        f"actlab/native/csrc/{f.name}" for f in build.CSRC.iterdir() if f.suffix in (".cpp", ".h")
    }
    assert list(record["variants"]) == [i.name for i in VARIANTS] and record["failed"] == {}
    assert record["torch"] == torch.__version__ and record["sources"] == build.sources_digest()


def test_the_installed_wheel_loads_its_kernels_without_a_compiler_and_equals_the_editable_install(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = str(env_dir / "bin" / "python")
    version = torch.__version__.split("+")[0]
    t = time.perf_counter()
    fresh = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a checkout's src/ holds actlab.egg-info:
    _run([py, "-m", "pip", "install", "-q", f"torch=={version}", "numpy"], env=fresh, timeout=1200)  # "installed"
    _run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], env=fresh, timeout=600)
    print(f"fresh venv with torch and the wheel: {time.perf_counter() - t:.1f} s")

    compilers, marker = fake_compilers(tmp_path)
    keep = ("LANG", "LC_ALL", "TMPDIR", "ATEN_CPU_CAPABILITY", "ACTLAB_NATIVE_ISA", "OMP_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {**compilers, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env["PATH"] = f"{compilers['PATH'].split(os.pathsep)[0]}{os.pathsep}{env_dir / 'bin'}"
    first = json.loads(_run([py, "-c", FIRST_CALL], env=env, cwd=tmp_path, timeout=300).stdout)
    print(f"installed wheel: import {first['import']:.2f} s, first gelu backward {first['first_call'] * 1e3:.1f} ms")
    assert first["loaded"] and first["isa"] == native.isa(), first["status"]
    assert first["library"].startswith(str(env_dir)) and first["file"].startswith(str(env_dir)), first
    assert not marker.exists(), marker.read_text()

    out = {}
    for name, python, run_env in (("wheel", py, env), ("editable", sys.executable, dict(os.environ))):
        path = tmp_path / f"{name}.pt"
        _run([python, str(HERE / "variants.py"), str(path)], env=run_env, cwd=tmp_path, timeout=600)
        out[name] = torch.load(path)
    assert out["wheel"]["isa"] == out["editable"]["isa"] == native.isa()
    a, b = out["wheel"]["results"], out["editable"]["results"]
    assert a.keys() == b.keys()
    assert [k for k in a if differ(a[k], b[k]).any()] == []
    assert not marker.exists(), marker.read_text()
