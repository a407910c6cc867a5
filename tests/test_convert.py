"""actlab.convert on real architectures built here: outputs and gradients equal before and after,
the round trip back to torch exact, configuration and parameters carried over."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import actlab
import actlab.nn as anm
from actlab.convert import ConversionError, _counterparts

W = 6


def _every_activation_mlp() -> nn.Sequential:
    """Linear layers interleaved with each of torch.nn's 27 non-image activations, configured away from defaults."""
    acts = [
        nn.Sigmoid(), nn.Tanh(), nn.Softsign(), nn.Hardsigmoid(), nn.Hardtanh(-0.8, 0.9), nn.LogSigmoid(),
        nn.Threshold(0.1, -0.5), nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(0.2), nn.PReLU(W, init=0.1), nn.RReLU(0.1, 0.3),
        nn.ELU(0.7), nn.CELU(1.3), nn.SELU(), nn.Softplus(2.0, 10.0), nn.SiLU(), nn.GELU("tanh"), nn.Mish(),
        nn.Hardswish(), nn.Hardshrink(0.05), nn.Softshrink(0.05), nn.Tanhshrink(),
        nn.Softmax(dim=-1), nn.Softmin(dim=1), nn.LogSoftmax(dim=-1),
    ]  # fmt: skip
    layers: list[nn.Module] = []
    for a in acts:
        layers += [nn.Linear(W, W), a]
    layers += [nn.Linear(W, 2 * W), nn.GLU(dim=-1)]
    return nn.Sequential(*layers)


class _Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
        self.act1 = nn.PReLU(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
        self.act2 = nn.Hardswish()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act2(x + self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x))))))


def _resnet() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU6(inplace=True),
        _Block(8),
        _Block(8),
        nn.Conv2d(8, 4, 1),
        nn.Softmax2d(),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 10),
    )


def _run(model: nn.Module, *inputs: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    model.zero_grad()
    out = model(*inputs)
    out = out[0] if isinstance(out, tuple) else out
    (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape)).sum().backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


def _assert_same(a: tuple, b: tuple, exact: bool = False) -> None:
    (oa, ga), (ob, gb) = a, b
    check = torch.testing.assert_close if not exact else (lambda x, y: torch.testing.assert_close(x, y, rtol=0, atol=0))
    check(oa, ob)
    assert len(ga) == len(gb)
    for x, y in zip(ga, gb):
        check(x, y)


def _types(model: nn.Module) -> set[str]:
    return {f"{type(m).__module__.split('.')[0]}.{type(m).__name__}" for m in model.modules()}


def test_catalogue_covers_the_30_torch_classes():
    pairs = _counterparts()
    assert len(pairs) == 30
    assert {p.torch_cls for p in pairs} >= {nn.ReLU, nn.PReLU, nn.Softmax2d, nn.GLU, nn.MultiheadAttention}
    assert all(
        p.actlab_cls is not None for p in pairs if p.name not in ("MultiheadAttention", "AdaptiveLogSoftmaxWithLoss")
    )


def test_mlp_with_every_activation_converts_with_equal_outputs_and_gradients():
    torch.manual_seed(0)
    ref = _every_activation_mlp().double().eval()  # eval: RReLU uses its mean slope
    x = torch.randn(5, W, dtype=torch.float64)
    conv, report = actlab.convert(ref, return_report=True)
    assert len(report) == 27 and not report.skipped
    assert all(r.new.startswith("actlab.nn.") for r in report.replaced)
    assert not any(t.startswith("torch.") and t != "torch.Linear" for t in _types(conv) - {"torch.Sequential"})
    assert all(type(m).__module__.startswith("torch") for m in ref.modules())  # the original is untouched
    _assert_same(_run(ref, x), _run(conv, x))
    back = actlab.convert(conv, to="torch")
    assert [type(m) for m in back.modules()] == [type(m) for m in ref.modules()]
    _assert_same(_run(ref, x), _run(back, x), exact=True)


def test_configuration_and_parameters_are_copied():
    torch.manual_seed(0)
    ref = nn.Sequential(nn.ELU(0.3, inplace=True), nn.GELU("tanh"), nn.Softmax(dim=1), nn.PReLU(3, 0.4))
    ref[3].weight.requires_grad_(False)
    ref[2].train(False)
    conv = actlab.convert(ref)
    assert isinstance(conv[0], anm.ELU) and conv[0].alpha == 0.3 and conv[0].inplace is True
    assert conv[1].approximate == "tanh" and conv[2].dim == 1 and conv[2].training is False
    assert conv[3].num_parameters == 3 and conv[3].init == 0.4
    assert torch.equal(conv[3].weight, ref[3].weight) and not conv[3].weight.requires_grad


def test_resnet_style_cnn_converts_with_equal_outputs_and_gradients():
    torch.manual_seed(1)
    ref = _resnet().double()
    with torch.no_grad():
        for m in ref.modules():
            if isinstance(m, nn.PReLU):
                m.weight.uniform_(0.05, 0.5)  # distinct trained-looking slopes
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    conv, report = actlab.convert(ref, return_report=True)
    assert report.counts() == {"PReLU": 2, "Hardswish": 2, "ReLU6": 1, "Softmax2d": 1}
    assert conv[1].inplace is True and conv[2].act1.num_parameters == 8
    torch.testing.assert_close(conv[2].act1.weight, ref[2].act1.weight)
    _assert_same(_run(ref, x), _run(conv, x))
    _assert_same(_run(ref, x), _run(actlab.convert(conv, to="torch"), x), exact=True)


