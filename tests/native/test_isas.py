"""The ISA variants of the installed kernels: every variant of this machine's architecture was
compiled (a compile error on any ISA fails here, AVX-512 included on a CPU that cannot run it), the
loaded one is the one torch's capability names, the native tests pass under every other variant
this CPU runs (ATEN_CPU_CAPABILITY, a fresh pytest), and the variants agree: bit for bit, but for
the softmax family's (and SoLU's) sums along the last dim and the sparse maps' backward sums (lanes
of another width sum in another order), which agree to the kernels' accuracy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from ulps import ulp_error

from actlab import native
from actlab.native import build

HERE = Path(__file__).parent
VARIANTS = build.isas_for(build.machine())
RUNNABLE = [i for i in VARIANTS if native.cpu_runs(i)]
needs_variants = pytest.mark.skipif(
    not VARIANTS or native.mode() == "off" or not native.loaded(), reason=f"no native kernels: {native.status()}"
)
pytestmark = needs_variants
INSIDE = "ACTLAB_TESTING_ISA"  # set in the nested runs: they test one variant, not the others again


def _env(isa: build.Isa) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ACTLAB_NATIVE_ISA", "PYTEST_XDIST_WORKER")}
    return {**env, "ATEN_CPU_CAPABILITY": isa.capabilities[0].lower(), INSIDE: isa.name}


def test_every_variant_of_this_architecture_was_compiled_and_the_loaded_one_is_torchs() -> None:
    record = build.read_record(native.library().parent)
    assert record is not None and record["failed"] == {}, record and record["failed"]
    assert list(record["variants"]) == [i.name for i in VARIANTS]
    assert record["torch"] == torch.__version__ and record["sources"] == build.sources_digest()
    isa, why = native.selected_isa()
    assert native.isa() == isa.name and native.library().name == isa.library and why in native.status()


OTHERS = [i for i in RUNNABLE if i.name != (native.selected_isa()[0] or build.ISAS[0]).name]


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get(INSIDE)), reason="inside a nested run")
@pytest.mark.parametrize("isa", OTHERS, ids=[i.name for i in OTHERS])
def test_the_native_tests_pass_under_every_other_variant_this_cpu_runs(isa: build.Isa) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(HERE),
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "-x",
            "--ignore",
            str(HERE / "test_build.py"),
            "--ignore",
            str(HERE / "test_wheel.py"),
            "--ignore",
            str(HERE / "test_isas.py"),
        ],
        env=_env(isa),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = "\n".join(run.stdout.splitlines()[-15:])
    assert run.returncode == 0, tail + run.stderr[-3000:]
    check = subprocess.run(
        [sys.executable, "-c", "import actlab.native as n; print(n.isa())"],
        env=_env(isa),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.stdout.strip() == isa.name, check.stderr
    print(f"{isa.name}: {run.stdout.splitlines()[-1]}")


def outputs(isa: build.Isa, tmp_path: Path) -> dict:
    out = tmp_path / f"{isa.name}.pt"
    run = subprocess.run(
        [sys.executable, str(HERE / "variants.py"), str(out)],
        env=_env(isa),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    record = torch.load(out)
    assert record["isa"] == isa.name, record["status"]
    return record["results"]


BITS = {torch.bfloat16: torch.int16, torch.float16: torch.int16, torch.float32: torch.int32, torch.float64: torch.int64}
ROW_SUMS = ("softmax/-1/", "softmin/-1/", "log_softmax/-1/", "solu/-1/")  # SoLU: through softmax's rows
SPARSE = ("sparsemax/", "entmax15/")  # their forward's sums are scalar (the same bits), their backward's vector


def differ(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Where a and b differ in their bits (NaNs of either sign and payload are the same)."""
    return (a.view(BITS[a.dtype]) != b.view(BITS[b.dtype])) & ~(a.isnan() & b.isnan())


@pytest.mark.slow
@pytest.mark.skipif(len(RUNNABLE) < 2, reason="this CPU runs one variant")
def test_the_variants_agree(tmp_path: Path) -> None:
    first, *rest = RUNNABLE
    base = outputs(first, tmp_path)
    for isa in rest:
        other = outputs(isa, tmp_path)
        assert base.keys() == other.keys()
        for key, a in base.items():
            b = other[key]
            if not differ(a, b).any():
                continue
            assert key.startswith(ROW_SUMS) or (key.startswith(SPARSE) and not key.endswith("/f")), (
                f"{key}: {first.name} and {isa.name} differ at {int(differ(a, b).sum())} of {a.numel()}"
            )
            x, y = a.double().numpy(), b.double().numpy()
            if key.endswith("/f") and a.dtype != torch.bfloat16:  # within the kernels' accuracy (8 ulps)
                assert ulp_error(x, y, np.float32 if a.dtype == torch.float32 else np.float64).max() <= 8, key
            else:  # sums that cancel: within a few ulps of the tensor's scale
                scale = float(np.nanmax(np.abs(np.where(np.isfinite(x), x, 0.0))))
                assert np.nanmax(np.abs(x - y)) <= 64 * torch.finfo(a.dtype).eps * max(scale, 1.0), key
