"""Print the side-by-side ratio table (actlab vs torch native vs naive) on this machine.

    python benchmarks/bench.py                      # every activation, 64K and 4M elements
    python benchmarks/bench.py ELU GELU --size 1000000 --json out.json
Same options as ``actlab bench``.
"""

from __future__ import annotations

import sys

from actlab.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
