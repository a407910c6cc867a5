"""``actlab bench`` smoke test (tiny sizes, no timing assertions) and the fused fast path's
agreement with the eager declarations (forward, backward, double backward)."""

from __future__ import annotations

import json

import pytest
import torch

import actlab
from actlab import bench, fast
from actlab.cli import main

F32 = torch.finfo(torch.float32)


def ulps(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest difference in float32 ulps at the larger magnitude (equal values and NaN pairs: 0)."""
    a64, b64 = a.detach().double(), b.detach().double()
    scale = F32.eps * torch.maximum(a64.abs(), b64.abs()).clamp(min=F32.tiny)
    d = torch.where((a64 == b64) | (a64.isnan() & b64.isnan()), 0.0, (a64 - b64).abs() / scale)
    return d.max().item()


def test_bench_command_writes_json_and_table(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = main(["bench", "ReLU", "Swish", "Softmax", "--size", "256", "--repeats", "2", "--no-fast", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "/torch" in text and "Softmax" in text and "floor" in text
    rec = json.loads(out.read_text())
    assert rec["meta"]["dtype"] == "float32" and rec["floor"]["256"] > 0
    rows = {(r["name"], r["pass"]): r for r in rec["results"]}
    assert set(rows) == {(n, p) for n in ("ReLU", "Swish", "Softmax") for p in ("fwd", "fwdbwd")}
    relu = rows["ReLU", "fwdbwd"]
    assert set(relu["ms"]) == {"torch", "naive", "actlab"}
    assert relu["ratio"]["torch"] == pytest.approx(relu["ms"]["actlab"] / relu["ms"]["torch"])
    assert relu["saved_bytes"]["actlab"] > 0
    assert "torch" not in rows["Swish", "fwd"]["ms"]  # no torch counterpart: naive only
    assert rows["Softmax", "fwd"]["shape"] == [1, 256]
    fig = bench.plot_ratios(out, kind="fwd")
    assert len(fig.axes[0].patches) == 2 * 2  # two activations with a torch column, two bars each


def test_bench_rejects_bad_arguments(capsys):
    assert main(["bench", "NoSuchActivation", "--size", "256"]) == 2
    assert main(["bench", "ReLU", "--size", "3"]) == 2
    assert "error" in capsys.readouterr().err


def test_env_switch(monkeypatch):
    for value, mode in (("1", "background"), ("sync", "sync"), ("0", None), ("", None)):
        monkeypatch.setenv("ACTLAB_FAST", value)
        assert fast._env_mode() == mode


def test_fast_path_unavailable_stays_eager(monkeypatch):
    monkeypatch.setattr(fast, "available", lambda device="cpu": False)
    monkeypatch.setattr(fast, "_FAILED", set())
    x = torch.linspace(-4, 4, 101, requires_grad=True)
    with fast.enabled():
        y = actlab.functional.softsign(x)
        (g,) = torch.autograd.grad(y.sum(), x)
    with fast.enabled(False):
        y0 = actlab.functional.softsign(x)
        (g0,) = torch.autograd.grad(y0.sum(), x)
    assert torch.equal(y, y0) and torch.equal(g, g0)
    assert not any(k[0].name == "Softsign" for k in fast._READY)


# ELU: expm1 (inductor's own vectorised expm1 cancels near 0; fast.py restores the accurate one)
# and exp, which differs between ATen's eager kernel (MKL) and inductor's (Sleef), each within
# 1 ulp of the truth, so compositions may differ by up to 2 ulps (docs/performance.md lists all).
@pytest.mark.parametrize(("name", "forward_ulps", "grad_ulps"), [("ELU", 0.0, 3.0)])
def test_fast_path_matches_eager(name, forward_ulps, grad_ulps):
    if not fast.available("cpu"):
        pytest.skip("no C++ compiler: the fast path is unavailable (covered by the test above)")
    special = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, float("inf"), -1e-3])
    x = torch.cat([torch.linspace(-30, 30, 4000), special])
    x = x.reshape(-1, 8).requires_grad_()  # 2-D: kernels see a flattened view
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    m = actlab.get(name)
    out = []
    for on in (True, False):
        with fast.enabled(on):
            y = m(x)
            (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
            (ggx,) = torch.autograd.grad(gx, x, g)
        out.append((y, gx, ggx))
    assert any(k[0].name == name and k[1] == "vjp" for k in fast._READY)  # the fused kernels did run
    for fused, eager, tol in zip(out[0], out[1], (forward_ulps, grad_ulps, grad_ulps)):
        assert fused.shape == eager.shape
        assert ulps(fused, eager) <= tol


def test_fast_softmax_matches_eager():
    if not fast.available("cpu"):
        pytest.skip("no C++ compiler: the fast path is unavailable")
    x = (torch.randn(6, 33, generator=torch.Generator().manual_seed(2)) * 20).requires_grad_()
    g = torch.randn(6, 33, generator=torch.Generator().manual_seed(3))
    out = []
    for on in (True, False):
        with fast.enabled(on):
            y = actlab.functional.softmax(x, dim=1)
            (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
            (ggx,) = torch.autograd.grad(gx, x, g)
        out.append((y, gx, ggx))
    assert any(k[0].name == "Softmax" and k[1] == "backward" for k in fast._READY)
    (y, gx, ggx), (y0, gx0, ggx0) = out
    assert ulps(y, y0) <= 2.0  # the fused reduction adds in another order
    # gradients y (g - <g, y>) cancel where g ~ <g, y>: compare at the scale of the row
    for fused, eager in ((gx, gx0), (ggx, ggx0)):
        torch.testing.assert_close(fused, eager, rtol=1e-5, atol=1e-6 * eager.abs().max().item())
