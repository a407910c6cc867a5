"""The catalog's speed table from an ``actlab bench --pass fwdbwd --json FILE`` record: one Markdown row
per activation, forward + backward, each cell actlab / torch's SiLU (the cost yardstick; torch.nn's own
activations: actlab / torch's module) per size and thread count, then the worst ratio to the textbook
composition; a cell over the target (3x SiLU elementwise, 4x learnable; 1x torch) is in bold.

    actlab bench --pass fwdbwd --size 65536 --size 4194304 --threads 1 --threads 2 --json bench.json
    python benchmarks/catalog_table.py bench.json
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from actlab import bench, kinds, registry


def target(name: str) -> tuple[str, float]:
    """(the yardstick's key in a row's ratios, the target ratio) of one activation."""
    decl = registry.declaration(name)
    if bench.torch_module(decl) is not None:
        return "torch", 1.0
    return "silu", 4.0 if issubclass(decl, kinds.Parametric) else 3.0


def cell(value: float | None, limit: float) -> str:
    if value is None:
        return "-"
    return f"**{value:.2f}**" if value > limit else f"{value:.2f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("json", help="the bench record")
    a = p.parse_args()
    record = bench.load(a.json)
    rows: dict[str, dict[tuple[int, int], dict]] = defaultdict(dict)
    for r in record["results"]:
        if r["pass"] == "fwdbwd" and r.get("dtype", "float32") == "float32":
            rows[r["name"]][(r["numel"], r["threads"])] = r["ratio"]
    cells = sorted({k for v in rows.values() for k in v})
    head = " | ".join(f"{n // 1024}K, {t}t" if n < 1 << 20 else f"{n >> 20}M, {t}t" for n, t in cells)
    print(f"| activation | vs | {head} | worst / textbook |")
    print("|---|---|" + "---|" * len(cells) + "---|")
    for name in sorted(rows, key=str.lower):
        key, limit = target(name)
        ratios = rows[name]
        naive = [r["naive"] for r in ratios.values() if r.get("naive") is not None]
        worst = cell(max(naive), 1.0) if naive else "-"
        values = " | ".join(cell(ratios.get(c, {}).get(key), limit) for c in cells)
        print(f"| {name} | {'torch' if key == 'torch' else 'SiLU'} | {values} | {worst} |")


if __name__ == "__main__":
    main()
