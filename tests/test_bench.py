"""``actlab bench`` smoke test (tiny sizes, no timing assertions)."""

from __future__ import annotations

import json

import pytest
import torch

from actlab import bench, registry
from actlab.cli import main


def test_bench_command_writes_json_and_table(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = ["bench", "ReLU", "Swish", "Softmax", "Hardsigmoid", "RReLU", "--size", "256", "--repeats", "3"]
    rc = main([*args, "--threads", "1", "--dtype", "float32", "--dtype", "bfloat16", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "/torch" in text and "Softmax" in text and "floor" in text and "spread" in text
    rec = json.loads(out.read_text())
    assert rec["meta"]["dtypes"] == ["float32", "bfloat16"] and rec["meta"]["threads"] == [1]
    assert rec["floor"]["float32/1/256"] > 0
    rows = {(r["name"], r["pass"], r["dtype"]): r for r in rec["results"]}
    names = ("ReLU", "Swish", "Softmax", "Hardsigmoid", "RReLU")
    assert set(rows) == {(n, p, d) for n in names for p in ("fwd", "fwdbwd", "double") for d in ("float32", "bfloat16")}
    relu = rows["ReLU", "fwdbwd", "float32"]
    assert set(relu["ms"]) == {"torch", "naive", "actlab"} and relu["threads"] == 1
    assert relu["ratio"]["torch"] == pytest.approx(relu["ms"]["actlab"] / relu["ms"]["torch"])
    lo, hi = relu["spread"]["actlab"]
    assert lo <= relu["ms"]["actlab"] <= hi and isinstance(relu["noisy"], bool)
    assert relu["saved_bytes"]["actlab"] > 0
    assert "torch" not in rows["Swish", "fwd", "float32"]["ms"]  # no torch counterpart: naive only
    swish = rows["Swish", "fwd", "float32"]  # the catalog: torch's SiLU on the same input as the yardstick
    assert set(swish["ms"]) == {"silu", "naive", "actlab"} and "/silu" in text
    assert swish["ratio"]["silu"] == pytest.approx(swish["ms"]["actlab"] / swish["ms"]["silu"])
    assert "torch" not in rows["Hardsigmoid", "double", "float32"]["ms"]  # torch has no double backward
    assert "counter" in rows["RReLU", "fwdbwd", "float32"]["ms"]  # the counter-based noise, opt-in
    assert rows["Softmax", "fwd", "float32"]["shape"] == [1, 256]
    fig = bench.plot_ratios(out, kind="fwd")
    assert len(fig.axes[0].patches) >= 2 * 2


def test_noisy_rows_are_flagged_and_warned_about():
    row = bench.Row("X", "f", 8, (8,), "fwd", ms={"actlab": 1.0, "torch": 1.0}, spread={"actlab": (0.7, 1.4)})
    assert row.noisy()
    record = {
        "meta": {"torch": "t", "device": "cpu", "threads": [1], "dtypes": ["float32"]},
        "floor": {},
        "results": [{"name": "X", "numel": 8, "pass": "fwd", "dtype": "float32", "threads": 1,
                     "ms": row.ms, "spread": row.spread, "ratio": {}, "noisy": True}],
    }  # fmt: skip
    assert "warning: on 1 row(s)" in bench.table(record)


def test_bench_rejects_bad_arguments(capsys):
    assert main(["bench", "NoSuchActivation", "--size", "256"]) == 2
    assert main(["bench", "ReLU", "--size", "3"]) == 2
    assert "error" in capsys.readouterr().err


def test_every_activation_benches_at_the_default_small_size():
    """``actlab bench`` with no names runs every declaration at 64K (FReLU's batch norm once failed there)."""
    from actlab.registry import declarations

    for d in declarations():
        rows = bench.bench_one(d, 65536, torch.float32, "cpu", repeats=1, eager=False, passes=("fwd",))
        assert [r.name for r in rows] == [d.name] and rows[0].ms["actlab"] > 0, d.name


def test_the_bench_records_the_allocator_it_ran_under(tmp_path, capsys):
    """glibc's mmap threshold is fixed for the run (steady state: no page faults that one variant
    of a round pays and the next does not), and the record and the table say so."""
    import platform

    rec = bench.run(["ReLU"], [256], repeats=1, progress=False, passes=("fwd",))
    if platform.system() == "Linux":
        assert rec["meta"]["allocator"].startswith("glibc")
    assert "allocator: " in bench.table(rec)


def _textbook_and_ours(name: str, shape_numel: int = 512) -> tuple:
    decl = registry.declaration(name)
    shape = bench.shape_for(decl, shape_numel)
    kw = bench.module_kwargs(decl, shape)
    naive, ours = bench._naive(decl, kw), decl.module_class(**kw).double()
    if name in bench.MODULE_TEXTBOOK:  # copies of the module's own (randomly initialised) submodules
        naive = bench.MODULE_TEXTBOOK[name](ours)
    if isinstance(naive, torch.nn.Module):
        naive = naive.double()
    return naive, ours, shape


def _values_and_gradients(fn, x: torch.Tensor, g: torch.Tensor) -> list[torch.Tensor]:
    params = list(fn.parameters()) if isinstance(fn, torch.nn.Module) else []
    y = fn(x)
    return [y, *torch.autograd.grad(y, [x, *params], g[..., : y.shape[-1]])]


@pytest.mark.parametrize("name", sorted([*bench.TEXTBOOK, *bench.LEARNABLE_TEXTBOOK, *bench.MODULE_TEXTBOOK]))
def test_every_textbook_composition_computes_the_declarations_values_and_gradients(name):
    """A ratio to the textbook composition means something only if it is the same function: its value,
    x-gradient and (learnable ones) parameter gradients agree with actlab's module in float64 (to 1e-7:
    Snake's textbook divides by alpha + 1e-9, as its paper's code)."""
    naive, ours, shape = _textbook_and_ours(name)
    settings = [None]
    if name == "SoftExponential":  # its three branches (alpha = 0 is the default)
        settings += [0.4, -0.1]  # -0.1: x > -10.1 is its domain (u > 0), where both are defined
    for alpha in settings:
        if alpha is not None:
            for m in (naive, ours):
                m.alpha.data.fill_(alpha)
        x = (torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2).requires_grad_()
        g = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        for a, b in zip(_values_and_gradients(naive, x, g), _values_and_gradients(ours, x, g)):
            torch.testing.assert_close(a, b, rtol=1e-7, atol=1e-7, equal_nan=True)
