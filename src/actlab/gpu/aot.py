"""Every Triton kernel specialisation the launchers use, compiled ahead of time for a CUDA target
without a GPU (Triton ships ptxas), and the PTX properties the accurate kernels must have.

``python -m actlab.gpu.aot [--arch 80 90]`` compiles them all and prints the violations (none
expected): ``tests/gpu/test_gpu_ptx.py`` runs the same check in the suite.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from . import elementwise as EW
from . import noise as NZ
from . import prelu as PR
from . import rows as RW
from . import split_gates as SG
from .activations import ACTIVATIONS, GELU, RELU, SIGMOID, SILU, Kernels

POINTER = {0: "*fp32", 1: "*i16", 2: "*fp16"}  # bfloat16 travels as its int16 bits
FLOATS = {"p0", "p1", "lower", "span"}
ARCHS = (80, 90)
# Instructions the accurate kernels must not contain: approximate transcendental or division
# (ex2.approx, div.full, sqrt/rcp/lg2 .approx), flush-to-zero, fused multiply-adds (fusion is
# off), multiplies and adds without a rounding mode (ptxas may contract those into FMAs), calls
# into libdevice, and conversions to 16 bits that do not round to nearest.
FORBIDDEN = {
    "approximate": re.compile(r"\.approx\b"),
    "div.full": re.compile(r"\bdiv\.full\b"),
    "flush to zero": re.compile(r"\.ftz\b"),
    "fma": re.compile(r"\bfma\.\w+\.f(16|32)\b"),
    "contractible mul/add/sub": re.compile(r"\b(mul|add|sub)\.f32\b"),
    "libdevice call": re.compile(r"\bcall\b.*__nv_"),
    "16-bit conversion not to nearest": re.compile(r"\bcvt\.r[zmp]\w*\.b?f16\.f32\b"),
}


@dataclass(frozen=True)
class Spec:
    """One specialisation: a kernel, its constexprs and a name for reports."""

    name: str
    kernel: Any
    constexprs: dict[str, Any] = field(hash=False)
    num_warps: int = EW.NUM_WARPS

    def signature(self) -> dict[str, str]:
        io = self.constexprs.get("IO", 0)
        out = {}
        for p in self.kernel.params:
            if p.is_constexpr:
                out[p.name] = "constexpr"
            elif p.name.endswith("_ptr"):
                out[p.name] = "*fp32" if p.name == "out_ptr" and self.kernel is NZ.noise_kernel else POINTER[io]
            else:
                out[p.name] = "fp32" if p.name in FLOATS else "i32"
        return out


def fn_name(f: Any) -> str:
    return getattr(f, "__name__", None) or f.fn.__name__


def elementwise_specs(io: int, kernel_sets: dict[str, Kernels], linear: set[str]) -> Iterator[Spec]:
    seen = set()
    for label, k in kernel_sets.items():
        block = {"IO": io, "BLOCK": EW.BLOCK}
        forms = [(EW.map_f, {"F": k.f}), (EW.map_grad, {"DF": k.df})]
        if label not in linear:
            forms += [(EW.map_double, {"DF": k.df, "D2F": k.d2f}), (EW.map_second, {"D2F": k.d2f})]
        if k.df_y is not None:
            forms.append((EW.map_grad, {"DF": k.df_y}))
            if label not in linear:
                forms += [(EW.map_double, {"DF": k.df_y, "D2F": k.d2f_y}), (EW.map_second, {"D2F": k.d2f_y})]
        for kernel, fns in forms:
            key = (kernel, *(fn_name(f) for f in fns.values()))
            if key not in seen:
                seen.add(key)
                name = f"{fn_name(kernel)}[{', '.join(fn_name(f) for f in fns.values())}, io={io}]"
                yield Spec(name, kernel, {**fns, **block})


def all_kernel_sets() -> tuple[dict[str, Kernels], set[str]]:
    """Every activation's kernels (GELU in both forms) and the piecewise-linear ones."""
    sets: dict[str, Kernels] = {}
    for fn, act in ACTIVATIONS.items():
        if fn == "gelu":
            sets.update({f"gelu[{form}]": k for form, k in GELU.items()})
        else:
            sets[fn] = act.kernels
    return sets, {fn for fn, act in ACTIVATIONS.items() if act.linear}


