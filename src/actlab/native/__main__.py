"""``python -m actlab.native build [--force]``: compile the native kernels now (synchronously);
``python -m actlab.native info``: where the library is and what this machine builds."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import cpu_isa, plan
from .build import BuildError, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actlab.native")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile the kernels (no-op when the cached library exists)")
    b.add_argument("--force", action="store_true", help="rebuild even when cached or after a failure")
    b.add_argument("--quiet", action="store_true", help="print nothing on success")
    sub.add_parser("info", help="print the compiler, ISA, flags and cache directory")
    args = parser.parse_args(argv)
    p = plan()
    if p is None:
        print("actlab.native: no C++ compiler found (set CXX or install g++)", file=sys.stderr)
        return 1
    if args.command == "info":
        print(f"compiler: {p.compiler}\nisa: {cpu_isa()}\ncflags: {' '.join(p.cflags)}")
        print(f"library: {p.library} ({'built' if p.library.exists() else 'not built'})")
        return 0
    t = time.perf_counter()
    cached = p.library.exists() and not args.force
    try:
        path = build(p, force=args.force)
    except BuildError as e:
        print(f"actlab.native: build failed (log: {p.log})\n{e}", file=sys.stderr)
        return 1
    if not args.quiet:
        what = "cached" if cached else f"built in {time.perf_counter() - t:.1f} s"
        print(f"actlab.native: {path} ({what}; {len(p.sources)} sources, {cpu_isa()})")
        if not cached:
            print(Path(p.log).read_text().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
