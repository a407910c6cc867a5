"""Registering the Triton kernels (src/actlab/gpu/registration.py), in the nested interpreter run
where they serve the CPU key: every op of the 28 torch.nn activations that has a kernel of its own
gets one (the composites stay: third-order ops, torch's generator noise); graphs still hold one
node per activation and fake tensors still propagate; float64 runs the composite kernel."""

from __future__ import annotations

import torch
from triton_cases import REGISTERED, interpreted

import actlab
import actlab.functional as AF

pytestmark = interpreted
SUFFIXES = ("", "_", "_backward", "_backward_y", "_double_backward", "_double_backward_y", "_double_backward_x",
            "_double_backward_x_y", "_noise_counter", "_counter", "_counter_backward")  # fmt: skip
COMPOSITE = ("_triple_backward", "_noise", "_counter_double_backward")  # by design: autograd of torch ops, torch's RNG


def torch_nn_ops() -> set[str]:
    """The ops of the torch.nn activations' families that are kernels (not composites)."""
    ops = set()
    for decl in actlab.declarations():
        if decl.in_torch:
            ops |= {decl.function + s for s in SUFFIXES if hasattr(torch.ops.actlab, decl.function + s)}
    return ops


def test_every_op_of_the_torch_nn_activations_has_a_triton_kernel() -> None:
    wanted = torch_nn_ops()
    assert sum(d.in_torch for d in actlab.declarations()) == 28
    assert wanted <= set(REGISTERED), sorted(wanted - set(REGISTERED))
    for name in ("gelu", "softmax_double_backward", "prelu_backward", "glu", "rrelu_counter", "relu_"):
        assert "registration.py" in torch._C._dispatch_dump(f"actlab::{name}").split("CPU:")[1].splitlines()[0]
    for name in REGISTERED:
        assert not name.endswith(COMPOSITE)


def test_graphs_keep_one_node_per_activation_and_fake_tensors_propagate() -> None:
    class Net(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return AF.softmax(AF.gelu(x, approximate="tanh"), dim=-1)

    ep = torch.export.export(Net(), (torch.randn(4, 8),))
    targets = [str(n.target) for n in ep.graph.nodes if n.op == "call_function"]
    assert targets == ["actlab.gelu.default", "actlab.softmax.default"]
    x = torch.randn(4, 8)
    assert torch.equal(ep.module()(x), Net()(x))
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        y = torch.ops.actlab.mish(torch.empty(3, 5).t())
        assert y.shape == (5, 3) and y.stride() == (1, 5)


def test_float64_and_integer_inputs_take_the_composite_and_integer_paths() -> None:
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    assert torch.equal(torch.ops.actlab.silu(x), actlab.declaration("SiLU").f(x))
    assert torch.equal(AF.relu(torch.tensor([-2, 3])), torch.tensor([0, 3]))
