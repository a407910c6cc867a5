"""Compile ``csrc/*.cpp`` into one shared library per vector ISA: ``actlab_native_<isa>.so``.

As ATen compiles each kernel file once per CPU capability and picks one at run time
(DispatchStub), the kernels are compiled once per ISA of the machine's architecture (x86_64:
AVX2 and AVX-512; aarch64: NEON) with ATen's flags for it, each into a library of its own (one
.so per ISA: a library mixing ISAs may have the linker keep an AVX copy of an inline function
that baseline code calls). :mod:`actlab.native` loads the one torch's capability names.

Standard library only: the package build (``setup.py``) loads this file by path, before actlab
(which imports torch at once) can be imported; torch itself is imported by :meth:`Torch.current`.

* The binding sources (autograd.cpp, register.cpp: torch/library.h and the autograd headers,
  12-17 s of parsing each, no vector code) are one translation unit compiled **once**, without
  ISA flags, and linked into every variant.
* Every other source is compiled per ISA, from a precompiled header of the common ATen headers.
* All units of all variants run in one pool of ``jobs`` compiler processes; each object is kept
  in ``objects`` under a hash of everything it depends on, so a second build (the wheel after the
  editable install, or after editing one file) compiles only what changed.
* Each library is moved into place atomically, then ``build.json`` records what was built:
  torch's version, the compiler, the sources' hash, the flags and times of every variant, and
  the error of any variant that failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

CSRC = Path(__file__).parent / "csrc"
RECORD = "build.json"
FORMAT = 1  # of build.json


@dataclass(frozen=True)
class Isa:
    """A vector ISA the kernels are built for: ATen's compile flags for its CPU capability."""

    name: str
    machine: str  # platform.machine() of the CPUs that run it
    flags: tuple[str, ...]
    cpu_flags: tuple[str, ...]  # /proc/cpuinfo flags it needs (x86_64)
    capabilities: tuple[str, ...]  # torch.backends.cpu.get_cpu_capability() values it serves

    @property
    def library(self) -> str:
        return f"actlab_native_{self.name}.so"


# ATen's flags per capability (cmake/Codegen.cmake: -mno-avx256-split-unaligned-* keep GCC's generic
# tuning from splitting unaligned 256-bit loads and stores in two), and F16C with AVX-512 too (every
# AVX-512 CPU has it; GCC's -mavx512f does not imply it).
ISAS: tuple[Isa, ...] = (
    Isa(
        "avx2",
        "x86_64",
        (
            "-DCPU_CAPABILITY_AVX2",
            "-DCPU_CAPABILITY=AVX2",
            "-mavx2",
            "-mfma",
            "-mf16c",
            "-mno-avx256-split-unaligned-load",
            "-mno-avx256-split-unaligned-store",
        ),
        ("avx2", "fma", "f16c"),
        ("AVX2",),
    ),
    Isa(
        "avx512",
        "x86_64",
        (
            "-DCPU_CAPABILITY_AVX512",
            "-DCPU_CAPABILITY=AVX512",
            "-mavx512f",
            "-mavx512bw",
            "-mavx512vl",
            "-mavx512dq",
            "-mfma",
            "-mf16c",
        ),
        ("avx512f", "avx512bw", "avx512vl", "avx512dq", "fma", "f16c"),
        ("AVX512",),
    ),
    # aarch64: NEON is ATen's default capability there (at::vec's vec128, with Sleef's advsimd
    # functions, which torch's aarch64 libtorch_cpu exports, as torch builds it); the SVE
    # capabilities run the same NEON code
    Isa(
        "neon",
        "aarch64",
        ("-DCPU_CAPABILITY_DEFAULT", "-DCPU_CAPABILITY=DEFAULT", "-DAT_BUILD_ARM_VEC256_WITH_SLEEF"),
        (),
        ("DEFAULT", "SVE128", "SVE256", "SVE512"),
    ),
)
MACHINES = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}


def machine() -> str:
    """This machine's architecture as the ISA table names it (x86_64, aarch64, or as reported)."""
    m = platform.machine().lower()
    return MACHINES.get(m, m)


