"""The graph tools see one actlab operator per activation and train with the hand-derived
derivatives: torch.compile (full graph; grad, no_grad, inference_mode; every in-place module under
inductor, its input from outside the graph or a leaf; torch.func transforms inside compiled code;
dynamic shapes), torch.export (the exported program trains with
eager's gradients), torch.fx.symbolic_trace, torch.jit.trace (its check, save and load); and
torch.jit.script raises a clear error."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

import actlab
import actlab.nn as anm
from actlab.errors import ScriptingError

pytestmark = pytest.mark.usefixtures("single_thread")
ACTLAB_OPS = "actlab."


def _grads(model: nn.Module, x: Tensor) -> list[Tensor]:
    model.zero_grad()
    xr = x.clone().requires_grad_()
    (model(xr) ** 2).sum().backward()
    return [xr.grad, *(p.grad for p in model.parameters())]


def _stack(*acts: nn.Module, width: int = 6) -> nn.Sequential:
    torch.manual_seed(0)
    layers: list[nn.Module] = []
    for a in acts:
        layers += [nn.Linear(width, width), a]
    return nn.Sequential(*layers, nn.Linear(width, 2))


ELEMENTWISE = [
    anm.ELU(0.5), anm.CELU(1.3), anm.SELU(), anm.GELU(approximate="tanh"), anm.GELU(), anm.SiLU(), anm.Mish(),
    anm.Softplus(2.0), anm.Sigmoid(), anm.Tanh(), anm.LogSigmoid(), anm.Softsign(), anm.Tanhshrink(), anm.Hardswish(),
    anm.Hardsigmoid(), anm.Hardtanh(-0.5, 2.0), anm.ReLU(), anm.ReLU6(), anm.LeakyReLU(0.1), anm.Threshold(0.1, -1.0),
    anm.Hardshrink(0.3), anm.Softshrink(0.2), anm.RReLU().eval(), anm.Swish(1.5), anm.QuickGELU(), anm.SERF(),
]  # fmt: skip


def test_compile_full_graph_every_elementwise_activation() -> None:
    """One model holding every elementwise activation: no graph break, the same values and gradients."""
    torch._dynamo.reset()
    model = _stack(*ELEMENTWISE).double()
    x = torch.randn(5, 6, dtype=torch.float64)
    explained = torch._dynamo.explain(model)(x)
    assert explained.graph_break_count == 0 and explained.graph_count == 1
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x), model(x))
    for a, b in zip(_grads(compiled, x), _grads(model, x)):
        torch.testing.assert_close(a, b)


EAGER_FIRST = [  # (a module, an eager call of its functional form with other parameter values first)
    (anm.ELU(1.5), lambda x: actlab.functional.elu(x, 0.3)),
    (anm.RReLU().eval(), lambda x: actlab.functional.rrelu(x, 0.05, 0.2)),
    (anm.Hardtanh(-2.0, 2.0), lambda x: actlab.functional.hardtanh(x, -1.0, 1.0)),
    (anm.Softmax(dim=-1), lambda x: actlab.functional.softmax(x, 0)),
    (anm.EntmaxBisect(1.3), lambda x: actlab.functional.entmax_bisect(x, 1.7)),
]


@pytest.mark.parametrize("module, eager", EAGER_FIRST, ids=[type(m).__name__ for m, _ in EAGER_FIRST])
def test_compile_after_eager_calls_with_other_parameter_values(module: nn.Module, eager: Callable) -> None:
    """The functional forms remember the parameter values they accepted (the eager path's check
    runs once per combination); compiled code neither reads nor fills that memo, so its lookup is no
    guard (a lookup that missed and then filled it made dynamo refuse its own guard: "Guard failed
    on the same frame it was created")."""
    torch._dynamo.reset()
    x = torch.randn(4, 5, dtype=torch.float64)
    eager(x)
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x), module(x))
    eager(x + 1)
    torch.testing.assert_close(compiled(x), module(x))


VECTOR: list[Callable[[], nn.Module]] = [
    lambda: anm.Softmax(dim=-1),
    lambda: anm.LogSoftmax(dim=-1),
    lambda: anm.Softmin(dim=1),
    lambda: anm.GLU(),
    lambda: anm.PReLU(),
    lambda: anm.RReLU().eval(),
    lambda: anm.SwiGLU(),
    lambda: anm.Sparsemax(),
]


