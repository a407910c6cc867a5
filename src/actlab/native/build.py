"""Compile ``csrc/*.cpp`` into one shared library of ``torch.ops.actlab`` CPU kernels.

Standard library only: the background build runs this file as a script (``python build.py
PLAN.json``) so that it starts compiling without importing torch; :func:`actlab.native.plan`
(which does import torch) computes the plan: compiler, flags, include and library paths, and the
cache directory named by a hash of everything that affects the result (sources, flags, compiler,
torch version, ISA).

Each translation unit is compiled by its own compiler process, all in parallel; the objects are
linked against libc10/libtorch_cpu (no Python.h: the library is loaded with
``torch.ops.load_library``) and the result is moved into place atomically. A file lock keeps
concurrent builds of the same key from racing; a failed build leaves ``failed`` and ``build.log``
behind so that later imports do not retry it (``python -m actlab.native build --force`` does).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

LIBRARY = "actlab_native.so"
LOG = "build.log"
FAILED = "failed"


@dataclass
class Plan:
    """Everything a build needs, as plain data (written to JSON for the background build)."""

    sources: list[str]  # .cpp files
    compiler: str
    cflags: list[str]
    ldflags: list[str]
    directory: str  # <cache>/<key>: holds the library, the log, the lock
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)

    @property
    def library(self) -> Path:
        return Path(self.directory) / LIBRARY

    @property
    def log(self) -> Path:
        return Path(self.directory) / LOG

    @property
    def failed(self) -> Path:
        return Path(self.directory) / FAILED


class BuildError(RuntimeError):
    """A compile or link step failed; the message holds the compiler's output."""


