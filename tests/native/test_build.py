"""Building the variants (actlab/native/build.py) and choosing one (actlab/native/__init__.py): the
ISA table (ATen's flags), the bindings compiled once for every ISA, objects reused and pruned, a
failed variant recorded while the others install, build.json, the choice by torch's capability and
ACTLAB_NATIVE_ISA, why a library is refused (another torch, other sources, a failed variant, none
built), and that importing actlab never starts a compiler (fresh processes)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from actlab import native
from actlab.native import build

TINY = 'extern "C" int actlab_tiny() { return 7; }\n'
X86 = build.machine() == "x86_64"


def _cxx() -> str:
    cxx = build.compiler()
    if cxx is None:
        pytest.skip("no C++ compiler")
    return cxx


def _tiny_plan(tmp_path: Path, isa_flags: dict[str, list[str]] | None = None, text: str = TINY) -> build.Plan:
    """A plan over three tiny sources: the two bindings (compiled once) and one kernel unit."""
    csrc = tmp_path / "csrc"
    csrc.mkdir(exist_ok=True)
    (csrc / "autograd.cpp").write_text('extern "C" int actlab_a() { return 1; }\n')
    (csrc / "register.cpp").write_text('extern "C" int actlab_r() { return 2; }\n')
    (csrc / "tiny.cpp").write_text(text)
    flags = isa_flags or {"one": ["-DONE"], "two": ["-DTWO"]}
    torch_info = {"root": "", "version": "9.9.0", "git_version": "x", "cxx11_abi": 1, "openmp": False}
    sources = [str(csrc / n) for n in ("autograd.cpp", "register.cpp", "tiny.cpp")]
    return build.Plan(
        list(flags),
        _cxx(),
        ["-O0", "-fPIC"],
        flags,
        [],
        str(tmp_path / "out"),
        str(tmp_path / "objects"),
        torch_info,
        sources,
        jobs=2,
    )


def test_the_isa_table_has_atens_flags_and_every_architecture_its_variants() -> None:
    avx2, avx512, neon = (build.isa_named(n) for n in ("avx2", "avx512", "neon"))
    assert {"-DCPU_CAPABILITY_AVX2", "-DCPU_CAPABILITY=AVX2", "-mavx2", "-mfma", "-mf16c"} <= set(avx2.flags)
    assert {"-DCPU_CAPABILITY_AVX512", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma"} <= set(
        avx512.flags
    )
    assert {"-DCPU_CAPABILITY_DEFAULT", "-DAT_BUILD_ARM_VEC256_WITH_SLEEF"} <= set(neon.flags)
    assert [i.name for i in build.isas_for("x86_64")] == ["avx2", "avx512"]
    assert [i.name for i in build.isas_for("aarch64")] == ["neon"] and build.isas_for("riscv64") == []
    assert avx2.capabilities == ("AVX2",) and avx512.capabilities == ("AVX512",) and "SVE256" in neon.capabilities
    assert all(i.library == f"actlab_native_{i.name}.so" for i in build.ISAS)


def test_the_plan_keeps_ieee_semantics_and_atens_openmp(tmp_path: Path) -> None:
    """at::parallel_for is inline ``#pragma omp parallel`` code: without -fopenmp every kernel ran on
    one thread whatever torch.set_num_threads said (2-thread ratios 1.6x torch's before the fix)."""
    _cxx()
    p = build.plan(build.ISAS[:2], build.Torch.current(), tmp_path / "out", tmp_path / "obj")
    assert "-ffp-contract=off" in p.common and not any("fast-math" in f for f in p.common)
    assert p.flags("avx512")[-len(build.ISAS[1].flags) :] == list(build.ISAS[1].flags)
    assert p.flags(None) == p.common  # the bindings: no ISA flags
    if torch._C.has_openmp and platform.system() == "Linux":
        assert "-fopenmp" in p.common
        shipped = sorted((Path(torch.__file__).parent / "lib").glob("libgomp*.so*"))
        if shipped:  # the runtime torch loads, so that one set_num_threads governs both
            assert str(shipped[0]) in p.ldflags
    assert any("$ORIGIN/../../../torch/lib" in f for f in p.ldflags)


def test_gcc_gets_the_cheaper_analyses_and_other_compilers_do_not(tmp_path: Path) -> None:
    fake = tmp_path / "clang++"
    fake.write_text("#!/bin/sh\necho 'clang version 17.0.0'\n")
    fake.chmod(0o755)
    assert build.gcc_major(str(fake)) is None
    cxx = _cxx()
    t = build.Torch.current()
    if (build.gcc_major(cxx) or 0) >= 11:
        assert all(f in build.plan(build.ISAS[:1], t, tmp_path, tmp_path, cxx).common for f in build.GCC_FLAGS)
    assert not any(f in build.plan(build.ISAS[:1], t, tmp_path, tmp_path, str(fake)).common for f in build.GCC_FLAGS)


def test_the_bindings_compile_once_each_kernel_unit_once_per_isa_and_objects_are_reused(tmp_path: Path) -> None:
    p = _tiny_plan(tmp_path)
    result = build.build(p)
    assert not result.errors and set(result.libraries) == {"one", "two"}
    log = "\n".join(result.log)
    assert log.count("autograd.cpp+register.cpp: ") == 1 and "tiny.cpp [one]: " in log and "tiny.cpp [two]: " in log
    record = build.read_record(Path(p.out))
    assert record["torch"] == "9.9.0" and set(record["variants"]) == {"one", "two"} and record["failed"] == {}
    assert record["sources"] == build.sources_digest(tmp_path / "csrc")
    assert sorted(f.name for f in Path(p.out).iterdir()) == sorted(
        ["build.json", "build.log", *(p.library(i).name for i in p.isas)]
    )
    assert not list(Path(p.objects).glob(".work-*"))  # the work directory is gone
    again = build.build(p)  # everything cached: only the links
    assert "\n".join(again.log).count(": cached") == 3
    (tmp_path / "csrc" / "tiny.cpp").write_text(TINY + "// edited\n")
    third = "\n".join(build.build(p).log)
    assert "autograd.cpp+register.cpp: cached" in third and "tiny.cpp [one]: cached" not in third
    assert len(list(Path(p.objects).glob("tiny-one-*.o"))) == 1  # the older object was pruned


def test_a_variant_that_fails_is_recorded_and_the_others_still_install(tmp_path: Path) -> None:
    p = _tiny_plan(
        tmp_path, {"good": [], "bad": ["-DBREAK"]}, TINY + "#ifdef BREAK\n#error broken on purpose\n#endif\n"
    )
    result = build.build(p)
    assert set(result.errors) == {"bad"} and "broken on purpose" in result.errors["bad"]
    assert p.library("good").exists() and not p.library("bad").exists()
    record = build.read_record(Path(p.out))
    assert list(record["variants"]) == ["good"] and "broken on purpose" in record["failed"]["bad"]
    with pytest.raises(build.BuildError, match="bad"):
        build.require(result)


def test_units_parse_the_headers_when_the_header_cannot_be_precompiled(tmp_path: Path) -> None:
    """The tiny plan has no torch include path: precompiling the common headers fails, the log says
    so, and the units compile without it."""
    result = build.build(_tiny_plan(tmp_path, {"one": []}))
    assert any(line.startswith("precompiled header [one]: failed") for line in result.log) and result.libraries


def _record(directory: Path, **fields: object) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    isa, _ = native.selected_isa()
    name = isa.name if isa else "avx2"
    (directory / f"actlab_native_{name}.so").write_bytes(b"")
    record = {
        "format": build.FORMAT,
        "torch": torch.__version__,
        "sources": build.sources_digest(),
        "variants": {name: {"library": f"actlab_native_{name}.so"}},
        "failed": {},
        **fields,
    }
    (directory / build.RECORD).write_text(json.dumps(record))


@pytest.mark.skipif(native.selected_isa()[0] is None, reason="no variant for this CPU")
def test_a_library_for_another_torch_other_sources_or_a_failed_build_is_refused(tmp_path: Path, monkeypatch) -> None:
    isa, _ = native.selected_isa()
    dirs = [tmp_path / "a"]
    monkeypatch.setattr(native, "library_dirs", lambda: dirs)
    assert "no native kernels were built" in native.find_library(isa)[1]
    _record(dirs[0], torch="1.13.1")
    assert native.find_library(isa)[0] is None and "built for torch 1.13.1" in native.find_library(isa)[1]
    _record(dirs[0], sources="0" * 16)
    assert "out of date" in native.find_library(isa)[1]
    _record(dirs[0], variants={}, failed={isa.name: "error: ..."})
    assert "failed to compile" in native.find_library(isa)[1]
    dirs.append(tmp_path / "b")  # a second directory with a good build is the one found
    _record(dirs[1])
    assert native.find_library(isa)[0] == dirs[1] / isa.library


@pytest.mark.skipif(not X86, reason="x86_64 variants")
def test_an_isa_the_cpu_cannot_run_is_never_selected(monkeypatch) -> None:
    monkeypatch.setattr(native, "cpu_flags", lambda: {"avx2", "fma", "f16c"})
    monkeypatch.setenv("ACTLAB_NATIVE_ISA", "avx512")
    isa, why = native.selected_isa()
    assert isa is None and "cannot run" in why
    monkeypatch.setenv("ACTLAB_NATIVE_ISA", "neon")
    assert native.selected_isa()[0] is None and "not a variant" in native.selected_isa()[1]
    monkeypatch.setenv("ACTLAB_NATIVE_ISA", "avx2")
    assert native.selected_isa()[0].name == "avx2"


def _fresh(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "ACTLAB_NATIVE_ISA")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**full, **env}, capture_output=True, text=True, timeout=180
    )