@pytest.mark.parametrize("make", VECTOR, ids=lambda f: type(f()).__name__)
def test_compile_full_graph_with_grad_no_grad_and_inference_mode(make: Callable[[], nn.Module]) -> None:
    torch._dynamo.reset()
    act = make()
    model = nn.Sequential(nn.Linear(4, 8), act).double()
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    x = torch.randn(3, 4, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x))
    with torch.inference_mode():
        torch.testing.assert_close(compiled(x), model(x))
    for a, b in zip(_grads(compiled, x), _grads(model, x)):
        torch.testing.assert_close(a, b)


def test_compile_softmax2d_in_every_grad_mode() -> None:
    torch._dynamo.reset()
    compiled = torch.compile(anm.Softmax2d(), fullgraph=True, backend="aot_eager")
    x = torch.randn(2, 3, 4, 4)
    for ctx in (torch.no_grad, torch.inference_mode, torch.enable_grad):
        with ctx():
            torch.testing.assert_close(compiled(x), torch.nn.Softmax2d()(x))


INPLACE = [d for d in actlab.declarations() if getattr(d, "inplace", False) and not d.user_defined]


def _inplace_modules(name: str) -> tuple[nn.Module, nn.Module]:
    """actlab's in-place module and the reference run eagerly: torch's where it has one, else
    actlab's own (evaluation mode: RReLU's fixed slope)."""
    kw = {"threshold": 0.5, "value": -1.0} if name == "Threshold" else {}
    reference = getattr(nn, name, getattr(anm, name))
    return getattr(anm, name)(**kw, inplace=True).eval(), reference(**kw, inplace=True).eval()


@pytest.mark.parametrize("name", [d.name for d in INPLACE])
def test_compile_inplace_module_leaf_and_non_leaf_with_and_without_grad(name: str) -> None:
    """torch.compile (inductor, full graph) of every in-place module computes what torch's module
    computes eagerly: an input from outside the graph that requires grad (``module(x * 1)``; the
    op must not save the graph's input, which the in-place write changes: inductor drops an
    ``x.clone()`` as a no-op), without grad (the input holds the result), and a leaf that requires
    grad is refused as torch refuses it. torch 2.13's own compiled SiLU/Mish/Hardswish(inplace=True)
    fail the first."""
    torch._dynamo.reset()
    ours, theirs = _inplace_modules(name)
    compiled = torch.compile(ours, fullgraph=True)
    x0 = torch.tensor([-7.0, -2.0, -0.5, 0.25, 1.5, 4.0, 7.0])
    w = torch.linspace(-1.0, 2.0, x0.numel())
    results = []
    for module in (compiled, theirs):
        x = x0.clone().requires_grad_()
        y = module(x * 1)
        (y * w).sum().backward()
        results.append((y.detach(), x.grad))
    torch.testing.assert_close(results[0], results[1])
    for grad_input in (False, True):  # a leaf, and a non-leaf of a leaf that requires grad
        with torch.no_grad():
            x = x0.clone().requires_grad_(grad_input) * 1
            y = compiled(x)
            assert y is x or y.data_ptr() == x.data_ptr()
            torch.testing.assert_close(x, theirs(x0.clone()))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        compiled(x0.clone().requires_grad_())


TRANSFORMED = [anm.Hardsigmoid(), anm.ELU(0.5), anm.GELU(), anm.Softmax(dim=-1), anm.GLU(), anm.PReLU()]


@pytest.mark.parametrize("act", TRANSFORMED, ids=lambda m: type(m).__name__)
def test_compile_of_torch_func_transforms_gives_eager_derivatives(act: nn.Module) -> None:
    """torch.func inside compiled code: jacfwd (forward mode) and hessian equal eager's, never the
    zeros of an op whose tangent was dropped."""
    torch._dynamo.reset()
    x = torch.tensor([-1.0, 2.0, -0.5, 0.25], dtype=torch.float64)
    act = act.double()
    for transform in (torch.func.jacfwd, torch.func.jacrev, torch.func.hessian):
        eager = transform(act)(x)
        torch.testing.assert_close(torch.compile(transform(act), backend="aot_eager")(x), eager, rtol=0, atol=0)
        assert eager.abs().sum() > 0 or transform is torch.func.hessian


def test_compile_graph_break_before_an_inplace_relu() -> None:
    """A realistic model whose graph breaks just before ReLU(inplace=True): first-layer gradients equal torch's."""

    class Net(nn.Module):
        def __init__(self, act: nn.Module):
            super().__init__()
            self.fc1, self.act, self.fc2 = nn.Linear(6, 16), act, nn.Linear(16, 3)

        def forward(self, x: Tensor) -> Tensor:
            h = self.fc1(x)
            torch._dynamo.graph_break()
            return self.fc2(self.act(h))

    torch._dynamo.reset()
    ours, theirs = Net(anm.ReLU(inplace=True)).double(), Net(nn.ReLU(inplace=True)).double()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(8, 6, dtype=torch.float64)
    for a, b in zip(_grads(torch.compile(ours, backend="aot_eager"), x), _grads(theirs, x)):
        torch.testing.assert_close(a, b)


