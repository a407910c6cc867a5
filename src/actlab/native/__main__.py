"""The native kernels' command line.

    python -m actlab.native info                 what this machine and torch select, what is built
    python -m actlab.native build [--isa NAME]   compile the variants of this machine for this torch
    python -m actlab.native cross aarch64 --cxx aarch64-linux-gnu-g++
                                                 compile another architecture's variants (no link)

``build`` writes into the package (or the user cache when the package is read-only) and reuses
the objects of earlier builds (``--force`` recompiles them). ``cross`` checks that the sources
compile for another architecture with a cross compiler and torch's headers (CI runs it for
aarch64); it links nothing, since this machine's torch libraries are of its own architecture.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from . import build, build_dir, library_dirs, objects_dir, selected_isa, status


def _info() -> int:
    import torch

    isa, why = selected_isa()
    print(f"torch: {torch.__version__} (CPU capability {torch.backends.cpu.get_cpu_capability()})")
    print(f"machine: {build.machine()}; selected: {isa.name if isa else 'none'} ({why})")
    print(f"status: {status()}")
    for d in library_dirs():
        record = build.read_record(d)
        if record is None:
            print(f"{d}: nothing built")
            continue
        variants = ", ".join(f"{k} ({v['bytes'] / 1e6:.1f} MB)" for k, v in record["variants"].items()) or "none"
        print(f"{d}: torch {record['torch']}, {record['compiler']}, built {record['built']} in {record['seconds']} s")
        print(f"  variants: {variants}" + (f"; failed: {', '.join(record['failed'])}" if record["failed"] else ""))
    return 0


def _build(args: argparse.Namespace) -> int:
    arch = build.machine()
    isas = [i for i in build.isas_for(arch) if not args.isa or i.name in args.isa]
    if not isas:
        print(f"actlab.native: nothing to build for {arch} ({', '.join(args.isa or [])})", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else build_dir()
    objects = objects_dir()
    if args.force:
        shutil.rmtree(objects, ignore_errors=True)
    p = build.plan(isas, build.Torch.current(), out, objects, jobs=args.jobs)
    if p is None:
        print("actlab.native: no C++ compiler found (set CXX or install g++)", file=sys.stderr)
        return 1
    result = build.build(p)
    if not args.quiet or result.errors:
        print("\n".join(result.log))
    for isa, lib in result.libraries.items():
        print(f"actlab.native: {lib} ({isa}, {lib.stat().st_size / 1e6:.1f} MB)")
    for isa in result.errors:
        print(f"actlab.native: the {isa} variant failed (log: {out / 'build.log'})", file=sys.stderr)
    return 1 if result.errors else 0


def extract_torch(wheel: Path, out: Path) -> Path:
    """From a torch wheel of another architecture: its headers and the libraries actlab links."""
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            lib = name.startswith("torch/lib/") and Path(name).name.startswith(
                ("libc10.so", "libtorch_cpu.so", "libgomp")
            )
            if name.startswith("torch/include/") or lib:
                z.extract(name, out.parent)
    return out


def _cross(args: argparse.Namespace) -> int:
    """Compile (and, given that architecture's torch, link) another architecture's variants."""
    isas = build.isas_for(args.machine)
    if not isas:
        print(f"actlab.native: no variants for {args.machine}", file=sys.stderr)
        return 1
    here = build.Torch.current()
    with tempfile.TemporaryDirectory() as tmp:
        root = extract_torch(Path(args.torch_wheel), Path(tmp) / "torch") if args.torch_wheel else args.torch
        target = replace(here, root=str(Path(root).resolve())) if root else here
        link = root is not None
        objects = Path(args.objects) if args.objects else Path(tmp) / "objects"
        p = build.plan(isas, target, Path(tmp) / "out", objects, cxx=args.cxx, jobs=args.jobs, link=link)
        if p is None:
            print(f"actlab.native: no compiler {args.cxx}", file=sys.stderr)
            return 1
        result = build.build(p)
        sizes = {isa: lib.stat().st_size for isa, lib in result.libraries.items()}
    print("\n".join(result.log))
    names = ", ".join(i.name for i in isas)
    if result.errors:
        print(f"actlab.native: {args.machine} ({names}) failed to build", file=sys.stderr)
        return 1
    linked = ", ".join(f"{isa} linked, {n / 1e6:.1f} MB" for isa, n in sizes.items()) or "not linked"
    print(
        f"actlab.native: {args.machine} ({names}) compiled with {build.compiler_banner(args.cxx)} "
        f"against {target.root} in {result.seconds:.1f} s ({linked})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actlab.native", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="the selected ISA, the libraries built and why they load or not")
    b = sub.add_parser("build", help="compile the variants of this machine for the installed torch")
    b.add_argument("--isa", action="append", help="only this variant (repeatable; default: all of this machine)")
    b.add_argument("--out", help="directory for the libraries (default: the package, or the user cache)")
    b.add_argument("--force", action="store_true", help="recompile every object (no reuse)")
    b.add_argument("--jobs", type=int, help="compiler processes at once (default: the CPU count)")
    b.add_argument("--quiet", action="store_true", help="print the log only on failure")
    c = sub.add_parser("cross", help="compile another architecture's variants (a check: nothing is linked)")
    c.add_argument("machine", help="e.g. aarch64")
    c.add_argument("--cxx", required=True, help="the cross compiler, e.g. aarch64-linux-gnu-g++")
    c.add_argument(
        "--torch",
        help="that architecture's torch package directory (its include/ and lib/: its "
        "headers differ, e.g. sleef.h, and its libraries are linked against); default: this torch's "
        "headers, nothing linked",
    )
    c.add_argument("--torch-wheel", help="or a torch wheel of that architecture (headers and libraries taken from it)")
    c.add_argument("--objects", help="keep the objects here (default: a temporary directory)")
    c.add_argument("--jobs", type=int)
    args = parser.parse_args(argv)
    if args.command == "info":
        return _info()
    if args.command == "build":
        return _build(args)
    return _cross(args)


if __name__ == "__main__":
    sys.exit(main())