@contextlib.contextmanager
def locked(directory: Path, blocking: bool = True) -> Iterator[bool]:
    """An exclusive lock on ``directory/lock`` (yields False when ``blocking`` is off and
    another process holds it). Without ``fcntl`` (Windows) no lock is taken: the final
    ``os.replace`` is still atomic."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield True
        return
    with open(directory / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def busy(directory: Path) -> bool:
    """Whether another process is building into ``directory`` right now."""
    if not directory.exists():
        return False
    with locked(directory, blocking=False) as got:
        return not got


def _run(cmd: Sequence[str]) -> str:
    proc = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise BuildError(" ".join(cmd) + "\n" + proc.stdout)
    return proc.stdout


def _object_cache(plan: Plan, members: Sequence[str]) -> Path | None:
    """Where a compiled object (of the sources ``members``) is kept across builds when
    ``ACTLAB_NATIVE_OBJECTS`` names a directory (for developing the kernels: only changed units
    recompile)."""
    root = os.environ.get("ACTLAB_NATIVE_OBJECTS")
    if not root:
        return None
    h = hashlib.sha256("\0".join([plan.compiler, *plan.cflags]).encode())
    for f in sorted(Path(members[0]).parent.glob("*.h")):
        h.update(f.read_bytes())
    for m in members:
        h.update(Path(m).read_bytes())
    return Path(root) / f"{'+'.join(Path(m).stem for m in members)}-{h.hexdigest()[:16]}.o"


# The sources that include torch's heaviest headers (torch/library.h and the autograd Function
# headers: 12-17 s of parsing each) are compiled as one translation unit, which parses them once
# (about 14 s of the build's CPU time), started first and while the common headers are precompiled.
BINDINGS = ("autograd.cpp", "register.cpp")

# Headers every other unit includes: parsed once into a precompiled header (about 5 s of each
# unit's compile otherwise). Every unit parses them as usual when the compiler cannot precompile.
COMMON_HEADERS = ("ATen/core/Tensor.h", "ATen/cpu/vec/vec.h", "ATen/Parallel.h")


def translation_units(plan: Plan, work: Path) -> list[tuple[str, list[str]]]:
    """(file to compile, the sources in it): BINDINGS joined in a generated file that includes
    them, first; every other source alone, the largest first."""
    joined = [s for s in plan.sources if Path(s).name in BINDINGS]
    alone = sorted((s for s in plan.sources if Path(s).name not in BINDINGS), key=lambda s: -Path(s).stat().st_size)
    units = [(s, [s]) for s in alone]
    if joined:
        unit = work / "bindings.cpp"
        unit.write_text("".join(f'#include "{Path(s).resolve()}"\n' for s in joined))
        units.insert(0, (str(unit), joined))
    return units


def precompile(plan: Plan, work: Path, log: list[str]) -> list[str]:
    """Precompile COMMON_HEADERS in ``work``; the flags that make a unit start from it ([] when
    the compiler fails at it)."""
    header = work / "common.h"
    header.write_text("".join(f"#include <{h}>\n" for h in COMMON_HEADERS))
    t = time.perf_counter()
    try:
        _run([plan.compiler, *plan.cflags, "-x", "c++-header", str(header), "-o", f"{header}.gch"])
    except BuildError as e:
        log.append(f"precompiled header: failed, every unit parses the headers\n{e}")
        return []
    log.append(f"precompiled header: {time.perf_counter() - t:.1f} s")
    return ["-include", str(header)]


def compile_and_link(plan: Plan, out: Path, log: list[str]) -> None:
    """Compile every translation unit in parallel into ``out.parent`` and link them into ``out``:
    the bindings unit starts while the common headers are precompiled, the others after."""
    units = translation_units(plan, out.parent)
    objects = [str(out.parent / (Path(u).stem + ".o")) for u, _ in units]
    common: list[str] = []

    def compile_one(unit: str, members: list[str], obj: str, headers: list[str]) -> str:
        name = "+".join(Path(m).name for m in members)
        cached = _object_cache(plan, members)
        if cached is not None and cached.exists():
            shutil.copyfile(cached, obj)
            return f"{name}: cached"
        t = time.perf_counter()
        text = _run([plan.compiler, *plan.cflags, *headers, "-c", unit, "-o", obj])
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(obj, cached)
        return f"{name}: {time.perf_counter() - t:.1f} s\n{text}"

    joined = [(u, o) for u, o in zip(units, objects) if len(u[1]) > 1]  # no precompiled header
    alone = [(u, o) for u, o in zip(units, objects) if len(u[1]) == 1]
    with ThreadPoolExecutor(max(1, plan.jobs)) as pool:
        jobs = [pool.submit(compile_one, u, members, o, []) for (u, members), o in joined]
        if any((c := _object_cache(plan, members)) is None or not c.exists() for (_, members), _ in alone):
            common.extend(precompile(plan, out.parent, log))
        jobs += [pool.submit(compile_one, u, members, o, common) for (u, members), o in alone]
        log.extend(j.result() for j in jobs)
    t = time.perf_counter()
    log.append(_run([plan.compiler, "-shared", *objects, "-o", str(out), *plan.ldflags]))
    log.append(f"link: {time.perf_counter() - t:.1f} s")


def build(plan: Plan, force: bool = False) -> Path:
    """Build the library of ``plan`` unless it is already there; returns its path. Raises
    :class:`BuildError` (and leaves ``failed`` + ``build.log``) when compiling fails."""
    directory = Path(plan.directory)
    with locked(directory):
        if plan.library.exists() and not force:
            return plan.library
        work = directory / f"build-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        log = [f"compiler: {plan.compiler}\ncflags: {' '.join(plan.cflags)}\nldflags: {' '.join(plan.ldflags)}"]
        t0 = time.perf_counter()
        try:
            compile_and_link(plan, work / LIBRARY, log)
        except BuildError as e:
            log.append(str(e))
            plan.log.write_text("\n".join(log) + "\n")
            plan.failed.write_text(f"see {plan.log}\n")
            shutil.rmtree(work, ignore_errors=True)
            raise
        log.append(f"total: {time.perf_counter() - t0:.1f} s")
        os.replace(work / LIBRARY, plan.library)  # atomic: a reader sees no library or a whole one
        plan.log.write_text("\n".join(log) + "\n")
        with contextlib.suppress(FileNotFoundError):
            plan.failed.unlink()
        shutil.rmtree(work, ignore_errors=True)
        return plan.library


def save_plan(plan: Plan, path: Path) -> None:
    path.write_text(json.dumps(asdict(plan)))


def load_plan(path: Path) -> Plan:
    return Plan(**json.loads(path.read_text()))


if __name__ == "__main__":  # the background build: python build.py PLAN.json
    plan = load_plan(Path(sys.argv[1]))
    try:
        build(plan)
    except BuildError:
        sys.exit(1)