def test_compile_dynamic_shapes_do_not_recompile() -> None:
    torch._dynamo.reset()
    calls = []

    def backend(gm: torch.fx.GraphModule, example: list) -> Callable:
        calls.append(gm)
        return gm.forward

    compiled = torch.compile(anm.GELU(), backend=backend, dynamic=True, fullgraph=True)
    for n in (5, 17, 64):
        x = torch.randn(n)
        torch.testing.assert_close(compiled(x), torch.nn.functional.gelu(x))
    assert len(calls) == 1
    assert any(str(n.target).startswith("actlab.gelu") for n in calls[0].graph.nodes)


def _call_targets(graph: torch.fx.Graph) -> list[str]:
    return [str(n.target) for n in graph.nodes if n.op == "call_function"]


EXPORTED = [anm.Tanh(), anm.GELU(), anm.Softmax(dim=-1), anm.GLU(), anm.PReLU(8), anm.ELU(0.5)]


@pytest.mark.parametrize("act", EXPORTED, ids=lambda m: type(m).__name__)
def test_export_keeps_one_node_and_trains_with_eager_gradients(act: nn.Module) -> None:
    """The exported program holds the activation as one actlab op (no decomposed formula, no float64
    casts), keeps it through run_decompositions, and ep.module() trains with eager's gradients."""
    torch.manual_seed(0)
    width = 8
    model = nn.Sequential(nn.Linear(4, width), act, nn.Linear(width // 2 if isinstance(act, anm.GLU) else width, 3))
    with torch.no_grad():
        model[0].bias.zero_()
    x = torch.randn(5, 4)
    ep = torch.export.export(model, (x,))
    targets = _call_targets(ep.graph)
    ours = [t for t in targets if t.startswith(ACTLAB_OPS)]
    assert len(ours) == 1 and "aten._to_copy.default" not in targets, targets
    decomposed = _call_targets(ep.run_decompositions().graph)
    assert sum(t.startswith(ACTLAB_OPS) for t in decomposed) == 1
    for a, b in zip(_grads(ep.module(), x), _grads(model, x)):
        torch.testing.assert_close(a, b)
        assert a is None or a.abs().sum() > 0 or b.abs().sum() == 0


def test_export_issue_example_zero_bias_tanh_net_has_nonzero_bias_gradients() -> None:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), anm.Tanh(), nn.Linear(4, 2))
    with torch.no_grad():
        for m in (model[0], model[2]):
            m.bias.zero_()
    x = torch.randn(6, 3)
    ep = torch.export.export(model, (x,)).module()
    (ep(x) ** 2).sum().backward()
    assert (list(ep.parameters())[1].grad.abs() > 0).all()


def test_fx_symbolic_trace_records_actlab_ops() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 8),
        anm.GELU(),
        anm.Softmax(dim=-1),
        anm.PReLU(8),
        anm.ReLU(inplace=True),
        anm.GLU(),
        nn.Linear(4, 2),
    )
    gm = torch.fx.symbolic_trace(model)
    targets = _call_targets(gm.graph)
    assert any(t.startswith("actlab.gelu") for t in targets) and any(t.startswith("actlab.relu_") for t in targets)
    assert any("prelu" in t for t in targets) and any("softmax" in t for t in targets)
    x = torch.randn(3, 4)
    torch.testing.assert_close(gm(x), model(x))
    for a, b in zip(_grads(gm, x), _grads(model, x)):
        torch.testing.assert_close(a, b)
    assert "actlab" in gm.code


def test_jit_trace_passes_its_check_saves_and_loads() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), anm.ELU(0.5), anm.PReLU(6), anm.Softmax(dim=-1), anm.Mish()).double()
    x = torch.randn(3, 4, dtype=torch.float64)
    traced = torch.jit.trace(model, x, check_inputs=[(torch.randn(5, 4, dtype=torch.float64),)])
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    buffer.seek(0)
    loaded = torch.jit.load(buffer)
    torch.testing.assert_close(loaded(x), model(x))
    for a, b in zip(_grads(loaded, x), _grads(model, x)):
        torch.testing.assert_close(a, b)


def test_jit_script_raises_a_clear_error() -> None:
    with pytest.raises(ScriptingError, match="torch.jit.trace"):
        torch.jit.script(nn.Sequential(nn.Linear(2, 2), actlab.nn.ELU()))
