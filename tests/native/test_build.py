"""Building and loading the kernels (actlab/native/__init__.py, build.py): the cache key, the ISA
flags, IEEE flags, the lock, atomic install and the failure marker on a tiny library; the
background build; ACTLAB_NATIVE=0 and a missing compiler (fresh processes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actlab import native
from actlab.native import build

TINY = 'extern "C" int actlab_tiny() { return 7; }\n'


def _tiny_plan(tmp_path: Path, text: str = TINY) -> build.Plan:
    src = tmp_path / "tiny.cpp"
    src.write_text(text)
    cxx = native.compiler()
    if cxx is None:
        pytest.skip("no C++ compiler")
    return build.Plan([str(src)], cxx, ["-O0", "-fPIC"], [], str(tmp_path / "cache" / "key"), jobs=2)


def test_the_key_changes_with_the_sources_and_the_plan_carries_the_flags(tmp_path: Path, monkeypatch) -> None:
    if native.compiler() is None:
        pytest.skip("no C++ compiler")
    csrc = tmp_path / "csrc"
    shutil.copytree(native.CSRC, csrc)
    monkeypatch.setattr(native, "CSRC", csrc)
    monkeypatch.setenv("ACTLAB_NATIVE_CACHE", str(tmp_path / "cache"))
    first = native.plan()
    (csrc / "vec.h").write_text((csrc / "vec.h").read_text() + "\n// changed\n")
    second = native.plan()
    assert first.directory != second.directory and Path(first.directory).parent == tmp_path / "cache"
    assert "-ffp-contract=off" in first.cflags and not any("fast-math" in f for f in first.cflags)
    keys = set()
    for isa, flags in native.ISA_FLAGS.items():
        monkeypatch.setenv("ACTLAB_NATIVE_ISA", isa)
        p = native.plan()
        assert all(f in p.cflags for f in flags)
        keys.add(p.directory)
    assert len(keys) == len(native.ISA_FLAGS)


def test_build_installs_atomically_and_is_a_no_op_once_built(tmp_path: Path) -> None:
    plan = _tiny_plan(tmp_path)
    path = build.build(plan)
    assert path == plan.library and path.exists() and not plan.failed.exists()
    assert not list(Path(plan.directory).glob("build-*"))  # the work directory is gone
    mtime = path.stat().st_mtime_ns
    assert build.build(plan) == path and path.stat().st_mtime_ns == mtime


def test_units_start_from_a_precompiled_header_or_parse_the_headers_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    """The common headers are precompiled once (build.precompile) and each unit is given
    ``-include`` of them; when precompiling fails (here: no torch include path) the build goes on
    without it and the log says so."""
    plan = _tiny_plan(tmp_path)
    build.build(plan)
    assert "precompiled header: failed" in plan.log.read_text() and plan.library.exists()
    monkeypatch.setattr(build, "COMMON_HEADERS", ("vector",))
    work = tmp_path / "work"
    work.mkdir()
    log: list[str] = []
    flags = build.precompile(plan, work, log)
    assert flags == ["-include", str(work / "common.h")] and (work / "common.h.gch").exists()
    assert log[0].startswith("precompiled header: ")
    (tmp_path / "second").mkdir()
    plan2 = _tiny_plan(tmp_path / "second")
    build.build(plan2)
    assert "precompiled header: failed" not in plan2.log.read_text() and plan2.library.exists()


def test_a_failed_build_leaves_a_marker_and_its_log(tmp_path: Path) -> None:
    plan = _tiny_plan(tmp_path, "this is not C++\n")
    with pytest.raises(build.BuildError, match="tiny.cpp"):
        build.build(plan)
    assert plan.failed.exists() and "not C++" in plan.log.read_text() and not plan.library.exists()


def test_the_lock_keeps_a_second_builder_out(tmp_path: Path) -> None:
    d = tmp_path / "key"
    assert not build.busy(d)
    with build.locked(d):
        assert build.busy(d)
    assert not build.busy(d)


def test_the_background_build_survives_and_installs(tmp_path: Path, capsys, monkeypatch) -> None:
    plan = _tiny_plan(tmp_path)
    monkeypatch.setattr(native, "_STATE", dict(native._STATE))  # this process's own status stays
    native._start_background(plan)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln]
    assert len(lines) == 1 and "background" in lines[0]
    deadline = time.monotonic() + 60
    while not plan.library.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert plan.library.exists(), (Path(plan.directory) / "background.log").read_text()


def _fresh(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    src = str(Path(native.__file__).parents[2])
    full = {**os.environ, "PYTHONPATH": src, **env}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)


def test_disabled_and_without_a_compiler_the_python_kernels_run(tmp_path: Path) -> None:
    code = (
        "import torch, actlab, actlab.native as n; print(n.loaded(), n.status()); "
        "print(actlab.functional.gelu(torch.ones(2)))"
    )
    off = _fresh({"ACTLAB_NATIVE": "0"}, code)
    assert off.returncode == 0 and off.stdout.startswith("False disabled"), off.stderr
    none = _fresh(
        {"ACTLAB_NATIVE": "1", "CXX": str(tmp_path / "no-compiler"), "ACTLAB_NATIVE_CACHE": str(tmp_path)}, code
    )
    assert none.returncode == 0 and none.stdout.startswith("False no C++ compiler"), none.stderr
    assert none.stderr.count("no C++ compiler found") == 1


def test_kernels_are_built_for_atens_openmp_threads() -> None:
    """at::parallel_for is inline ``#pragma omp parallel`` code: without -fopenmp every kernel ran on
    one thread whatever torch.set_num_threads said (2-thread ratios 1.6x torch's before the fix)."""
    import platform

    import torch

    if native.compiler() is None:
        pytest.skip("no C++ compiler")
    p = native.plan()
    if not torch._C.has_openmp or platform.system() != "Linux":
        assert "-fopenmp" not in p.cflags
        return
    assert "-fopenmp" in p.cflags
    shipped = sorted((Path(torch.__file__).parent / "lib").glob("libgomp*.so*"))
    if shipped:  # the runtime torch loads, so that one set_num_threads governs both
        assert str(shipped[0]) in p.ldflags


def test_the_binding_sources_compile_as_one_unit_that_parses_their_headers_once(tmp_path: Path) -> None:
    """autograd.cpp and register.cpp (both include torch/library.h) are one translation unit, a
    generated file that includes them; every other source is a unit of its own."""
    if native.compiler() is None:
        pytest.skip("no C++ compiler")
    (tmp_path / "autograd.cpp").write_text('#include <vector>\nextern "C" int actlab_a() { return 1; }\n')
    (tmp_path / "register.cpp").write_text('#include <vector>\nextern "C" int actlab_r() { return 2; }\n')
    (tmp_path / "tiny.cpp").write_text(TINY)
    sources = [str(tmp_path / n) for n in ("autograd.cpp", "register.cpp", "tiny.cpp")]
    plan = build.Plan(sources, native.compiler(), ["-O0", "-fPIC"], [], str(tmp_path / "cache" / "key"), jobs=2)
    work = tmp_path / "work"
    work.mkdir()
    units = build.translation_units(plan, work)
    assert [members for _, members in units] == [sources[:2], sources[2:]]
    assert Path(units[0][0]).read_text().count("#include") == 2
    build.build(plan)
    log = plan.log.read_text()
    assert "autograd.cpp+register.cpp: " in log and "tiny.cpp: " in log and plan.library.exists()


def test_gcc_gets_the_cheaper_analyses_and_other_compilers_do_not(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "clang++"
    fake.write_text("#!/bin/sh\necho 'clang version 17.0.0'\n")
    fake.chmod(0o755)
    assert native.gcc_major(str(fake)) is None
    cxx = native.compiler()
    if cxx is not None and native.gcc_major(cxx) is not None and native.gcc_major(cxx) >= 11:
        assert all(f in native.plan().cflags for f in native.GCC_FLAGS)
        assert not any(f in native.plan(str(fake)).cflags for f in native.GCC_FLAGS)