STATUS = "import torch, actlab, actlab.native as n; print(n.isa(), '|', n.status())"


@pytest.mark.skipif(not X86 or native.selected_isa()[0] is None, reason="x86_64 with AVX2")
def test_the_variant_follows_torchs_capability_and_the_override() -> None:
    """ATEN_CPU_CAPABILITY steers torch and actlab alike; ACTLAB_NATIVE_ISA actlab alone; a CPU
    capability below AVX2 gets the Python kernels and one line saying why."""
    avx2 = _fresh({"ATEN_CPU_CAPABILITY": "avx2"}, STATUS)
    assert avx2.stdout.startswith("avx2 |") and "AVX2" in avx2.stdout, avx2.stderr
    forced = _fresh({"ACTLAB_NATIVE_ISA": "avx2"}, STATUS)
    assert forced.stdout.startswith("avx2 |") and "ACTLAB_NATIVE_ISA" in forced.stdout, forced.stderr
    old = _fresh({"ATEN_CPU_CAPABILITY": "default"}, STATUS + "; print(actlab.functional.gelu(torch.ones(2)))")
    assert old.returncode == 0 and old.stdout.startswith("None |"), old.stderr
    lines = [ln for ln in old.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "need AVX2 or AVX512" in lines[0] and "NativeKernelsWarning" in lines[0]
    if native.cpu_runs(build.isa_named("avx512")):
        assert _fresh({}, STATUS).stdout.startswith("avx512 |")


def test_disabled_the_python_kernels_run() -> None:
    off = _fresh({"ACTLAB_NATIVE": "0"}, STATUS + "; print(actlab.functional.gelu(torch.ones(2)))")
    assert off.returncode == 0 and off.stdout.startswith("None | disabled") and not off.stderr.strip(), off.stderr


def fake_compilers(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose compilers (CXX, and c++/g++/clang++/cc/gcc first on PATH) record that
    they ran and fail; the marker file they write."""
    marker, bin_dir = tmp_path / "a-compiler-ran", tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("c++", "g++", "clang++", "cc", "gcc", "failing-cxx"):
        (bin_dir / name).write_text(f'#!/bin/sh\necho "$0 $@" >> {marker}\nexit 1\n')
        (bin_dir / name).chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
    return {"CXX": str(bin_dir / "failing-cxx"), "PATH": path, "ACTLAB_NATIVE_CACHE": str(tmp_path / "cache")}, marker


GELU = (
    "import torch, actlab, actlab.native as n; x = torch.randn(64, requires_grad=True); "
    "actlab.functional.gelu(x).sum().backward(); print(n.loaded(), '|', n.status())"
)


def test_importing_never_starts_a_compiler_with_or_without_kernels(tmp_path: Path) -> None:
    env, marker = fake_compilers(tmp_path)
    with_kernels = _fresh(env, GELU)
    assert with_kernels.returncode == 0, with_kernels.stderr
    assert with_kernels.stdout.startswith(str(native.loaded())), with_kernels.stdout
    # the package without its libraries (a build under pip's isolation, or one without a compiler)
    bare = tmp_path / "bare"
    shutil.copytree(
        Path(native.__file__).parents[1], bare / "actlab", ignore=shutil.ignore_patterns("lib", "__pycache__")
    )
    without = _fresh({**env, "PYTHONPATH": str(bare)}, GELU + "; print(n.__file__)")
    assert without.returncode == 0 and str(bare) in without.stdout, without.stderr
    if native.selected_isa()[0] is not None:
        assert without.stdout.startswith("False |") and "no native kernels were built" in without.stdout
        assert "python -m actlab.native build" in without.stderr
    assert not marker.exists(), marker.read_text()


def test_the_build_command_builds_this_machines_variants_into_a_directory(tmp_path: Path) -> None:
    """``python -m actlab.native build --out DIR`` (the objects of the install are reused), then
    ``info`` in a process that loads them."""
    _cxx()
    out = tmp_path / "lib"
    run = subprocess.run(
        [sys.executable, "-m", "actlab.native", "build", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    record = build.read_record(out)
    names = [i.name for i in build.isas_for(build.machine())]
    assert list(record["variants"]) == names and record["torch"] == torch.__version__
    assert record["sources"] == build.sources_digest() and all(
        (out / i.library).exists() for i in build.ISAS if i.name in names
    )
    info = subprocess.run([sys.executable, "-m", "actlab.native", "info"], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0 and "selected:" in info.stdout and "variants:" in info.stdout, info.stderr