def isas_for(arch: str) -> list[Isa]:
    """The variants built for an architecture (none for one the kernels do not target)."""
    return [i for i in ISAS if i.machine == arch]


def isa_named(name: str) -> Isa | None:
    return next((i for i in ISAS if i.name == name), None)


# IEEE semantics: no silent FMA contraction (TwoSum and the stable forms rely on exact rounding),
# never -ffast-math; -fno-math-errno only lets sqrt be inlined.
CFLAGS = ("-std=c++20", "-O3", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden", "-w")
# GCC >= 11 only: cheaper points-to, mod/ref and value-numbering alias analyses over the large
# always-inlined kernel bodies. The code comes out the same within a few instructions per unit and
# the cold build takes about a sixth less (gated.cpp: 39 -> 28 s).
GCC_FLAGS = ("-fno-tree-pta", "-fno-ipa-modref", "--param=sccvn-max-alias-queries-per-access=100")

# The sources that include torch's heaviest headers and no vector code: one translation unit
# (a generated file that includes them), compiled once for every variant.
BINDINGS = ("autograd.cpp", "register.cpp")

# Headers every kernel unit includes: parsed once per ISA into a precompiled header (about 5 s of
# each unit's compile otherwise); every unit parses them as usual when the compiler cannot.
COMMON_HEADERS = ("ATen/core/Tensor.h", "ATen/cpu/vec/vec.h", "ATen/Parallel.h")


class BuildError(RuntimeError):
    """A compile or link step failed; the message holds the command and the compiler's output."""


@dataclass(frozen=True)
class Torch:
    """What a build takes from the torch it compiles against."""

    root: str  # the torch package directory (include/, lib/)
    version: str
    git_version: str
    cxx11_abi: int
    openmp: bool

    @classmethod
    def current(cls) -> Torch:
        import torch

        return cls(
            str(Path(torch.__file__).parent),
            torch.__version__,
            str(torch.version.git_version),
            int(getattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", 1)),
            bool(torch._C.has_openmp),
        )


def compiler() -> str | None:
    """The C++ compiler: ``$CXX``, else the first of c++, g++, clang++ on PATH."""
    env = os.environ.get("CXX")
    if env:
        return shutil.which(env) or (env if Path(env).exists() else None)
    for name in ("c++", "g++", "clang++"):
        path = shutil.which(name)
        if path:
            return path
    return None


def gcc_major(cxx: str) -> int | None:
    """The major version of ``cxx`` when it is GCC (None for clang or what cannot be asked)."""
    try:
        banner = subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=60).stdout
        if "Free Software Foundation" not in banner or "clang" in banner.lower():
            return None
        version = subprocess.run([cxx, "-dumpversion"], capture_output=True, text=True, timeout=60).stdout
        return int(version.strip().split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def compiler_banner(cxx: str) -> str:
    try:
        out = subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return cxx
    return out.splitlines()[0].strip() if out else cxx


def sources() -> list[Path]:
    return sorted(CSRC.glob("*.cpp"))


def sources_digest(csrc: Path = CSRC) -> str:
    """A hash of every source and header: a library built from other sources is out of date."""
    h = hashlib.sha256()
    for f in sorted(csrc.iterdir()):
        if f.suffix in (".cpp", ".h"):
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@dataclass
class Plan:
    """Everything a build of some variants needs, as plain data."""

    isas: list[str]
    compiler: str
    common: list[str]  # compile flags of every unit (the bindings take these alone)
    isa_flags: dict[str, list[str]]  # added for the kernel units of each variant
    ldflags: list[str]
    out: str  # where the libraries and build.json go
    objects: str  # object cache
    torch: dict[str, object]
    sources: list[str] = field(default_factory=lambda: [str(s) for s in sources()])
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    link: bool = True  # False: compile only

    def library(self, isa: str) -> Path:
        return Path(self.out) / f"actlab_native_{isa}.so"

    @property
    def record(self) -> Path:
        return Path(self.out) / RECORD

    @property
    def csrc(self) -> Path:
        return Path(self.sources[0]).parent if self.sources else CSRC

    def flags(self, isa: str | None) -> list[str]:
        return [*self.common, *(self.isa_flags[isa] if isa else [])]


def openmp_flags(torch: Torch, system: str) -> tuple[list[str], list[str]]:
    """Compile and link flags for ATen's OpenMP backend. ``at::parallel_for`` is inline
    ``#pragma omp parallel`` code in ATen's headers: an extension built without ``-fopenmp``
    runs every loop on one thread. Linked against the OpenMP runtime torch itself loads (its
    ``lib/libgomp*.so*`` when it ships one) so that ``torch.set_num_threads`` governs both."""
    if not torch.openmp or system != "Linux":
        return [], []  # macOS wheels use another runtime; loops stay single-threaded there
    shipped = sorted((Path(torch.root) / "lib").glob("libgomp*.so*"))
    return ["-fopenmp"], [str(shipped[0])] if shipped else ["-fopenmp"]


def plan(
    isas: Sequence[Isa],
    torch: Torch,
    out: Path,
    objects: Path,
    cxx: str | None = None,
    jobs: int | None = None,
    link: bool = True,
) -> Plan | None:
    """The build of ``isas`` against ``torch`` into ``out`` (None without a compiler); ``link``
    False: compile only."""
    cxx = cxx or compiler()
    if cxx is None:
        return None
    include = Path(torch.root) / "include"
    common = [*CFLAGS, f"-D_GLIBCXX_USE_CXX11_ABI={torch.cxx11_abi}", f"-I{CSRC}", f"-I{include}"]
    if (gcc_major(cxx) or 0) >= 11:
        common += GCC_FLAGS
    lib = Path(torch.root) / "lib"
    omp_c, omp_ld = openmp_flags(torch, platform.system())
    common += omp_c
    # torch's libraries are loaded before actlab's (by soname); the run paths serve tools like ldd: the
    # torch beside an installed wheel (site-packages/actlab/native/lib -> site-packages/torch/lib),
    # then the one built against
    rpath = [f"-Wl,-rpath,$ORIGIN/../../../torch/lib:{lib}"]
    ldflags = [f"-L{lib}", "-lc10", "-ltorch_cpu", *omp_ld, *rpath, "-Wl,--no-undefined"]
    if platform.system() == "Darwin":
        ldflags = [f for f in ldflags if f != "-Wl,--no-undefined"]
    return Plan(
        [i.name for i in isas],
        cxx,
        common,
        {i.name: list(i.flags) for i in isas},
        ldflags,
        str(out),
        str(objects),
        asdict(torch),
        jobs=jobs or os.cpu_count() or 1,
        link=link,
    )


@contextlib.contextmanager
def locked(p: Plan) -> Iterator[None]:
    """An exclusive lock while building into ``p.out`` (a file beside the objects, so that nothing
    but the build lands in the output, a wheel's tree): concurrent builds of one directory run one
    after the other. Without ``fcntl`` (Windows) no lock is taken: each library is still moved into
    place atomically."""
    Path(p.out).mkdir(parents=True, exist_ok=True)
    Path(p.objects).mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    key = hashlib.sha256(str(Path(p.out).resolve()).encode()).hexdigest()[:16]
    with open(Path(p.objects) / f".lock-{key}", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: Sequence[str]) -> str:
    proc = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise BuildError(" ".join(cmd) + "\n" + proc.stdout)
    return proc.stdout


@dataclass
class Unit:
    """One compiler run: ``file`` (a source, or the generated bindings unit) for ``isa`` (None:
    the ISA-independent bindings)."""

    file: str
    members: list[str]  # the sources it compiles
    isa: str | None

    @property
    def name(self) -> str:
        return "+".join(Path(m).name for m in self.members) + (f" [{self.isa}]" if self.isa else "")


def translation_units(p: Plan, work: Path) -> list[Unit]:
    """The bindings (one generated file including BINDINGS) first, then every other source for
    every ISA, the largest first."""
    joined = [s for s in p.sources if Path(s).name in BINDINGS]
    alone = sorted((s for s in p.sources if Path(s).name not in BINDINGS), key=lambda s: -Path(s).stat().st_size)
    units: list[Unit] = []
    if joined:
        bindings = work / "bindings.cpp"
        bindings.write_text("".join(f'#include "{Path(s).resolve()}"\n' for s in joined))
        units.append(Unit(str(bindings), joined, None))
    units += [Unit(s, [s], isa) for s in alone for isa in p.isas]
    return units


def object_path(p: Plan, unit: Unit) -> Path:
    """Where the object of ``unit`` is kept: named by a hash of the compiler, its flags, torch's
    version and every source and header it may include."""
    h = hashlib.sha256("\0".join([p.compiler, *p.flags(unit.isa), str(p.torch.get("version"))]).encode())
    h.update(str(p.torch.get("git_version")).encode())
    for f in sorted(Path(unit.members[0]).parent.glob("*.h")):
        h.update(f.read_bytes())
    for m in unit.members:
        h.update(Path(m).read_bytes())
    stem = "bindings" if unit.isa is None else Path(unit.members[0]).stem
    return Path(p.objects) / f"{stem}-{unit.isa or 'any'}-{h.hexdigest()[:16]}.o"


def _precompile(p: Plan, isa: str, work: Path) -> tuple[list[str], str]:
    """The flags that make a unit of ``isa`` start from the precompiled COMMON_HEADERS ([] when
    the compiler fails at it) and a log line."""
    header = work / isa / "common.h"
    header.parent.mkdir(parents=True, exist_ok=True)
    header.write_text("".join(f"#include <{h}>\n" for h in COMMON_HEADERS))
    t = time.perf_counter()
    try:
        _run([p.compiler, *p.flags(isa), "-x", "c++-header", str(header), "-o", f"{header}.gch"])
    except BuildError as e:
        return [], f"precompiled header [{isa}]: failed, every unit parses the headers\n{e}"
    return ["-include", str(header)], f"precompiled header [{isa}]: {time.perf_counter() - t:.1f} s"


@dataclass
class Result:
    """What a build produced: the libraries, the errors of the variants that failed, the log."""

    libraries: dict[str, Path]
    errors: dict[str, str]
    log: list[str]
    seconds: float


def compile_units(p: Plan, work: Path, log: list[str]) -> tuple[dict[str, list[Path]], dict[str, str]]:
    """Compile every unit in one pool; (objects per ISA, the bindings' first), errors per ISA."""
    units = translation_units(p, work)
    Path(p.objects).mkdir(parents=True, exist_ok=True)
    todo = [u for u in units if not object_path(p, u).exists()]
    headers: dict[str, Future[tuple[list[str], str]]] = {}

    def compile_one(unit: Unit) -> str:
        obj = object_path(p, unit)
        if obj.exists():
            return f"{unit.name}: cached"
        extra: list[str] = []
        if unit.isa is not None:
            extra, _ = headers[unit.isa].result()  # submitted before every unit: running or done
        t = time.perf_counter()
        tmp = obj.with_suffix(f".{os.getpid()}.tmp")
        text = _run([p.compiler, *p.flags(unit.isa), *extra, "-c", unit.file, "-o", str(tmp)])
        os.replace(tmp, obj)
        return f"{unit.name}: {time.perf_counter() - t:.1f} s" + (f"\n{text}" if text.strip() else "")

    errors: dict[str, str] = {}
    with ThreadPoolExecutor(max(1, p.jobs)) as pool:
        first = [u for u in todo if u.isa is None]
        jobs = {id(u): pool.submit(compile_one, u) for u in first}  # the longest unit starts first
        for isa in p.isas:
            if any(u.isa == isa for u in todo):
                headers[isa] = pool.submit(_precompile, p, isa, work)
        jobs |= {id(u): pool.submit(compile_one, u) for u in units if id(u) not in jobs}
        log.extend(h.result()[1] for h in headers.values())
        for u in units:
            try:
                log.append(jobs[id(u)].result())
            except BuildError as e:
                log.append(f"{u.name}: failed\n{e}")
                for isa in [u.isa] if u.isa else p.isas:
                    errors.setdefault(isa, str(e))
    objects = {isa: [object_path(p, u) for u in units if u.isa in (None, isa)] for isa in p.isas}
    return objects, errors


def prune_objects(p: Plan, keep: Sequence[Path]) -> None:
    """Remove older objects of the units just built (each unit keeps its current object only)."""
    kept = {k.name for k in keep}
    prefixes = {k.name.rsplit("-", 1)[0] + "-" for k in keep}
    for f in Path(p.objects).glob("*.o"):
        if f.name not in kept and any(f.name.startswith(pre) for pre in prefixes):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()


def build(p: Plan) -> Result:
    """Build every variant of ``p`` (compiled objects reused), install each library atomically and
    write ``build.json``. A variant that fails to compile or link is left out and its error is
    recorded (and raised by :func:`require`); the others are still installed."""
    out = Path(p.out)
    t0 = time.perf_counter()
    with locked(p):
        work = Path(p.objects) / f".work-{os.getpid()}"  # generated units, precompiled headers
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        log = [f"compiler: {p.compiler}\ncflags: {' '.join(p.common)}\nldflags: {' '.join(p.ldflags)}"]
        try:
            objects, errors = compile_units(p, work, log)
            libraries: dict[str, Path] = {}
            for isa in p.isas:
                if isa in errors or not p.link:
                    continue
                t = time.perf_counter()
                tmp = work / p.library(isa).name
                try:
                    _run([p.compiler, "-shared", *map(str, objects[isa]), "-o", str(tmp), *p.ldflags])
                except BuildError as e:
                    errors[isa] = str(e)
                    log.append(f"link [{isa}]: failed\n{e}")
                    continue
                os.replace(tmp, p.library(isa))  # atomic: a reader sees no library or a whole one
                libraries[isa] = p.library(isa)
                log.append(f"link [{isa}]: {time.perf_counter() - t:.1f} s")
            prune_objects(p, [o for isa in p.isas if isa not in errors for o in objects[isa]])
        finally:
            shutil.rmtree(work, ignore_errors=True)
        seconds = time.perf_counter() - t0
        log.append(f"total: {seconds:.1f} s")
        if p.link:
            write_record(p, libraries, errors, seconds)
        (out / "build.log").write_text("\n".join(log) + "\n")
    return Result(libraries, errors, log, seconds)


def write_record(p: Plan, libraries: dict[str, Path], errors: dict[str, str], seconds: float) -> None:
    """build.json: what a loader checks (torch's version, the sources) and what a reader wants to
    know. Variants built earlier into the same directory and not rebuilt now stay listed."""
    old = read_record(Path(p.out)) or {}
    keep = old.get("variants", {}) if _same_build(old, p) else {}
    variants = {k: v for k, v in keep.items() if k not in p.isas and (Path(p.out) / v["library"]).exists()}
    for isa, lib in libraries.items():
        variants[isa] = {"library": lib.name, "cflags": p.flags(isa), "bytes": lib.stat().st_size}
    record = {
        "format": FORMAT,
        "torch": p.torch["version"],
        "torch_git": p.torch["git_version"],
        "machine": machine(),
        "compiler": compiler_banner(p.compiler),
        "sources": sources_digest(p.csrc),
        "ldflags": p.ldflags,
        "variants": dict(sorted(variants.items())),
        "failed": {isa: e[-2000:] for isa, e in errors.items()},
        "seconds": round(seconds, 1),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    tmp = p.record.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, p.record)


def _same_build(old: dict, p: Plan) -> bool:
    return old.get("torch") == p.torch["version"] and old.get("sources") == sources_digest(p.csrc)


def read_record(directory: Path) -> dict | None:
    try:
        record = json.loads((directory / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def require(result: Result) -> None:
    """Raise :class:`BuildError` when some variant failed."""
    if result.errors:
        raise BuildError("\n".join(f"[{isa}] {e}" for isa, e in result.errors.items()))


def build_for_this_machine(out: Path, objects: Path, jobs: int | None = None) -> Result | None:
    """Every variant of this architecture against the installed torch (setup.py's build). None
    when there is nothing to build: no compiler, or an architecture the kernels do not target."""
    isas = isas_for(machine())
    p = plan(isas, Torch.current(), out, objects, jobs=jobs) if isas else None
    return build(p) if p is not None else None


if __name__ == "__main__":  # pragma: no cover - `python -m actlab.native build` is the command
    sys.exit("use: python -m actlab.native build")