def row_specs(io: int) -> Iterator[Spec]:
    """Every pass, kind, tile layout and row walk in float32; in 16-bit storage one kind's tiles
    (the storage path is the same code for all)."""
    for kind, code in (("softmax", 0), ("softmin", 1), ("log_softmax", 2))[: 3 if io == 0 else 1]:
        for rows in (True, False):
            for single in (True, False) if io == 0 else (True,):
                steps = (("forward", 0), ("backward", 1)) + ((("double", 2),) if single else ())
                for step, number in steps:
                    meta = {"PASS": number, "KIND": code, "IO": io, "ROWS": rows, "SINGLE": single}
                    name = f"row_kernel[{step}, {kind}, rows={rows}, single={single}, io={io}]"
                    yield Spec(name, RW.row_kernel, {**meta, "BLOCK_N": 1024, "BLOCK_L": 4}, num_warps=8)


def gate_specs(io: int) -> Iterator[Spec]:
    gates = {"glu": SIGMOID, "swiglu": SILU, "reglu": RELU, "geglu[none]": GELU["none"], "geglu[tanh]": GELU["tanh"]}
    for label, k in list(gates.items())[: len(gates) if io == 0 else 1]:
        block = {"IO": io, "BLOCK": EW.BLOCK}
        yield Spec(f"gate_forward[{label}, io={io}]", SG.gate_forward, {"F": k.f, **block})
        yield Spec(f"gate_backward[{label}, io={io}]", SG.gate_backward, {"F": k.f, "DF": k.df, **block})
        yield Spec(f"gate_double[{label}, io={io}]", SG.gate_double, {"F": k.f, "DF": k.df, "D2F": k.d2f, **block})


def other_specs(io: int) -> Iterator[Spec]:
    block = {"IO": io, "BLOCK": EW.BLOCK}
    for kernel in (PR.prelu_forward, PR.prelu_backward, PR.prelu_double, NZ.noise_kernel, NZ.scaled_kernel):
        yield Spec(f"{fn_name(kernel)}[io={io}]", kernel, block)


def specializations(storage: tuple[int, ...] = (0, 1, 2)) -> list[Spec]:
    """Every kernel for float32 storage; for bfloat16 (1) and float16 (2) the storage paths of each
    kernel (one cheap and one transcendental activation, one row kind, one gate)."""
    sets, linear = all_kernel_sets()
    out: list[Spec] = []
    for io in storage:
        chosen = sets if io == 0 else {k: sets[k] for k in ("relu", "gelu[none]")}
        out += [*elementwise_specs(io, chosen, linear), *row_specs(io), *gate_specs(io), *other_specs(io)]
    return out


def compile_ptx(spec: Spec, arch: int) -> str:
    """The PTX of ``spec`` for sm_<arch>, compiled as the launchers launch it (no FMA fusion)."""
    src = ASTSource(fn=spec.kernel, signature=spec.signature(), constexprs=spec.constexprs)
    options = {"enable_fp_fusion": False, "num_warps": spec.num_warps}
    return triton.compile(src, target=GPUTarget("cuda", arch, 32), options=options).asm["ptx"]


def violations(ptx: str) -> dict[str, list[str]]:
    """The forbidden instructions found in ``ptx``, by kind, with the offending lines."""
    found: dict[str, list[str]] = {}
    for line in ptx.splitlines():
        for kind, pattern in FORBIDDEN.items():
            if pattern.search(line):
                found.setdefault(kind, []).append(line.strip())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actlab.gpu.aot", description=__doc__)
    parser.add_argument("--arch", type=int, nargs="+", default=list(ARCHS), help="compute capabilities (80 90)")
    args = parser.parse_args(argv)
    bad = 0
    specs = specializations()
    for spec in specs:
        for arch in args.arch:
            found = violations(compile_ptx(spec, arch))
            if found:
                bad += 1
                print(f"sm_{arch} {spec.name}: " + "; ".join(f"{k}: {v[0]}" for k, v in found.items()))
    print(f"{len(specs)} kernels x {len(args.arch)} targets compiled, {bad} with forbidden instructions")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
