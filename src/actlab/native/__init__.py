"""Native CPU kernels (C++ with ATen's ``at::vec``) for the ``torch.ops.actlab`` operators.

The C++ sources (``csrc/``) are compiled on the user's machine, once, for the CPU's widest vector
ISA, and cached under ``~/.cache/actlab/native/<key>/`` (``ACTLAB_NATIVE_CACHE`` overrides the
root; the key hashes sources, flags, compiler, torch version and ISA). The library registers a
``CPU`` kernel for every op it implements (``TORCH_LIBRARY_IMPL(actlab, CPU, m)``), which takes
precedence over the declarations' Python kernels; everything else keeps running the Python math.

``ACTLAB_NATIVE`` selects what the first use of actlab in a process does:

* unset / ``1`` / ``auto``: load the cached library; when there is none, start
  ``python -m actlab.native build`` detached in the background, print one line, and run the
  Python kernels in this process (later processes load the library);
* ``sync``: build in this process when missing (CI, the test suite), then load;
* ``0`` / ``off``: never load (the pure-PyTorch declarations everywhere).

No C++ compiler (``CXX``, ``c++``, ``g++`` or ``clang++``): one warning, the Python kernels.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from .build import Plan, busy, save_plan

CSRC = Path(__file__).parent / "csrc"
OFF = ("0", "off", "false", "no")
ISA_FLAGS = {
    "avx512": [
        "-DCPU_CAPABILITY_AVX512",
        "-DCPU_CAPABILITY=AVX512",
        "-mavx512f",
        "-mavx512bw",
        "-mavx512vl",
        "-mavx512dq",
        "-mfma",
        "-mf16c",
    ],
    "avx2": ["-DCPU_CAPABILITY_AVX2", "-DCPU_CAPABILITY=AVX2", "-mavx2", "-mfma", "-mf16c"],
    "default": ["-DCPU_CAPABILITY_DEFAULT", "-DCPU_CAPABILITY=DEFAULT"],
}
# IEEE semantics: no silent FMA contraction (TwoSum and the stable forms rely on exact rounding),
# never -ffast-math; -fno-math-errno only lets sqrt be inlined.
CFLAGS = ["-std=c++20", "-O3", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden", "-w"]
# GCC >= 11 only: cheaper points-to, mod/ref and value-numbering alias analyses over the large
# always-inlined kernel bodies. The code comes out the same within a few instructions per unit and
# the cold build takes about a sixth less (gated.cpp: 39 -> 28 s).
GCC_FLAGS = ["-fno-tree-pta", "-fno-ipa-modref", "--param=sccvn-max-alias-queries-per-access=100"]

_STATE: dict[str, Any] = {"tried": False, "loaded": False, "status": "not tried", "path": None}


def mode() -> str:
    """``off``, ``sync`` or ``auto`` from ``ACTLAB_NATIVE``."""
    v = os.environ.get("ACTLAB_NATIVE", "auto").strip().lower()
    return "off" if v in OFF else "sync" if v == "sync" else "auto"


def cache_root() -> Path:
    env = os.environ.get("ACTLAB_NATIVE_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "actlab" / "native"


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


def cpu_isa() -> str:
    """The widest vector ISA of this CPU that ATen has kernels for: ``avx512`` (F, BW, VL, DQ),
    ``avx2`` (with FMA and F16C) or ``default``; ``ACTLAB_NATIVE_ISA`` overrides."""
    forced = os.environ.get("ACTLAB_NATIVE_ISA", "").strip().lower()
    if forced in ISA_FLAGS:
        return forced
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return "default"
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = set(next(ln for ln in text.splitlines() if ln.startswith("flags")).split(":", 1)[1].split())
    except (OSError, StopIteration):
        import torch

        cap = torch.backends.cpu.get_cpu_capability().lower()
        return "avx512" if cap.startswith("avx512") else "avx2" if cap == "avx2" else "default"
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"} <= flags:
        return "avx512"
    if {"avx2", "fma", "f16c"} <= flags:
        return "avx2"
    return "default"


def openmp_flags(lib: Path) -> tuple[list[str], list[str]]:
    """Compile and link flags for ATen's OpenMP backend. ``at::parallel_for`` is inline
    ``#pragma omp parallel`` code in ATen's headers: an extension built without ``-fopenmp``
    runs every loop on one thread. Linked against the OpenMP runtime torch itself loads (its
    ``lib/libgomp*.so*`` when it ships one) so that ``torch.set_num_threads`` governs both."""
    import torch

    if not torch._C.has_openmp or platform.system() != "Linux":
        return [], []  # macOS wheels use another runtime; loops stay single-threaded there
    shipped = sorted(lib.glob("libgomp*.so*"))
    return ["-fopenmp"], [str(shipped[0])] if shipped else ["-fopenmp"]


def sources() -> list[Path]:
    return sorted(CSRC.glob("*.cpp"))


def plan(cxx: str | None = None) -> Plan | None:
    """The build of this machine (None without a compiler): flags, paths and cache directory."""
    import torch

    cxx = cxx or compiler()
    if cxx is None:
        return None
    tdir = Path(torch.__file__).parent
    abi = int(getattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", 1))
    isa = cpu_isa()
    cflags = [*CFLAGS, *ISA_FLAGS[isa], f"-D_GLIBCXX_USE_CXX11_ABI={abi}", f"-I{CSRC}", f"-I{tdir / 'include'}"]
    if (gcc_major(cxx) or 0) >= 11:
        cflags += GCC_FLAGS
    lib = tdir / "lib"
    omp_c, omp_ld = openmp_flags(lib)
    cflags += omp_c
    ldflags = [f"-L{lib}", "-lc10", "-ltorch_cpu", *omp_ld, f"-Wl,-rpath,{lib}", "-Wl,--no-undefined"]
    if platform.system() == "Darwin":
        ldflags = [f for f in ldflags if f != "-Wl,--no-undefined"]
    h = hashlib.sha256()
    for f in sorted(CSRC.iterdir()):
        if f.suffix in (".cpp", ".h"):
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    st = os.stat(cxx)
    ident = [os.path.realpath(cxx), str(st.st_size), str(int(st.st_mtime)), *cflags, *ldflags]
    ident += [torch.__version__, str(torch.version.git_version), isa, platform.machine()]
    h.update("\0".join(ident).encode())
    return Plan([str(s) for s in sources()], cxx, cflags, ldflags, str(cache_root() / h.hexdigest()[:16]))


def _invoked_as_builder() -> bool:
    """``python -m actlab.native ...``: that process builds explicitly and loads nothing itself."""
    argv = list(getattr(sys, "orig_argv", []))
    return any(a == "-m" and b in ("actlab.native", "actlab.native.__main__") for a, b in zip(argv, argv[1:]))


_NATIVE_LIB: list[Any] = []  # keeps the actlab_native op library alive


def _raise_shape_error(message: str) -> None:
    from ..errors import ShapeError

    raise ShapeError(message)


def _define_error_ops() -> None:
    """``actlab_native::shape_error(str)``: the kernels raise the Python kernels' ShapeError
    through it (a C++ exception can only become RuntimeError, ValueError, IndexError ...)."""
    import torch

    if _NATIVE_LIB:
        return
    lib = torch.library.Library("actlab_native", "DEF")
    lib.define("shape_error(str message) -> ()")
    lib.impl("shape_error", _raise_shape_error, "CompositeExplicitAutograd")
    _NATIVE_LIB.append(lib)


def _load_library(path: Path) -> bool:
    import torch

    _define_error_ops()
    try:
        torch.ops.load_library(str(path))
    except (OSError, RuntimeError) as e:
        _STATE["status"] = f"could not load {path}: {e}"
        warnings.warn(f"actlab: {_STATE['status']}; using the pure-PyTorch kernels", stacklevel=3)
        return False
    _STATE.update(loaded=True, path=str(path), status=f"loaded {path}")
    return True


def _start_background(p: Plan) -> None:
    directory = Path(p.directory)
    if busy(directory):
        _STATE["status"] = f"another process is building into {directory}"
        return
    directory.mkdir(parents=True, exist_ok=True)
    plan_file = directory / "plan.json"
    save_plan(p, plan_file)
    log = open(directory / "background.log", "w")  # noqa: SIM115 - handed to the child
    subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "build.py"), str(plan_file)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # survives this process
        close_fds=True,
    )
    log.close()
    _STATE["status"] = f"building in the background into {directory}"
    print(
        f"actlab: compiling native CPU kernels in the background (about a minute, once; {directory}); "
        "the pure-PyTorch kernels run until then",
        file=sys.stderr,
    )


def load() -> bool:
    """Load the kernels once per process (see the module docstring); True when loaded."""
    if _STATE["tried"]:
        return _STATE["loaded"]
    _STATE["tried"] = True
    m = mode()
    if m == "off":
        _STATE["status"] = "disabled (ACTLAB_NATIVE=0)"
        return False
    if _invoked_as_builder():
        _STATE["status"] = "not loaded in the build command"
        return False
    p = plan()
    if p is None:
        _STATE["status"] = "no C++ compiler"
        warnings.warn(
            "actlab: no C++ compiler found (set CXX or install g++); using the pure-PyTorch kernels", stacklevel=3
        )
        return False
    if p.library.exists():
        return _load_library(p.library)
    if p.failed.exists():
        _STATE["status"] = f"the build failed, see {p.log}"
        warnings.warn(
            f"actlab: compiling the native kernels failed (see {p.log}); using the pure-PyTorch kernels; "
            "retry with `python -m actlab.native build --force`",
            stacklevel=3,
        )
        return False
    if m == "sync":
        from .build import BuildError, build

        try:
            return _load_library(build(p))
        except BuildError as e:
            _STATE["status"] = f"the build failed, see {p.log}"
            warnings.warn(f"actlab: compiling the native kernels failed: {e}", stacklevel=3)
            return False
    _start_background(p)
    return False


def loaded() -> bool:
    """Whether the compiled kernels are registered in this process (tries to load them once)."""
    return load()


def status() -> str:
    """A line saying what happened: loaded from where, building, disabled, failed, no compiler."""
    load()
    return _STATE["status"]


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
