"""Native CPU kernels (C++ with ATen's ``at::vec``) for the ``torch.ops.actlab`` operators.

The package build (``pip install --no-build-isolation .``, ``-e .`` or a wheel: ``setup.py``)
compiles ``csrc/`` once per vector ISA of the architecture (x86_64: AVX2 and AVX-512; aarch64:
NEON) into ``actlab/native/lib/actlab_native_<isa>.so`` and records what it built in
``lib/build.json`` (torch's version, the sources' hash, the flags; :mod:`actlab.native.build`).

At the first use of actlab in a process, the library of the ISA torch itself runs is loaded:
``torch.backends.cpu.get_cpu_capability()``, which ``ATEN_CPU_CAPABILITY`` steers for torch and
actlab alike (``ACTLAB_NATIVE_ISA=avx2|avx512|neon`` picks actlab's alone). It registers a ``CPU``
kernel for every op it implements (``TORCH_LIBRARY_IMPL(actlab, CPU, m)``), which takes precedence
over the declarations' Python kernels; everything else keeps running the Python math.

**Importing never starts a compiler.** The Python kernels run instead, after one line saying why,
when no library was built (a build without torch importable, e.g. pip's build isolation, or one
that failed), when it was built for another torch minor version or from other sources, when the
CPU lacks AVX2 (x86_64) or the architecture has no variant. ``python -m actlab.native build``
compiles the libraries for this machine and torch when asked (into the package, or into
``~/.cache/actlab/native/lib`` when the package directory is read-only; ``ACTLAB_NATIVE_CACHE``
moves that root). ``ACTLAB_NATIVE=0`` never loads them.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from . import build
from .build import CSRC, Isa

LIB = Path(__file__).parent / "lib"
OFF = ("0", "off", "false", "no")

_STATE: dict[str, Any] = {"tried": False, "loaded": False, "status": "not tried", "path": None, "isa": None}


class NativeKernelsWarning(UserWarning):
    """The native kernels cannot be used in this process; the Python kernels run."""


def mode() -> str:
    """``off`` (``ACTLAB_NATIVE=0``) or ``on``."""
    return "off" if os.environ.get("ACTLAB_NATIVE", "1").strip().lower() in OFF else "on"


def cache_root() -> Path:
    env = os.environ.get("ACTLAB_NATIVE_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "actlab" / "native"


def library_dirs() -> list[Path]:
    """Where libraries are looked for, in order: the package's own, then the user's cache."""
    return [LIB, cache_root() / "lib"]


def objects_dir() -> Path:
    """The object cache of ``python -m actlab.native build``: the checkout's build/native-objects
    for an editable install (shared with ``pip install -e .``), else the user cache."""
    root = LIB.parents[3]
    return root / "build" / "native-objects" if (root / "setup.py").exists() else cache_root() / "objects"


def build_dir() -> Path:
    """Where ``python -m actlab.native build`` writes: the package when writable, else the cache."""
    if os.access(LIB, os.W_OK) or (not LIB.exists() and os.access(LIB.parent, os.W_OK)):
        return LIB
    return cache_root() / "lib"


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags from /proc/cpuinfo (None where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        line = next(ln for ln in text.splitlines() if ln.startswith(("flags", "Features")))
    except (OSError, StopIteration):
        return None
    return set(line.split(":", 1)[1].split())


def cpu_runs(isa: Isa) -> bool:
    """Whether this CPU can execute ``isa``'s code (unknown flags: trust the architecture)."""
    if isa.machine != build.machine():
        return False
    flags = cpu_flags()
    return flags is None or set(isa.cpu_flags) <= flags


def torch_capability() -> str:
    import torch

    return torch.backends.cpu.get_cpu_capability()


def selected_isa() -> tuple[Isa | None, str]:
    """The variant to load and why: ``ACTLAB_NATIVE_ISA`` when set (and this CPU runs it), else the
    one serving torch's CPU capability. (None, the reason) when there is none."""
    arch = build.machine()
    variants = build.isas_for(arch)
    if not variants:
        return None, f"actlab has no native kernels for {arch} CPUs"
    forced = os.environ.get("ACTLAB_NATIVE_ISA", "").strip().lower()
    if forced:
        isa = build.isa_named(forced)
        if isa is None or isa not in variants:
            names = ", ".join(i.name for i in variants)
            return None, f"ACTLAB_NATIVE_ISA={forced} is not a variant for {arch} (one of: {names})"
        if not cpu_runs(isa):
            return None, f"ACTLAB_NATIVE_ISA={forced}: this CPU cannot run it (lacks {', '.join(isa.cpu_flags)})"
        return isa, f"ACTLAB_NATIVE_ISA={forced}"
    cap = torch_capability()
    isa = next((i for i in variants if cap.upper() in i.capabilities), None)
    if isa is None:
        return None, (
            f"torch runs its {cap} kernels on this CPU and actlab's native kernels need "
            f"{' or '.join(i.name.upper() for i in variants)}"
        )
    return isa, f"torch's CPU capability {cap}"


def _minor(version: str) -> tuple[int, ...]:
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else ()


