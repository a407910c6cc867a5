"""The speed targets of the native kernels under every ISA variant this CPU runs, side by side.

    python benchmarks/per_isa.py                    # the 28 torch.nn activations, every runnable ISA
    python benchmarks/per_isa.py --runs 2 --out docs/data/per_isa     # two runs, JSON kept

For each variant (``ATEN_CPU_CAPABILITY=<isa>``: torch and actlab both run that ISA's code) it runs
``actlab bench`` in a fresh process: float32 forward + backward and double backward at 64K and 4M
elements, 1 and 2 threads, and bfloat16 forward + backward at 4M; then prints one markdown table
per ISA (actlab / torch, the worst of the runs) and the targets: 4M forward + backward <= 1.25x for
all and <= 1.0x for at least 14, 64K <= 1.5x, double backward <= 1.5x, bfloat16 4M <= 1.25x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import actlab
from actlab import native
from actlab.native import build

PASSES = {  # name: actlab bench arguments
    "float32": ["--size", "65536", "--size", "4194304", "--threads", "1", "--threads", "2", "--pass", "fwdbwd"],
    "double": ["--size", "65536", "--size", "4194304", "--threads", "1", "--threads", "2", "--pass", "double"],
    "bfloat16": ["--size", "4194304", "--threads", "1", "--threads", "2", "--pass", "fwdbwd", "--dtype", "bfloat16"],
}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(isa: build.Isa, names: list[str], out: Path) -> dict[str, list[dict]]:
    """actlab bench of every pass under ``isa``: {pass: results}."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": isa.capabilities[0].lower()}
    env.pop("ACTLAB_NATIVE_ISA", None)
    results = {}
    for name, args in PASSES.items():
        path = out / f"{isa.name}-{name}.json"
        cmd = [sys.executable, "-m", "actlab.cli", "bench", *names, *args, "--json", str(path)]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        record = json.loads(path.read_text())
        assert record["meta"]["native"], f"{isa.name}: the native kernels did not load"
        results[name] = record["results"]
    return results


def worst(runs: list[dict[str, list[dict]]]) -> dict[tuple[str, str, int, int], float]:
    """(pass, activation, numel, threads) -> the largest actlab / torch over the runs."""
    table: dict[tuple[str, str, int, int], float] = {}
    for r in runs:
        for name, rows in r.items():
            for row in rows:
                ratio = row["ratio"].get("torch")
                if ratio is None:
                    continue
                key = (name, row["name"], row["numel"], row["threads"])
                table[key] = max(table.get(key, 0.0), ratio)
    return table


def report(isa: str, table: dict[tuple[str, str, int, int], float], names: list[str]) -> list[str]:
    cols = [
        ("float32", 4194304, 1),
        ("float32", 4194304, 2),
        ("float32", 65536, 1),
        ("float32", 65536, 2),
        ("double", 4194304, 1),
        ("double", 4194304, 2),
        ("double", 65536, 1),
        ("double", 65536, 2),
        ("bfloat16", 4194304, 1),
        ("bfloat16", 4194304, 2),
    ]
    label = {"float32": "fwd+bwd", "double": "double", "bfloat16": "bf16 fwd+bwd"}
    head = [f"{label[p]} {'4M' if n > 100_000 else '64K'} {t}t" for p, n, t in cols]
    lines = [f"\n### {isa}\n", "| activation | " + " | ".join(head) + " |", "|---" * (len(cols) + 1) + "|"]
    for name in names:
        cells = [table.get((p, name, n, t)) for p, n, t in cols]
        lines.append(f"| {name} | " + " | ".join("—" if c is None else f"{c:.2f}" for c in cells) + " |")
    checks = []
    for t in (1, 2):
        r = [table[("float32", a, 4194304, t)] for a in names]
        checks.append(
            f"4M fwd+bwd {t}t: <= 1.25x {sum(x <= 1.25 for x in r)}/{len(r)}, <= 1.0x {sum(x <= 1.0 for x in r)}"
        )
    small = [v for (p, _, n, _), v in table.items() if p == "float32" and n == 65536]
    double = [v for (p, *_), v in table.items() if p == "double"]
    bf16 = [v for (p, *_), v in table.items() if p == "bfloat16"]
    checks.append(f"64K fwd+bwd <= 1.5x: {sum(v <= 1.5 for v in small)}/{len(small)} (max {max(small):.2f})")
    checks.append(f"double backward <= 1.5x: {sum(v <= 1.5 for v in double)}/{len(double)} (max {max(double):.2f})")
    checks.append(f"bfloat16 4M fwd+bwd <= 1.25x: {sum(v <= 1.25 for v in bf16)}/{len(bf16)} (max {max(bf16):.2f})")
    return lines + ["", *[f"- {c}" for c in checks]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="activations (default: the 28 of torch.nn)")
    parser.add_argument("--runs", type=int, default=1, help="runs of every pass (the table shows the worst)")
    parser.add_argument("--out", help="keep the JSON records here")
    args = parser.parse_args(argv)
    names = args.names or [d.name for d in actlab.declarations() if d.in_torch]
    isas = [i for i in build.isas_for(build.machine()) if native.cpu_runs(i)]
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    print(f"CPU: {cpu_name()}; variants run: {', '.join(i.name for i in isas)}; {args.runs} run(s); actlab / torch")
    for isa in isas:
        runs = []
        for k in range(args.runs):
            (out / f"run{k}").mkdir(exist_ok=True)
            runs.append(run(isa, names, out / f"run{k}"))
        print("\n".join(report(isa.name, worst(runs), names)), flush=True)


if __name__ == "__main__":
    main()
