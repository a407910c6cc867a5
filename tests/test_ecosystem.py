"""actlab modules in the torch ecosystem: torch.compile without graph breaks, ONNX export run in
onnxruntime, autocast to bfloat16 on CPU, and a 2-process DistributedDataParallel step."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

import actlab
import actlab.nn as anm


def _net(act: nn.Module, width: int = 6) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, width), act, nn.Linear(width // 2 if isinstance(act, anm.GLU) else width, 3))


COMPILED = [anm.ELU(0.5), anm.GELU(approximate="tanh"), anm.PReLU(6), anm.Softmax(dim=-1)]


@pytest.mark.parametrize("act", COMPILED, ids=lambda m: type(m).__name__)
def test_torch_compile_full_graph_matches_eager(act):
    torch._dynamo.reset()
    model = _net(act)
    x = torch.randn(5, 4, requires_grad=True)
    explained = torch._dynamo.explain(model)(x)
    assert explained.graph_break_count == 0 and explained.graph_count == 1
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    y, yc = model(x), compiled(x)
    torch.testing.assert_close(yc, y)
    (gx,) = torch.autograd.grad((y * y).sum(), x)
    (gxc,) = torch.autograd.grad((yc * yc).sum(), x)
    torch.testing.assert_close(gxc, gx)


def test_torch_compile_default_backend_on_a_converted_model():
    torch._dynamo.reset()
    model = actlab.convert(nn.Sequential(nn.Linear(4, 8), nn.SiLU(), nn.Linear(8, 2)))
    x = torch.randn(6, 4)
    torch.testing.assert_close(torch.compile(model, fullgraph=True)(x), model(x))


ONNX = [anm.ELU(0.5), anm.GELU(), anm.Mish(), anm.LogSoftmax(dim=1), anm.GLU()]


@pytest.mark.parametrize("act", ONNX, ids=lambda m: type(m).__name__)
def test_onnx_export_runs_in_onnxruntime(act, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _net(act).eval()
    x = torch.randn(7, 4) * 3
    path = tmp_path / "model.onnx"
    torch.onnx.export(model, (x,), str(path), dynamo=True, verbose=False)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    np.testing.assert_allclose(y, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["GELU", "SiLU", "Softmax", "PReLU"])
def test_autocast_bfloat16_on_cpu_gives_torch_dtypes(name):
    kwargs = {"dim": -1} if name == "Softmax" else {}
    ours, theirs = _net(actlab.get(name, **kwargs)), _net(getattr(nn, name)(**kwargs))
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden_ours, hidden_theirs = ours[1](ours[0](x)), theirs[1](theirs[0](x))
        y_ours, y_theirs = ours(x), theirs(x)
    assert hidden_ours.dtype == hidden_theirs.dtype == torch.bfloat16
    assert y_ours.dtype == y_theirs.dtype
    torch.testing.assert_close(y_ours.float(), y_theirs.float(), rtol=2e-2, atol=2e-2)
    y_ours.float().sum().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in ours.parameters())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), anm.PReLU(8), nn.Linear(8, 8), anm.Mish(), nn.Linear(8, 2))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(8, 4, generator=g), torch.randint(0, 2, (8,), generator=g)


def _step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def _ddp_worker(rank: int, world: int, port: int, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        model = nn.parallel.DistributedDataParallel(_ddp_model())
        x, y = _data()
        shard = slice(rank * len(x) // world, (rank + 1) * len(x) // world)
        _step(model, x[shard], y[shard])
        torch.save([p.detach() for p in model.module.parameters()], f"{out}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_distributed_data_parallel_two_processes_match_single_process(tmp_path):
    mp.spawn(_ddp_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt") for r in range(2))
    single = _ddp_model()
    before = [p.detach().clone() for p in single.parameters()]
    _step(single, *_data())
    for a, b, c, p0 in zip(rank0, rank1, single.parameters(), before):
        assert torch.equal(a, b)
        torch.testing.assert_close(a, c.detach(), rtol=1e-5, atol=1e-6)
        assert not torch.equal(a, p0)