def test_inplace_conversion_keeps_parameter_identity_so_an_optimizer_still_works():
    model = nn.Sequential(nn.Linear(4, 4), nn.PReLU(4), nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    weight = model[1].weight
    same = actlab.convert(model, inplace=True)
    assert same is model and isinstance(model[1], anm.PReLU) and model[1].weight is weight
    before = weight.detach().clone()
    model(torch.randn(8, 4)).pow(2).sum().backward()
    opt.step()
    assert not torch.equal(weight, before)


def test_shared_modules_stay_shared_and_conversion_is_idempotent():
    act = nn.Tanh()
    model = nn.Sequential(nn.Linear(3, 3), act, nn.Linear(3, 3), act)
    conv, report = actlab.convert(model, return_report=True)
    assert conv[1] is conv[3] and isinstance(conv[1], anm.Tanh) and len(report) == 1
    again, report2 = actlab.convert(conv, return_report=True)
    assert len(report2) == 0 and again[1] is again[3]


def test_root_activation_and_bad_arguments():
    assert isinstance(actlab.convert(nn.ReLU()), anm.ReLU)
    assert isinstance(actlab.convert(anm.LeakyReLU(0.3), to="torch"), nn.LeakyReLU)
    with pytest.raises(TypeError, match="nn.Module"):
        actlab.convert(lambda x: x)
    with pytest.raises(ValueError, match="'actlab' or 'torch'"):
        actlab.convert(nn.ReLU(), to="jax")


def test_actlab_extras_have_no_torch_counterpart():
    model = nn.Sequential(nn.Linear(2, 2), anm.Swish(beta=1.5), anm.ReLU())
    with pytest.raises(ConversionError, match="Swish"):
        actlab.convert(model, to="torch")
    back, report = actlab.convert(model, to="torch", strict=False, return_report=True)
    assert isinstance(back[1], anm.Swish) and isinstance(back[2], nn.ReLU)
    assert report.skipped == [("1", "Swish has no torch.nn counterpart")]
    assert "skipped 1" in str(report)


def test_transformer_encoder_converts_attention_and_functional_activations():
    torch.manual_seed(2)
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True)
    ref = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).double()
    x = torch.randn(3, 5, 16, dtype=torch.float64)
    conv, report = actlab.convert(ref, return_report=True)
    assert report.counts() == {"MultiheadAttention": 2, "gelu": 2}
    for lay in conv.layers:
        assert isinstance(lay.self_attn, anm.MultiheadAttention) and lay.activation is actlab.functional.gelu
        assert lay.activation_relu_or_gelu == 0  # torch's fused inference kernel would bypass actlab
    _assert_same(_run(ref, x), _run(conv, x))
    ref.eval(), conv.eval()
    with torch.no_grad():
        torch.testing.assert_close(conv(x), ref(x))
    back = actlab.convert(conv, to="torch")
    assert all(lay.activation_relu_or_gelu == 2 and lay.activation is torch.nn.functional.gelu for lay in back.layers)
    _assert_same(_run(ref.train(), x), _run(back.train(), x), exact=True)


def test_multihead_attention_with_separate_projections_and_bias_kv():
    torch.manual_seed(3)
    ref = nn.MultiheadAttention(8, 2, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True).double()
    q, k, v = (torch.randn(4, 2, d, dtype=torch.float64) for d in (8, 5, 3))
    conv = actlab.convert(ref)
    assert conv.kdim == 5 and conv.vdim == 3 and conv.bias_k is not None and conv.add_zero_attn
    _assert_same(_run(ref, q, k, v), _run(conv, q, k, v))


def test_adaptive_log_softmax_head_converts_with_equal_loss_and_gradients():
    torch.manual_seed(4)
    ref = nn.ModuleDict(
        {"body": nn.Sequential(nn.Linear(8, 16), nn.SiLU()), "head": nn.AdaptiveLogSoftmaxWithLoss(16, 30, [5, 15])}
    ).double()
    x, y = torch.randn(12, 8, dtype=torch.float64), torch.randint(0, 30, (12,))

    def run(m: nn.ModuleDict) -> tuple[torch.Tensor, list[torch.Tensor]]:
        m.zero_grad()
        out, loss = m["head"](m["body"](x), y)
        loss.backward()
        return torch.cat([out, loss[None]]).detach(), [p.grad.clone() for p in m.parameters()]

    conv, report = actlab.convert(ref, return_report=True)
    assert report.counts() == {"SiLU": 1, "AdaptiveLogSoftmaxWithLoss": 1}
    assert conv["head"].cutoffs == [5, 15, 30] and conv["head"].head.weight is not None
    _assert_same(run(ref), run(conv))
    _assert_same(run(ref), run(actlab.convert(conv, to="torch")), exact=True)


def test_convert_keeps_every_hook_kind_both_ways():
    """Forward, forward-pre, full backward, backward-pre and state_dict hooks survive the swap
    (guided backprop and gradient logging keep working), and the round trip back to torch."""
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    seen: list[str] = []
    act = model[1]
    act.register_forward_pre_hook(lambda m, i: seen.append("forward_pre"))
    act.register_forward_hook(lambda m, i, o: seen.append("forward"))
    act.register_full_backward_pre_hook(lambda m, go: seen.append("backward_pre"))
    act.register_full_backward_hook(lambda m, gi, go: seen.append("backward"))
    act._register_state_dict_hook(lambda m, sd, prefix, local: seen.append("state_dict"))
    x = torch.randn(2, 3, requires_grad=True)
    for converted in (actlab.convert(model), actlab.convert(actlab.convert(model), to="torch")):
        seen.clear()
        converted(x).sum().backward()
        converted.state_dict()
        assert seen == ["forward_pre", "forward", "backward_pre", "backward", "state_dict"]