def find_library(isa: Isa) -> tuple[Path | None, str]:
    """The library of ``isa`` built for this torch from these sources, or (None, why not)."""
    import torch

    reasons: list[str] = []
    digest = build.sources_digest() if CSRC.is_dir() else None
    for directory in library_dirs():
        record = build.read_record(directory)
        if record is None:
            continue
        if _minor(record["torch"]) != _minor(torch.__version__):
            reasons.append(f"{directory} was built for torch {record['torch']}, this is torch {torch.__version__}")
        elif digest is not None and record["sources"] != digest:
            reasons.append(f"{directory} was built from other sources (out of date)")
        elif isa.name in record["variants"] and (directory / record["variants"][isa.name]["library"]).exists():
            return directory / record["variants"][isa.name]["library"], ""
        elif isa.name in record.get("failed", {}):
            reasons.append(f"the {isa.name} kernels failed to compile (see {directory / 'build.log'})")
        else:
            reasons.append(f"{directory} holds no {isa.name} kernels")
    if not reasons:
        reasons.append(
            "no native kernels were built for this installation (torch was not importable when it "
            "was built, e.g. under pip's build isolation)"
        )
    return None, "; ".join(reasons)


_NATIVE_LIB: list[Any] = []  # keeps the actlab_native op library alive


def _raise_shape_error(message: str) -> None:
    from ..errors import ShapeError

    raise ShapeError(message)


def _raise_parameter_error(message: str) -> None:
    from ..errors import ParameterError

    raise ParameterError(message)


def _define_error_ops() -> None:
    """``actlab_native::shape_error(str)`` and ``parameter_error(str)``: the kernels raise the
    Python kernels' ShapeError and ParameterError through them (a C++ exception can only become
    RuntimeError, ValueError, IndexError ...)."""
    import torch

    if _NATIVE_LIB:
        return
    lib = torch.library.Library("actlab_native", "DEF")
    lib.define("shape_error(str message) -> ()")
    lib.impl("shape_error", _raise_shape_error, "CompositeExplicitAutograd")
    lib.define("parameter_error(str message) -> ()")
    lib.impl("parameter_error", _raise_parameter_error, "CompositeExplicitAutograd")
    _NATIVE_LIB.append(lib)


def _fall_back(status: str, advice: str = "") -> bool:
    """One line (a warning without a source line, filterable by category or module) and False."""
    _STATE["status"] = status
    warnings.warn_explicit(
        f"{status}; using the Python kernels{advice}", NativeKernelsWarning, "actlab.native", 0, module="actlab.native"
    )
    return False


def _invoked_as_builder() -> bool:
    """``python -m actlab.native build|cross``: that process compiles and loads nothing itself."""
    argv = list(getattr(sys, "orig_argv", []))
    return any(
        a == "-m" and b in ("actlab.native", "actlab.native.__main__") and c in ("build", "cross")
        for a, b, c in zip(argv, argv[1:], argv[2:])
    )


def load() -> bool:
    """Load the kernels once per process (see the module docstring); True when loaded."""
    if _STATE["tried"]:
        return _STATE["loaded"]
    _STATE["tried"] = True
    if mode() == "off":
        _STATE["status"] = "disabled (ACTLAB_NATIVE=0)"
        return False
    if _invoked_as_builder():
        _STATE["status"] = "not loaded in the build command"
        return False
    isa, why = selected_isa()
    if isa is None:
        return _fall_back(why)
    path, why_not = find_library(isa)
    if path is None:
        return _fall_back(why_not, " (`python -m actlab.native build` compiles them)")
    import torch

    _define_error_ops()
    try:
        torch.ops.load_library(str(path))
    except (OSError, RuntimeError) as e:
        return _fall_back(f"could not load {path}: {e}")
    _STATE.update(loaded=True, path=str(path), isa=isa.name, status=f"loaded {path} ({why})")
    return True


def loaded() -> bool:
    """Whether the compiled kernels are registered in this process (tries to load them once)."""
    return load()


def status() -> str:
    """A line saying what happened: loaded from where and why that ISA, disabled, or why not."""
    load()
    return _STATE["status"]


def isa() -> str | None:
    """The ISA of the loaded kernels (None when the Python kernels run)."""
    load()
    return _STATE["isa"]


def library() -> Path | None:
    """The loaded library's path (None when the Python kernels run)."""
    load()
    return Path(_STATE["path"]) if _STATE["path"] else None


def register_rule(rule: Any) -> bool:
    """Attach an autograd rule (``actlab.ops.base.Rule``) to its op in C++ (``csrc/autograd.cpp``:
    True), or leave it to Python (False: the library is not loaded). Called for every op as it is
    defined, so the first call loads the kernels."""
    if not loaded():
        return False
    import torch

    partials = [p.op if p is not None else "" for p in rule.partials]  # "": no partial
    partial_args = [i for p in rule.partials if p is not None for i in p.args]
    arity = [len(p.args) if p is not None else 0 for p in rule.partials]
    torch.ops.actlab_native.register_rule(
        rule.op,
        rule.backward,
        rule.tensors,
        list(rule.inputs),
        list(rule.outputs),
        rule.inplace,
        partials,
        partial_args,
        arity,
    )
    return True
