"""convert() on the models people use: Hugging Face transformers models built from small configs
(random weights, no download) and timm's activation classes (imported with a stub in place of
torchvision, whose registry wheel cannot load with the CPU torch here). Every activation is
swapped, outputs and gradients stay equal within float32 rounding, and the round trip restores
the original objects exactly; unmapped classes are reported with the reason; libraries can
register their own classes."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import Tensor, nn

import actlab
from actlab.mappings import MAPPINGS, qualname

transformers = pytest.importorskip("transformers")

TOL = {"rtol": 2e-5, "atol": 2e-6}  # float32 rounding through a few layers


def _hf_models() -> dict[str, tuple[Callable[[], nn.Module], Callable[[nn.Module], Tensor], dict[str, int]]]:
    T = transformers
    ids = torch.randint(0, 64, (2, 7), generator=torch.Generator().manual_seed(0))
    img = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    return {
        "llama": (
            lambda: T.LlamaForCausalLM(
                T.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=4, num_key_value_heads=2)),
            lambda m: m(input_ids=ids).logits,
            {"SiLU": 2},
        ),
        "gpt2": (
            lambda: T.GPT2LMHeadModel(T.GPT2Config(vocab_size=64, n_embd=32, n_layer=2, n_head=4, n_positions=32,
                                                   bos_token_id=0, eos_token_id=0)),
            lambda m: m(input_ids=ids).logits,
            {"GELU": 2},
        ),
        "bert": (
            lambda: T.BertModel(T.BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2,
                                             num_attention_heads=4, intermediate_size=64)),
            lambda m: m(input_ids=ids).pooler_output,
            {"GELU": 2, "Tanh": 1},
        ),
        "t5-gated-gelu": (
            lambda: T.T5ForConditionalGeneration(T.T5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=64, num_layers=2,
                                                            num_heads=4, feed_forward_proj="gated-gelu")),
            lambda m: m(input_ids=ids, decoder_input_ids=ids).logits,
            {"GELU": 4},
        ),
        "vit": (
            lambda: T.ViTModel(T.ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2,
                                           num_attention_heads=4, intermediate_size=64)),
            lambda m: m(pixel_values=img).pooler_output,
            {"GELU": 2, "Tanh": 1},
        ),
    }  # fmt: skip


HF = _hf_models()


def _loss_and_grads(model: nn.Module, run: Callable[[nn.Module], Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
    model.zero_grad()
    out = run(model)
    (out.square().mean()).backward()
    return out.detach(), {k: p.grad.detach().clone() for k, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("name", list(HF))
def test_transformers_models_convert_and_round_trip(name: str) -> None:
    build, run, expected = HF[name]
    torch.manual_seed(0)
    model = build().eval()
    out, grads = _loss_and_grads(model, run)
    converted, report = actlab.convert(model, return_report=True)
    assert dict(report.counts()) == expected and report.skipped == []
    assert all(not type(m).__module__.startswith("transformers.activations") for m in converted.modules())
    out_c, grads_c = _loss_and_grads(converted, run)
    torch.testing.assert_close(out_c, out, **TOL)
    for k in grads:
        torch.testing.assert_close(grads_c[k], grads[k], **TOL)
    back = actlab.convert(converted, to="torch")
    assert [type(m) for m in back.modules()] == [type(m) for m in model.modules()]
    out_b, grads_b = _loss_and_grads(back, run)
    assert torch.equal(out_b, out) and all(torch.equal(grads_b[k], grads[k]) for k in grads)


def test_transformers_every_mapped_class_matches_actlab() -> None:
    """Each mapped transformers activation against its actlab replacement on a wide range of
    inputs, float32: outputs and gradients within float32 rounding (actlab more accurate in tails)."""
    A = transformers.activations
    x = torch.linspace(-8, 8, 1001)
    for cls in (A.GELUActivation, A.NewGELUActivation, A.FastGELUActivation, A.AccurateGELUActivation,
                A.GELUTanh, A.QuickGELUActivation, A.ReLUSquaredActivation, A.SiLUActivation, A.MishActivation,
                lambda: A.ClippedGELUActivation(-0.1, 2.0), A.LaplaceActivation,
                lambda: A.XIELUActivation(alpha_p_init=1.3, alpha_n_init=0.9, dtype=torch.float32)):  # fmt: skip
        theirs = cls()
        ours = actlab.convert(theirs)
        assert actlab.convert(ours, to="torch") is not None
        xr, xo = x.clone().requires_grad_(), x.clone().requires_grad_()
        yr, yo = theirs(xr), ours(xo)
        torch.testing.assert_close(yo, yr, rtol=1e-5, atol=1e-6)
        yr.sum().backward()
        yo.sum().backward()
        torch.testing.assert_close(xo.grad, xr.grad, rtol=1e-4, atol=1e-5)


def test_xielu_keeps_the_raw_parameters_and_trains_them() -> None:
    """transformers' xIELU holds softplus-inverse parameters: actlab's module takes their values,
    their gradients are the original's, the round trip gives back the trained parameters;
    a beta actlab's declaration fixes differently is left with the reason."""
    A = transformers.activations
    theirs = A.XIELUActivation(alpha_p_init=1.3, alpha_n_init=0.9, dtype=torch.float32)
    ours = actlab.convert(theirs)
    assert torch.equal(ours.alpha_p, theirs.alpha_p) and torch.equal(ours.alpha_n, theirs.alpha_n)
    x = torch.linspace(-6, 6, 101)
    ours(x).square().sum().backward()
    theirs(x).square().sum().backward()
    torch.testing.assert_close(ours.alpha_p.grad, theirs.alpha_p.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours.alpha_n.grad, theirs.alpha_n.grad, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        ours.alpha_p.add_(0.25)  # "trained"
    back = actlab.convert(ours, to="torch")
    assert isinstance(back, A.XIELUActivation)
    assert torch.equal(back.alpha_p, ours.alpha_p) and torch.equal(back.alpha_n, ours.alpha_n)
    other = nn.Sequential(A.XIELUActivation(beta=0.3, dtype=torch.float32))
    converted, report = actlab.convert(other, return_report=True)
    assert isinstance(converted[0], A.XIELUActivation) and "beta = 0.3" in dict(report.skipped)["0"]


def test_unmapped_transformers_classes_are_reported_with_the_reason() -> None:
    A = transformers.activations
    model = nn.Sequential(nn.Linear(2, 2), A.LinearActivation(), A.SqrtSoftplusActivation())
    converted, report = actlab.convert(model, return_report=True)
    assert isinstance(converted[1], A.LinearActivation) and isinstance(converted[2], A.SqrtSoftplusActivation)
    reasons = dict(report.skipped)
    assert "identity" in reasons["1"] and "sqrt(softplus" in reasons["2"]


class _StubModule(types.ModuleType):
    """Any attribute is a class (and any class attribute a name): enough for timm's imports."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        meta = type("_StubMeta", (type,), {"__getattr__": lambda cls, n: _attribute(n)})
        cls = meta(name, (), {"__init__": lambda self, *a, **k: None})
        setattr(self, name, cls)
        return cls


def _attribute(name: str) -> str:
    if name.startswith("__"):
        raise AttributeError(name)
    return name


class _TorchvisionStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


@pytest.fixture(scope="module")
def timm_layers() -> Iterator[tuple[Any, Any]]:
    if importlib.util.find_spec("timm") is None:
        pytest.skip("timm is not installed")
    finder = _TorchvisionStub()
    sys.meta_path.insert(0, finder)
    try:
        import timm.layers.activations as act
        import timm.layers.activations_me as act_me

        yield act, act_me
    finally:
        sys.meta_path.remove(finder)


def test_timm_activation_classes_convert_and_round_trip(timm_layers: tuple[Any, Any]) -> None:
    act, act_me = timm_layers
    mods = [act.GELU(), act.GELUTanh(), act.QuickGELU(), act.Swish(), act.Mish(), act.HardSwish(), act.HardSigmoid(),
            act.HardMish(), act.Sigmoid(), act.Tanh(), act.PReLU(num_parameters=6, init=0.1), act_me.SwishMe(),
            act_me.MishMe(), act_me.HardSwishMe(), act_me.HardSigmoidMe(), act_me.HardMishMe()]  # fmt: skip
    mapped = {qualname(type(m)) for m in mods}
    assert mapped <= set(MAPPINGS)
    torch.manual_seed(0)
    for m in mods:
        model = nn.Sequential(nn.Linear(4, 6), m)
        x = torch.randn(5, 4)
        out, grads = _loss_and_grads(model, lambda net, x=x: net(x * 2.5))
        converted, report = actlab.convert(model, return_report=True)
        assert len(report.replaced) == 1 and type(converted[1]).__module__.startswith("actlab.nn")
        out_c, grads_c = _loss_and_grads(converted, lambda net, x=x: net(x * 2.5))
        torch.testing.assert_close(out_c, out, **TOL)
        for k in grads:
            torch.testing.assert_close(grads_c[k], grads[k], **TOL)
        back = actlab.convert(converted, to="torch")
        assert type(back[1]) is type(m)
        assert torch.equal(back(x), model(x))


def test_libraries_register_their_own_classes() -> None:
    class MyGELU(nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            return torch.nn.functional.gelu(x, approximate="tanh")

    name = qualname(MyGELU)
    actlab.register_mapping(name, "GELU", config=lambda m: {"approximate": "tanh"})
    try:
        model = nn.Sequential(nn.Linear(3, 3), MyGELU())
        converted, report = actlab.convert(model, return_report=True)
        assert isinstance(converted[1], actlab.nn.GELU) and converted[1].approximate == "tanh"
        assert report.replaced[0].old.endswith("MyGELU")
        assert isinstance(actlab.convert(converted, to="torch")[1], MyGELU)
    finally:
        MAPPINGS.pop(name)
