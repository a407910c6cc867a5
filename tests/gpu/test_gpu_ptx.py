"""Every Triton kernel specialisation the launchers use (src/actlab/gpu/aot.py) compiled ahead of
time for sm_80 and sm_90 without a GPU (Triton ships ptxas): its PTX holds no approximate
instruction (ex2.approx, div.full, sqrt/rcp .approx), no flush-to-zero, no FMA, no multiply or add
without a rounding mode (which ptxas could contract), no call into libdevice, no conversion to
16 bits but to nearest even (cvt.rn.f16.f32). Runs in the main process (not the interpreter)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("triton")

from actlab.gpu import aot  # noqa: E402

SPECS = aot.specializations()
pytestmark = pytest.mark.skipif(os.environ.get("TRITON_INTERPRET") == "1", reason="compiles for CUDA targets")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_the_ptx_of_every_kernel_is_exact_arithmetic(spec: aot.Spec) -> None:
    for arch in aot.ARCHS:
        ptx = aot.compile_ptx(spec, arch)
        assert f".target sm_{arch}" in ptx
        found = aot.violations(ptx)
        assert not found, f"sm_{arch}: " + "; ".join(f"{kind}: {lines[:2]}" for kind, lines in found.items())
        if spec.constexprs.get("IO") == 2 and spec.name.startswith("map_f[gelu_f"):
            assert "cvt.rn.f16.f32" in ptx  # float32 results rounded once (products of two halves may
            # be a mul.rn.f16 instead: the same bits)


SPLITTERS = {  # the constants of the exact-arithmetic tricks, as PTX float literals
    "map_f[gelu_f, io=0]": ("0f4B400000", "0f45800800"),  # exp's rounding 1.5 * 2^23, Veltkamp's 2^12 + 1
    "row_kernel[forward, softmax, rows=True, single=True, io=0]": ("0f45400000",),  # the row sums' 3072
}


@pytest.mark.parametrize("name", SPLITTERS)
def test_the_exact_arithmetic_survives_compilation(name: str) -> None:
    """(y + c) - c and c a - (c a - a) are not folded away (no reassociation without fast-math)."""
    spec = next(s for s in SPECS if s.name == name)
    ptx = aot.compile_ptx(spec, 90).upper().replace("0F", "0f")
    assert all(c.upper().replace("0F", "0f") in ptx for c in SPLITTERS[name])


def test_the_check_catches_what_the_default_lowering_emits() -> None:
    """The default lowering (tl.exp, /, fusion on) shows every kind of instruction the check forbids
    but libdevice: the patterns match real PTX."""
    import triton
    import triton.language as tl
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    @triton.jit
    def naive(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + offs, mask=offs < n)
        tl.store(y_ptr + offs, tl.exp(x) / (x * x + 1.0), mask=offs < n)

    for fusion in (True, False):
        src = ASTSource(naive, {"x_ptr": "*fp32", "y_ptr": "*fp32", "n": "i32", "BLOCK": "constexpr"}, {"BLOCK": 256})
        ptx = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"enable_fp_fusion": fusion}).asm["ptx"]
        found = aot.violations(ptx)
        assert {"approximate", "div.full"} <= found.keys()
        assert ("fma" in found or "contractible mul/add/sub" in found) == fusion
